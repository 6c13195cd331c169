"""Ressource / Resource: how one resource spread, cascade by cascade."""

import json

import altair as alt
import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.i18n import depth_times, moment, number, phrase, word
from app.web.network import edge_opacity, legend, palette
from app.web.widgets import chart, daily_bars, graph_downloads, network, table
from graph.networks import cascade_forest
from graph.store import Store
from graph.store.results import adoptions, analyses, resources

context = current()
t, database, language = context.t, context.database, context.language

catalogue = database.read(analyses.adopted_catalogue)
choices = [
    r
    for r in catalogue["resource_id"]
    if not context.filters.resources or r in context.filters.resources
]
st.header(t("page.resource"))
if not choices:
    st.info(t("data.empty"))
    st.stop()
titles = dict(zip(catalogue["resource_id"], catalogue["title"], strict=True))
resource = st.selectbox(
    t("resource.choose"), choices, key="resource", format_func=lambda r: f"{r} – {titles[r]}"
)

st.subheader(t("resource.timeline"))
daily = database.read(adoptions.daily_adoptions, context.filters, resource)
if daily.empty:
    st.info(t("data.empty"))
else:
    totals = daily.groupby("day", as_index=False)["adoptions"].sum()
    totals["cumulative"] = totals["adoptions"].cumsum()
    shown = st.segmented_control(
        t("resource.timeline"),
        ["per_day", "cumulative"],
        default="per_day",
        format_func=lambda view: t(f"resource.{view}"),
        label_visibility="collapsed",
        key="timeline_view",
    )  # one chart drawn at a time, lighter for the browser than both in tabs
    if shown == "cumulative":
        chart(
            context,
            alt.Chart(totals)
            .mark_line(interpolate="step-after")
            .encode(
                x=alt.X("day:T", title=None),
                y=alt.Y("cumulative:Q", title=t("resource.cumulative")),
                tooltip=["day:T", "cumulative:Q"],
            )
            .properties(height=260),
            f"{resource}-cumulative",
            f"cumulative adoptions of {resource}",
        )
    else:
        chart(
            context,
            daily_bars(context, daily).properties(height=260),
            f"{resource}-per-day",
            f"adoptions of {resource} per day and platform",
        )

st.subheader(t("resource.reach"))
table(
    context,
    database.read(resources.reach, resource),
    f"{resource}-reach",
    f"reach figures of {resource}",
)

st.subheader(t("resource.cascades"))
cascades = database.read(resources.cascades, resource)
drawn = ["hours_to_depth_low", "hours_to_depth_high", "depth_probability"]
shown = cascades.drop(columns=["hours_to_depth_mean", *drawn]).assign(
    hours_to_depth=[
        depth_times(*lists, language)
        for lists in zip(*(cascades[name] for name in ["hours_to_depth", *drawn]), strict=True)
    ]
)
table(context, shown, f"{resource}-cascades", f"the cascades of {resource}")

st.subheader(t("resource.tree"))
large = cascades[cascades["size"] > 1]
if large.empty:
    st.info(t("data.empty"))
else:
    cascade = st.selectbox(
        t("resource.choose_cascade"),
        list(large["cascade"].head(50)),
        key="cascade",
        format_func=lambda c: f"{c} ({int(large.set_index('cascade').loc[c, 'size'])})",
    )
    tree = database.read(resources.cascade_tree, cascade)

    def confidence_text(confidence: float, candidates: int) -> str:
        if pd.isna(confidence):
            return f"{t('resource.unknown_confidence')} · {candidates} {t('resource.candidates')}"
        return (
            f"{t('resource.confidence')} {number(round(100 * confidence), language)} % · "
            f"{candidates} "
            f"{t('resource.candidates')}"
        )

    kinds = {"original": 0, "repost": 1, "quote": 2, "reply": 3, "post": 4, "link-in-forum": 5}
    nodes = pd.DataFrame(
        {
            "id": tree["account_id"],
            "label": tree["label"].str.slice(0, 24),
            "title": [
                f"{row.label}\n{word(row.kind, language)} · {word(row.method, language)}\n"
                f"{moment(row.adopted_at, language)}\n"
                f"{confidence_text(row.confidence, row.candidates)}"
                for row in tree.itertuples()
            ],
            "color": [palette(kinds.get(kind, 7)) for kind in tree["kind"]],
            "size": 12.0,
        }
    )
    edges = tree.dropna(subset=["parent_id"]).rename(
        columns={"parent_id": "source", "account_id": "target"}
    )
    edges = edges.assign(
        opacity=edge_opacity(edges["confidence"]), dashes=edges["confidence"].isna()
    )[["source", "target", "opacity", "dashes"]]
    network(nodes, edges, height=480, tree=True)
    seen = set(tree["kind"])
    st.html(legend((palette(n), word(kind, language)) for kind, n in kinds.items() if kind in seen))
    st.caption(t("resource.edge_legend"))

    def forest():
        with Store(database.path, read_only=True, lock_wait=0) as store:
            return cascade_forest(store.connection, resource)

    graph_downloads(
        context,
        forest,
        f"{resource}-cascade-trees",
        f"the cascade trees of {resource}, nodes timed by adoption",
    )

st.subheader(t("resource.journey"))
table(
    context,
    database.read(resources.journey, resource),
    f"{resource}-journey",
    f"the platforms {resource} reached, in order",
)

st.subheader(t("resource.communities"))
reached = database.read(resources.communities_reached, resource)
reached["label"] = reached["label"].where(reached["community"] >= 0, t("communities.small"))
table(
    context,
    reached,
    f"{resource}-communities",
    f"communities {resource} reached",
)

st.subheader(t("resource.roles"))
table(
    context,
    database.read(resources.originators_and_amplifiers, resource, 50),
    f"{resource}-roles",
    f"originators and amplifiers of {resource}",
)

st.subheader(t("resource.institutions"))
table(
    context,
    database.read(resources.institutional_share, resource),
    f"{resource}-institutional-share",
    f"institutional share of {resource}",
)

st.subheader(t("resource.bass"))
st.caption(t("resource.bass_note"))
models = database.read(resources.bass_fit, resource)
table(
    context,
    models.assign(**{name: models[name].map(lambda v: phrase(v, language))
                     for name in ("model", "status", "impulses")}),
    f"{resource}-models",
    f"adoption models of {resource}",
)  # fmt: skip

st.subheader(t("resource.categories"))
last = database.read(analyses.last_analysis)
if last is not None:  # analyses before the rule was a parameter used σ
    rule = json.loads(last.parameters).get("categories_rule", "sigma")
    st.caption(t(f"resource.categories_{rule}"))
categories = database.read(resources.adopter_categories, resource)
table(
    context,
    categories.assign(category=categories["category"].map(lambda v: phrase(v, language))),
    f"{resource}-categories",
    f"Rogers' adopter categories of {resource}",
)

st.subheader(t("resource.takeoff"))
st.caption(t("resource.takeoff_note"))
table(
    context,
    database.read(resources.resource_episodes, resource),
    f"{resource}-takeoff",
    f"take-off episodes of {resource}",
)

st.subheader(t("resource.campaigns"))
st.caption(t("resource.campaigns_note"))
effects = database.read(resources.campaign_actions, resource)
if "note" in effects.columns:  # an analysis made before rate ratios has other columns
    effects = effects[["label", "attributed_adoptions", "adoptions_per_day_before",
                       "adoptions_per_day_after", "rate_ratio", "rate_ratio_low",
                       "rate_ratio_high", "note"]]  # fmt: skip
    effects = effects.assign(note=effects["note"].map(lambda v: phrase(v, language)))
table(context, effects, f"{resource}-campaigns", f"campaign actions on {resource}")
