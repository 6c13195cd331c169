"""The Streamlit app, run by Streamlit's AppTest on the demo's store and on empty ones."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app.web import MAIN_SCRIPT, PAGES
from app.web.i18n import COLUMNS, cell, column_name, moment, number, percent
from app.web.widgets import displayed
from graph.store import Store
from tests.app.conftest import HEADINGS, XSS


def _app(monkeypatch, data, page: str = "overview") -> AppTest:
    monkeypatch.setenv("ESSAIM_DATA", str(data))
    monkeypatch.setenv("ESSAIM_CONFIG", "")
    app = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=120).run()
    if page != "overview":
        app.switch_page(f"views/{page}.py").run()
    return app


def _metric(app: AppTest, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def _tables(app: AppTest) -> list:
    """Every table of the page as a DataFrame (small ones are plain tables, large ones grids)."""
    return [element.value for element in [*app.table, *app.dataframe]]


def _query(data, sql: str, *parameters):
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        return connection.execute(sql, list(parameters)).fetchone()[0]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo(monkeypatch, demo_data, page):
    app = _app(monkeypatch, demo_data, page)
    assert not app.exception, [item.value for item in app.exception]
    assert [header.value for header in app.header] == [HEADINGS["fr"][page]]
    assert not app.error


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_what_to_do_on_an_empty_database(monkeypatch, tmp_path, page):
    Store(tmp_path / "essaim.duckdb").close()  # migrated, nothing loaded
    app = _app(monkeypatch, tmp_path, page)
    assert not app.exception, [item.value for item in app.exception]
    assert any("essaim analyze" in info.value for info in app.info)


def test_without_a_database_the_app_says_how_to_make_one(monkeypatch, tmp_path):
    app = _app(monkeypatch, tmp_path / "nothing-here")
    assert not app.exception
    assert any("essaim load" in info.value for info in app.info)


def test_the_platform_filter_changes_the_key_figures(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data)
    everything = _query(demo_data, "SELECT count(*) FROM adoptions")
    mastodon = _query(demo_data, "SELECT count(*) FROM adoptions WHERE platform = 'mastodon'")
    assert _metric(app, "Adoptions") == f"{everything:,}".replace(",", "\u00a0")
    app.multiselect(key="platforms").set_value(["mastodon"]).run()
    assert _metric(app, "Adoptions") == f"{mastodon:,}".replace(",", "\u00a0")
    adopters = _query(
        demo_data,
        "SELECT count(DISTINCT account_id) FROM adoptions WHERE platform = 'mastodon'",
    )
    assert _metric(app, "Comptes adoptants") == f"{adopters:,}".replace(",", "\u00a0")


def test_the_period_and_resource_filters_narrow_the_adoptions(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data)
    first, last = app.date_input(key="period").value
    app.date_input(key="period").set_value((first, first)).run()
    on_first_day = _query(
        demo_data, "SELECT count(*) FROM adoptions WHERE adopted_at::DATE = ?", first
    )
    assert _metric(app, "Adoptions") == f"{on_first_day:,}".replace(",", "\u00a0")
    app.date_input(key="period").set_value((first, last)).run()
    app.multiselect(key="resources").set_value(["einspe-oral"]).run()
    oral = _query(demo_data, "SELECT count(*) FROM adoptions WHERE resource_id = 'einspe-oral'")
    assert _metric(app, "Adoptions") == f"{oral:,}".replace(",", "\u00a0")
    assert _metric(app, "Ressources diffusées") == "1"


def test_the_language_switch_changes_labels_and_numbers(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data)
    app.sidebar.radio(key="language").set_value("en").run()
    assert [header.value for header in app.header] == ["Overview"]
    everything = _query(demo_data, "SELECT count(*) FROM adoptions")
    assert _metric(app, "Adoptions") == f"{everything:,}"  # English thousands separator
    assert [item.label for item in app.multiselect][:1] == ["Platforms"]
    app.switch_page("views/quality.py").run()
    assert [header.value for header in app.header] == ["Data quality"]
    assert "Methods" in [subheader.value for subheader in app.subheader]


def test_a_name_that_looks_like_html_is_shown_as_text(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data, "accounts")
    app.text_input(key="account_search").set_value("onerror").run()
    (shown,) = _tables(app)
    assert list(shown["compte"]) == [XSS]
    assert not any(XSS in markdown.value for markdown in app.markdown)


def test_the_resource_page_follows_the_chosen_resource(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data, "resource")
    app.selectbox(key="resource").set_value("einspe-oral").run()
    cascades = _query(demo_data, "SELECT count(*) FROM cascades WHERE resource_id = 'einspe-oral'")
    tables = {len(frame) for frame in _tables(app)}
    assert cascades in tables


def test_comparing_two_resources_shows_one_row_each(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data, "compare")
    app.multiselect(key="compare_resources").set_value(["einspe-oral", "einspe-accueil"]).run()
    summary = _tables(app)[0]
    assert list(summary.iloc[:, 0]) == ["einspe-accueil", "einspe-oral"]
    adoptions = _query(
        demo_data, "SELECT count(*) FROM adoptions WHERE resource_id = 'einspe-oral'"
    )
    assert summary.set_index(summary.columns[0]).loc["einspe-oral", "adoptions"] == adoptions


def test_a_bad_configuration_is_named_not_a_traceback(monkeypatch, tmp_path):
    config = tmp_path / "essaim.toml"
    config.write_text('data_dir = "."\nunknown_key = 1\n', encoding="utf-8")
    monkeypatch.setenv("ESSAIM_CONFIG", str(config))
    monkeypatch.delenv("ESSAIM_DATA", raising=False)
    app = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=60).run()
    assert not app.exception
    assert [error.value for error in app.error] and "unknown_key" in app.error[0].value


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_column_shown_has_a_header_in_the_language(monkeypatch, demo_data, page, language):
    app = _app(monkeypatch, demo_data, page)
    app.sidebar.radio(key="language").set_value(language).run()
    translated = {names[language == "en"] for names in COLUMNS.values()}
    resources = {row[0] for row in _rows(demo_data, "SELECT resource_id FROM catalogue")}
    headers = {column for frame in _tables(app) for column in frame.columns}
    assert headers and headers - translated - resources == set()


def _rows(data, sql: str):
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_a_column_without_translation_is_spaced_never_snake_case():
    assert column_name("first_seen_at", "fr") == "vue la première fois"
    assert column_name("not_yet_named", "fr") == "not yet named"


@pytest.mark.parametrize(
    ("value", "language", "written"),
    [
        (6.0, "fr", "6"),  # a count stored as a float: no decimals
        (12345.0, "fr", "12\u00a0345"),
        (12345.678, "en", "12,345.68"),
        (1.0, "en", "1"),
        (0.999, "en", "0.999"),  # below 1: three significant digits
        (0.0069440, "fr", "0,00694"),
        (1.005, "fr", "1"),  # two decimals from 1 up: 1.005 is 1.00499… as a float
        (-0.5, "en", "-0.5"),
        (0.99996, "en", "1"),  # rounds up to a whole number: no trailing point
        (0, "fr", "0"),
        (math.inf, "fr", "∞"),
        (math.nan, "en", "–"),
    ],
)
def test_numbers_are_written_for_the_language(value, language, written):
    assert number(value, language) == written


def test_shares_dates_and_words_are_written_for_the_language():
    assert percent(0.4177215, "fr") == "41,77\u00a0%"
    assert percent(0.0, "en") == "0%"
    assert percent(1.0, "fr") == "100\u00a0%"
    stamp = pd.Timestamp("2026-09-02 07:31:10.4", tz="UTC")
    assert moment(stamp, "fr") == "2 sept. 2026, 07:31"
    assert moment(pd.Timestamp("2026-11-09"), "en") == "9 Nov 2026"  # midnight: the day only
    assert cell(False, "fr") == "non" and cell(True, "en") == "yes"
    assert cell("stated:via", "fr", worded=True) == "indiqué : via"
    assert cell("potential_reach", "en", worded=True) == "potential reach"
    assert cell(np.array(["#einspe", "@e-inspe.fr"]), "fr") == "#einspe, @e-inspe.fr"


def test_a_table_is_shown_formatted_and_kept_raw():
    frame = pd.DataFrame(
        {
            "figure": ["potential_reach", "clicks"],
            "value": [6386.0, 6.0],
            "coverage": [0.4177215, None],
            "first_day": pd.to_datetime(["2026-09-07", "2026-11-09"]),
            "originator": [True, False],
        }
    )
    styled = displayed(frame, "fr")
    assert styled.data.equals(frame.set_axis(list(styled.data.columns), axis=1))  # raw values
    assert list(styled.data.columns) == [
        "mesure", "valeur", "couverture", "premier jour", "initiateur",
    ]  # fmt: skip
    shown = styled.to_string(delimiter="|").splitlines()[1:]
    assert [line.split("|")[1:] for line in shown] == [
        ["portée potentielle", "6\u00a0386", "41,77\u00a0%", "7 sept. 2026", "oui"],
        ["clics", "6", "–", "9 nov. 2026", "non"],
    ]


def _chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in app.get("vega_lite_chart")]


def test_charts_write_dates_and_numbers_in_the_page_language(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data, "resource")
    (french,) = _chart_specs(app)  # the timeline
    assert french["config"]["locale"]["time"]["shortMonths"][8] == "sept."
    assert french["config"]["locale"]["number"]["decimal"] == ","
    app.sidebar.radio(key="language").set_value("en").run()
    (english,) = _chart_specs(app)
    assert "locale" not in english.get("config", {})  # Vega's own: English


def test_the_period_bounds_the_cascades_and_the_time_slider_of_the_tree(monkeypatch, demo_data):
    app = _app(monkeypatch, demo_data, "resource")
    (whole,) = [s for s in app.select_slider if s.key.startswith("tree-until-")]
    key, whole_last, whole_days = whole.key, whole.value, len(whole.options)  # read now: live
    cascade = key.removeprefix("tree-until-")
    started, ended = _query(
        demo_data, "SELECT (min(adopted_at), max(adopted_at)) FROM cascade_trees WHERE cascade = ?",
        cascade,
    )  # fmt: skip
    assert (whole_last, whole_days) == (
        ended.astimezone(UTC).date(),
        (ended.date() - started.date()).days + 1,
    )  # every day of the cascade, the last chosen
    # a period ending two days into the cascade: its slider stops there
    last = started.astimezone(UTC).date() + timedelta(days=2)
    app.sidebar.date_input(key="period").set_value((date(2026, 9, 1), last)).run()
    assert not app.exception, [item.value for item in app.exception]
    (slider,) = [s for s in app.select_slider if s.key.startswith("tree-until-")]
    assert slider.key == key  # still the largest cascade of the period
    assert slider.value <= last < whole_last and len(slider.options) <= 3
