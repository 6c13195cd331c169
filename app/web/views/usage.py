"""Usages / Use: did the spread bring teachers to the parcours? The funnel, enrolments beside
adoptions, the uptake model with its lag profile and placebo, the campaigns' enrolments."""

import altair as alt
import pandas as pd
import streamlit as st

from app.web.context import current
from app.web.i18n import number, phrase
from app.web.network import PALETTE
from app.web.widgets import chart, table
from graph.store.results import adoptions, analyses
from graph.store.results import usage as results

context = current()
t, database, language = context.t, context.database, context.language
st.header(t("page.usage"))

funnel = database.read(results.funnel)
if funnel.empty:
    st.info(t("usage.none"))
    st.stop()

catalogue = database.read(analyses.adopted_catalogue)
titles = dict(zip(catalogue["resource_id"], catalogue["title"], strict=True))
choices = [None, *sorted(set(funnel["resource_id"]))]
resource = st.selectbox(
    t("usage.choose"),
    choices,
    key="usage_resource",
    format_func=lambda r: t("usage.all") if r is None else f"{r} – {titles.get(r, r)}",
)
about = resource or "every resource"

st.subheader(t("usage.funnel"))
st.caption(t("usage.funnel_help"))
stages = funnel[funnel["period"] == "all"]
stages = (
    stages.groupby(["step", "stage", "kind"], as_index=False, sort=False)["value"].sum(min_count=1)
    if resource is None
    else stages[stages["resource_id"] == resource]
).sort_values("step")
shown = pd.DataFrame(
    {
        "stage": [t(f"usage.stage.{s}") for s in stages["stage"]],
        "figure": [t(f"usage.kind.{k}") for k in stages["kind"]],
        "value": [
            number(v, language) if pd.notna(v) else t("usage.unknown") for v in stages["value"]
        ],
    }
)
known = stages[stages["value"].notna()].assign(
    label=lambda f: [t(f"usage.stage.{s}") for s in f["stage"]]
)
if not known.empty:
    chart(
        context,
        alt.Chart(known)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=list(known["label"]), title=None),
            x=alt.X("value:Q", scale=alt.Scale(type="symlog"), title=t("usage.value")),
            tooltip=[alt.Tooltip("label:N", title=t("usage.stage")), "value:Q"],
        )
        .properties(height=34 * len(known)),
        f"funnel-chart-{about}",
        f"the funnel of {about} over the whole period (logarithmic scale)",
    )
table(context, shown, f"funnel-{about}", f"the funnel of {about}; unknown stages say so")

st.subheader(t("usage.timeline"))
adopted = database.read(adoptions.daily_adoptions, context.filters, resource)
used = database.read(results.daily_usage, resource)
series = pd.concat(
    [
        adopted.groupby("day", as_index=False)["adoptions"]
        .sum()
        .rename(columns={"adoptions": "count"})
        .assign(series=t("usage.series.adoptions")),
        used[used["kind"].isin(["enrolment", "visit"])].assign(
            series=lambda f: [t(f"usage.series.{k}") for k in f["kind"]]
        )[["day", "count", "series"]],
    ],
    ignore_index=True,
)
if series.empty:
    st.info(t("data.empty"))
else:
    series["day"] = pd.to_datetime(series["day"], utc=True).dt.tz_localize(None).dt.normalize()
    chart(
        context,
        alt.Chart(series)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("count:Q", title=t("usage.per_day")),
            color=alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE)),
            tooltip=["day:T", "series:N", "count:Q"],
        )
        .properties(height=280),
        f"adoptions-and-use-{about}",
        f"adoptions, visits and enrolments of {about} per day",
    )

st.subheader(t("usage.uptake"))
fits = database.read(results.uptake, resource)
fit = fits[fits["scope"] == ("pooled" if resource is None else "resource")]
if resource is not None:
    fit = fit[fit["resource_id"] == resource]
if fit.empty or pd.isna(fit["per_100"].iloc[0]):
    note = "" if fit.empty else fit["note"].iloc[0]
    st.info(t("usage.no_uptake", note=note or t("usage.unknown")))
else:
    row = fit.iloc[0]
    st.markdown(
        t(
            "usage.uptake_sentence",
            value=number(round(row["per_100"], 2), language),
            low=number(round(row["per_100_low"], 2), language),
            high=number(round(row["per_100_high"], 2), language),
            outcome=t(f"usage.outcome.{row['outcome']}"),
        )
    )
    if pd.notna(row["flag"]) and row["flag"]:
        st.warning(phrase(row["flag"], language))
    if pd.isna(row["placebo_contains_zero"]):
        st.caption(t("usage.placebo_unknown", note=phrase(row["placebo_note"] or "", language)))
    elif row["placebo_contains_zero"]:
        st.caption(t("usage.placebo_ok"))
    else:
        st.warning(t("usage.placebo_failed"))
    lags = database.read(results.uptake_lags, resource)
    if not lags.empty:
        base = alt.Chart(lags).encode(x=alt.X("lag:O", title=t("usage.lag")))
        chart(
            context,
            base.mark_rule().encode(y=alt.Y("per_100_low:Q", title=t("usage.per_100")),
                                    y2="per_100_high:Q")
            + base.mark_point(filled=True).encode(y="per_100:Q", tooltip=["lag:O", "per_100:Q"]),
            f"lag-profile-{about}",
            f"enrolments per 100 adoptions l days later, with 95 % intervals, for {about}",
        )  # fmt: skip

campaigns = database.read(results.campaign_uptake, resource)
if not campaigns.empty:
    st.subheader(t("usage.campaigns"))
    table(context, campaigns, f"campaign-uptake-{about}", "each campaign action's enrolments")

channels = database.read(results.channel_usage)
if not channels.empty:
    st.subheader(t("usage.channels"))
    st.caption(t("usage.channels_help"))
    table(context, channels, "usage-channels", "site-wide usage per site, kind and channel")

unmatched = database.read(results.unmatched_usage)
if resource is None and not unmatched.empty:
    st.subheader(t("usage.unmatched"))
    table(context, unmatched, "usage-unmatched", "usage no catalogue resource matches")
