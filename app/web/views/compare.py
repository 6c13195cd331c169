"""Comparer / Compare: resources side by side, or one selection in two periods."""

from datetime import timedelta

import altair as alt
import streamlit as st

from app.web.context import current
from app.web.network import PALETTE
from app.web.widgets import chart, table
from graph.store.results import adoptions, analyses

context = current()
t, database = context.t, context.database
st.header(t("page.compare"))
chosen = context.filters
mode = st.radio(
    t("compare.mode"),
    ["resources", "periods"],
    horizontal=True,
    key="compare_mode",
    format_func=lambda m: t(f"compare.{m}"),
)

if mode == "resources":
    resources = database.read(analyses.adopted_resources)
    compared = st.multiselect(
        t("compare.choose"),
        resources,
        default=resources[:2],
        key="compare_resources",
    )
    if len(compared) < 2:
        st.info(t("compare.need_two"))
        st.stop()
    summary = database.read(adoptions.resources_side_by_side, chosen, tuple(compared))
    table(context, summary, "compare-resources", "the chosen resources side by side")
    curves = database.read(adoptions.cumulative_by_resource, chosen, tuple(compared))
    x = alt.X("adopted_at:T", title=None)
else:
    span = database.read(analyses.adoption_span)
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
    periods = tuple(tuple(period) for period in periods)
    summary = database.read(adoptions.periods_side_by_side, chosen, periods)
    table(context, summary, "compare-periods", "the selection in two periods side by side")
    curves = database.read(adoptions.cumulative_by_period, chosen, periods)
    curves["days"] = curves.pop("elapsed").dt.total_seconds() / 86400  # Altair has no durations
    x = alt.X("days:Q", title=t("compare.days"))

st.subheader(t("compare.curves"))
if curves.empty:
    st.info(t("data.empty"))
else:
    with alt.data_transformers.disable_max_rows():  # a step line per adoption: thousands
        chart(
            context,
            alt.Chart(curves)
            .mark_line(interpolate="step-after")
            .encode(
                x=x,
                y=alt.Y("cumulative:Q", title=t("resource.cumulative")),
                color=alt.Color("compared:N", title=None, scale=alt.Scale(range=PALETTE)),
            )
            .properties(height=320),
            f"compare-{mode}-curves",
            f"cumulative adoptions of the compared {mode}",
        )
