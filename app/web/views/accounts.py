"""Comptes / Accounts: the roles table, pseudonymised unless allow-listed, with a search."""

import streamlit as st

from app.web.context import current
from app.web.widgets import table
from graph.store.results import accounts

context = current()
t, database = context.t, context.database
st.header(t("page.accounts"))
st.caption(t("accounts.note"))

roles = database.read(accounts.account_roles)
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
