"""Communities of the sociability graph, its edges as analysed, and who belongs where."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from graph.frames import fetch_frame
from graph.store.results.analyses import last_analysis, table_columns

__all__ = [
    "account_communities",
    "communities",
    "overview",
    "sociability_edges",
    "sociability_ties",
]


def communities(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every community (small groups are not one), largest first (ties by number):
    label, size, its most distinctive contexts, shared resources and institutions, and the
    partition's modularity and stability."""
    return connection.execute("SELECT * FROM communities ORDER BY size DESC, community").df()


def overview(connection: duckdb.DuckDBPyConnection) -> dict:
    """Return what the last analysis found of communities, as every command and page says it:
    ``communities`` (how many), ``accounts`` in them, ``small_groups`` (accounts in groups
    under ``min_size``), ``modularity``, ``stability`` (mean NMI, ``None`` unless measured)
    and ``seeds`` it was measured across."""
    parameters = json.loads(last_analysis(connection)["parameters"])
    stability = "any_value(stability)" if "stability" in table_columns(
        connection, "communities") else "NULL"  # fmt: skip
    found, accounts, modularity, measured = connection.execute(
        f"SELECT count(*), sum(size), any_value(modularity), {stability} FROM communities"
    ).fetchone()
    (small,) = connection.execute(
        "SELECT count(*) FROM account_communities WHERE community < 0"
    ).fetchone()
    return {
        "communities": found,
        "accounts": int(accounts or 0),
        "small_groups": small,
        "min_size": parameters.get("min_community_size", 1),
        "modularity": modularity,
        "stability": measured,
        "seeds": parameters.get("stability", 0) if measured is not None else 0,
    }


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
