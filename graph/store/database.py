"""The DuckDB file: opening it, ordered migrations, transactions, settings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from collectors.errors import UserError
from collectors.speech import _
from graph.store import queries as q

__all__ = ["DATABASE_NAME", "MIGRATIONS", "Store", "StoreBusy", "StoreError"]

DATABASE_NAME = "essaim.duckdb"

#: Ordered, append-only: (version, name, statements). Never edit a released step; add one.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "core tables", q.MIGRATION_1_CORE_TABLES),
    (2, "run status and resumed runs", q.MIGRATION_2_RUN_STATUS),
    (3, "analyses", q.MIGRATION_3_ANALYSES),
    (4, "raw runs deleted by retention", q.MIGRATION_4_PRUNED_RUNS),
    (5, "the reshare an interaction came through", q.MIGRATION_5_VIA),
    (6, "the account of that reshare", q.MIGRATION_6_VIA_ACTOR),
    (7, "usage after a share", q.MIGRATION_7_USAGE),
]


class StoreError(UserError):
    """The database cannot be used as asked (locked, damaged, read-only, wrong mode)."""


class Store:
    """An open essaim database.

    Parameters
    ----------
    path : Path
        The ``.duckdb`` file, or ``":memory:"``. Unless ``read_only``, created if absent
        (mode 0600), with its folder if absent (mode 0700).
    read_only : bool
        Open for reading only: no migration, and other readers may open it at the same time.
    threads : int, optional
        DuckDB worker threads (all cores by default).
    lock_wait : float
        Seconds to keep trying while another process holds the file (the app reads it in
        short bursts; a load waits for them to end rather than failing).

    Examples
    --------
    >>> with Store(":memory:") as store:
    ...     store.schema_version() == MIGRATIONS[-1][0]
    True
    """

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        threads: int | None = None,
        lock_wait: float = 30.0,
    ):
        self.path = path
        # Checkpoint after 256 MB of WAL rather than DuckDB's 16 MB: bulk loads then rewrite
        # each table once instead of at every run (a quarter less work in the load benchmark,
        # final checkpoint included).
        config = {"checkpoint_threshold": "256MB"}
        if threads:
            config["threads"] = threads
        if read_only and not Path(path).exists():
            raise StoreError(
                _("{path}: no database yet (run `essaim load` first)").format(path=path)
            )
        new = not read_only and path != ":memory:" and not Path(path).exists()
        if new:
            _private_folder(Path(path).parent)
        self.connection = _connect(path, read_only, config, lock_wait)
        if new:
            Path(path).chmod(0o600)  # its owner's only, whatever the umask
        self.connection.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self.migrate()

    def schema_version(self) -> int:
        """Return the version of the last migration applied."""
        return self.connection.execute(q.SELECT_SCHEMA_VERSION).fetchone()[0]

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; return the versions applied."""
        self.connection.execute(q.CREATE_SCHEMA_VERSION)
        current = self.schema_version()
        applied = []
        for version, name, statements in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction():
                for statement in statements:
                    self.connection.execute(statement)
                self.connection.execute(q.INSERT_SCHEMA_VERSION, [version, name])
            applied.append(version)
        return applied

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: everything or nothing."""
        self.connection.execute("BEGIN TRANSACTION")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def setting(self, name: str) -> str | None:
        """Return a stored setting, or ``None``."""
        row = self.connection.execute(q.SELECT_SETTING, [name]).fetchone()
        return row[0] if row else None

    def set_setting(self, name: str, value: str) -> None:
        """Store a setting."""
        self.connection.execute(q.UPSERT_SETTING, [name, value])

    def first_setting(self, name: str, value: str) -> str:
        """Return a setting fixed by its first use: the stored one, or ``value`` stored now."""
        recorded = self.setting(name)
        if recorded is None:
            self.set_setting(name, value)
            return value
        return recorded

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class StoreBusy(StoreError):
    """Another process holds the database file (a load or an analysis is writing)."""


def _connect(path, read_only: bool, config: dict, lock_wait: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as error:
            message = _first_line(error)
            if "Permission denied" in message or "Read-only file system" in message:
                raise StoreError(
                    _(
                        "cannot write {path}: permission denied (is the data directory read-only?)"
                    ).format(path=path)
                ) from None
            if "not a valid DuckDB database" in message:
                raise StoreError(
                    _("{path}: the database is damaged ({error})").format(path=path, error=message)
                ) from None
            if "lock" not in message.lower():
                raise StoreError(
                    _("{path}: cannot open the database ({error})").format(path=path, error=message)
                ) from None
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    _("{path}: another essaim process is using the database").format(path=path)
                ) from None
            time.sleep(0.1)
        except duckdb.Error as error:
            raise StoreError(
                _("{path}: the database is damaged ({error})").format(
                    path=path, error=_first_line(error)
                )
            ) from None


def _private_folder(folder: Path) -> None:
    """Create ``folder`` if absent (with its parents), readable by its owner only (0700)."""
    if not folder.exists():
        folder.mkdir(parents=True)
        folder.chmod(0o700)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
