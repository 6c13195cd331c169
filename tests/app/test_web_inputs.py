"""The app on stores each missing one optional input: every page renders, unknowns say so."""

from __future__ import annotations

import json

import pytest

from app.web import PAGES
from graph.analysis import AnalysisParameters, analyze
from graph.store import Store
from tests.app.conftest import HEADINGS, toy_data
from tests.app.test_web import _app, _metric, _tables

#: The tables holding rows of a platform.
PLATFORM_TABLES = ("posts", "links", "interactions", "follows")
#: What each store lacks: rows deleted from the toy store, and whether campaigns are given.
MISSING = {
    "campaigns": ([], False),
    "follows": (["DELETE FROM follows"], True),
    "likes": (["DELETE FROM interactions WHERE kind = 'like'"], True),
    "platforms but one": (
        [f"DELETE FROM {table} WHERE platform <> 'bluesky'" for table in PLATFORM_TABLES],
        True,
    ),
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """A data folder per entry of ``MISSING``, analysed, and one loaded but never analysed."""
    campaigns = tmp_path_factory.mktemp("campaigns") / "campaigns.csv"
    campaigns.write_text(
        "date,channel,resource,utm_campaign\n2026-09-01,newsletter,maths,rentree\n"
    )
    folders = {}
    for missing, (statements, with_campaigns) in MISSING.items():
        folder = toy_data(tmp_path_factory.mktemp("missing") / "data")
        with Store(folder / "essaim.duckdb") as store:
            for statement in statements:
                store.connection.execute(statement)
            analyze(store, AnalysisParameters(campaigns=str(campaigns) if with_campaigns else None))
        folders[missing] = folder
    folders["analysis"] = toy_data(tmp_path_factory.mktemp("missing") / "data")
    return folders


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("missing", MISSING)
def test_every_page_renders_with_one_input_missing(monkeypatch, stores, missing, page):
    app = _app(monkeypatch, stores[missing], page)
    assert not app.exception, [item.value for item in app.exception]
    assert not app.error
    assert [header.value for header in app.header] == [HEADINGS["fr"][page]]


@pytest.mark.parametrize(("missing", "rules"), [("campaigns", False), ("likes", True)])
def test_the_overview_marks_campaign_actions_when_there_are_some(
    monkeypatch, stores, missing, rules
):
    app = _app(monkeypatch, stores[missing])
    (adoptions_by_day,) = app.get("vega_lite_chart")
    assert ("layer" in json.loads(adoptions_by_day.proto.spec)) == rules


def test_an_audience_without_follower_lists_is_unknown_not_zero(monkeypatch, stores):
    app = _app(monkeypatch, stores["follows"])
    assert _metric(app, "Audience unique") == "inconnue"
    assert _metric(app, "Portée potentielle") == "inconnue"  # no follower count declared
    ranking = _ranking(app)
    assert ranking["audience unique"].isna().all()
    compared = _tables(_app(monkeypatch, stores["follows"], "compare"))[0]
    assert compared["audience unique"].isna().all()
    with_follows = _app(monkeypatch, stores["likes"])
    assert _metric(with_follows, "Audience unique") == "au moins 1"  # dan follows bob
    assert _ranking(with_follows).loc["r1", "audience unique"] == 1


def _ranking(app):
    """The overview's ranking of resources (after what's new, which names them by title)."""
    return next(t for t in _tables(app) if "ressource" in t.columns).set_index("ressource")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_for_an_analysis_of_a_loaded_store(monkeypatch, stores, page):
    app = _app(monkeypatch, stores["analysis"], page)
    assert not app.exception, [item.value for item in app.exception]
    assert any("essaim analyze" in info.value for info in app.info)
