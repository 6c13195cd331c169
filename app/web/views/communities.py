"""Communautés / Communities: sizes, labels, stability, what each adopts, bridges."""

import streamlit as st

from app.web.context import current
from app.web.i18n import number
from app.web.widgets import table
from graph.store import queries as q

context = current()
t, database, language = context.t, context.database, context.language
st.header(t("page.communities"))

communities = database.query(
    "SELECT community, label, size, central_accounts, shared_resources, contexts, modularity "
    "FROM communities ORDER BY size DESC, community"
)
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
    from graph.builders import sociability_graph
    from graph.communities import stability
    from graph.frames import fetch_frame
    from graph.store import Store

    with Store(path, read_only=True, lock_wait=0) as store:
        edges = fetch_frame(store.connection, "SELECT * FROM sociability_edges")
        parameters = store.connection.execute(
            "SELECT parameters->>'resolution' FROM analyses ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()[0]
    return stability(sociability_graph(edges), range(5), float(parameters or 1.0))


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
where, parameters = context.filters.adoption_clause()
adopted = database.query(
    "SELECT m.community, a.resource_id, count(DISTINCT (a.platform, a.account_id)) AS adopters "
    "FROM adoptions a JOIN account_communities m USING (platform, account_id) "
    f"WHERE {where} GROUP BY ALL",
    *parameters,
)
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
bridges = database.query(
    "SELECT r.platform, coalesce(n.handle, r.account_id) AS account, r.community, "
    "r.other_communities, r.betweenness, r.pagerank FROM account_roles r "
    f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) WHERE r.bridge "
    "ORDER BY r.betweenness DESC, account LIMIT 200"
)
bridges = bridges[bridges["community"].isin(communities["community"])]
table(
    context,
    bridges,
    "bridges",
    "accounts tied into other communities and on shortest paths between them",
)
