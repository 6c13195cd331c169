"""Comptes / Accounts: the roles table, pseudonymised unless allow-listed, with a search."""

import streamlit as st

from app.web.context import current
from app.web.widgets import table
from graph.store import queries as q

context = current()
t, database = context.t, context.database
st.header(t("page.accounts"))
st.caption(t("accounts.note"))

roles = database.query(
    "SELECT r.platform, coalesce(n.handle, r.account_id) AS account, r.institution, "
    "r.community, r.pagerank, r.coreness, r.betweenness, r.bridge, r.cascades_started, "
    "r.started_reach, r.cascades_joined, r.downstream FROM account_roles r "
    f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) "
    "ORDER BY r.started_reach + r.downstream DESC, r.pagerank DESC, account"
)
if context.filters.platforms:
    roles = roles[roles["platform"].isin(context.filters.platforms)]
if context.filters.communities:
    roles = roles[roles["community"].isin(context.filters.communities)]
search = st.text_input(t("accounts.search"), key="account_search").strip()
if search:
    roles = roles[roles["account"].str.contains(search, case=False, regex=False)]
table(
    context,
    roles,
    "accounts",
    "per account: centralities, bridging, cascades started and amplified, institution or not",
)
