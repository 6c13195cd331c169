"""Cascade reconstruction, metrics and journeys on a toy cascade worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graph.cascades import cascade_metrics, journey, reconstruct


def at(hours: float | None):
    base = pd.Timestamp("2026-09-01 08:00", tz="UTC")
    return pd.NaT if hours is None else base + pd.Timedelta(hours=hours)


# R posts at 0. A (1), B (2), C (3) reshare; D (4) quotes C's post; E (5) follows nobody;
# F reshared at an unknown time; G (6) reshares.
ADOPTIONS = pd.DataFrame(
    {
        "resource_id": "r1",
        "cascade": "post-R",
        "platform": "bluesky",
        "account_id": list("RABCDEFG"),
        "adopted_at": [at(h) for h in (0, 1, 2, 3, 4, 5, None, 6)],
        "kind": ["original", "repost", "repost", "repost", "quote", "repost", "repost", "repost"],
        "observed_parent": [None, None, None, None, "C", None, None, None],
    }
)
FOLLOWS = pd.DataFrame(
    [("A", "R"), ("B", "R"), ("B", "A"), ("C", "A"), ("C", "B"), ("D", "R"), ("F", "A"),
     ("G", "B"), ("G", "D")],
    columns=["follower_id", "followee_id"],
).assign(platform="bluesky")  # fmt: skip


def parents(tree: pd.DataFrame) -> dict:
    """Each account's (parent, method), the root's parent as None."""
    return {
        row.account_id: (None if pd.isna(row.parent_id) else row.parent_id, row.method)
        for row in tree.itertuples()
    }


def test_most_recent_attaches_to_the_followee_who_adopted_last():
    tree = reconstruct(ADOPTIONS, FOLLOWS, rule="most_recent")
    inferred = "inferred:most_recent"
    assert parents(tree) == {
        "R": (None, "root"),
        "A": ("R", inferred),
        "B": ("A", inferred),  # R at 0, A at 1
        "C": ("B", inferred),  # A at 1, B at 2
        "D": ("C", "observed"),  # the quote says so, although D follows R
        "E": ("R", "root_fallback"),  # follows nobody
        "F": ("R", "root_fallback"),  # time unknown
        "G": ("D", inferred),  # B at 2, D at 4
    }


def test_first_attaches_to_the_followee_who_adopted_first():
    tree = reconstruct(ADOPTIONS, FOLLOWS, rule="first")
    inferred = "inferred:first"
    assert parents(tree) == {
        "R": (None, "root"),
        "A": ("R", inferred),
        "B": ("R", inferred),
        "C": ("A", inferred),
        "D": ("C", "observed"),
        "E": ("R", "root_fallback"),
        "F": ("R", "root_fallback"),
        "G": ("B", inferred),
    }


def test_metrics_of_the_most_recent_tree():
    # R→A→B→C→D→G, R→E, R→F: depth 5; depth 1 holds A, E, F. Subtree sizes below each edge:
    # A 5, B 4, C 3, D 2, G 1, E 1, F 1 → W = 15+16+15+12+7+7+7 = 79 over C(8,2) = 28 pairs.
    row = cascade_metrics(reconstruct(ADOPTIONS, FOLLOWS), sizes=[3, 8, 9]).iloc[0]
    assert (row["size"], row["depth"], row["max_breadth"]) == (8, 5, 3)
    assert row["structural_virality"] == pytest.approx(79 / 28)
    assert row["hours_to_depth"] == [1.0, 2.0, 3.0, 4.0, 6.0]
    assert row["hours_to_size_3"] == 2.0
    assert math.isnan(row["hours_to_size_8"])  # F's time is unknown: 7 timed adopters
    assert row["lifetime_hours"] == 6.0
    assert row["half_life_hours"] == 3.0  # the 4th of 7 timed adopters, C at 3 h
    assert row["observed_share"] == pytest.approx(1 / 7)
    assert (row["root_id"], row["started_at"]) == ("R", at(0))


def test_metrics_of_the_first_tree():
    # R→A→C→D, R→B→G, R→E, R→F: depth 3, 4 accounts at depth 1. Sizes: A 3, C 2, D 1,
    # B 2, G 1, E 1, F 1 → W = 15+12+7+12+7+7+7 = 67.
    row = cascade_metrics(reconstruct(ADOPTIONS, FOLLOWS, rule="first")).iloc[0]
    assert (row["size"], row["depth"], row["max_breadth"]) == (8, 3, 4)
    assert row["structural_virality"] == pytest.approx(67 / 28)
    assert row["hours_to_depth"] == [1.0, 3.0, 4.0]


def test_an_account_counts_once_and_an_absent_observed_parent_is_inferred():
    extra = pd.DataFrame(
        {
            "cascade": "post-R",
            "platform": "bluesky",
            "account_id": ["A", "H"],
            "adopted_at": [at(7), at(8)],
            "observed_parent": ["B", "nobody-in-the-cascade"],
        }
    )
    adoptions = pd.concat([ADOPTIONS, extra], ignore_index=True)
    follows = pd.concat([FOLLOWS, pd.DataFrame({"platform": ["bluesky"], "follower_id": ["H"],
                                                "followee_id": ["E"]})])  # fmt: skip
    tree = reconstruct(adoptions, follows)
    assert tree["account_id"].tolist().count("A") == 1
    assert parents(tree)["A"] == ("R", "inferred:most_recent")  # its first adoption wins
    assert parents(tree)["H"] == ("E", "inferred:most_recent")


def test_follows_on_another_platform_are_not_used():
    follows = FOLLOWS.assign(platform="mastodon")
    tree = reconstruct(ADOPTIONS, follows)
    methods = tree.set_index("account_id")["method"]
    assert set(methods.drop(["R", "D"])) == {"root_fallback"}


def test_cascades_are_separate_trees():
    other = ADOPTIONS.assign(cascade="post-X").iloc[[1, 2]]  # A then B, in another cascade
    tree = reconstruct(pd.concat([ADOPTIONS, other], ignore_index=True), FOLLOWS)
    x = tree[tree["cascade"] == "post-X"]
    assert parents(x) == {"A": (None, "root"), "B": ("A", "inferred:most_recent")}
    metrics = cascade_metrics(tree).set_index("cascade")
    assert metrics.loc["post-X", "size"] == 2 and metrics.loc["post-X", "structural_virality"] == 1


def test_a_single_adoption_has_nan_virality():
    row = cascade_metrics(reconstruct(ADOPTIONS.iloc[[0]], FOLLOWS)).iloc[0]
    assert (row["size"], row["depth"], row["max_breadth"]) == (1, 0, 1)
    assert math.isnan(row["structural_virality"])
    assert row["hours_to_depth"] == []


def test_an_unknown_rule_and_a_broken_tree_are_refused():
    with pytest.raises(ValueError, match="unknown rule 'latest'"):
        reconstruct(ADOPTIONS, FOLLOWS, rule="latest")
    tree = pd.DataFrame({"cascade": "c", "account_id": ["a", "b"], "parent_id": [None, "z"],
                         "adopted_at": [at(0), at(1)], "method": ["root", "observed"]})  # fmt: skip
    with pytest.raises(ValueError, match="'c' is not a tree"):
        cascade_metrics(tree)
    cycle = tree.assign(parent_id=["b", "a"], method="observed")
    cycle = pd.concat([cycle, tree.iloc[[0]].assign(account_id="r", parent_id=None)])
    with pytest.raises(ValueError, match="cycle"):
        cascade_metrics(cycle)


def test_journey_orders_platforms_by_first_adoption():
    adoptions = pd.DataFrame(
        {
            "resource_id": ["r1"] * 5 + ["r2"],
            "platform": ["mastodon", "bluesky", "bluesky", "discourse", "mastodon", "bluesky"],
            "cascade": ["m1", "b1", "b1", "d1", "m2", "b9"],
            "account_id": ["x", "y", "z", "w", "x", "y"],
            "adopted_at": [at(5), at(2), at(3), at(30), at(1), at(0)],
        }
    )
    table = journey(adoptions)
    r1 = table[table["resource_id"] == "r1"]
    assert r1["platform"].tolist() == ["mastodon", "bluesky", "discourse"]
    assert r1["hours_after_first"].tolist() == [0.0, 1.0, 29.0]
    assert r1["previous_platform"].tolist() == [None, "mastodon", "bluesky"]
    assert r1["adopters"].tolist() == [1, 2, 1] and r1["cascades"].tolist() == [2, 1, 1]
    assert table[table["resource_id"] == "r2"]["step"].tolist() == [1]
