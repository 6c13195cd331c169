"""The store: one DuckDB file, its migrations, loading raw runs, and every query."""

from graph.store.database import DATABASE_NAME, Store, StoreBusy, StoreError
from graph.store.load import LoadReport, RunResult, load_runs

__all__ = [
    "DATABASE_NAME",
    "LoadReport",
    "RunResult",
    "Store",
    "StoreBusy",
    "StoreError",
    "load_runs",
]
