"""Fixtures shared by the command tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from graph.store import Store
from tests.fixtures.toy_store import fill


@pytest.fixture
def data(tmp_path):
    """A data folder holding the toy store and a catalogue of r1 and r2."""
    folder = tmp_path / "data"
    with Store(folder / "essaim.duckdb") as store:
        fill(store)
        store.connection.execute(
            "INSERT INTO catalogue VALUES ('r1', 'Fractions', 'maths', NULL, NULL, [], NULL, true),"
            " ('r2', 'Géométrie', 'maths', NULL, NULL, [], NULL, true)"
        )
    return folder


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``essaim demo --evaluate --no-app`` run once: (the finished process, its data folder)."""
    folder = tmp_path_factory.mktemp("demo")
    environment = {**os.environ, "HOME": str(folder), "ESSAIM_CONFIG": ""}
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--data",
            str(folder / "data"),
            "demo",
            "--evaluate",
            "--no-app",
        ],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return finished, folder / "data"
