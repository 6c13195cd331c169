"""Reading the store for the app: read-only, in short bursts, and patient with a running load.

DuckDB lets one process write a file, and no other process open it meanwhile. The app
therefore opens the database read-only for each batch of queries and closes it at once (so a
load waits at most a moment for it), and when a load holds the file, it shows what it read
before, saying so. Results are cached per *version* of the file (its size and modification
time), so every session shares them and they are read again once the file changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from graph.store import Store, StoreBusy
from graph.store.results import analyses

__all__ = ["Database", "DatabaseBusy", "version_of"]


class DatabaseBusy(Exception):
    """A load holds the database and this read was never made before."""


def version_of(path: Path) -> tuple[int, int] | None:
    """The file's (size, modification time in ns), or ``None`` when there is no database."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_size, status.st_mtime_ns


# Last result of each read, whatever the version: what a busy database falls back on.
_last_read: dict[tuple[str, str, tuple], Any] = {}


@st.cache_data(show_spinner=False, max_entries=512)
def _read(path: str, name: str, parameters: tuple, version: tuple[int, int], _function) -> Any:
    with Store(path, read_only=True, lock_wait=0) as store:
        result = _function(store.connection, *parameters)
    _last_read[(path, name, parameters)] = result
    return result


def _copy(result):
    return result.copy() if isinstance(result, pd.DataFrame | pd.Series | set | dict) else result


@dataclass
class Database:
    """The store of one data directory, as the app reads it."""

    path: Path
    busy: bool = False  # set when a read fell back on an earlier result

    def exists(self) -> bool:
        return version_of(self.path) is not None

    def read(self, function: Callable, *parameters) -> Any:
        """What ``function(connection, *parameters)`` returns (a read function of
        :mod:`graph.store.results`), a copy; ``parameters`` must be hashable.

        Raises :class:`DatabaseBusy` when a load holds the file and this read has no earlier
        result.
        """
        name = f"{function.__module__}.{function.__qualname__}"
        key = (str(self.path), name, parameters)
        try:
            return _copy(_read(*key, version_of(self.path), function))
        except StoreBusy:
            if key in _last_read:
                self.busy = True
                return _copy(_last_read[key])
            raise DatabaseBusy(str(self.path)) from None

    def analysed(self) -> bool:
        """Whether an analysis has written its tables."""
        return self.read(analyses.analysed, ("adoptions",))
