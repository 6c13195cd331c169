"""The app's reading of the store: patient with a load that holds the file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from app.web.data import Database, DatabaseBusy
from graph.store import Store, StoreBusy


def _hold(path, seconds: float) -> subprocess.Popen:
    """Another process writing to the database and holding it, as `essaim load` does."""
    script = textwrap.dedent(f"""
        import time, duckdb
        connection = duckdb.connect({str(path)!r})
        connection.execute("CREATE TABLE loaded AS SELECT 1 AS x")
        connection.execute("CHECKPOINT")
        print("holding", flush=True)
        time.sleep({seconds})
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def total(connection) -> int:
    return connection.execute("SELECT sum(n) FROM numbers").fetchone()[0]


def count(connection) -> int:
    return connection.execute("SELECT count(*) FROM numbers").fetchone()[0]


def chosen(connection, numbers: tuple) -> list[int]:
    rows = connection.execute(
        "SELECT n FROM numbers WHERE list_contains(?, n) ORDER BY n", [list(numbers)]
    ).fetchall()
    return [n for (n,) in rows]


def frame(connection):
    return connection.execute("SELECT n FROM numbers ORDER BY n").df()


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "essaim.duckdb"
    with Store(path) as store:
        store.connection.execute("CREATE TABLE numbers AS SELECT * FROM range(5) t(n)")
    return path


def test_a_busy_database_serves_what_was_read_before_and_says_so(database):
    reader = Database(database)
    before = reader.read(total)
    holder = _hold(database, 30)
    try:
        assert reader.read(total) == before == 10 and reader.busy
        with pytest.raises(DatabaseBusy):
            reader.read(count)  # never read: nothing to show
    finally:
        holder.kill()
        holder.wait()


def test_without_a_load_the_cached_result_is_current(database):
    reader = Database(database)
    assert reader.read(total) == reader.read(total) == 10
    assert not reader.busy


def test_the_app_reads_again_once_the_file_changed(database):
    reader = Database(database)
    assert reader.read(count) == 5
    with Store(database) as store:
        store.connection.execute("INSERT INTO numbers VALUES (5), (6)")
    assert reader.read(count) == 7


def test_parameters_go_to_the_read_function_and_key_the_cache(database):
    reader = Database(database)
    assert reader.read(chosen, (1, 3)) == [1, 3]
    assert reader.read(chosen, (2,)) == [2]


def test_each_read_gets_its_own_copy(database):
    reader = Database(database)
    first = reader.read(frame)
    first.loc[0, "n"] = 99
    assert list(reader.read(frame)["n"]) == [0, 1, 2, 3, 4]


def test_opening_waits_for_the_holder_or_says_the_database_is_busy(database):
    holder = _hold(database, 1.0)
    try:
        with pytest.raises(StoreBusy, match="another essaim process"):
            Store(database, read_only=True, lock_wait=0)
        with Store(database, lock_wait=30) as store:  # a load waits for the holder to end
            assert store.connection.execute("SELECT count(*) FROM numbers").fetchone()[0] == 5
    finally:
        holder.kill()
        holder.wait()
