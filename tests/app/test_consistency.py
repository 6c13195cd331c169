"""The demo's analysed store agrees with itself: shares are shares, parts add up to wholes,
and a figure shown in two tables has one value.

Each check is a query over the store ``essaim demo`` analysed, compared with what the same
figure must be by definition (counted again from the tables it comes from).
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from graph.reach import exposure

#: (table, column) holding a share: within [0, 1] wherever known.
SHARES = [
    ("reach", "coverage"),
    ("campaign_reach", "coverage"),
    ("institutional_share", "share_through_institutions"),
    ("institutional_share", "institutional_reach_share"),
    ("resource_communities", "share"),
    ("cascades", "stated_share"),
    ("cascade_trees", "confidence"),
    ("exposure", "exposure"),
    ("account_roles", "participation"),
]

#: Two queries that must give the same rows: a figure as stored, and counted again.
SAME = {
    "cascade trees hold each adopter of a cascade once": (
        "SELECT count(*) FROM cascade_trees",
        "SELECT count(*) FROM (SELECT DISTINCT cascade, account_id FROM adoptions)",
    ),
    "cascade sizes add up to the trees' rows": (
        "SELECT cascade, size FROM cascades",
        "SELECT cascade, count(*) FROM cascade_trees GROUP BY cascade",
    ),
    "adopters in the institutional share are the resource's adopting accounts": (
        "SELECT resource_id, adopters FROM institutional_share",
        "SELECT resource_id, count(DISTINCT (platform, account_id)) FROM adoptions GROUP BY 1",
    ),
    "platforms' timelines add up to the whole": (
        "SELECT resource_id, period, adoptions FROM timelines WHERE platform = 'all'",
        "SELECT resource_id, period, sum(adoptions) FROM timelines WHERE platform <> 'all' "
        "GROUP BY ALL",
    ),
    "timelines count every adoption of known time": (
        "SELECT resource_id, sum(adoptions) FROM timelines WHERE platform = 'all' GROUP BY 1",
        "SELECT resource_id, count(*) FROM adoptions WHERE adopted_at IS NOT NULL GROUP BY 1",
    ),
    "journeys count each platform's adopters": (
        "SELECT resource_id, platform, adopters FROM journeys",
        "SELECT resource_id, platform, count(DISTINCT account_id) FROM adoptions GROUP BY ALL",
    ),
    "sharers in the reach table are the accounts that shared": (
        "SELECT resource_id, value FROM reach WHERE figure = 'sharers'",
        "SELECT resource_id, count(DISTINCT (platform, account_id)) FROM adoptions "
        "WHERE kind IN ('original', 'repost', 'quote', 'link-in-forum', 'web-page') GROUP BY 1",
    ),
    "each community's size is its member rows (small groups, -1, are not a community)": (
        "SELECT community, size FROM communities",
        "SELECT community, count(*) FROM account_communities WHERE community >= 0 GROUP BY 1",
    ),
    "roles per resource list each adopting account once": (
        "SELECT count(*) FROM resource_roles",
        "SELECT count(*) FROM (SELECT DISTINCT resource_id, platform, account_id FROM adoptions)",
    ),
    "adopters by Rogers category add up to the timed adopters": (
        "SELECT resource_id, count(*) FROM adopter_categories GROUP BY 1",
        "SELECT resource_id, count(*) FROM (SELECT resource_id, platform, account_id "
        "FROM adoptions GROUP BY ALL HAVING count(adopted_at) > 0) GROUP BY 1",
    ),
}


@pytest.fixture(scope="module")
def store(demo_run):
    finished, data = demo_run
    assert finished.returncode == 0, finished.stderr[-3000:]
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize(("table", "column"), SHARES)
def test_shares_lie_within_0_and_1(store, table, column):
    low, high, known = store.execute(
        f"SELECT min({column}), max({column}), count({column}) FROM {table}"
    ).fetchone()
    assert known, f"{table}.{column} is never known on the demo"
    assert low >= 0 and high <= 1, f"{table}.{column} ranges over [{low}, {high}]"


@pytest.mark.parametrize("name", SAME)
def test_a_figure_has_one_value(store, name):
    stored, counted = (sorted(store.execute(query).fetchall()) for query in SAME[name])
    assert stored, f"{name}: nothing to compare on the demo"
    assert stored == counted, name


def test_the_analysis_record_counts_the_rows_of_every_table(store):
    (counts,) = store.execute(
        "SELECT counts FROM analyses ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    for table, rows in json.loads(counts).items():
        assert store.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows, table


def test_one_potential_reach_per_resource(store):
    # the institutional share divides by the reach table's figure, not a recount of its own
    rows = store.execute(
        "SELECT i.resource_id, i.institutional_potential_reach, i.institutional_reach_share, "
        "r.value FROM institutional_share i JOIN reach r ON r.resource_id = i.resource_id "
        "AND r.figure = 'potential_reach' WHERE i.institutional_reach_share IS NOT NULL"
    ).fetchall()
    assert rows
    for resource, institutional, share, potential in rows:
        assert share == pytest.approx(institutional / potential), resource


def test_the_stored_exposure_is_the_library_s(store):
    # analyze computes exposure inside the store; graph.reach.exposure does it over frames
    adoptions = store.execute(
        "SELECT resource_id, platform, account_id, adopted_at FROM adoptions"
    ).df()
    follows = store.execute("SELECT platform, follower_id, followee_id FROM follows").df()
    expected = exposure(adoptions, follows)
    stored = store.execute("SELECT * FROM exposure").df()
    assert len(stored) == len(expected) > 0
    pd.testing.assert_frame_equal(
        stored.astype(expected.dtypes.to_dict()), expected, check_exact=False
    )
