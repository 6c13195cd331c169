"""What is in the store: runs, counts, link matching, and how well the data covers time."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from graph.store import queries as q
from graph.store.database import Store

__all__ = [
    "coverage_gaps",
    "incidents",
    "link_counts",
    "privacy_accounts",
    "privacy_posts",
    "privacy_sources",
    "privacy_totals",
    "record_counts",
    "run_windows",
    "runs",
    "store_status",
    "stored_texts",
    "table_fields",
    "unmatched_links",
]


def coverage_gaps(
    windows: list[tuple[datetime, datetime | None]],
) -> list[tuple[datetime, datetime]]:
    """Return the periods between ``windows`` that no window covers, in time order.

    A window without an end covers only its start.

    Examples
    --------
    >>> from datetime import datetime as d
    >>> coverage_gaps([(d(2026, 1, 1), d(2026, 1, 3)), (d(2026, 1, 2), d(2026, 1, 4)),
    ...                (d(2026, 1, 6), d(2026, 1, 7))])
    [(datetime.datetime(2026, 1, 4, 0, 0), datetime.datetime(2026, 1, 6, 0, 0))]
    """
    gaps = []
    covered_until = None
    for start, end in sorted(windows, key=lambda window: window[0]):
        end = end or start
        if covered_until is not None and start > covered_until:
            gaps.append((covered_until, start))
        covered_until = end if covered_until is None else max(covered_until, end)
    return gaps


def _rows(connection, sql: str, parameters: list | None = None) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, parameters or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def store_status(store: Store, limit: int = 20) -> dict[str, Any]:
    """Gather everything ``essaim status`` shows, as plain Python data."""
    connection = store.connection

    def rows(sql: str, parameters: list | None = None) -> list[dict[str, Any]]:
        return _rows(connection, sql, parameters)

    windows: dict[tuple[str, str], list] = defaultdict(list)
    for source, query, start, end in connection.execute(q.STATUS_RUN_WINDOWS).fetchall():
        windows[(source, query)].append((start, end))
    coverage = [
        {
            "source": source,
            "query": query,
            "runs": len(spans),
            "first": min(start for start, _ in spans),
            "last": max(end or start for start, end in spans),
            "gaps": [{"from": a, "to": b} for a, b in coverage_gaps(spans)],
        }
        for (source, query), spans in sorted(windows.items())
    ]
    return {
        "pseudonymisation": store.setting("pseudonymisation"),
        "schema_version": store.schema_version(),
        "runs": rows(q.STATUS_RUNS),
        "records": rows(q.STATUS_COUNTS),
        "links": rows(q.STATUS_LINKS)[0],
        "unmatched_links": rows(q.STATUS_UNMATCHED, [limit]),
        "unresolved_shortened_links": rows(q.STATUS_UNRESOLVED, [limit]),
        "coverage": coverage,
        "incidents": rows(q.STATUS_INCIDENTS),
    }


def runs(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the runs loaded, oldest first: records, incidents, what they replace or what
    replaced them."""
    return connection.execute(q.STATUS_RUNS).df()


def record_counts(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the number ``n`` of each kind of ``records`` per source and platform."""
    return connection.execute(q.STATUS_COUNTS).df()


def run_windows(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the period each current run covers (``source``, ``query``, ``start``, ``end``,
    null when unfinished), by source, query and start."""
    frame = connection.execute(q.STATUS_RUN_WINDOWS).df()
    frame.columns = ["source", "query", "start", "end"]
    return frame


def incidents(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the incidents of current runs and the seconds waited, per source and kind."""
    return connection.execute(q.STATUS_INCIDENTS).df()


def link_counts(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the links found, tracked and matched, and the resources matched (one row)."""
    return connection.execute(q.STATUS_LINKS).df()


def unmatched_links(connection: duckdb.DuckDBPyConnection, limit: int) -> pd.DataFrame:
    """Return at most ``limit`` URL keys of tracked links that match no resource, most
    posted first (ties by key), with an example URL."""
    return connection.execute(q.STATUS_UNMATCHED, [limit]).df()


def privacy_sources(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return, per source of current runs: runs, first and last, raw runs deleted, and
    whether every run was pseudonymised."""
    return _rows(connection, q.PRIVACY_SOURCES)


def privacy_accounts(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return, per platform: accounts, named, pseudonymised and with an opt-out."""
    return _rows(connection, q.PRIVACY_ACCOUNTS)


def privacy_posts(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return, per platform: posts, those with a text, the oldest and newest."""
    return _rows(connection, q.PRIVACY_POSTS)


def privacy_totals(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Return the numbers of interactions, follows and links."""
    return _rows(connection, q.PRIVACY_COUNTS)[0]


def table_fields(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> list[tuple]:
    """Return (table, column) for every column of ``tables``, in table order."""
    return connection.execute(q.PRIVACY_FIELDS, [tables]).fetchall()


def stored_texts(connection: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Return the posts' texts stored, and how many are more than their excerpt."""
    texts, whole = connection.execute(q.PRIVACY_TEXTS, ["excerpt"]).fetchall()[0]
    return texts, whole
