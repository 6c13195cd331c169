"""Whole tables as ``essaim export`` writes them: the result tables, accounts, resources and
links, to CSV and Parquet files."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import duckdb

from collectors.speech import _
from graph.store.results import RESULT_TABLES
from graph.store.results.analyses import table_names

__all__ = [
    "EXTRA_TABLES",
    "cascaded_resources",
    "exported_tables",
    "table_frame",
    "table_rows",
    "write_csv",
    "write_parquet",
]

#: Store tables exported besides the analysis results (no post text, no opt-out flags).
EXTRA_TABLES = {
    "accounts": "SELECT DISTINCT platform, account_id, named, handle, display_name, "
    "followers_count, following_count, kind FROM accounts ORDER BY platform, account_id",
    "resources": "SELECT * FROM catalogue ORDER BY resource_id",
    "links": "SELECT platform, post_id, url, resolved_url, url_key, host, campaign, shortened, "
    "tracked, resource_id, match_reason FROM links ORDER BY platform, post_id, url",
}


def exported_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the tables an export writes: the result tables present, then
    :data:`EXTRA_TABLES`."""
    present = table_names(connection)
    return [name for name in RESULT_TABLES if name in present] + list(EXTRA_TABLES)


def _query(name: str) -> str:
    """The statement reading table ``name`` of :func:`exported_tables`."""
    if name in EXTRA_TABLES:
        return EXTRA_TABLES[name]
    if name not in RESULT_TABLES:
        raise ValueError(_("not an exported table: {name!r}").format(name=name))
    return f"SELECT * FROM {name}"


def table_rows(connection: duckdb.DuckDBPyConnection, name: str) -> int:
    """Return the number of rows of exported table ``name``."""
    return connection.execute(f"SELECT count(*) FROM ({_query(name)})").fetchone()[0]


def _as_text(connection: duckdb.DuckDBPyConnection, name: str, protect: str) -> str:
    """The statement reading ``name`` as a CSV holds it: lists, structs and maps as JSON, and
    text cells starting with a character of ``protect`` behind a ``'``."""
    query = _query(name)
    starts = ", ".join(f"chr({ord(character)})" for character in protect)
    columns = []
    for column_name, kind, *_rest in connection.execute(f"DESCRIBE ({query})").fetchall():
        column = '"' + column_name.replace('"', '""') + '"'
        if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
            column = f"to_json({column}) AS {column}"
        elif kind == "VARCHAR" and protect:
            column = (f"CASE WHEN left({column}, 1) IN ({starts}) THEN chr(39) || {column} "
                      f"ELSE {column} END AS {column}")  # fmt: skip
        columns.append(column)
    return f"SELECT {', '.join(columns)} FROM ({query})"


def table_frame(connection: duckdb.DuckDBPyConnection, name: str, protect: str = ""):
    """Return exported table ``name`` as a DataFrame, as :func:`write_csv` writes it."""
    return connection.execute(_as_text(connection, name, protect)).df()


def write_csv(
    connection: duckdb.DuckDBPyConnection, name: str, path: Path, protect: str = ""
) -> None:
    """Write exported table ``name`` to the CSV file ``path``, with a header: lists, structs
    and maps as JSON, text cells starting with a character of ``protect`` behind a ``'``."""
    _copy(connection, _as_text(connection, name, protect), path, "FORMAT csv, HEADER")


def write_parquet(
    connection: duckdb.DuckDBPyConnection, name: str, path: Path, metadata: str
) -> None:
    """Write exported table ``name`` to the Parquet file ``path``, ``metadata`` (a JSON text)
    under the key ``essaim``."""
    _copy(connection, _query(name), path,
          f"FORMAT parquet, KV_METADATA {{essaim: '{_quoted(metadata)}'}}")  # fmt: skip


def cascaded_resources(connection: duckdb.DuckDBPyConnection, min_size: int) -> list[str]:
    """Return the resources with a cascade of at least ``min_size`` adopters, in order."""
    rows = connection.execute(
        "SELECT DISTINCT resource_id FROM cascades WHERE size >= ? ORDER BY ALL", [min_size]
    ).fetchall()
    return [resource for (resource,) in rows]


def _copy(connection, query: str, path: Path, options: str) -> None:
    """Write what ``query`` selects to ``path``; a DuckDB write error becomes an OSError
    naming ``path`` (DuckDB's own message is a JSON document)."""
    try:
        connection.execute(f"COPY ({query}) TO '{_quoted(path)}' ({options})")
    except duckdb.IOException as error:
        number = re.search(r'"errno":"(\d+)"', str(error))
        raise OSError(int(number[1]) if number else errno.EIO, str(error), str(path)) from error


def _quoted(text) -> str:
    return str(text).replace("'", "''")
