"""Ressource / Resource: how one resource spread, cascade by cascade."""

import altair as alt
import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.network import palette
from app.web.widgets import (
    chart,
    daily_adoptions,
    daily_bars,
    graph_downloads,
    network,
    table,
)
from graph.networks import cascade_forest
from graph.store import Store
from graph.store import queries as q

context = current()
t, database, language = context.t, context.database, context.language

catalogue = database.query(
    "SELECT resource_id, title FROM catalogue WHERE resource_id IN "
    "(SELECT DISTINCT resource_id FROM adoptions) ORDER BY resource_id"
)
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
where, parameters = context.filters.adoption_clause()
where, parameters = f"{where} AND a.resource_id = ?", [*parameters, resource]

st.subheader(t("resource.timeline"))
daily = daily_adoptions(context, where, parameters)
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
    database.query(
        "SELECT figure, kind, value, low, high, coverage FROM reach WHERE resource_id = ? "
        "ORDER BY figure",
        resource,
    ),
    f"{resource}-reach",
    f"reach figures of {resource}",
)

st.subheader(t("resource.cascades"))
cascades = database.query(
    "SELECT cascade, platform, started_at, size, depth, max_breadth, structural_virality, "
    "lifetime_hours, half_life_hours, observed_share FROM cascades WHERE resource_id = ? "
    "ORDER BY size DESC, started_at, cascade",
    resource,
)
table(context, cascades, f"{resource}-cascades", f"the cascades of {resource}")

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
    tree = database.query(
        "SELECT t.account_id, t.parent_id, t.kind, t.method, t.adopted_at, t.platform, "
        f"coalesce(n.handle, t.account_id) AS label FROM cascade_trees t LEFT JOIN "
        f"{q.NAMED_HANDLES} n USING (platform, account_id) WHERE t.cascade = ? "
        "ORDER BY t.adopted_at NULLS LAST",
        cascade,
    )
    kinds = {"original": 0, "repost": 1, "quote": 2, "reply": 3, "post": 4}
    nodes = pd.DataFrame(
        {
            "id": tree["account_id"],
            "label": tree["label"].str.slice(0, 24),
            "title": tree["label"]
            + "\n"
            + tree["kind"]
            + " · "
            + tree["method"]
            + "\n"
            + tree["adopted_at"].astype(str),
            "color": [palette(kinds.get(kind, 5)) for kind in tree["kind"]],
            "size": 12.0,
        }
    )
    edges = tree.dropna(subset=["parent_id"]).rename(
        columns={"parent_id": "source", "account_id": "target"}
    )[["source", "target"]]
    network(nodes, edges, height=480, tree=True)
    st.html(  # a legend of fixed words: nothing from the data goes into this markup
        " &nbsp; ".join(
            f'<span style="color:{palette(number)}">●</span> {kind}'
            for kind, number in kinds.items()
        )
    )

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
    database.query(
        "SELECT step, platform, first_seen_at, hours_after_first, adopters, cascades "
        "FROM journeys WHERE resource_id = ? ORDER BY step",
        resource,
    ),
    f"{resource}-journey",
    f"the platforms {resource} reached, in order",
)

st.subheader(t("resource.communities"))
table(
    context,
    database.query(
        "SELECT r.community, c.label, r.adopters, r.share, r.arrived_at, r.bridge "
        "FROM resource_communities r JOIN communities c USING (community) "
        "WHERE r.resource_id = ? ORDER BY r.arrived_at",
        resource,
    ),
    f"{resource}-communities",
    f"communities {resource} reached",
)

st.subheader(t("resource.roles"))
table(
    context,
    database.query(
        "SELECT r.platform, coalesce(n.handle, r.account_id) AS account, r.cascades_started, "
        "r.started_reach, r.downstream, r.originator, r.amplifier FROM resource_roles r "
        f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) "
        "WHERE r.resource_id = ? AND (r.originator OR r.amplifier) "
        "ORDER BY r.started_reach + r.downstream DESC, account LIMIT 50",
        resource,
    ),
    f"{resource}-roles",
    f"originators and amplifiers of {resource}",
)

st.subheader(t("resource.institutions"))
table(
    context,
    database.query(
        "SELECT adopters, institutional_adopters, adopters_through_institutions, "
        "share_through_institutions, institutional_reach_share FROM institutional_share "
        "WHERE resource_id = ?",
        resource,
    ),
    f"{resource}-institutional-share",
    f"institutional share of {resource}",
)

left, right = st.columns(2)
with left:
    st.subheader(t("resource.bass"))
    table(
        context,
        database.query(
            "SELECT status, points, m, p, q, r2, peak AS peak_days FROM bass_fits "
            "WHERE resource_id = ?",
            resource,
        ),
        f"{resource}-bass",
        f"Bass fit of {resource}",
    )
with right:
    st.subheader(t("resource.categories"))
    table(
        context,
        database.query(
            "SELECT category, count(*) AS adopters FROM adopter_categories WHERE resource_id = ? "
            "GROUP BY category ORDER BY min(hours)",
            resource,
        ),
        f"{resource}-categories",
        f"Rogers' adopter categories of {resource}",
    )
