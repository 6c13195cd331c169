"""Comparer / Compare: resources side by side, or one selection in two periods."""

from datetime import timedelta

import altair as alt
import streamlit as st

from app.web.context import current
from app.web.data import KNOWN_AUDIENCE
from app.web.widgets import chart, table

context = current()
t, database = context.t, context.database
st.header(t("page.compare"))
where, parameters = context.filters.adoption_clause()
mode = st.radio(
    t("compare.mode"),
    ["resources", "periods"],
    horizontal=True,
    key="compare_mode",
    format_func=lambda m: t(f"compare.{m}"),
)

SUMMARY = """
SELECT {label} AS compared, count(*) AS adoptions,
       count(DISTINCT (a.platform, a.account_id)) AS adopters,
       count(DISTINCT a.platform) AS platforms, count(DISTINCT a.cascade) AS cascades,
       max(c.size) AS largest_cascade, max(c.structural_virality) AS structural_virality,
       count(DISTINCT m.community) AS communities
FROM adoptions a LEFT JOIN cascades c ON c.cascade = a.cascade
LEFT JOIN account_communities m ON m.platform = a.platform AND m.account_id = a.account_id
WHERE {where} GROUP BY ALL ORDER BY compared"""

if mode == "resources":
    resources = database.query("SELECT DISTINCT resource_id FROM adoptions ORDER BY 1")
    chosen = st.multiselect(
        t("compare.choose"),
        list(resources["resource_id"]),
        default=list(resources["resource_id"][:2]),
        key="compare_resources",
    )
    if len(chosen) < 2:
        st.info(t("compare.need_two"))
        st.stop()
    condition = f"{where} AND list_contains(?, a.resource_id)"
    summary = database.query(
        SUMMARY.format(label="a.resource_id", where=condition), *parameters, chosen
    )
    reach = database.query(
        "SELECT resource_id AS compared, "
        "max(value) FILTER (WHERE figure = 'potential_reach') AS potential_reach, "
        f"max(value) FILTER (WHERE figure = 'unique_audience' AND {KNOWN_AUDIENCE}) "
        "AS unique_audience "
        "FROM reach WHERE list_contains(?, resource_id) GROUP BY ALL",
        chosen,
    )
    summary = summary.merge(reach, on="compared", how="left")
    table(context, summary, "compare-resources", "the chosen resources side by side")
    curves = database.query(
        "SELECT resource_id AS compared, adopted_at, "
        "row_number() OVER (PARTITION BY resource_id ORDER BY adopted_at) AS cumulative "
        f"FROM adoptions a WHERE {condition} AND adopted_at IS NOT NULL",
        *parameters,
        chosen,
    )
    x = alt.X("adopted_at:T", title=None)
else:
    span = database.query(
        "SELECT min(adopted_at)::DATE AS first, max(adopted_at)::DATE AS last FROM adoptions"
    ).iloc[0]
    first, last = span["first"], span["last"]
    middle = first + (last - first) / 2
    left, right = st.columns(2)
    periods = [
        left.date_input(
            t("compare.first"),
            (first, middle),
            min_value=first,
            max_value=last,
            key="compare_first",
        ),
        right.date_input(
            t("compare.second"),
            (middle + timedelta(days=1), last),
            min_value=first,
            max_value=last,
            key="compare_second",
        ),
    ]
    if any(len(period) != 2 for period in periods):
        st.stop()
    label = "CASE WHEN a.adopted_at < ? THEN '1: ' || ? ELSE '2: ' || ? END"
    names = [f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in periods]
    condition = (
        f"{where} AND ((a.adopted_at >= ? AND a.adopted_at < ?) "
        "OR (a.adopted_at >= ? AND a.adopted_at < ?))"
    )
    bounds = [d for a, b in periods for d in (a, b + timedelta(days=1))]
    label_parameters = [periods[0][1] + timedelta(days=1), *names]
    summary = database.query(
        SUMMARY.format(label=label, where=condition), *label_parameters, *parameters, *bounds
    )
    table(context, summary, "compare-periods", "the selection in two periods side by side")
    curves = database.query(
        f"SELECT {label} AS compared, a.adopted_at - "
        "(CASE WHEN a.adopted_at < ? THEN ?::TIMESTAMPTZ ELSE ?::TIMESTAMPTZ END) AS elapsed, "
        "row_number() OVER (PARTITION BY compared ORDER BY a.adopted_at) AS cumulative "
        f"FROM adoptions a WHERE {condition}",
        *label_parameters,
        periods[0][1] + timedelta(days=1),
        periods[0][0],
        periods[1][0],
        *parameters,
        *bounds,
    )
    curves["days"] = curves["elapsed"].dt.total_seconds() / 86400
    x = alt.X("days:Q", title="jours / days")

st.subheader(t("compare.curves"))
if curves.empty:
    st.info(t("data.empty"))
else:
    chart(
        context,
        alt.Chart(curves)
        .mark_line(interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y("cumulative:Q", title=t("resource.cumulative")),
            color=alt.Color("compared:N", title=None),
        )
        .properties(height=320),
        f"compare-{mode}-curves",
        f"cumulative adoptions of the compared {mode}",
    )
