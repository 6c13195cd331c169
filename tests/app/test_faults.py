"""Faults: a process killed with SIGKILL in the middle of collect, load or analyze, then run
again, leaves the store an uninterrupted run makes; a full disk, a read-only data directory
and damaged files give one clear sentence naming the file."""

from __future__ import annotations

import ctypes
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from graph.store.results import RESULT_TABLES
from tests.app.test_cli import essaim
from tests.collectors.collecting import table_rows
from tests.conftest import copy_raw

#: Every table a load writes, whole (the runs without the time and place of loading).
STORE = {
    **{table: f"SELECT * FROM {table}"
       for table in ("posts", "accounts", "links", "interactions", "follows", "catalogue")},
    "runs": "SELECT * EXCLUDE (loaded_at, file_path) FROM runs",
}  # fmt: skip


def same(left: dict[str, list], right: dict[str, list]) -> bool:
    """Equal tables, floats to a relative 1e-9 (parallel sums and PageRank iterations differ in
    the last bits between any two runs)."""
    if left.keys() != right.keys():
        return False
    for name in left:
        if len(left[name]) != len(right[name]):
            return False
        for row, other in zip(left[name], right[name], strict=True):
            for value, expected in zip(row, other, strict=True):
                if isinstance(value, float) and isinstance(expected, float):
                    if not math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12) and not (
                        math.isnan(value) and math.isnan(expected)
                    ):
                        return False
                elif value != expected:
                    return False
    return True


def start(*args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "250"},
    )


def kill_during(args, started: callable, delays=(1.0, 0.5, 0.2, 0.05)) -> None:
    """Run ``essaim *args`` and SIGKILL it ``delay`` seconds after ``started()`` turns true;
    retry with shorter delays until the kill lands before the process ends."""
    for delay in delays:
        process = start(*args)
        deadline = time.monotonic() + 120
        while not started() and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        assert process.returncode == 0, process.stderr.read()
    pytest.fail("every run ended before it could be killed")


@pytest.fixture(scope="module")
def demo_raw(demo_run):
    finished, data = demo_run
    assert finished.returncode == 0
    return data / "raw"


def test_load_killed_then_run_again_gives_the_uninterrupted_store(tmp_path, demo_raw):
    calm, killed = copy_raw(demo_raw, tmp_path / "calm"), copy_raw(demo_raw, tmp_path / "killed")
    assert essaim("--data", calm, "load", "--offline").returncode == 0
    database = killed / "essaim.duckdb"
    kill_during(["--data", killed, "load", "--offline"], started=database.exists)
    again = essaim("--data", killed, "load", "--offline")
    assert again.returncode == 0, again.stderr
    assert table_rows(database, STORE) == table_rows(calm / "essaim.duckdb", STORE)


def test_analyze_killed_then_run_again_gives_the_same_results(tmp_path, demo_raw):
    calm = copy_raw(demo_raw, tmp_path / "calm")
    assert essaim("--data", calm, "load", "--offline").returncode == 0
    killed = tmp_path / "killed"
    killed.mkdir()
    shutil.copy(calm / "essaim.duckdb", killed / "essaim.duckdb")
    assert essaim("--data", calm, "analyze").returncode == 0
    kill_during(["--data", killed, "analyze"], started=lambda: True, delays=(4.0, 2.0, 1.0))
    with duckdb.connect(str(killed / "essaim.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM analyses").fetchone() == (0,)
    again = essaim("--data", killed, "analyze")
    assert again.returncode == 0, again.stderr
    queries = {name: f"SELECT * FROM {name}" for name in RESULT_TABLES}
    assert same(
        table_rows(killed / "essaim.duckdb", queries), table_rows(calm / "essaim.duckdb", queries)
    )


# --- disks and files ------------------------------------------------------------------------


def limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def without_root_overrides() -> None:
    """Make a root process subject to file permissions, as any user is (drops the
    CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER capabilities from its children)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP


def run(*args, preexec) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "250"},
        preexec_fn=preexec,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_a_full_disk_while_loading_is_one_clear_sentence(tmp_path, demo_raw):
    data = copy_raw(demo_raw, tmp_path / "data")
    result = run("--data", data, "load", "--offline", preexec=limit_file_size(2 << 20))
    assert result.returncode == 1
    assert "no space left" in result.stderr and "essaim.duckdb" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_full_disk_while_importing_is_one_clear_sentence(tmp_path):
    data = tmp_path / "data"
    result = run("--data", data, "import", "csv", Path(__file__).parents[1] / "fixtures"
                 / "imports" / "custom.csv", "--mapping", Path(__file__).parents[1] / "fixtures"
                 / "imports" / "custom.toml", preexec=limit_file_size(0))  # fmt: skip
    assert result.returncode == 1
    assert "no space left" in result.stderr and str(data / "raw") in result.stderr


def test_a_read_only_data_directory_is_named(tmp_path, demo_raw):
    data = copy_raw(demo_raw, tmp_path / "data")
    data.chmod(0o555)
    try:
        result = run("--data", data, "load", "--offline", preexec=without_root_overrides)
    finally:
        data.chmod(0o755)
    assert result.returncode == 1
    assert "cannot write" in result.stderr and str(data) in result.stderr


def test_a_damaged_database_is_named(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "essaim.duckdb").write_bytes(b"not a database at all" * 1000)
    result = essaim("--data", data, "status")
    assert result.returncode == 1
    assert str(data / "essaim.duckdb") in result.stderr and "damaged" in result.stderr
