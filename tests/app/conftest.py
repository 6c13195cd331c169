"""Fixtures shared by the command tests."""

from __future__ import annotations

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
