"""Fixtures shared by the command tests."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from graph.store import Store
from tests.fixtures.toy_store import fill

#: Each page's heading, per language.
HEADINGS = {
    "fr": {"overview": "Vue d'ensemble", "resource": "Ressource", "network": "Réseau",
           "communities": "Communautés", "accounts": "Comptes",
           "quality": "Qualité des données", "compare": "Comparer", "usage": "Usages"},
    "en": {"overview": "Overview", "resource": "Resource", "network": "Network",
           "communities": "Communities", "accounts": "Accounts", "quality": "Data quality",
           "compare": "Compare", "usage": "Use"},
}  # fmt: skip
#: The name given to one institution of the demo in ``demo_data``.
XSS = "<img src=x onerror=alert(1)>"


def toy_data(folder):
    """Make ``folder`` a data folder holding the toy store and a catalogue of r1 and r2."""
    with Store(folder / "essaim.duckdb") as store:
        fill(store)
        store.connection.execute(
            "INSERT INTO catalogue VALUES ('r1', 'Fractions', 'maths', NULL, NULL, [], NULL, true),"
            " ('r2', 'Géométrie', 'maths', NULL, NULL, [], NULL, true)"
        )
    return folder


@pytest.fixture
def data(tmp_path):
    """A data folder holding the toy store and a catalogue of r1 and r2."""
    return toy_data(tmp_path / "data")


@pytest.fixture(scope="session")
def demo_data(demo_run, tmp_path_factory):
    """A copy of the demo's data in which one institution is named like an XSS attempt."""
    finished, data = demo_run
    assert finished.returncode == 0, finished.stderr[-2000:]
    copy = tmp_path_factory.mktemp("web") / "data"
    shutil.copytree(data, copy)
    with duckdb.connect(str(copy / "essaim.duckdb")) as connection:
        connection.execute(
            "UPDATE accounts SET handle = ? WHERE account_id = (SELECT min(account_id) "
            "FROM accounts WHERE named AND account_id IN (SELECT account_id FROM account_roles))",
            [XSS],
        )
    return copy
