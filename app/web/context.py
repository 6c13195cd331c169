"""What every page shares: the database, the language and the sidebar filters."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app.web.data import Database
from app.web.i18n import text
from graph.store.results import analyses, communities
from graph.store.results.adoptions import AdoptionFilter

__all__ = ["Context", "current", "sidebar_filters"]


@dataclass
class Context:
    database: Database
    language: str
    filters: AdoptionFilter

    def t(self, key: str, **values) -> str:
        """The words for ``key`` in the chosen language."""
        return text(key, self.language, **values)


def current() -> Context:
    """The context the main script set up for this run; stops a page when there is no data.

    (The main script has said why: no database yet, or no analysis.)
    """
    if not st.session_state.get("essaim_ready"):
        st.stop()
    return st.session_state["essaim_context"]


def sidebar_filters(database: Database, language: str) -> AdoptionFilter:
    """Draw the shared filters in the sidebar and return what they select."""

    def t(key):
        return text(key, language)

    st.sidebar.subheader(t("sidebar.filters"))
    span = database.read(analyses.adoption_span)
    start = end = None
    if not pd.isna(span["first"]):
        first, last = pd.Timestamp(span["first"]).date(), pd.Timestamp(span["last"]).date()
        chosen = st.sidebar.date_input(
            t("filter.period"), (first, last), min_value=first, max_value=last, key="period"
        )
        if isinstance(chosen, tuple) and len(chosen) == 2 and chosen != (first, last):
            start, end = chosen
    platforms = st.sidebar.multiselect(
        t("filter.platforms"),
        database.read(analyses.adopted_platforms),
        placeholder=t("filter.all"),
        key="platforms",
    )
    catalogue = database.read(analyses.catalogue)
    parcours = st.sidebar.multiselect(
        t("filter.parcours"),
        sorted(set(catalogue["parcours"]) - {""}),
        placeholder=t("filter.all"),
        key="parcours",
    )
    if parcours:
        catalogue = catalogue[catalogue["parcours"].isin(parcours)]
    titles = dict(zip(catalogue["resource_id"], catalogue["title"], strict=True))
    resources = st.sidebar.multiselect(
        t("filter.resources"),
        list(titles),
        format_func=lambda resource: f"{resource} – {titles[resource]}",
        placeholder=t("filter.all"),
        key="resources",
    )
    if parcours and not resources:
        resources = list(titles) or ["—"]  # a parcours with no resource selects none
    found = database.read(communities.communities)
    labels = dict(zip(found["community"], found["label"], strict=True))
    chosen_communities = st.sidebar.multiselect(
        t("filter.communities"),
        list(labels),
        format_func=lambda community: f"{community}: {labels[community]}",
        placeholder=t("filter.all"),
        key="communities",
    )
    st.sidebar.caption(t("filter.note"))
    return AdoptionFilter(start, end, tuple(platforms), tuple(resources),
                          tuple(chosen_communities))  # fmt: skip
