"""Which tables and analysis the store holds, its catalogue, and what was adopted when."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

__all__ = [
    "adopted_catalogue",
    "adopted_platforms",
    "adopted_resources",
    "adoption_span",
    "analysed",
    "catalogue",
    "catalogue_ids",
    "last_analysis",
    "most_adopted_resource",
    "resources_by_adoptions",
    "source_runs",
    "table_columns",
    "table_names",
    "title_and_parcours",
]


def table_names(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Return the names of the tables in the store."""
    rows = connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    return {name for (name,) in rows}


def table_columns(connection: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Return the columns of ``table`` (none when there is no such table)."""
    rows = connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
    ).fetchall()
    return {name for (name,) in rows}


def analysed(connection: duckdb.DuckDBPyConnection, tables: Iterable[str] = ()) -> bool:
    """Tell whether an analysis is recorded and left every table of ``tables``."""
    present = table_names(connection)
    if "analyses" not in present or not set(tables) <= present:
        return False
    return connection.execute("SELECT count(*) FROM analyses").fetchone()[0] > 0


def last_analysis(connection: duckdb.DuckDBPyConnection) -> pd.Series | None:
    """Return the row of ``analyses`` that finished last (``parameters`` as JSON text), or
    ``None`` before any analysis."""
    frame = connection.execute("SELECT * FROM analyses ORDER BY finished_at DESC LIMIT 1").df()
    return None if frame.empty else frame.iloc[0]


def source_runs(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the runs the store holds and no later run replaced, by id: source, query, the
    file's SHA-256 and the records loaded."""
    return connection.execute(
        "SELECT run_id, source, query, file_sha256, records_loaded FROM runs "
        "WHERE superseded_by IS NULL ORDER BY run_id"
    ).df()


def catalogue(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return ``resource_id``, ``title`` and ``parcours`` ('' when none) of every resource,
    by id."""
    return connection.execute(
        "SELECT resource_id, title, coalesce(parcours, '') AS parcours FROM catalogue "
        "ORDER BY resource_id"
    ).df()


def catalogue_ids(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Return the ids of the resources in the catalogue."""
    return {row[0] for row in connection.execute("SELECT resource_id FROM catalogue").fetchall()}


def title_and_parcours(
    connection: duckdb.DuckDBPyConnection, resource_id: str
) -> tuple[str | None, str | None] | None:
    """Return the title and parcours of ``resource_id``, or ``None`` if it is not catalogued."""
    return connection.execute(
        "SELECT title, parcours FROM catalogue WHERE resource_id = ?", [resource_id]
    ).fetchone()


def adopted_catalogue(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return ``resource_id`` and ``title`` of the resources adopted at least once, by id."""
    return connection.execute(
        "SELECT resource_id, title FROM catalogue WHERE resource_id IN "
        "(SELECT DISTINCT resource_id FROM adoptions) ORDER BY resource_id"
    ).df()


def adopted_resources(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the ids of the resources adopted, in order (catalogued or not)."""
    rows = connection.execute("SELECT DISTINCT resource_id FROM adoptions ORDER BY 1").fetchall()
    return [resource for (resource,) in rows]


def adopted_platforms(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the platforms with at least one adoption, in order."""
    rows = connection.execute("SELECT DISTINCT platform FROM adoptions ORDER BY 1").fetchall()
    return [platform for (platform,) in rows]


def adoption_span(connection: duckdb.DuckDBPyConnection) -> pd.Series:
    """Return the days of the first and last timed adoptions (``first``, ``last``; NaT when
    none)."""
    frame = connection.execute(
        "SELECT min(adopted_at)::DATE AS first, max(adopted_at)::DATE AS last FROM adoptions"
    ).df()
    return frame.iloc[0]


def resources_by_adoptions(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return, per catalogued resource adopted, its ``adoptions``, ``accounts`` and
    ``platforms``, most adopted first (ties by id)."""
    return connection.execute(
        """SELECT c.resource_id, c.title, count(*) AS adoptions,
               count(DISTINCT a.account_id) AS accounts,
               count(DISTINCT a.platform) AS platforms
           FROM adoptions a JOIN catalogue c USING (resource_id)
           GROUP BY ALL ORDER BY adoptions DESC, c.resource_id"""
    ).df()


def most_adopted_resource(connection: duckdb.DuckDBPyConnection) -> str | None:
    """Return the id of the resource with most adoptions (ties: the first id), or ``None``."""
    found = connection.execute(
        "SELECT resource_id FROM adoptions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()
    return found[0] if found else None


def parent_methods(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return how the parents of every cascade were found: per ``method`` (roots left out),
    the ``adopters`` and their ``mean_confidence`` (null when none is known)."""
    return connection.execute(
        "SELECT method, count(*) AS adopters, avg(confidence) AS mean_confidence "
        "FROM cascade_trees WHERE method <> 'root' GROUP BY ALL ORDER BY adopters DESC, method"
    ).df()
