"""Reading the store for the app: read-only, in short bursts, and patient with a running load.

DuckDB lets one process write a file, and no other process open it meanwhile. The app
therefore opens the database read-only for each batch of queries and closes it at once (so a
load waits at most a moment for it), and when a load holds the file, it shows what it read
before, saying so. Results are cached per *version* of the file (its size and modification
time), so every session shares them and they are read again once the file changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from graph.store import Store, StoreBusy

__all__ = ["KNOWN_AUDIENCE", "Database", "DatabaseBusy", "version_of"]

#: A condition on ``reach`` rows: false for a unique audience of 0 to an unknown bound, which
#: rests on no follower list collected and is unknown rather than 0.
KNOWN_AUDIENCE = "(value > 0 OR high IS NOT NULL)"


class DatabaseBusy(Exception):
    """A load holds the database and this query was never read before."""


def version_of(path: Path) -> tuple[int, int] | None:
    """The file's (size, modification time in ns), or ``None`` when there is no database."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_size, status.st_mtime_ns


# Last result of each query, whatever the version: what a busy database falls back on.
_last_read: dict[tuple[str, str, tuple], pd.DataFrame] = {}


@st.cache_data(show_spinner=False, max_entries=512)
def _read(path: str, sql: str, parameters: tuple, version: tuple[int, int]) -> pd.DataFrame:
    with Store(path, read_only=True, lock_wait=0) as store:
        bound = [list(value) if isinstance(value, tuple) else value for value in parameters]
        frame = store.connection.execute(sql, bound).df()
    _last_read[(path, sql, parameters)] = frame
    return frame


@dataclass
class Database:
    """The store of one data directory, as the app reads it."""

    path: Path
    busy: bool = False  # set when a query fell back on an earlier result

    def exists(self) -> bool:
        return version_of(self.path) is not None

    def query(self, sql: str, *parameters) -> pd.DataFrame:
        """The result of ``sql`` (bound ``parameters``; lists bind DuckDB lists), a copy.

        Raises :class:`DatabaseBusy` when a load holds the file and this query has no earlier
        result.
        """
        hashable = tuple(tuple(value) if isinstance(value, list) else value for value in parameters)
        key = (str(self.path), sql, hashable)
        try:
            return _read(*key, version_of(self.path)).copy()
        except StoreBusy:
            if key in _last_read:
                self.busy = True
                return _last_read[key].copy()
            raise DatabaseBusy(str(self.path)) from None

    def tables(self) -> set[str]:
        """The tables in the store."""
        return set(self.query("SELECT table_name FROM duckdb_tables()")["table_name"])

    def columns(self, table: str) -> set[str]:
        """The columns of ``table`` (none when there is no such table)."""
        found = self.query("SELECT column_name FROM duckdb_columns() WHERE table_name = ?", table)
        return set(found["column_name"])

    def analysed(self) -> bool:
        """Whether an analysis has written its tables."""
        tables = self.tables()
        if "analyses" not in tables or "adoptions" not in tables:
            return False
        return len(self.query("SELECT analysis_id FROM analyses LIMIT 1")) > 0
