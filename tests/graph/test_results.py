"""The read API of the results (graph/store/results/) on a tiny analysed store.

Adoptions (times from 2026-09-01, UTC), with communities 0 (bluesky ana, mastodon ana) and
1 (bob, dan):

====  ========  ========  =======  ==============  ========
row   resource  platform  account  adopted         cascade
====  ========  ========  =======  ==============  ========
1     r1        bluesky   ana      Sep 1 08:00     r1/A
2     r1        bluesky   bob      Sep 1 10:00     r1/A
3     r1        bluesky   bob      Sep 2 09:00     r1/A
4     r1        mastodon  ana      Sep 3 23:30     r1/B
5     r1        bluesky   cleo     unknown         r1/A
6     r2        bluesky   dan      Sep 4 00:00     r2/C
7     r2        bluesky   ana      Sep 2 12:00     r2/C
====  ========  ========  =======  ==============  ========
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from graph.export import FORMULA_STARTS
from graph.store import Store
from graph.store.results import accounts, adoptions, analyses, resources, tables
from graph.store.results.adoptions import AdoptionFilter


def at(day, hour=0, minute=0):
    return datetime(2026, 9, day, hour, minute, tzinfo=UTC)


def _table(connection, name, rows, columns):
    connection.register("rows", pd.DataFrame(rows, columns=columns))
    connection.execute(f"CREATE TABLE {name} AS SELECT * FROM rows")
    connection.unregister("rows")


@pytest.fixture
def connection():
    with Store(":memory:") as store:
        c = store.connection
        c.executemany(
            "INSERT INTO catalogue VALUES (?, ?, ?, NULL, NULL, [], NULL, false)",
            [["r1", "R one", "P"], ["r2", "R two", None], ["r3", "=R three", "P"]],
        )
        c.execute(
            "INSERT INTO accounts BY NAME SELECT 'bluesky' AS platform, 'inst' AS account_id, "
            "true AS named, 'canope.fr' AS handle, 'test' AS source, 'run' AS run_id, "
            "now() AS collected_at"
        )
        _table(c, "adoptions", [
            ["r1", "bluesky", "r1/A", "ana", at(1, 8), "original"],
            ["r1", "bluesky", "r1/A", "bob", at(1, 10), "repost"],
            ["r1", "bluesky", "r1/A", "bob", at(2, 9), "reply"],
            ["r1", "mastodon", "r1/B", "ana", at(3, 23, 30), "original"],
            ["r1", "bluesky", "r1/A", "cleo", None, "repost"],
            ["r2", "bluesky", "r2/C", "dan", at(4), "original"],
            ["r2", "bluesky", "r2/C", "ana", at(2, 12), "quote"],
        ], ["resource_id", "platform", "cascade", "account_id", "adopted_at", "kind"])  # fmt: skip
        c.execute("ALTER TABLE adoptions ALTER adopted_at TYPE TIMESTAMPTZ")
        _table(c, "account_communities", [
            ["bluesky", "ana", 0], ["bluesky", "bob", 1], ["bluesky", "dan", 1],
            ["mastodon", "ana", 0],
        ], ["platform", "account_id", "community"])  # fmt: skip
        _table(c, "reach", [
            ["r1", "potential_reach", "potential", 100.0, 100.0, 100.0],
            ["r2", "potential_reach", "potential", 50.0, 50.0, 50.0],
            ["r3", "potential_reach", "potential", 1000.0, 1000.0, 1000.0],
            ["r1", "unique_audience", "range", 0.0, 0.0, None],  # unknown, not 0
            ["r2", "unique_audience", "range", 10.0, 10.0, 20.0],
        ], ["resource_id", "figure", "kind", "value", "low", "high"])  # fmt: skip
        _table(c, "cascades", [
            ["r1/A", "r1", at(1, 8), 3, 2.0], ["r1/B", "r1", at(3), 1, 0.0],
            ["r1/E", "r1", at(1, 6), 3, 1.0], ["r1/D", "r1", at(1, 6), 3, 1.5],
            ["r2/C", "r2", at(2), 2, 1.0],
        ], ["cascade", "resource_id", "started_at", "size", "structural_virality"])  # fmt: skip
        intervals = [f"{metric}_{part}" for metric in ("depth", "max_breadth",
                     "structural_virality") for part in ("mean", "low", "high")]  # fmt: skip
        for column in ("depth", "max_breadth", "lifetime_hours", "half_life_hours",
                       "stated_share", *intervals):  # fmt: skip
            c.execute(f"ALTER TABLE cascades ADD COLUMN {column} DOUBLE")
        c.execute("ALTER TABLE cascades ADD COLUMN platform VARCHAR DEFAULT 'bluesky'")
        for column in ("hours_to_depth", "hours_to_depth_mean", "hours_to_depth_low",
                       "hours_to_depth_high", "depth_probability"):  # fmt: skip
            c.execute(f"ALTER TABLE cascades ADD COLUMN {column} DOUBLE[] DEFAULT []")
        c.execute("UPDATE cascades SET hours_to_depth_low = [0.5, NULL] WHERE cascade = 'r1/A'")
        _table(c, "resource_roles", [
            ["r1", "bluesky", "ana", 5, 0, True, False],
            ["r1", "bluesky", "inst", 0, 5, False, True],
            ["r1", "bluesky", "bob", 0, 9, False, False],  # neither: left out
            ["r1", "bluesky", "cleo", 0, 1, False, True],
            ["r2", "bluesky", "dan", 50, 0, True, False],
        ], ["resource_id", "platform", "account_id", "started_reach", "downstream",
            "originator", "amplifier"])  # fmt: skip
        c.execute("ALTER TABLE resource_roles ADD COLUMN cascades_started INTEGER DEFAULT 0")
        for column in ("downstream_mean", "downstream_low", "downstream_high"):
            c.execute(f"ALTER TABLE resource_roles ADD COLUMN {column} DOUBLE DEFAULT 0")
        _table(c, "velocity", [
            ["r1", at(5, 10), 0.5, False], ["r1", at(5, 11), 1.0, True],
            ["r1", at(5, 12), 1.5, True], ["r1", at(5, 13), 0.5, False],
            ["r1", at(5, 15), 1.0, True], ["r1", at(5, 17), 2.0, True],  # 2 h later: anew
            ["r2", at(5, 11), 3.0, True],
        ], ["resource_id", "hour", "velocity", "taking_off"])  # fmt: skip
        c.execute("ALTER TABLE velocity ADD COLUMN baseline DOUBLE DEFAULT 0.1")
        _table(c, "communities", [[0, "#maths"], [1, "#lettres"]], ["community", "label"])
        _table(c, "takeoff_episodes", [
            ["r1", 1, at(5, 11), at(5, 15), at(5, 12), 5, 12, 2.0, "r1/A", 7, 0, 6, "mail"],
            ["r2", 1, at(5, 11), at(5, 12), at(5, 11), 6, 6, 0.5, "r2/C", 6, -1, 2, None],
            ["r1", 2, at(6, 9), at(6, 11), at(6, 10), 3, 5, 1.0, "r1/B", 3, None, 0, None],
        ], ["resource_id", "episode", "start", "end", "peak", "peak_adoptions", "adoptions",
            "expected", "cascade", "cascade_adoptions", "community", "community_adopters",
            "action"])  # fmt: skip
        _table(c, "campaign_effects", [
            ["a1", date(2026, 9, 1), "P", "mail"], ["a2", date(2026, 9, 3), "r2", "web"],
            ["a3", date(2026, 8, 30), "r1", "post"],
        ], ["action", "date", "resource", "channel"])  # fmt: skip
        yield c


def _count(connection, **chosen) -> int:
    return int(adoptions.adoption_totals(connection, AdoptionFilter(**chosen))["adoptions"])


def test_without_a_filter_every_adoption_counts_and_adopters_are_per_platform(connection):
    totals = adoptions.adoption_totals(connection, AdoptionFilter())
    # five adopters: bluesky ana, bob, cleo, dan and mastodon ana (another account)
    assert totals.to_dict() == {"adoptions": 7, "adopters": 5, "resources": 2}


def test_a_period_keeps_its_last_day_whole_and_times_unknown_out(connection):
    # rows 3, 7 (Sep 2) and 4 (Sep 3 23:30); not row 6 (Sep 4 00:00) nor row 5 (no time)
    assert _count(connection, start=date(2026, 9, 2), end=date(2026, 9, 3)) == 3
    assert _count(connection, start=date(2026, 9, 4), end=date(2026, 9, 4)) == 1


def test_platform_resource_and_community_filters_combine(connection):
    assert _count(connection, platforms=("mastodon",)) == 1
    assert _count(connection, resources=("r2",)) == 2
    assert _count(connection, communities=(1,)) == 3  # bob twice, dan
    assert _count(connection, platforms=("bluesky",), communities=(0,)) == 2  # ana, rows 1 and 7


def test_days_leave_unknown_times_out_and_come_in_order(connection):
    daily = adoptions.daily_adoptions(connection, AdoptionFilter(), "r1")
    assert [(d.day, p, n) for d, p, n in daily.itertuples(index=False)] == [
        (1, "bluesky", 2),
        (2, "bluesky", 1),
        (3, "mastodon", 1),
    ]


def test_summed_reach_is_unknown_when_one_bound_is(connection):
    figures = adoptions.reach_totals(connection, AdoptionFilter())  # r3 never adopted: out
    assert figures.loc["potential_reach", ["value", "high"]].tolist() == [150.0, 150.0]
    assert figures.loc["unique_audience", "low"] == 10.0
    assert pd.isna(figures.loc["unique_audience", "high"])
    only_r2 = adoptions.reach_totals(connection, AdoptionFilter(resources=("r2",)))
    assert only_r2.loc["unique_audience", "high"] == 20.0


def test_the_ranking_shows_an_unknown_audience_as_unknown(connection):
    ranking = adoptions.resource_ranking(connection, AdoptionFilter()).set_index("resource_id")
    assert pd.isna(ranking.loc["r1", "unique_audience"]) and ranking.loc["r2", "unique_audience"]
    assert ranking.loc["r1", ["adoptions", "adopters", "cascades", "largest_cascade"]].tolist() == [
        5,
        4,
        4,
        3,
    ]


def test_community_adopters_count_accounts_once(connection):
    found = adoptions.community_adopters(connection, AdoptionFilter())
    counts = {(m, r): n for m, r, n in found.itertuples(index=False)}
    assert counts == {(0, "r1"): 2, (1, "r1"): 1, (0, "r2"): 1, (1, "r2"): 1}


def test_two_periods_side_by_side(connection):
    periods = ((date(2026, 9, 1), date(2026, 9, 1)), (date(2026, 9, 2), date(2026, 9, 3)))
    summary = adoptions.periods_side_by_side(connection, AdoptionFilter(), periods)
    assert summary[["compared", "adoptions", "adopters"]].values.tolist() == [
        ["1: 2026-09-01 → 2026-09-01", 2, 2],
        ["2: 2026-09-02 → 2026-09-03", 3, 3],
    ]
    curves = adoptions.cumulative_by_period(connection, AdoptionFilter(), periods)
    second = curves[curves["compared"].str.startswith("2")].sort_values("cumulative")
    assert second["elapsed"].dt.total_seconds().div(3600).tolist() == [9.0, 12.0, 47.5]


def test_resources_side_by_side_with_their_reach(connection):
    summary = adoptions.resources_side_by_side(connection, AdoptionFilter(), ("r2", "r1"))
    assert summary["compared"].tolist() == ["r1", "r2"]
    assert summary[["communities", "cascades", "adopters"]].values.tolist() == [
        [2, 2, 4],
        [2, 1, 2],
    ]
    assert pd.isna(summary["unique_audience"].iloc[0]) and summary["unique_audience"].iloc[1] == 10


def test_cascades_largest_then_earliest_then_by_id(connection):
    assert resources.cascades(connection, "r1")["cascade"].tolist() == [
        "r1/D",
        "r1/E",
        "r1/A",
        "r1/B",
    ]
    assert resources.cascades(connection, "r1", 2)["cascade"].tolist() == ["r1/D", "r1/E"]


def test_an_unknown_hour_to_a_depth_is_read_as_nan_not_as_zero(connection):
    # DuckDB hands a list holding a NULL over as a masked array, which JSON writes as 0
    found = resources.cascades(connection, "r1").set_index("cascade").loc["r1/A"]
    low = found["hours_to_depth_low"]
    assert low[0] == 0.5 and math.isnan(low[1]) and not np.ma.isMaskedArray(low)
    assert pd.Series([low]).to_json(orient="values") == "[[0.5,null]]"
    assert list(found["hours_to_depth_high"]) == []


def test_originators_and_amplifiers_by_adopters_then_name(connection):
    found = resources.originators_and_amplifiers(connection, "r1", 10)
    assert found["account"].tolist() == ["ana", "canope.fr", "cleo"]  # the handle if named
    assert resources.originators_and_amplifiers(connection, "r1", 1)["account"].tolist() == ["ana"]


def test_campaign_actions_name_the_resource_or_its_parcours(connection):
    assert resources.campaign_actions(connection, "r1")["action"].tolist() == ["a3", "a1"]
    assert resources.campaign_actions(connection, "r2")["action"].tolist() == ["a2"]


def test_take_off_episodes_oldest_first_with_their_community_and_rates(connection):
    found = resources.takeoff_episodes(connection)
    labels = found["community_label"].fillna("unknown")
    assert list(zip(found["resource_id"], found["start"].dt.day, labels, strict=True)) == [
        ("r1", 5, "#maths"), ("r2", 5, "small groups"), ("r1", 6, "unknown")
    ]  # fmt: skip
    assert found["title"].tolist() == ["R one", "R two", "R one"]
    shown = resources.resource_episodes(connection, "r1")
    # 12 adoptions over 4 hours, 2 expected; 5 over 2 hours, 1 expected
    assert shown["adoptions_per_hour"].tolist() == [3.0, 2.5]
    assert shown["expected_per_hour"].tolist() == [0.5, 0.5]
    assert shown["community"].fillna("unknown").tolist() == ["#maths", "unknown"]
    assert resources.analysed_until(connection) == at(5, 18)  # the last hour, 17 h, ends


def test_taking_off_shows_each_resource_once_fastest_first(connection):
    found = adoptions.taking_off(connection, AdoptionFilter())
    assert [(r, h.hour) for r, h in zip(found["resource_id"], found["hour"], strict=True)] == [
        ("r2", 11),
        ("r1", 17),
    ]
    assert adoptions.taking_off(connection, AdoptionFilter(resources=("r1",)))[
        "resource_id"
    ].tolist() == ["r1"]


def test_the_catalogue_and_what_was_adopted(connection):
    assert analyses.adopted_resources(connection) == ["r1", "r2"]
    assert analyses.adopted_platforms(connection) == ["bluesky", "mastodon"]
    assert analyses.most_adopted_resource(connection) == "r1"
    assert analyses.catalogue(connection)["parcours"].tolist() == ["P", "", "P"]
    assert analyses.title_and_parcours(connection, "r2") == ("R two", None)
    assert analyses.title_and_parcours(connection, "nope") is None
    by_adoptions = analyses.resources_by_adoptions(connection)
    assert by_adoptions[["resource_id", "adoptions", "accounts", "platforms"]].values.tolist() == [
        ["r1", 5, 3, 2],  # accounts by id: ana on both platforms counts once
        ["r2", 2, 2, 1],
    ]


def test_an_analysis_is_ready_only_when_recorded_with_its_tables(connection):
    assert not analyses.analysed(connection)  # tables, but no analysis recorded
    connection.execute(
        "INSERT INTO analyses VALUES ('a', now(), now(), '{\"rule\": \"first\"}', 'x', '{}')"
    )
    assert analyses.analysed(connection, ["adoptions", "reach"])
    assert not analyses.analysed(connection, ["adoptions", "bass_fits"])
    assert analyses.last_analysis(connection)["analysis_id"] == "a"


def test_adopters_are_timed_by_their_first_chosen_adoption(connection):
    times = accounts.adoption_times(connection, AdoptionFilter(resources=("r1",)))
    assert times["id"].tolist() == ["bluesky:ana", "bluesky:bob", "bluesky:cleo", "mastodon:ana"]
    first = dict(zip(times["id"], times["adopted_at"], strict=True))
    assert first["bluesky:bob"] == at(1, 10)  # the first of bob's two adoptions
    assert pd.isna(first["bluesky:cleo"])  # only an adoption of unknown time: unknown
    # a period keeps the adoptions within it: bob is timed by his second adoption, ana's
    # adoption of r2 (Sep 2) counts, and cleo's unknown time is left out
    within = accounts.adoption_times(connection, AdoptionFilter(date(2026, 9, 2), date(2026, 9, 3)))
    first = dict(zip(within["id"], within["adopted_at"], strict=True))
    assert first == {
        "bluesky:ana": at(2, 12),
        "bluesky:bob": at(2, 9),
        "mastodon:ana": at(3, 23, 30),
    }


def test_named_handles(connection):
    assert accounts.named_handles(connection) == {"bluesky:inst": "bluesky:canope.fr"}


def test_exported_csv_protects_formula_cells_only_when_asked(connection, tmp_path):
    names = tables.exported_tables(connection)
    assert names[:3] == ["adoptions", "cascades", "reach"] and names[-3:] == [
        "accounts",
        "resources",
        "links",
    ]
    tables.write_csv(connection, "resources", tmp_path / "p.csv", "".join(FORMULA_STARTS))
    tables.write_csv(connection, "resources", tmp_path / "plain.csv")
    assert "'=R three" in (tmp_path / "p.csv").read_text()
    assert "'=R three" not in (tmp_path / "plain.csv").read_text()
    assert tables.table_rows(connection, "resources") == 3
    with pytest.raises(ValueError):
        tables.table_rows(connection, "posts")  # not an exported table
