"""Vue d'ensemble / Overview: what's new, key figures, rankings, what is taking off, adoptions
over time."""

import json

import altair as alt
import pandas as pd
import streamlit as st

from app.report.build import whats_new
from app.report.words import episode
from app.web.context import current
from app.web.i18n import day, number
from app.web.widgets import chart, daily_bars, narrative, table
from graph.store.results import adoptions, analyses, resources

context = current()
t, database, chosen = context.t, context.database, context.filters

st.header(t("page.overview"))
analysis = database.read(analyses.last_analysis)
rule = json.loads(analysis["parameters"])["rule"]
st.caption(t("data.analysis", when=day(analysis["finished_at"], context.language), rule=rule))

st.subheader(t("overview.news"))
news = database.read(whats_new, chosen.start, chosen.end)
if news is not None:
    period = news["period"]
    st.caption(
        t(
            "overview.news_period",
            first=day(period["first"], context.language),
            last=day(period["last"], context.language),
            days=number((period["last"] - period["first"]).days + 1, context.language),
        )
    )
    if news["headline"]:
        narrative([episode(row, context.language) for row in news["headline"][:3]])
    else:
        st.write(t("overview.news_none"))
    if len(news["headline"]) > 3:
        st.caption(
            t("overview.news_more", count=number(len(news["headline"]) - 3, context.language))
        )
    adopted = news["resources"]
    if not adopted.empty:
        st.caption(t("overview.news_adopted"))
        table(
            context,
            adopted[["title", "adoptions", "adoptions_change", "potential_reach",
                     "structural_virality", "takeoff"]].head(5),
            "whats-new",
            "the resources adopted in the last days, with their change against the days before",
        )  # fmt: skip

st.subheader(t("overview.figures"))
counts = database.read(adoptions.adoption_totals, chosen)
figures = database.read(adoptions.reach_totals, chosen)


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
ranking = database.read(adoptions.resource_ranking, chosen)
by_reach, by_virality = st.tabs([t("overview.unique_audience"), t("overview.virality")])
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
taking_off = database.read(adoptions.taking_off, chosen)
if taking_off.empty:
    st.caption(t("overview.no_takeoff"))
else:
    table(context, taking_off, "taking-off", "resources taking off in the last 24 hours analysed")

st.subheader(t("overview.timeline"))
daily = database.read(adoptions.daily_adoptions, chosen)
if daily.empty:
    st.info(t("data.empty"))
else:
    figure = daily_bars(context, daily)
    actions = database.read(resources.campaign_dates)
    if actions is not None:
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
