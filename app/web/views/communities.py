"""Communautés / Communities: sizes, labels, stability, what each adopts, bridges."""

import json

import streamlit as st

from app.web.context import current
from app.web.i18n import number
from app.web.widgets import table
from graph.store.results import accounts, adoptions, analyses
from graph.store.results import communities as found

context = current()
t, database, language = context.t, context.database, context.language
st.header(t("page.communities"))

communities = database.read(found.communities)
if context.filters.communities:
    communities = communities[communities["community"].isin(context.filters.communities)]
if communities.empty:
    st.info(t("data.empty"))
    st.stop()
overview = database.read(found.overview)
cells = st.columns(4)
cells[0].metric(t("communities.count"), number(overview["communities"], language))
cells[1].metric(t("communities.small_groups"), number(overview["small_groups"], language))
cells[2].metric(t("communities.modularity"), number(round(overview["modularity"], 3), language))
stability = overview["stability"]
cells[3].metric(
    t("communities.stability", seeds=overview["seeds"]) if stability is not None
    else t("communities.stability_none"),
    number(None if stability is None else round(stability, 3), language),
)  # fmt: skip
st.caption(t("communities.definition", min_size=overview["min_size"]))
table(
    context,
    communities.drop(columns=["modularity", "stability"], errors="ignore"),
    "communities",
    "communities of the sociability graph, with the terms most distinctive of each",
)

st.subheader(t("communities.resources"))
adopted = database.read(adoptions.community_adopters, context.filters)
adopted = adopted[adopted["community"].isin(communities["community"])]
if adopted.empty:
    st.info(t("data.empty"))
else:
    matrix = adopted.pivot_table(
        index="community", columns="resource_id", values="adopters", fill_value=0, aggfunc="sum"
    ).reset_index()
    matrix.columns.name = None
    table(context, matrix, "community-resources", "adopters of each resource per community")

st.subheader(t("communities.bridges"))
parameters = json.loads(database.read(analyses.last_analysis)["parameters"])
share = number(100 * parameters.get("bridge_share", 0.02), language)
st.caption(t("communities.bridges_rule", share=share))
bridges = database.read(accounts.bridges, 200)
if context.filters.communities:
    bridges = bridges[bridges["community"].isin(context.filters.communities)]
table(
    context,
    bridges,
    "bridges",
    "the accounts that broker the most shortest paths between communities",
)
