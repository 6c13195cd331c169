"""Reach, exposure and timelines on toys worked by hand (campaigns: test_campaigns.py,
velocity and take-off: test_takeoff.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graph.reach import exposure, reach
from graph.timelines import timeline

T0 = pd.Timestamp("2026-09-01 08:00", tz="UTC")


def hours(h):
    return T0 + pd.Timedelta(hours=h)


# r1: ana posts, bob reposts, cleo replies (a reply is engaged, not a sharer). Followers
# collected: ana ← {bob, dan, eve}, bob ← {dan, fay}. Declared: ana 3, bob 5, cleo 9.
ADOPTIONS = pd.DataFrame(
    {
        "resource_id": "r1",
        "platform": "bluesky",
        "account_id": ["ana", "bob", "cleo"],
        "kind": ["original", "repost", "reply"],
        "adopted_at": [hours(0), hours(1), hours(2)],
    }
)
FOLLOWERS = pd.DataFrame(
    {"platform": "bluesky", "account_id": ["ana", "bob", "cleo"], "followers_count": [3, 5, 9]}
)
FOLLOWS = pd.DataFrame(
    {
        "platform": "bluesky",
        "follower_id": ["bob", "dan", "eve", "dan", "fay", "cleo", "cleo"],
        "followee_id": ["ana", "ana", "ana", "bob", "bob", "ana", "gus"],
    }
)


def figures(table):
    return {row.figure: (row.kind, row.value, row.low, row.high) for row in table.itertuples()}


def test_reach_with_overlapping_audiences():
    likers = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
                           "account_id": ["hal", "cleo"]})  # fmt: skip
    views = pd.DataFrame({"resource_id": ["r1"], "views": [120.0], "clicks": [None]})
    table = reach(ADOPTIONS, FOLLOWERS, FOLLOWS, likers=likers, views=views)
    found = figures(table)
    # Sharers ana and bob: 3 + 5 declared followers. Union of collected followers:
    # {bob, dan, eve, cleo} ∪ {dan, fay} = 5 accounts; without the sharers (bob): 4.
    # ana's list is complete (4 collected ≥ 3 declared); bob misses 3 → high = low + 3.
    assert found["sharers"] == ("observed", 2, 2, 2)
    assert found["potential_reach"] == ("potential", 8, 8, 8)
    assert found["unique_audience"] == ("range", 5, 5, 8)
    assert found["unique_audience_without_sharers"] == ("range", 4, 4, 7)
    # ana, bob, cleo (who replied and liked: once), hal
    assert found["engaged_accounts"] == ("observed", 4, 4, 4)
    assert found["views"] == ("platform-reported", 120, 120, 120)
    assert "clicks" not in found  # not reported: never invented
    coverage = table.set_index("figure").loc["unique_audience", "coverage"]
    assert coverage == pytest.approx(5 / 8)  # ana 4 collected, counted as her 3; bob 2 of 5


def test_reach_by_a_column_leaves_out_the_adoptions_without_a_group():
    driven = ADOPTIONS.assign(action=[7, 7, None])  # cleo's reply came from no action
    table = reach(driven, FOLLOWERS, FOLLOWS, by="action")
    assert set(table["action"]) == {7}
    assert figures(table)["engaged_accounts"] == ("observed", 2, 2, 2)


def test_reach_without_follower_lists_is_a_range_from_zero():
    table = reach(ADOPTIONS, FOLLOWERS, FOLLOWS.iloc[0:0])
    assert figures(table)["unique_audience"] == ("range", 0, 0, 8)
    assert table.set_index("figure").loc["unique_audience", "coverage"] == 0


def test_exposure_at_adoption_and_after():
    table = exposure(ADOPTIONS, FOLLOWS).set_index("account_id")
    # bob follows ana (adopted before him): 1/1. cleo follows ana (before) and gus (no): 1/2.
    # dan follows ana and bob, adopted neither: 2/2. eve: 1/1. fay: 1/1.
    assert table.loc["bob", ["adopted", "exposure"]].tolist() == [True, 1.0]
    assert table.loc["cleo", ["adopted", "followees", "exposure"]].tolist() == [True, 2, 0.5]
    assert table.loc["dan", ["adopted", "adopted_followees", "exposure"]].tolist() == [
        False,
        2,
        1.0,
    ]
    assert "ana" not in table.index  # follows nobody collected


def test_timeline_per_week_and_platform():
    adoptions = pd.DataFrame(
        {
            "resource_id": "r1",
            "platform": ["bluesky", "mastodon", "bluesky", "bluesky"],
            # Monday 31 Aug, Sunday 6 Sep (same week), Monday 14 Sep (two weeks on)
            "adopted_at": pd.to_datetime(
                ["2026-08-31 10:00", "2026-09-06 23:00", "2026-09-14 01:00", None], utc=True
            ),
        }
    )
    table = timeline(adoptions, period="week")
    everything = table[table["platform"] == "all"]
    assert everything["period"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-08-31",
        "2026-09-07",
        "2026-09-14",
    ]
    assert everything["adoptions"].tolist() == [2, 0, 1]
    assert everything["cumulative"].tolist() == [2, 2, 3]
    assert table[table["platform"] == "mastodon"]["adoptions"].tolist() == [1]
    with pytest.raises(ValueError, match="unknown period 'month'"):
        timeline(adoptions, period="month")


def test_unknown_follower_counts_are_unknown_not_zero():
    followers = FOLLOWERS.assign(followers_count=[None, 5, None])
    table = reach(ADOPTIONS, followers, FOLLOWS.iloc[0:0])
    found = figures(table)
    assert found["potential_reach"][1] == 5  # bob's count; ana's is unknown…
    assert table.set_index("figure").loc["potential_reach", "coverage"] == 0.5  # …and said so
    assert found["unique_audience"][2] == 0 and math.isnan(found["unique_audience"][3])
    for unknown in (None, pd.NA):  # as pandas and as DuckDB give missing counts
        counts = pd.array([unknown] * 3, dtype="Int64" if unknown is pd.NA else object)
        nobody = figures(reach(ADOPTIONS, FOLLOWERS.assign(followers_count=counts), FOLLOWS))
        assert math.isnan(nobody["potential_reach"][1])


def test_exposure_lists_every_account_whose_followees_were_collected_zero_included():
    # r1 on bluesky: ana (followees collected: zoe) adopted with no adopted followee before
    # her: exposure 0, not left out. ivy follows only zoe and never adopted: 0 too. max's
    # time is unknown: adopter, exposure unknown. r2 is only on mastodon: bluesky accounts
    # are not listed for it.
    adoptions = pd.DataFrame(
        {
            "resource_id": ["r1", "r1", "r1", "r2"],
            "platform": ["bluesky", "bluesky", "bluesky", "mastodon"],
            "account_id": ["ana", "bob", "max", "kim"],
            "adopted_at": [hours(0), hours(1), pd.NaT, hours(0)],
        }
    )
    follows = pd.DataFrame(
        {
            "platform": "bluesky",
            "follower_id": ["ana", "bob", "bob", "ivy", "max"],
            "followee_id": ["zoe", "ana", "zoe", "zoe", "ana"],
        }
    )
    table = exposure(adoptions, follows).set_index("account_id")
    assert sorted(table.index) == ["ana", "bob", "ivy", "max"]
    assert (table["resource_id"] == "r1").all()
    assert table.loc["ana", ["adopted", "followees", "adopted_followees", "exposure"]].tolist() == [
        True, 1, 0, 0.0
    ]  # fmt: skip
    assert table.loc["bob", ["adopted_followees", "exposure"]].tolist() == [1, 0.5]
    assert table.loc["ivy", ["adopted", "adopted_followees", "exposure"]].tolist() == [
        False, 0, 0.0
    ]  # fmt: skip
    assert bool(table.loc["max", "adopted"]) and pd.isna(table.loc["max", "exposure"])
    assert pd.isna(table.loc["max", "adopted_followees"])
    # the mean exposure at adoption counts ana's zero: (0 + 0.5) / 2
    timed = table[table["adopted"] & table["exposure"].notna()]
    assert timed["exposure"].mean() == pytest.approx(0.25)


def test_coverage_counts_only_sharers_whose_declared_count_is_known():
    # cleo reposts too; her count is unknown but 2 of her followers were collected: they are
    # in the audience, not in the coverage (ana 3 of 3, bob 2 of 5: 5 / 8, as before)
    adoptions = pd.concat([ADOPTIONS, ADOPTIONS.iloc[[1]].assign(account_id="cleo", kind="repost")])
    followers = FOLLOWERS.assign(followers_count=[3, 5, None])
    follows = pd.concat(
        [FOLLOWS, pd.DataFrame({"platform": "bluesky", "follower_id": ["hal", "ivy"],
                                "followee_id": "cleo"})]
    )  # fmt: skip
    table = reach(adoptions, followers, follows).set_index("figure")
    assert table.loc["unique_audience", "value"] == 7  # bob, dan, eve, cleo, fay, hal, ivy
    assert table.loc["unique_audience", "coverage"] == pytest.approx(5 / 8)
    assert table.loc["potential_reach", "coverage"] == pytest.approx(2 / 3)
