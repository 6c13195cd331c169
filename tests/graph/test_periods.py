"""Periods in Paris days, and the figures of resources and accounts over one, on a store whose
result tables are written by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collectors.errors import UserError
from graph.periods import days, parse_period, previous, with_change
from graph.store import Store
from graph.store.results.periods import (
    account_figures,
    data_days,
    newest_adoption,
    resource_figures,
)


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def bounds(period):
    return period.label, period.start, period.end


# --- parse_period and previous --------------------------------------------------------------


def test_a_week_ends_on_the_monday_midnight_in_paris():
    monday = utc(2026, 11, 8, 23)  # Monday 9 November, 00:00 in Paris (UTC+1)
    assert bounds(parse_period("week", monday)) == (
        "2026-W45", utc(2026, 11, 1, 23), utc(2026, 11, 8, 23))  # fmt: skip
    # a second before, that week is not complete yet: the one before it
    assert bounds(parse_period("week", monday - timedelta(seconds=1))) == (
        "2026-W44", utc(2026, 10, 25, 23), utc(2026, 11, 1, 23))  # fmt: skip


def test_the_week_of_the_clock_change_holds_169_hours_and_7_days():
    week = parse_period("week", utc(2026, 10, 28, 12))  # clocks went back on Sunday 25 October
    assert bounds(week) == ("2026-W43", utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))
    assert week.end - week.start == timedelta(hours=169)
    assert days(week) == 7
    spring = parse_period("2026-03-29..2026-03-29", utc(2026, 4, 1))  # clocks went forward
    assert spring.end - spring.start == timedelta(hours=23) and days(spring) == 1


def test_a_month_is_complete_at_midnight_in_paris_not_in_utc():
    last_evening = utc(2026, 11, 30, 22, 30)  # 23:30 on 30 November in Paris
    assert bounds(parse_period("month", last_evening)) == (
        "2026-10", utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))  # fmt: skip
    # 23:30 UTC on 30 November is already 1 December in Paris: November is complete
    assert bounds(parse_period("month", utc(2026, 11, 30, 23, 30))) == (
        "2026-11", utc(2026, 10, 31, 23), utc(2026, 11, 30, 23))  # fmt: skip
    assert parse_period("month", utc(2027, 1, 15)).label == "2026-12"


@pytest.mark.parametrize(
    ("now", "label", "start", "end"),
    [
        (utc(2026, 11, 15), "2026-T3", utc(2026, 3, 31, 22), utc(2026, 6, 30, 22)),
        (utc(2026, 8, 15), "2026-T3", utc(2026, 3, 31, 22), utc(2026, 6, 30, 22)),  # summer
        (utc(2026, 12, 31, 23), "2026-T1", utc(2026, 8, 31, 22), utc(2026, 12, 31, 23)),
        (utc(2026, 12, 31, 22, 59), "2026-T3", utc(2026, 3, 31, 22), utc(2026, 6, 30, 22)),
        (utc(2027, 5, 2), "2027-T2", utc(2026, 12, 31, 23), utc(2027, 3, 31, 22)),
    ],
)
def test_a_term_is_the_last_complete_school_trimester(now, label, start, end):
    assert bounds(parse_period("term", now)) == (label, start, end)


def test_days_from_to_include_the_last_and_run_to_today_when_open():
    now = utc(2026, 9, 30, 23)  # 1 October, 01:00 in Paris
    assert bounds(parse_period("2026-09-01..2026-09-30", now)) == (
        "2026-09-01..2026-09-30", utc(2026, 8, 31, 22), utc(2026, 9, 30, 22))  # fmt: skip
    assert bounds(parse_period(" 2026-09-28..", now)) == (
        "2026-09-28..2026-10-01", utc(2026, 9, 27, 22), utc(2026, 10, 1, 22))  # fmt: skip
    assert parse_period("WEEK", now).label == "2026-W39"


@pytest.mark.parametrize(
    "text",
    ["fortnight", "", "2026-13-01..2026-13-02", "2026-09-01", "01/09/2026..", "..2026-09-01"],
)
def test_a_bad_period_is_one_sentence(text):
    with pytest.raises(UserError, match=r"^--period .* is not week, month, term, FROM\.\.TO"):
        parse_period(text, utc(2026, 10, 1))


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(UserError, match="ends before it starts"):
        parse_period("2026-09-10..2026-09-09", utc(2026, 10, 1))


def test_previous_is_the_period_of_the_same_kind_just_before():
    week = parse_period("week", utc(2026, 11, 4))  # W44, after the clock change
    assert bounds(previous(week)) == ("2026-W43", utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))
    january = parse_period("month", utc(2027, 2, 3))
    assert bounds(previous(january)) == ("2026-12", utc(2026, 11, 30, 23), utc(2026, 12, 31, 23))
    assert previous(parse_period("term", utc(2027, 1, 5))).label == "2026-T3"  # summer skipped
    assert previous(parse_period("term", utc(2027, 4, 5))).label == "2026-T1"
    three = parse_period("2026-11-01..2026-11-03", utc(2026, 12, 1))
    assert bounds(previous(three)) == (
        "2026-10-29..2026-10-31", utc(2026, 10, 28, 23), utc(2026, 10, 31, 23))  # fmt: skip


def test_with_change_fills_only_what_is_known_to_be_zero():
    import pandas as pd

    now = pd.DataFrame({"id": ["a", "b", "c"], "n": [4, 1, 2], "reach": [10.0, 5.0, None]})
    then = pd.DataFrame({"id": ["a", "c", "d"], "n": [6, 2, 8], "reach": [None, 3.0, 1.0]})
    table = with_change(now, then, ["id"], ["n", "reach"], absent={"n": 0})
    assert table["n_change"].tolist() == [-2.0, 1.0, 0.0]
    assert table["reach_before"].isna().tolist() == [True, True, False]
    assert table["reach_change"].isna().all()  # unknown before, or now (c)
    assert len(table) == 3  # d, absent now, is not added


# --- figures over a period ------------------------------------------------------------------

# The week 2026-W45 runs from 1 November 23:00 UTC to 8 November 23:00 UTC (Paris, UTC+1).
# Cascade r1/A: ana (root, 23:30 on 1 November, the week's first half-hour in Paris) ← bob
# (10:10 on the 2nd) ← cleo (10:40, same hour) ← dan (a reply at 22:59 on the 8th, the week's
# last minute); frank reposts bob's at an unknown time. Cascade r1/G: gael (root) ← ines.
# emma starts r1/E at 23:00 on the 8th: Monday 9th in Paris, the next week. ana started r1/Z
# the week before; hugo r2/H alone.
ADOPTIONS = [
    # resource, cascade, account, parent, adopted_at, kind
    ("r1", "r1/A", "ana", None, utc(2026, 11, 1, 23, 30), "original"),
    ("r1", "r1/A", "bob", "ana", utc(2026, 11, 2, 10, 10), "repost"),
    ("r1", "r1/A", "cleo", "bob", utc(2026, 11, 2, 10, 40), "repost"),
    ("r1", "r1/A", "dan", "cleo", utc(2026, 11, 8, 22, 59), "reply"),
    ("r1", "r1/A", "frank", "bob", None, "repost"),
    ("r1", "r1/G", "gael", None, utc(2026, 11, 4, 10), "original"),
    ("r1", "r1/G", "ines", "gael", utc(2026, 11, 4, 11), "quote"),
    ("r1", "r1/E", "emma", None, utc(2026, 11, 8, 23), "original"),
    ("r1", "r1/Z", "ana", None, utc(2026, 10, 27, 10), "original"),
    ("r2", "r2/H", "hugo", None, utc(2026, 11, 3, 12), "original"),
]
CASCADES = [  # cascade, resource, started_at, size, structural virality
    ("r1/A", "r1", utc(2026, 11, 1, 23, 30), 5, 1.6),
    ("r1/G", "r1", utc(2026, 11, 4, 10), 2, 1.0),
    ("r1/E", "r1", utc(2026, 11, 8, 23), 1, None),
    ("r1/Z", "r1", utc(2026, 10, 27, 10), 1, None),
    ("r2/H", "r2", utc(2026, 11, 3, 12), 1, None),
]
# last known follower counts: ana 100 (50 earlier), cleo 7, ines 3, bob and hugo unknown
ACCOUNTS = [("ana", 50, utc(2026, 10, 1)), ("ana", 100, utc(2026, 11, 1)), ("bob", None, None),
            ("cleo", 7, utc(2026, 11, 1)), ("ines", 3, utc(2026, 11, 1)),
            ("hugo", None, None)]  # fmt: skip


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "essaim.duckdb") as store:
        run = store.connection.execute
        run("INSERT INTO catalogue VALUES ('r1', 'Fractions', 'maths', NULL, NULL, [], NULL, "
            "true), ('r2', 'Géométrie', 'maths', NULL, NULL, [], NULL, true), ('r3', "
            "'Lecture', NULL, NULL, NULL, [], NULL, true)")  # fmt: skip
        run("CREATE TABLE adoptions (resource_id VARCHAR, cascade VARCHAR, platform VARCHAR, "
            "account_id VARCHAR, adopted_at TIMESTAMPTZ, kind VARCHAR)")  # fmt: skip
        run("CREATE TABLE cascade_trees (cascade VARCHAR, platform VARCHAR, account_id VARCHAR, "
            "parent_id VARCHAR, adopted_at TIMESTAMPTZ)")  # fmt: skip
        for resource, cascade, account, parent, at, kind in ADOPTIONS:
            run("INSERT INTO adoptions VALUES (?, ?, 'bluesky', ?, ?, ?)",
                [resource, cascade, account, at, kind])  # fmt: skip
            run("INSERT INTO cascade_trees VALUES (?, 'bluesky', ?, ?, ?)",
                [cascade, account, parent, at])  # fmt: skip
        run("CREATE TABLE cascades (cascade VARCHAR, resource_id VARCHAR, "
            "started_at TIMESTAMPTZ, size BIGINT, structural_virality DOUBLE)")  # fmt: skip
        run("INSERT INTO cascades VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * len(CASCADES)),
            [value for row in CASCADES for value in row])  # fmt: skip
        # the analysis writes episodes' times in nanoseconds
        run("CREATE TABLE takeoff_episodes (resource_id VARCHAR, start TIMESTAMP_NS)")
        run("INSERT INTO takeoff_episodes VALUES ('r1', '2026-11-02 10:00'), "
            "('r1', '2026-10-27 10:00')")  # fmt: skip
        for account, followers, seen in ACCOUNTS:
            run("INSERT INTO accounts BY NAME SELECT 'bluesky' AS platform, ? AS account_id, "
                "? AS named, ? AS handle, ?::BIGINT AS followers_count, "
                "?::TIMESTAMPTZ AS counts_observed_at, 'test' AS source, 'run' AS run_id, "
                "coalesce(?::TIMESTAMPTZ, now()) AS collected_at",
                [account, account == "ana", "inspe_lyon" if account == "ana" else None,
                 followers, seen, seen])  # fmt: skip
        run("CREATE TABLE account_roles (platform VARCHAR, account_id VARCHAR, "
            "brokerage DOUBLE, bridge BOOLEAN, institution BOOLEAN)")  # fmt: skip
        run("INSERT INTO account_roles VALUES ('bluesky', 'ana', 0.2, false, true), "
            "('bluesky', 'bob', 0.5, true, false)")  # fmt: skip
        run("CREATE TABLE communities (community BIGINT, label VARCHAR)")
        run("INSERT INTO communities VALUES (0, 'maths · cycle 3')")
        run("CREATE TABLE account_communities (platform VARCHAR, account_id VARCHAR, "
            "community BIGINT)")  # fmt: skip
        run("INSERT INTO account_communities VALUES ('bluesky', 'ana', 0), "
            "('bluesky', 'bob', 0), ('bluesky', 'cleo', -1)")  # fmt: skip
        yield store


WEEK = parse_period("week", utc(2026, 11, 10))  # 2026-W45


def test_resource_figures_over_a_week(store):
    assert newest_adoption(store.connection) == utc(2026, 11, 8, 23)
    figures = resource_figures(store.connection, WEEK).set_index("resource_id")
    assert list(figures.index) == ["r1", "r2"]  # r3 adopted by none
    r1, r2 = figures.loc["r1"], figures.loc["r2"]
    # ana, bob, cleo, dan, gael, ines: emma is next week, frank's time unknown, r1/Z before
    assert (r1["title"], r1["adoptions"], r1["adopters"]) == ("Fractions", 6, 6)
    assert r1["velocity"] == pytest.approx(6 / 7)
    assert r1["peak_per_hour"] == 2  # bob and cleo between 10:00 and 11:00 UTC
    # sharers ana (last count 100), bob (unknown), cleo (7), ines (3); dan replied
    assert r1["potential_reach"] == 110
    # cascades started in the week: A (5, virality 1.6) and G (2, 1.0); E is next week's
    assert (r1["cascades"], r1["largest_cascade"], r1["structural_virality"]) == (2, 5, 1.6)
    assert r1["takeoff"] == 1
    assert (r2["adoptions"], r2["velocity"], r2["peak_per_hour"]) == (1, pytest.approx(1 / 7), 1)
    assert math_nan(r2["potential_reach"]) and math_nan(r2["structural_virality"])  # unknown
    assert (r2["cascades"], r2["largest_cascade"], r2["takeoff"]) == (1, 1, 0)


def test_resource_figures_before_and_over_the_whole_data(store):
    before = resource_figures(store.connection, previous(WEEK)).set_index("resource_id")
    assert list(before.index) == ["r1"]
    assert (before.loc["r1", "adoptions"], before.loc["r1", "potential_reach"]) == (1, 100)
    assert (before.loc["r1", "cascades"], before.loc["r1", "takeoff"]) == (1, 1)
    assert math_nan(before.loc["r1", "structural_virality"])  # only r1/Z, of 1 adopter
    whole = resource_figures(store.connection, None).set_index("resource_id")
    # every adoption, frank's too, over 27 October to 9 November in Paris: 14 days
    assert data_days(store.connection) == 14
    assert whole.loc["r1", "adoptions"] == 9 and whole.loc["r1", "adopters"] == 8
    assert whole.loc["r1", "velocity"] == pytest.approx(9 / 14)
    assert (whole.loc["r1", "cascades"], whole.loc["r1", "takeoff"]) == (4, 2)


def test_account_figures_over_a_week(store):
    figures = account_figures(store.connection, WEEK).set_index("account_id")
    assert list(figures.index) == ["ana", "bob", "cleo", "dan", "gael", "hugo", "ines"]
    ana, bob, cleo = figures.loc["ana"], figures.loc["bob"], figures.loc["cleo"]
    assert (ana["label"], ana["community"], ana["is_institution"]) == (
        "inspe_lyon", "maths · cycle 3", True)  # fmt: skip
    assert (ana["adoptions"], ana["originated"], ana["downstream"]) == (1, 1, 0)  # root
    # below bob in the week: cleo and dan (frank's time is unknown)
    assert (bob["downstream"], bob["bridge"], bob["is_bridge"]) == (2, 0.5, True)
    assert (cleo["label"], cleo["community"], cleo["downstream"]) == ("cleo", "small groups", 1)
    assert figures.loc["gael", "originated"] == 1 and figures.loc["ines", "downstream"] == 0
    assert figures.loc["dan", "community"] is None or math_nan(figures.loc["dan", "community"])
    assert math_nan(figures.loc["dan", "bridge"]) and not figures.loc["dan", "is_bridge"]
    whole = account_figures(store.connection, None).set_index("account_id")
    assert (whole.loc["ana", "adoptions"], whole.loc["ana", "originated"]) == (2, 2)
    assert whole.loc["bob", "downstream"] == 3  # frank counts over the whole data


def math_nan(value) -> bool:
    return value != value
