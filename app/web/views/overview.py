"""Vue d'ensemble / Overview: key figures, rankings, what is taking off, adoptions over time."""

import altair as alt
import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.data import KNOWN_AUDIENCE
from app.web.i18n import day, number
from app.web.widgets import chart, daily_adoptions, daily_bars, table

context = current()
t, database = context.t, context.database
where, parameters = context.filters.adoption_clause()
resources = f"(SELECT DISTINCT resource_id FROM adoptions a WHERE {where})"

st.header(t("page.overview"))
analysis = database.query(
    "SELECT finished_at, parameters->>'rule' AS rule FROM analyses "
    "ORDER BY finished_at DESC LIMIT 1"
).iloc[0]
st.caption(
    t("data.analysis", when=day(analysis["finished_at"], context.language), rule=analysis["rule"])
)

st.subheader(t("overview.figures"))
counts = database.query(
    "SELECT count(*) AS adoptions, count(DISTINCT (platform, account_id)) AS adopters, "
    f"count(DISTINCT resource_id) AS resources FROM adoptions a WHERE {where}",
    *parameters,
).iloc[0]
figures = database.query(
    "SELECT figure, any_value(kind) AS kind, sum(value) AS value, sum(low) AS low, "
    "CASE WHEN count(high) = count(*) THEN sum(high) END AS high "  # one unknown: unknown
    f"FROM reach WHERE resource_id IN {resources} GROUP BY figure",
    *parameters,
).set_index("figure")


def shown(row) -> str:
    """A key figure as text; a range as its bounds, what is unknown said so (never 0)."""
    low, high = row["low"], row["high"]
    if row["kind"] != "range" or low == high:
        known = not pd.isna(row["value"])
        return number(row["value"], context.language) if known else t("figure.unknown")
    if not pd.isna(high):
        return f"{number(low, context.language)} … {number(high, context.language)}"
    if low > 0:
        return t("figure.at_least", low=number(low, context.language))
    return t("figure.unknown")  # no follower list collected and no upper bound


columns = st.columns(6)
columns[0].metric(t("overview.adoptions"), number(counts["adoptions"], context.language))
columns[1].metric(t("overview.adopters"), number(counts["adopters"], context.language))
columns[2].metric(t("overview.resources_reached"), number(counts["resources"], context.language))
for column, figure in zip(
    columns[3:], ["potential_reach", "unique_audience", "engaged_accounts"], strict=True
):
    if figure in figures.index:
        row = figures.loc[figure]
        column.metric(t(f"overview.{figure}"), shown(row), help=t(f"kind.{row['kind']}"))
        column.caption(t(f"kind.{row['kind']}"))

st.subheader(t("overview.ranking"))
ranking = database.query(
    f"""
    WITH chosen AS (SELECT resource_id, count(*) AS adoptions,
                           count(DISTINCT (platform, account_id)) AS adopters
                    FROM adoptions a WHERE {where} GROUP BY resource_id),
    figures AS (SELECT resource_id,
                       max(value) FILTER (WHERE figure = 'potential_reach') AS potential_reach,
                       max(value) FILTER (WHERE figure = 'unique_audience' AND {KNOWN_AUDIENCE})
                           AS unique_audience,
                       max(value) FILTER (WHERE figure = 'engaged_accounts') AS engaged_accounts
                FROM reach GROUP BY resource_id),
    spread AS (SELECT resource_id, count(*) AS cascades, max(size) AS largest_cascade,
                      max(structural_virality) AS structural_virality
               FROM cascades GROUP BY resource_id)
    SELECT chosen.resource_id, c.title, chosen.adoptions, chosen.adopters,
           figures.potential_reach, figures.unique_audience, figures.engaged_accounts,
           spread.cascades, spread.largest_cascade, spread.structural_virality
    FROM chosen JOIN catalogue c USING (resource_id)
    LEFT JOIN figures USING (resource_id) LEFT JOIN spread USING (resource_id)""",
    *parameters,
)
by_reach, by_virality = st.tabs([t("overview.unique_audience"), "viralité / virality"])
with by_reach:
    table(
        context,
        ranking.sort_values(["unique_audience", "resource_id"], ascending=[False, True]),
        "resources-by-reach",
        "resources ranked by unique audience",
    )
with by_virality:
    table(
        context,
        ranking.sort_values(["structural_virality", "resource_id"], ascending=[False, True]),
        "resources-by-virality",
        "resources ranked by structural virality",
    )

st.subheader(t("overview.takeoff"))
taking_off = database.query(
    f"""SELECT v.resource_id, c.title, v.hour, v.velocity, v.baseline
    FROM velocity v JOIN catalogue c USING (resource_id)
    WHERE v.taking_off AND v.hour >= (SELECT max(hour) FROM velocity) - INTERVAL 24 HOUR
      AND v.resource_id IN {resources}
    QUALIFY row_number() OVER (PARTITION BY v.resource_id ORDER BY v.hour DESC) = 1
    ORDER BY v.velocity DESC""",
    *parameters,
)
if taking_off.empty:
    st.caption(t("overview.no_takeoff"))
else:
    table(context, taking_off, "taking-off", "resources taking off in the last 24 hours analysed")

st.subheader(t("overview.timeline"))
daily = daily_adoptions(context, where, parameters)
if daily.empty:
    st.info(t("data.empty"))
else:
    figure = daily_bars(context, daily)
    # without a campaign file, the analysis leaves campaign_effects with no date column
    if {"date", "channel"} <= database.columns("campaign_effects"):
        actions = database.query("SELECT DISTINCT date, channel FROM campaign_effects")
        rules = (
            alt.Chart(actions)
            .mark_rule(color="#444", strokeDash=[4, 3])
            .encode(x="date:T", tooltip=["date:T", "channel:N"])
        )
        figure = figure + rules
    chart(
        context,
        figure.properties(height=300),
        "adoptions-by-day",
        "adoptions per day by platform, with campaign actions",
    )
