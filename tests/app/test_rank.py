"""``essaim rank`` on the toy store with a second week of adoptions, analysed, as users run it.

The toy's adoptions are on Tuesday 1 September 2026 (ISO week 36): of r1, ana, bob, cleo,
dan and gael (emma's repost has no time), of r2 hugo. Added below, in week 37 (Monday 7 to
Sunday 13 September in Paris, 6 September 22:00 UTC to 13 September 22:00 UTC): noe links
r1 at the week's first instant, lou r1, jade and kim r2, max (an institution, 10 followers)
r3; oli links r3 at the week's end, which belongs to week 38 and is the newest adoption, so
``week`` is week 37.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from graph.store import Store
from tests.app.conftest import toy_data
from tests.app.test_cli import essaim
from tests.fixtures.toy_store import add_link, add_post

# author, post, resource, hours after the toy's 1 September 08:00 UTC
WEEK_37 = [("noe", "S5", "r1", 134), ("jade", "S1", "r2", 170), ("kim", "S2", "r2", 194),
           ("lou", "S3", "r1", 218), ("max", "S4", "r3", 266),
           ("oli", "S6", "r3", 302)]  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = toy_data(tmp_path_factory.mktemp("rank") / "data")
    with Store(folder / "essaim.duckdb") as store:
        for author, post, resource, hours in WEEK_37:
            add_post(store, post, author, hours)
            add_link(store, post, resource)
        store.connection.execute(
            "INSERT INTO catalogue VALUES ('r3', '=1+1 lecture', NULL, NULL, NULL, [], NULL, true)"
        )
        for account, followers, named in (("jade", 30, False), ("kim", 30, False),
                                          ("max", 10, True)):  # fmt: skip
            store.connection.execute(
                "INSERT INTO accounts BY NAME SELECT 'bluesky' AS platform, ? AS account_id, "
                "? AS named, ? AS handle, ? AS followers_count, now() AS counts_observed_at, "
                "? AS kind, 'test' AS source, 'run' AS run_id, now() AS collected_at",
                [account, named, "inspe_lille" if named else None, followers,
                 "institution" if named else None],
            )  # fmt: skip
    analysed = essaim("--data", folder, "analyze")
    assert analysed.returncode == 0, analysed.stderr
    return folder


def ranked(data, *options):
    result = essaim("--data", data, "rank", *options, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_week_ranked_with_ties_by_id_and_the_change(data):
    rows = ranked(data, "resources", "--by", "adoptions", "--period", "week")
    # week 37: r1 noe and lou (noe at its first instant), r2 jade and kim, r3 max (oli's, at
    # the week's end, is the next week's); week 36: r1 5 timed, r2 1, r3 none (0, known)
    assert [(r["rank"], r["resource_id"], r["adoptions"], r["adoptions_change"]) for r in rows] == [
        (1, "r1", 2, -3), (1, "r2", 2, 1), (3, "r3", 1, 1)]  # fmt: skip
    velocity = ranked(data, "resources", "--by", "velocity", "--period", "2026-09-07..2026-09-13")
    assert [(r["resource_id"], r["velocity"]) for r in velocity] == [
        ("r1", pytest.approx(2 / 7)),
        ("r2", pytest.approx(2 / 7)),
        ("r3", pytest.approx(1 / 7)),
    ]
    # against the 7 days before, 31 August to 6 September: r1's 5 adoptions, over 7 days
    assert velocity[0]["velocity_change"] == pytest.approx(2 / 7 - 5 / 7)


def test_the_whole_data_ranks_every_adoption_without_a_change(data):
    rows = ranked(data, "resources", "--by", "adoptions")
    # r1: the toy's 6, emma's of unknown time included, and 2; r2: 1 and 2; r3: 2
    assert [(r["rank"], r["resource_id"], r["adoptions"]) for r in rows] == [
        (1, "r1", 8), (2, "r2", 3), (3, "r3", 2)]  # fmt: skip
    assert "adoptions_change" not in rows[0]


def test_unknown_values_rank_last_and_are_never_zero(data):
    # week 37's sharers with a known follower count: jade and kim (30 each) for r2, max (10)
    # for r3; nobody's is known for r1
    rows = ranked(data, "resources", "--by", "potential_reach", "--period", "week")
    assert [(r["rank"], r["resource_id"], r["potential_reach"]) for r in rows] == [
        (1, "r2", 60), (2, "r3", 10), (3, "r1", None)]  # fmt: skip
    assert rows[0]["potential_reach_change"] is None  # unknown the week before
    shown = essaim("--data", data, "rank", "resources", "--by", "potential_reach",
                   "--period", "week")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if " r1 " in line]
    assert line.split("│")[4].strip() == "unknown" and " 0 " not in line
    assert "2026-W37" in shown.stdout and "2026-W36" in shown.stdout


def test_accounts_by_name_or_pseudonym_and_top(data):
    rows = ranked(data, "accounts", "--by", "downstream", "--top", "3")
    # bob's quote brought cleo's reply and emma's repost; every other account 0, tied, by id
    assert [(r["rank"], r["label"], r["downstream"]) for r in rows] == [
        (1, "bob", 2), (2, "ana", 0), (2, "cleo", 0)]  # fmt: skip
    week = ranked(data, "accounts", "--by", "adoptions", "--period", "week", "--top", "50")
    # tied, by id: max is the institution shown by its handle
    assert [r["label"] for r in week] == ["jade", "kim", "lou", "inspe_lille", "noe"]
    assert [r["rank"] for r in week] == [1, 1, 1, 1, 1]
    assert [r["is_institution"] for r in week] == [False, False, False, True, False]


def test_csv_is_formula_safe(data):
    result = essaim("--data", data, "rank", "resources", "--by", "adoptions", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["rank"], r["resource_id"], r["title"]) for r in rows] == [
        ("1", "r1", "Fractions"),
        ("2", "r2", "Géométrie"),
        ("3", "r3", "'=1+1 lecture"),
    ]
    reach = essaim("--data", data, "rank", "resources", "--by", "potential_reach", "--csv")
    assert reach.stdout.splitlines()[-1].endswith(",")  # unknown: an empty cell, not 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["resources", "--by", "bridge"], "--by 'bridge' is not a figure of resources: use one "
         "of adoptions, adopters, velocity, peak_per_hour, potential_reach, "
         "structural_virality, cascades, largest_cascade, takeoff"),
        (["accounts", "--by", "velocity"], "use one of adoptions, originated, downstream, bridge"),
        (["resources", "--by", "adoptions", "--period", "fortnight"],
         "--period 'fortnight' is not week, month, term, FROM..TO or FROM.."),
        (["resources", "--by", "adoptions", "--period", "2026-09-13..2026-09-07"],
         "ends before it starts"),
    ],
)  # fmt: skip
def test_a_bad_figure_or_period_is_one_sentence(data, options, message):
    result = essaim("--data", data, "rank", *options)
    assert result.returncode == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
