"""Communautés / Communities: sizes, labels, stability, what each adopts, bridges."""

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
left, right = st.columns(2)
left.metric(
    t("communities.modularity"), number(round(communities["modularity"].iloc[0], 3), language)
)


@st.cache_data(show_spinner=True, max_entries=4)
def _stability(path: str, version) -> float:
    import json

    from graph.builders import sociability_graph
    from graph.communities import stability
    from graph.store import Store

    with Store(path, read_only=True, lock_wait=0) as store:
        edges = found.sociability_edges(store.connection)
        parameters = json.loads(analyses.last_analysis(store.connection)["parameters"])
    resolution = parameters.get("resolution")
    return stability(sociability_graph(edges), range(5), float(resolution or 1.0))


if right.button(t("communities.stability_button"), key="stability"):
    from app.web.data import version_of

    value = _stability(str(database.path), version_of(database.path))
    right.metric(t("communities.stability"), number(round(value, 3), language))
table(
    context,
    communities.drop(columns="modularity"),
    "communities",
    "communities of the sociability graph, with labels for humans",
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
bridges = database.read(accounts.bridges, 200)
bridges = bridges[bridges["community"].isin(communities["community"])]
table(
    context,
    bridges,
    "bridges",
    "accounts tied into other communities and on shortest paths between them",
)
