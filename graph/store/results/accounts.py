"""Accounts in the results: roles, bridges, when they adopted, display names."""

from __future__ import annotations

import duckdb
import pandas as pd

from graph.store import queries as q
from graph.store.results.adoptions import AdoptionFilter

__all__ = [
    "account_roles",
    "adoption_times",
    "bridges",
    "named_handles",
    "network_accounts",
    "role_nodes",
]


def account_roles(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every account's roles, most adopters started or come through first, then by
    PageRank and ``account`` (the handle if allow-listed, else the pseudonymised id); its
    rank as a broker between communities (``bridge_rank``, 1 first) beside."""
    return connection.execute(
        "SELECT r.platform, coalesce(n.handle, r.account_id) AS account, r.institution, "
        "r.community, r.pagerank, r.coreness, r.betweenness, r.participation, r.brokerage, "
        "r.bridge_rank, r.bridge, r.cascades_started, "
        "r.started_reach, r.cascades_joined, r.downstream, r.downstream_mean, "
        "r.downstream_low, r.downstream_high FROM account_roles r "
        f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) "
        "ORDER BY r.started_reach + r.downstream DESC, r.pagerank DESC, account"
    ).df()


def role_nodes(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every account's roles (``betweenness_method`` left out) as graph nodes: ``id``
    (``platform:account_id``) and ``label`` (the handle if allow-listed); in no order."""
    return connection.execute(
        "SELECT r.platform || ':' || r.account_id AS id, coalesce(a.handle, r.account_id) AS "
        "label, r.* EXCLUDE (betweenness_method) FROM account_roles r "
        f"LEFT JOIN {q.NAMED_HANDLES} a USING (platform, account_id)"
    ).df()


def network_accounts(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the accounts in a community, as network nodes: ``id`` (``platform:account_id``),
    ``name``, community, centralities, cascades started and institution; in no order."""
    return connection.execute(
        "SELECT r.platform || ':' || r.account_id AS id, r.platform, r.account_id, "
        "coalesce(n.handle, r.account_id) AS name, r.community, r.pagerank, r.coreness, "
        "r.betweenness, r.cascades_started, r.institution FROM account_roles r "
        f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) "
        "WHERE r.community IS NOT NULL"
    ).df()


def bridges(connection: duckdb.DuckDBPyConnection, limit: int) -> pd.DataFrame:
    """Return at most ``limit`` bridge accounts by rank (ties by ``account``): community,
    brokerage between communities, participation, the other communities they tie into."""
    return connection.execute(
        "SELECT r.bridge_rank, r.platform, coalesce(n.handle, r.account_id) AS account, "
        "r.community, r.brokerage, r.participation, r.other_communities FROM account_roles r "
        f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) WHERE r.bridge "
        "ORDER BY r.bridge_rank, account LIMIT ?",
        [limit],
    ).df()


def adoption_times(connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter) -> pd.DataFrame:
    """Return each account with an adoption ``chosen`` selects: ``id``
    (``platform:account_id``) and ``adopted_at``, its first timed adoption (null when none of
    its adoptions is timed); by id."""
    where, parameters = chosen.where()
    return connection.execute(
        "SELECT a.platform || ':' || a.account_id AS id, min(a.adopted_at) AS adopted_at "
        f"FROM adoptions a WHERE {where} GROUP BY ALL ORDER BY id",
        parameters,
    ).df()


def named_handles(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Return ``platform:handle`` for each allow-listed account's ``platform:account_id``."""
    rows = connection.execute(
        f"SELECT platform || ':' || account_id, platform || ':' || handle FROM {q.NAMED_HANDLES}"
    ).fetchall()
    return dict(rows)
