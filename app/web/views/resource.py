"""Ressource / Resource: the story of one resource's spread, read top to bottom: how much and
when, where it started, when it took off, from account to account (the cascade tree, with its
time slider), who carried it, how far it went, the campaigns, then the models."""

import json
from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.i18n import depth_times, moment, percent, word
from app.web.network import FADED, edge_opacity, legend, palette
from app.web.replay import time_slider, until_end_of
from app.web.story import story
from app.web.widgets import chart, daily_bars, graph_downloads, narrative, network, table
from graph.networks import cascade_forest
from graph.store import Store
from graph.store.results import adoptions, analyses, resources
from graph.store.results.adoptions import AdoptionFilter

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

chosen = replace(context.filters, resources=(resource,))
daily = database.read(adoptions.daily_adoptions, context.filters, resource)
journey = database.read(resources.journey, resource)
reached = database.read(resources.communities_reached, resource)
reached["label"] = reached["label"].where(reached["community"] >= 0, t("communities.small"))
carriers = database.read(resources.originators_and_amplifiers, resource, 50)


def period_bounds(filters: AdoptionFilter):
    """The chosen period as times (its end excluded), or ``None`` for every time."""
    if not (filters.start and filters.end):
        return None
    return pd.Timestamp(filters.start, tz="UTC"), until_end_of(filters.end)


def within(frame: pd.DataFrame, start: str, hours: str | None = None) -> pd.DataFrame:
    """The rows of ``frame`` whose span (from ``start``, lasting ``hours``) meets the period."""
    bounds = period_bounds(context.filters)
    if bounds is None or frame.empty:
        return frame
    began = pd.to_datetime(frame[start], utc=True)
    ended = began + pd.to_timedelta(frame[hours].fillna(0) if hours else 0, unit="h")
    return frame[(began < bounds[1]) & (ended >= bounds[0])]


cascades = within(database.read(resources.cascades, resource), "started_at", "lifetime_hours")
episodes = within(database.read(resources.resource_episodes, resource), "start")

st.subheader(t("resource.story"))
told = story(
    language,
    titles[resource],
    database.read(adoptions.adoption_totals, chosen),
    daily,
    journey,
    cascades,
    episodes,
    reached,
    carriers,
)
narrative([told])

st.subheader(t("resource.timeline"))
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

st.subheader(t("resource.journey"))
table(
    context,
    journey,
    f"{resource}-journey",
    f"the platforms {resource} reached, in order",
)

st.subheader(t("resource.takeoff"))
st.caption(t("resource.takeoff_note"))
table(
    context,
    episodes,
    f"{resource}-takeoff",
    f"take-off episodes of {resource}",
)

st.subheader(t("resource.cascades"))
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
            f"{t('resource.confidence')} {percent(round(confidence, 2), language)} · "
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
    seen = set(tree["kind"])
    st.html(legend((palette(n), word(kind, language)) for kind, n in kinds.items() if kind in seen))
    st.caption(t("resource.edge_legend") + " " + t("resource.tree_replay"))
    times = pd.to_datetime(tree.set_index("account_id")["adopted_at"], utc=True)
    bounds = period_bounds(context.filters)
    if bounds is not None:  # nothing after the period; before it, the tree's beginnings
        times = times[times.isna() | (times < bounds[1])]

    def draw(until) -> None:
        """The tree with the accounts that had not adopted before ``until`` (nor in the
        period) faded, and the edges to them."""
        if bounds is not None:
            until = bounds[1] if until is None else min(until, bounds[1])
        later = ~(times < until) if until is not None else pd.Series(False, index=times.index)
        waiting = tree["account_id"].map(later).fillna(True).astype(bool).to_numpy()
        faded = nodes.assign(
            color=nodes["color"].where(~waiting, FADED), label=nodes["label"].where(~waiting, " ")
        )
        to_waiting = edges["target"].map(later).fillna(True).astype(bool).to_numpy()
        network(faded, edges.assign(opacity=edges["opacity"].where(~to_waiting, 0.08)),
                height=480, tree=True)  # fmt: skip

    time_slider(context, times, f"tree-until-{cascade}", draw)

    def forest():
        with Store(database.path, read_only=True, lock_wait=0) as store:
            return cascade_forest(store.connection, resource)

    graph_downloads(
        context,
        forest,
        f"{resource}-cascade-trees",
        f"the cascade trees of {resource}, nodes timed by adoption",
    )

st.subheader(t("resource.communities"))
table(
    context,
    reached,
    f"{resource}-communities",
    f"communities {resource} reached",
)

st.subheader(t("resource.roles"))
table(
    context,
    carriers,
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

st.subheader(t("resource.reach"))
table(
    context,
    database.read(resources.reach, resource),
    f"{resource}-reach",
    f"reach figures of {resource}",
)

st.subheader(t("resource.campaigns"))
st.caption(t("resource.campaigns_note"))
effects = database.read(resources.campaign_actions, resource)
if "note" in effects.columns:  # an analysis made before rate ratios has other columns
    effects = effects[["label", "attributed_adoptions", "adoptions_per_day_before",
                       "adoptions_per_day_after", "rate_ratio", "rate_ratio_low",
                       "rate_ratio_high", "note"]]  # fmt: skip
table(context, effects, f"{resource}-campaigns", f"campaign actions on {resource}")

st.subheader(t("resource.bass"))
st.caption(t("resource.bass_note"))
table(
    context,
    database.read(resources.bass_fit, resource),
    f"{resource}-models",
    f"adoption models of {resource}",
)

st.subheader(t("resource.categories"))
last = database.read(analyses.last_analysis)
if last is not None:  # analyses before the rule was a parameter used σ
    rule = json.loads(last.parameters).get("categories_rule", "sigma")
    st.caption(t(f"resource.categories_{rule}"))
table(
    context,
    database.read(resources.adopter_categories, resource),
    f"{resource}-categories",
    f"Rogers' adopter categories of {resource}",
)
