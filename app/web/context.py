"""What every page shares: the database, the language and the sidebar filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from app.web.data import Database
from app.web.i18n import text

__all__ = ["Context", "Filters", "current", "sidebar_filters"]


@dataclass
class Filters:
    """The sidebar's choices; empty lists mean everything."""

    start: date | None = None
    end: date | None = None  # inclusive
    whole_period: bool = True
    platforms: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    communities: list[int] = field(default_factory=list)

    def adoption_clause(self, alias: str = "a") -> tuple[str, list]:
        """A SQL condition on adoptions (table ``alias``) and its parameters.

        >>> Filters(platforms=["bluesky"], resources=["r1"]).adoption_clause()
        ('list_contains(?, a.platform) AND list_contains(?, a.resource_id)', [['bluesky'], ['r1']])
        >>> Filters().adoption_clause()
        ('TRUE', [])
        """
        clauses, parameters = [], []
        if not self.whole_period and self.start and self.end:
            clauses.append(f"{alias}.adopted_at >= ? AND {alias}.adopted_at < ?")
            parameters += [self.start, self.end + timedelta(days=1)]
        if self.platforms:
            clauses.append(f"list_contains(?, {alias}.platform)")
            parameters.append(self.platforms)
        if self.resources:
            clauses.append(f"list_contains(?, {alias}.resource_id)")
            parameters.append(self.resources)
        if self.communities:
            clauses.append(
                "EXISTS (SELECT 1 FROM account_communities m WHERE m.platform = "
                f"{alias}.platform AND m.account_id = {alias}.account_id "
                "AND list_contains(?, m.community))"
            )
            parameters.append(self.communities)
        return " AND ".join(clauses) or "TRUE", parameters


@dataclass
class Context:
    database: Database
    language: str
    filters: Filters

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


def sidebar_filters(database: Database, language: str) -> Filters:
    """Draw the shared filters in the sidebar and return what they select."""

    def t(key):
        return text(key, language)

    st.sidebar.subheader(t("sidebar.filters"))
    span = database.query(
        "SELECT min(adopted_at)::DATE AS first, max(adopted_at)::DATE AS last FROM adoptions"
    ).iloc[0]
    filters = Filters()
    if not pd.isna(span["first"]):
        first, last = pd.Timestamp(span["first"]).date(), pd.Timestamp(span["last"]).date()
        chosen = st.sidebar.date_input(
            t("filter.period"), (first, last), min_value=first, max_value=last, key="period"
        )
        if isinstance(chosen, tuple) and len(chosen) == 2:
            filters.start, filters.end = chosen
            filters.whole_period = (filters.start, filters.end) == (first, last)
    platforms = database.query("SELECT DISTINCT platform FROM adoptions ORDER BY 1")["platform"]
    filters.platforms = st.sidebar.multiselect(
        t("filter.platforms"), list(platforms), placeholder=t("filter.all"), key="platforms"
    )
    catalogue = database.query(
        "SELECT resource_id, title, coalesce(parcours, '') AS parcours FROM catalogue "
        "ORDER BY resource_id"
    )
    parcours = st.sidebar.multiselect(
        t("filter.parcours"),
        sorted(set(catalogue["parcours"]) - {""}),
        placeholder=t("filter.all"),
        key="parcours",
    )
    if parcours:
        catalogue = catalogue[catalogue["parcours"].isin(parcours)]
    titles = dict(zip(catalogue["resource_id"], catalogue["title"], strict=True))
    filters.resources = st.sidebar.multiselect(
        t("filter.resources"),
        list(titles),
        format_func=lambda resource: f"{resource} – {titles[resource]}",
        placeholder=t("filter.all"),
        key="resources",
    )
    if parcours and not filters.resources:
        filters.resources = list(titles) or ["—"]  # a parcours with no resource selects none
    communities = database.query(
        "SELECT community, label, size FROM communities ORDER BY size DESC, community"
    )
    labels = dict(zip(communities["community"], communities["label"], strict=True))
    filters.communities = st.sidebar.multiselect(
        t("filter.communities"),
        list(labels),
        format_func=lambda community: f"{community}: {labels[community]}",
        placeholder=t("filter.all"),
        key="communities",
    )
    st.sidebar.caption(t("filter.note"))
    return filters
