"""Whoever creates the data directory and the database, they are their owner's only (0700 and
0600), and so is every file essaim writes in them, even under a permissive umask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph.store import Store
from tests.app.test_cli import SAMPLE, essaim

IMPORTS = Path(__file__).parents[1] / "fixtures" / "imports"


@pytest.fixture(autouse=True)
def permissive_umask():
    """The common umask 022, under which files are world-readable by default."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def _modes(data: Path) -> dict[str, int]:
    """The mode of the data directory and of everything in it, by path relative to it."""
    paths = [data, *data.rglob("*")]
    return {str(path.relative_to(data)): path.stat().st_mode & 0o777 for path in paths}


def _assert_private(data: Path) -> None:
    modes = _modes(data)
    assert modes["essaim.duckdb"] == 0o600, modes
    folders = {path: mode for path, mode in modes.items() if (data / path).is_dir()}
    assert set(folders.values()) == {0o700}, folders  # nobody else reaches what they hold
    assert not {path: mode for path, mode in modes.items() if mode & 0o077}, modes
    sealed = {path: mode for path, mode in modes.items() if path.startswith("raw/") and "." in path}
    assert sealed and set(sealed.values()) <= {0o400}, sealed  # raw runs: read-only, owner's


def test_import_then_load_keep_the_data_to_their_owner(tmp_path):
    data = tmp_path / "data"
    imported = essaim("--data", data, "import", "csv", IMPORTS / "custom.csv",
                      "--mapping", IMPORTS / "custom.toml")  # fmt: skip
    assert imported.returncode in (0, 2), imported.stderr  # the fixture has a refused row
    assert _modes(data)["."] == 0o700 and _modes(data)["raw"] == 0o700
    loaded = essaim("--data", data, "load", "--offline")
    assert loaded.returncode == 0, loaded.stderr
    _assert_private(data)


def test_loading_runs_into_a_new_data_directory_keeps_it_to_its_owner(tmp_path):
    data = tmp_path / "new" / "data"
    loaded = essaim("--data", data, "load", SAMPLE, "--offline")
    assert loaded.returncode == 0, loaded.stderr
    _assert_private(data)


def test_the_demo_keeps_its_data_to_its_owner(demo_run):
    finished, data = demo_run
    assert finished.returncode == 0, finished.stderr[-2000:]
    _assert_private(data)


def test_a_store_opened_from_python_creates_a_private_folder_and_database(tmp_path):
    path = tmp_path / "made" / "essaim.duckdb"
    Store(path).close()
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
