"""Take-off: Kleinberg's two-state burst automaton on hourly adoptions, and what drove each
episode, on series worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graph.timelines import bursts, episodes, velocity, week_profile

T0 = pd.Timestamp("2026-09-08 00:00", tz="UTC")
FLAT = pd.Series(1.0, index=range(168))
# 24 hours: one adoption at 2 h and at 20 h; 5, 7, none and 6 from 10 h to 13 h. Total 20, so
# the base state expects λ₀ = 20/24 an hour and the burst state 3λ₀. An hour with k adoptions
# saves k·ln 3 − 2λ₀ in the burst state (Poisson costs −ln P(k)); entering it costs ln 24.
COUNTS = [0] * 24
COUNTS[2], COUNTS[10], COUNTS[11], COUNTS[13], COUNTS[20] = 1, 5, 7, 6, 1
RATE = 20 / 24


def _table(counts=COUNTS) -> pd.DataFrame:
    hours = pd.date_range(T0, periods=len(counts), freq="h")
    return pd.DataFrame({"resource_id": "r1", "hour": hours, "adoptions": counts})


def _saving(counts) -> float:
    return sum(k * math.log(3) - 2 * RATE for k in counts)


def test_one_clear_burst_is_one_episode_across_a_quiet_hour():
    # 10-13 h saves 3.83 + 6.02 − 1.67 + 4.93 = 13.11; cutting it at the quiet 12 h saves
    # 1.67 but pays a second entry (ln 24 = 3.18): one episode. The lone adoptions lose
    # 2λ₀ − ln 3 = 0.57 each in the burst state: never.
    assert _saving(COUNTS[10:14]) > _saving(COUNTS[10:12]) + _saving(COUNTS[13:14]) - math.log(24)
    found = bursts(_table(), FLAT)
    assert found.loc[found["taking_off"], "hour"].dt.hour.tolist() == [10, 11, 12, 13]
    assert found["baseline"].tolist() == pytest.approx([RATE] * 24)


def test_the_entry_cost_is_a_threshold_on_the_burst_evidence():
    # The burst is worth entering while γ·ln 24 stays under its saving, 13.11.
    threshold = _saving(COUNTS[10:14]) / math.log(24)
    below = bursts(_table(), FLAT, cost=threshold * (1 - 1e-6))
    above = bursts(_table(), FLAT, cost=threshold * (1 + 1e-6))
    assert below["taking_off"].sum() == 4 and not above["taking_off"].any()


def test_an_episode_with_exactly_the_fewest_adoptions_is_kept():
    # the episode holds 5 + 7 + 0 + 6 = 18 adoptions
    assert bursts(_table(), FLAT, min_adoptions=18)["taking_off"].sum() == 4
    assert not bursts(_table(), FLAT, min_adoptions=19)["taking_off"].any()


def test_a_steady_pace_never_takes_off():
    found = bursts(_table([1, 0, 1, 1, 0, 1] * 8), FLAT)
    assert not found["taking_off"].any()


def test_the_base_rate_follows_the_hour_of_the_week():
    # Every hour of the profile 1 but 9 h (Paris) on Tuesdays, 6; one adoption an hour but 6
    # at that hour: 29 adoptions over weights summing to 29, so each hour expects its weight
    # and nothing is a burst. A flat profile expects 29/24 an hour: 6 then saves
    # 6·ln 3 − 2·29/24 = 4.18 > ln 24: a burst.
    profile = FLAT.copy()
    profile[24 + 9] = 6.0
    counts = [1] * 24
    counts[7] = 6  # 7 h UTC is 9 h in Paris in September
    found = bursts(_table(counts), profile)
    assert found["baseline"].iat[7] == pytest.approx(6.0)
    assert found["baseline"].iat[0] == pytest.approx(1.0)
    assert not found["taking_off"].any()
    flat = bursts(_table(counts), FLAT)
    assert flat.loc[flat["taking_off"], "hour"].dt.hour.tolist() == [7]


def test_week_profile_is_relative_activity_per_hour_of_the_week():
    # two Tuesdays: 3 adoptions at 9 h Paris the first, 1 the second; 9 h occurs twice
    times = [T0 + pd.Timedelta(hours=7)] * 3 + [T0 + pd.Timedelta(days=7, hours=7)]
    profile = week_profile(pd.DataFrame({"adopted_at": times}))
    rates = pd.Series(1.0, index=range(168))  # (count + 1) / occurrences
    rates[24 + 9] = (4 + 1) / 2
    assert profile.tolist() == pytest.approx((rates / rates.mean()).tolist())


def test_an_episode_has_a_start_an_end_a_peak_and_what_drove_it():
    times = [T0 + pd.Timedelta(hours=h, minutes=m) for h, k in enumerate(COUNTS)
             for m in range(k)]  # fmt: skip
    accounts = [f"a{i}" for i in range(len(times))]
    # inside the episode (adoptions 2 to 19): cascade c1 brings 11, c2 7; community 5 has
    # 10 adopters, community 6 the other 8
    adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
                              "account_id": accounts, "adopted_at": times,
                              "cascade": ["c0"] + ["c1"] * 11 + ["c2"] * 7 + ["c0"]})  # fmt: skip
    memberships = pd.DataFrame({"platform": "bluesky", "account_id": accounts,
                                "community": [5] * 11 + [6] * 9})  # fmt: skip
    actions = pd.DataFrame({"label": ["2026-09-07 newsletter", "2026-09-08 bluesky"],
                            "date": [T0 - pd.Timedelta(hours=20), T0 + pd.Timedelta(hours=14)],
                            "resources": [{"r1"}, {"r1"}]})  # fmt: skip
    table = bursts(velocity(adoptions), FLAT)  # 2 h to 20 h: λ₀ = 20/19, still 10-13 h
    (episode,) = episodes(table, adoptions, memberships, actions).to_dict("records")
    assert episode["start"] == T0 + pd.Timedelta(hours=10)
    assert episode["end"] == T0 + pd.Timedelta(hours=14)
    assert episode["peak"] == T0 + pd.Timedelta(hours=11)
    assert (episode["peak_adoptions"], episode["adoptions"]) == (7, 18)
    assert episode["expected"] == pytest.approx(4 * 20 / 19)
    assert (episode["cascade"], episode["cascade_adoptions"]) == ("c1", 11)
    assert (episode["community"], episode["community_adopters"]) == (5, 10)
    # the newsletter came 30 h before the start (more than a day); the post 14 h after it
    # began is no longer inside it (it ended at 14 h)
    assert episode["action"] is None
    actions.loc[0, "date"] = T0 - pd.Timedelta(hours=14)  # 24 h before the start: its
    assert episodes(table, adoptions, memberships, actions)["action"].tolist() == [
        "2026-09-07 newsletter"
    ]


def test_episodes_of_several_resources_with_ties_and_boundaries():
    hour = lambda h, m=0: T0 + pd.Timedelta(hours=h, minutes=m)  # noqa: E731
    # r1 takes off from 0 h to 2 h and from 5 h to 6 h; r2 from 0 h to 1 h
    table = pd.DataFrame({"resource_id": ["r1"] * 6 + ["r2"],
                          "hour": [hour(h) for h in range(6)] + [hour(0)],
                          "adoptions": [3, 3, 1, 0, 0, 1, 1],
                          "baseline": 0.5,
                          "taking_off": [True, True, False, False, False, True, True]})  # fmt: skip
    rows = [  # resource, account, time, cascade
        ("r1", "a2", hour(0, 20), "c1"), ("r1", "a1", hour(0, 10), "c2"),  # listed late
        ("r1", "a3", hour(1, 10), "c1"), ("r1", "a4", hour(1, 20), "c2"),
        ("r1", "a1", hour(1, 30), "c3"),  # a1 again: one more adoption, not one more adopter
        ("r1", "a6", hour(2), "c1"),  # at the end of the first episode: not in it
        ("r1", "a5", hour(5, 30), "c9"),  # in no community
        ("r2", "b1", hour(0), "d1"),  # at the start of r2's episode: in it
    ]  # fmt: skip
    adoptions = pd.DataFrame(rows, columns=["resource_id", "account_id", "adopted_at", "cascade"])
    adoptions.insert(1, "platform", "bluesky")
    memberships = pd.DataFrame({"platform": "bluesky",
                                "account_id": ["a1", "a2", "a3", "a4", "a6", "b1"],
                                "community": [7, 8, 8, 7, 8, 9]})  # fmt: skip
    found = episodes(table, adoptions, memberships)
    assert found[["resource_id", "episode"]].values.tolist() == [["r1", 1], ["r1", 2], ["r2", 1]]
    assert found["start"].tolist() == [hour(0), hour(5), hour(0)]
    assert found["end"].tolist() == [hour(2), hour(6), hour(1)]
    assert found["peak"].tolist() == [hour(0), hour(5), hour(0)]  # 3 and 3: the first hour
    assert found["adoptions"].tolist() == [6, 1, 1]
    assert found["expected"].tolist() == [1.0, 0.5, 0.5]
    # c2 and c1 bring two adoptions each: c2 came first (a1); likewise communities 7 and 8
    assert found["cascade"].tolist() == ["c2", "c9", "d1"]
    assert found["cascade_adoptions"].tolist() == [2, 1, 1]
    assert found["community"].tolist() == [7, pd.NA, 9]
    assert found["community_adopters"].tolist() == [2, 0, 1]
