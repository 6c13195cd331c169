"""Communities of the sociability graph, its edges as analysed, and who belongs where."""

from __future__ import annotations

import duckdb
import pandas as pd

from graph.frames import fetch_frame

__all__ = [
    "account_communities",
    "communities",
    "modularity",
    "sociability_edges",
    "sociability_ties",
]


def communities(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every community, largest first (ties by number): label, size, central accounts,
    shared resources, contexts and the partition's modularity."""
    return connection.execute(
        "SELECT community, label, size, central_accounts, shared_resources, contexts, "
        "modularity FROM communities ORDER BY size DESC, community"
    ).df()


def modularity(connection: duckdb.DuckDBPyConnection) -> float | None:
    """Return the modularity of the communities found, or ``None`` when there are none."""
    return connection.execute("SELECT any_value(modularity) FROM communities").fetchone()[0]


def account_communities(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the ``community`` of each account (``platform``, ``account_id``)."""
    return connection.execute(
        "SELECT platform, account_id, community FROM account_communities"
    ).df()


def sociability_edges(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the sociability edges as analysed: platform, source, target, kind, weight."""
    return fetch_frame(connection, "SELECT * FROM sociability_edges")


def sociability_ties(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the acts of every kind summed per ordered pair of accounts: ``source`` and
    ``target`` as ``platform:account_id``, ``weight``; in no order."""
    return connection.execute(
        "SELECT platform || ':' || source AS source, platform || ':' || target AS target, "
        "sum(weight) AS weight FROM sociability_edges GROUP BY ALL"
    ).df()
