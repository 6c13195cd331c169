"""Metric intervals over sampled cascade trees: values worked by hand on small cascades."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import graph.uncertainty as uncertainty
from graph.cascades import cascade_metrics
from graph.uncertainty import metric_intervals

STATS = ("mean", "low", "high")


def intervals(*args, **kwargs) -> pd.DataFrame:
    """The cascades of :func:`metric_intervals`."""
    return metric_intervals(*args, **kwargs).cascades


def tree_of(cascade: str, parents: dict) -> pd.DataFrame:
    """A tree with ``parents`` as {account: parent or None}, in that order."""
    return pd.DataFrame(
        {
            "cascade": cascade,
            "account_id": list(parents),
            "parent_id": list(parents.values()),
            "adopted_at": pd.NaT,
            "method": "inferred:most_recent",
        }
    )


def candidates_of(cascade: str, choices: dict) -> pd.DataFrame:
    """Candidate rows from {account: {candidate: probability}}."""
    rows = [
        (cascade, account, candidate, probability)
        for account, options in choices.items()
        for candidate, probability in options.items()
    ]
    return pd.DataFrame(rows, columns=["cascade", "account_id", "candidate_id", "probability"])


def row(result: pd.DataFrame, cascade: str) -> pd.Series:
    return result.set_index("cascade").loc[cascade]


def two_parents(p: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """a is the root, b came from a, c from a (probability p) or from b (1 - p).

    c under a: a star of 3, depth 1, both b and c at depth 1 (breadth 2). c under b: the
    chain a-b-c, depth 2, breadth 1. Undirected, both are the path of 3 nodes: 2 pairs at
    distance 1 and one at distance 2, so ν = 4/3 either way.
    """
    tree = tree_of("t", {"a": None, "b": "a", "c": "a" if p >= 0.5 else "b"})
    candidates = candidates_of("t", {"b": {"a": 1.0}, "c": {"a": p, "b": 1 - p}})
    return tree, candidates


def test_two_equally_likely_parents():
    draws = 4000
    result = row(intervals(*two_parents(0.5), draws=draws), "t")
    # Depth is 1 + X/draws with X ~ Binomial(draws, 1/2): standard error 0.5/√4000 ≈ 0.0079;
    # 4 standard errors. Breadth is 3 - depth in every draw.
    tolerance = 4 * 0.5 / math.sqrt(draws)
    assert result["depth_mean"] == pytest.approx(1.5, abs=tolerance)
    assert (result["depth_low"], result["depth_high"]) == (1, 2)
    assert result["max_breadth_mean"] == pytest.approx(3 - result["depth_mean"])
    assert (result["max_breadth_low"], result["max_breadth_high"]) == (1, 2)
    for stat in STATS:
        assert result[f"structural_virality_{stat}"] == pytest.approx(4 / 3)
    assert result["sampled"] and result["size"] == 3


def test_probabilities_weigh_the_draws():
    draws = 2000
    result = row(intervals(*two_parents(0.9), draws=draws), "t")
    # The chain (depth 2) has probability 0.1: standard error √(0.1·0.9/2000) ≈ 0.0067.
    # Drawing the two candidates alike would give 1.5.
    assert result["depth_mean"] == pytest.approx(1.1, abs=4 * math.sqrt(0.09 / draws))


def test_a_zero_probability_candidate_is_never_drawn():
    # a → b → c is fixed (c at depth 2); d came from a or b (1/2 each), never from c, which
    # would make the depth 3.
    tree = tree_of("z", {"a": None, "b": "a", "c": "b", "d": "a"})
    candidates = candidates_of(
        "z", {"b": {"a": 1.0}, "c": {"b": 1.0}, "d": {"c": 0.0, "a": 0.5, "b": 0.5}}
    )
    result = row(intervals(tree, candidates, draws=1000), "z")
    assert result["sampled"]
    for stat in STATS:
        assert result[f"depth_{stat}"] == 2
    # d under a: a path d-a-b-c, breadth 2 (b, d), ν = 5/3. d under b: a star around b,
    # breadth 2 (c, d), ν = (3·1 + 3·2)/6 = 3/2.
    assert result["structural_virality_low"] == pytest.approx(1.5)
    assert result["structural_virality_high"] == pytest.approx(5 / 3)


def test_a_certain_candidate_next_to_an_impossible_one_is_deterministic():
    tree, _ = two_parents(1.0)
    candidates = candidates_of("t", {"b": {"a": 1.0}, "c": {"b": 0.0, "a": 1.0}})
    result = row(intervals(tree, candidates), "t")
    assert not result["sampled"]
    assert [result[f"depth_{stat}"] for stat in STATS] == [1, 1, 1]
    assert [result[f"max_breadth_{stat}"] for stat in STATS] == [2, 2, 2]


def test_deterministic_cascades_are_their_own_tree():
    chain = tree_of("chain", {"a": None, "b": "a", "c": "b"})
    star = tree_of("star", {"h": None, "x": "h", "y": "h", "z": "h"})
    tree = pd.concat([chain, star], ignore_index=True)
    candidates = pd.concat(
        [
            candidates_of("chain", {"b": {"a": 1.0}, "c": {"b": 1.0}}),
            candidates_of("star", {"x": {"h": 1.0}, "y": {"h": 1.0}}),  # z: no row
        ],
        ignore_index=True,
    )
    result = intervals(tree, candidates, draws=50)
    # Chain: depth 2, one node per depth, ν = (1 + 1 + 2)/3. Star of 4: depth 1, 3 at depth
    # 1, ν = (3·1 + 3·2)/6.
    expected = {
        "chain": {"depth": 2, "max_breadth": 1, "structural_virality": 4 / 3},
        "star": {"depth": 1, "max_breadth": 3, "structural_virality": 1.5},
    }
    assert result["cascade"].tolist() == ["chain", "star"]
    assert not result["sampled"].any()
    for cascade, metrics in expected.items():
        found = row(result, cascade)
        for metric, value in metrics.items():
            assert [found[f"{metric}_{stat}"] for stat in STATS] == pytest.approx([value] * 3)
    without = intervals(tree, candidates.iloc[:0])
    pd.testing.assert_frame_equal(without, result)


def test_deterministic_values_match_cascade_metrics():
    rng = np.random.default_rng(3)
    frames = []
    for k in range(30):
        n = int(rng.integers(1, 40))
        parents = [None] + [f"{k}-{int(rng.integers(0, i))}" for i in range(1, n)]
        frames.append(
            tree_of(f"c{k}", dict(zip([f"{k}-{i}" for i in range(n)], parents, strict=True)))
        )
    tree = pd.concat(frames, ignore_index=True)
    start = pd.Timestamp("2026-09-01", tz="UTC")  # cascade_metrics also measures times
    tree["adopted_at"] = start + pd.to_timedelta(np.arange(len(tree)), unit="min")
    ours = intervals(tree, candidates_of("none", {}))
    theirs = cascade_metrics(tree)
    assert ours["cascade"].tolist() == theirs["cascade"].tolist()
    for metric in ("depth", "max_breadth", "structural_virality"):
        np.testing.assert_allclose(ours[f"{metric}_mean"], theirs[metric].astype(float))
        np.testing.assert_allclose(ours[f"{metric}_low"], theirs[metric].astype(float))
        np.testing.assert_allclose(ours[f"{metric}_high"], theirs[metric].astype(float))
    for stat in STATS:
        assert ours[f"hours_to_depth_{stat}"].tolist() == theirs["hours_to_depth"].tolist()
    assert ours["depth_probability"].tolist() == [
        [1.0] * len(hours) for hours in theirs["hours_to_depth"]
    ]


def spread_cascade() -> tuple[pd.DataFrame, pd.DataFrame]:
    """r is the root; each of x1 … x10 came from r or from the previous x (1/2 each)."""
    accounts = [f"x{i}" for i in range(1, 11)]
    previous = ["r", *accounts[:-1]]
    tree = tree_of("s", {"r": None, **dict.fromkeys(accounts, "r")})
    choices = {
        x: ({"r": 1.0} if p == "r" else {"r": 0.5, p: 0.5})
        for x, p in zip(accounts, previous, strict=True)
    }
    return tree, candidates_of("s", choices)


def test_same_seed_same_result_other_seed_other_draws():
    tree, candidates = spread_cascade()
    first = intervals(tree, candidates, draws=50, seed=7)
    pd.testing.assert_frame_equal(first, intervals(tree, candidates, draws=50, seed=7))
    other = intervals(tree, candidates, draws=50, seed=8)
    assert other["structural_virality_mean"].iloc[0] != first["structural_virality_mean"].iloc[0]


def test_a_deterministic_cascade_does_not_change_the_draws_of_another():
    tree, candidates = spread_cascade()
    alone = intervals(tree, candidates, draws=50, seed=7)
    fixed = tree_of("f", {"a": None, "b": "a"})
    both = intervals(
        pd.concat([fixed, tree], ignore_index=True),
        pd.concat([candidates_of("f", {"b": {"a": 1.0}}), candidates], ignore_index=True),
        draws=50,
        seed=7,
    )
    pd.testing.assert_frame_equal(both.iloc[1:].reset_index(drop=True), alone)


def test_batches_of_draws_do_not_change_the_result(monkeypatch):
    tree, candidates = spread_cascade()
    whole = intervals(tree, candidates, draws=37, seed=2)
    monkeypatch.setattr(uncertainty, "_BATCH_NODES", 25)  # 2 draws of 11 adopters a batch
    pd.testing.assert_frame_equal(intervals(tree, candidates, draws=37, seed=2), whole)


def test_a_narrower_level_gives_a_narrower_interval():
    # a root, b from a; c from a or b (1/2 each); d from a (0.2) or c (0.8).
    # Depth 1 when c and d are under a: 0.5·0.2 = 0.1; depth 3 when c under b and d under c:
    # 0.5·0.8 = 0.4; depth 2 otherwise, 0.5. Cumulative: 0.1, 0.6, 1. The 5 % and 95 %
    # quantiles are 1 and 3; the 25 % and 75 % quantiles are 2 and 3.
    tree = tree_of("w", {"a": None, "b": "a", "c": "a", "d": "c"})
    candidates = candidates_of(
        "w", {"b": {"a": 1.0}, "c": {"a": 0.5, "b": 0.5}, "d": {"a": 0.2, "c": 0.8}}
    )
    wide = row(intervals(tree, candidates, draws=2000, level=0.9), "w")
    narrow = row(intervals(tree, candidates, draws=2000, level=0.5), "w")
    assert (wide["depth_low"], wide["depth_high"]) == (1, 3)
    assert (narrow["depth_low"], narrow["depth_high"]) == (2, 3)
    # Mean depth 0.1·1 + 0.5·2 + 0.4·3 = 2.3; variance 5.7 - 2.3² = 0.41.
    assert wide["depth_mean"] == pytest.approx(2.3, abs=4 * math.sqrt(0.41 / 2000))


def test_one_adopter_and_two_adopters():
    tree = pd.concat(
        [tree_of("one", {"solo": None}), tree_of("two", {"a": None, "b": "a"})],
        ignore_index=True,
    )
    result = intervals(tree, candidates_of("two", {"b": {"a": 1.0}}))
    one, two = row(result, "one"), row(result, "two")
    for stat in STATS:
        assert one[f"depth_{stat}"] == 0 and one[f"max_breadth_{stat}"] == 1
        assert math.isnan(one[f"structural_virality_{stat}"])
        assert two[f"depth_{stat}"] == 1 and two[f"structural_virality_{stat}"] == 1
    assert (one["size"], two["size"]) == (1, 2)


def test_interleaved_rows_keep_the_order_of_first_appearance():
    tree, candidates = two_parents(0.5)
    other = tree_of("o", {"p": None, "q": "p"})
    mixed = pd.concat([tree.iloc[:1], other, tree.iloc[1:]], ignore_index=True)
    result = intervals(mixed, candidates, draws=300, seed=4)
    assert result["cascade"].tolist() == ["t", "o"]
    pd.testing.assert_frame_equal(result.iloc[:1], intervals(tree, candidates, draws=300, seed=4))


def test_an_empty_tree():
    result = intervals(tree_of("x", {}).iloc[:0], candidates_of("x", {}))
    assert result.empty and "depth_low" in result.columns


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"b": {"a": 1.0}, "c": {"a": 0.5, "zed": 0.5}}, "did not adopt"),
        ({"b": {"a": 1.0}, "c": {"a": 0.5, "b": 0.4}}, "sum to 1"),
        ({"b": {"a": 1.0}, "c": {"a": 1.5, "b": -0.5}}, "≥ 0"),
        ({"b": {"a": 1.0}, "c": {"b": 1.0}}, "not its parent"),
        ({"a": {"b": 1.0}}, "root"),
        ({"ghost": {"a": 1.0}}, "absent"),
    ],
)
def test_inconsistent_candidates_raise(choices, message):
    tree, _ = two_parents(1.0)
    with pytest.raises(ValueError, match=message):
        intervals(tree, candidates_of("t", choices))


def test_a_drawn_cycle_raises():
    # b from a or c, c from a or b: a quarter of the draws make b and c each other's parent.
    tree = tree_of("y", {"a": None, "b": "a", "c": "a"})
    candidates = candidates_of("y", {"b": {"a": 0.5, "c": 0.5}, "c": {"a": 0.5, "b": 0.5}})
    with pytest.raises(ValueError, match="cycle"):
        intervals(tree, candidates, draws=100)


def test_draws_and_level_are_checked():
    tree, candidates = two_parents(0.5)
    with pytest.raises(ValueError, match="draws"):
        intervals(tree, candidates, draws=0)
    with pytest.raises(ValueError, match="level"):
        intervals(tree, candidates, level=1.0)


def at(hours: float | None) -> pd.Timestamp:
    start = pd.Timestamp("2026-09-01", tz="UTC")
    return pd.NaT if hours is None else start + pd.Timedelta(hours=hours)


def timed_tree(cascade: str, adopters: dict) -> pd.DataFrame:
    """A tree from {account: (parent or None, hours after the start or None)}."""
    tree = tree_of(cascade, {account: parent for account, (parent, _) in adopters.items()})
    tree["adopted_at"] = [at(hours) for _, hours in adopters.values()]
    return tree


def test_time_to_depth_over_two_uncertain_adopters():
    # a posts at 0 h, b reshares from a at 1 h; c (3 h) and e (5 h) each came from a or from
    # b, 1/2 each, independently. Depth 1 is reached at 1 h in every draw. Depth 2 is
    # reached unless both are under a: probability 3/4. Given it is reached, its time is
    # 3 h when c is under b (1/2 of all draws, 2/3 of those reaching depth 2) and 5 h when
    # only e is (1/3): mean 3·2/3 + 5·1/3 = 11/3, 5 % quantile 3, 95 % quantile 5.
    tree = timed_tree("t", {"a": (None, 0), "b": ("a", 1), "c": ("b", 3), "e": ("a", 5)})
    candidates = candidates_of(
        "t", {"b": {"a": 1.0}, "c": {"a": 0.5, "b": 0.5}, "e": {"a": 0.5, "b": 0.5}}
    )
    draws = 4000
    result = row(intervals(tree, candidates, draws=draws), "t")
    reached = result["depth_probability"]
    assert reached[0] == 1
    assert reached[1] == pytest.approx(0.75, abs=4 * math.sqrt(0.75 * 0.25 / draws))
    assert result["hours_to_depth_low"] == [1, 3]
    assert result["hours_to_depth_high"] == [1, 5]
    # Given depth 2, the time has variance (2/3)(1/3)·2² = 8/9 over about 3,000 draws.
    mean = result["hours_to_depth_mean"]
    assert mean[0] == 1
    assert mean[1] == pytest.approx(11 / 3, abs=4 * math.sqrt(8 / 9 / (0.75 * draws)))


def test_a_depth_reached_only_by_adopters_of_unknown_time_has_no_time():
    # b (1 h) and x (unknown time) from a; c, of unknown time (a Mastodon boost), from a or
    # b: depth 1 is reached at 1 h (x's unknown time is no earlier time); depth 2 is reached
    # in half of the draws, always without a known time.
    tree = timed_tree("u", {"a": (None, 0), "b": ("a", 1), "x": ("a", None), "c": ("a", None)})
    candidates = candidates_of("u", {"b": {"a": 1.0}, "x": {"a": 1.0}, "c": {"a": 0.5, "b": 0.5}})
    result = row(intervals(tree, candidates, draws=2000), "u")
    assert result["depth_probability"][1] == pytest.approx(0.5, abs=4 * 0.5 / math.sqrt(2000))
    for stat in STATS:
        assert result[f"hours_to_depth_{stat}"] == [1, None]


def test_time_to_depth_of_a_fixed_tree_is_its_own_up_to_the_last_depth_given():
    # a → b → c → d at 0, 2, 5 and 9 h, each edge fixed: depths 1, 2, 3 reached at 2, 5 and
    # 9 h with probability 1; only depths 1 and 2 are asked for.
    tree = timed_tree("f", {"a": (None, 0), "b": ("a", 2), "c": ("b", 5), "d": ("c", 9)})
    result = row(intervals(tree, candidates_of("f", {}), max_depth_times=2), "f")
    assert not result["sampled"]
    assert result["depth_probability"] == [1, 1]
    for stat in STATS:
        assert result[f"hours_to_depth_{stat}"] == [2, 5]


def test_a_root_of_unknown_time_gives_no_hours():
    tree = timed_tree("r", {"a": (None, None), "b": ("a", 1), "c": ("b", 2)})
    result = row(intervals(tree, candidates_of("r", {})), "r")
    assert result["hours_to_depth_mean"] == [None, None]
    assert result["depth_probability"] == [1, 1]


def downstream(tree, candidates, columns, **options) -> pd.DataFrame:
    result = metric_intervals(tree, candidates, by=[columns], **options).downstream[0]
    return result.set_index(columns)


def test_downstream_follows_the_drawn_parents_of_descendants():
    # a → b → c fixed; d came from a or from c, 1/2 each. Below b: c, and d when d is under
    # c: 1 or 2, mean 1.5. Below c: 0 or 1. Below d: nobody. a, the root, joined nothing.
    tree = tree_of("g", {"a": None, "b": "a", "c": "b", "d": "a"})
    candidates = candidates_of("g", {"b": {"a": 1.0}, "c": {"b": 1.0}, "d": {"a": 0.5, "c": 0.5}})
    draws = 2000
    found = downstream(tree, candidates, ["account_id"], draws=draws)
    assert sorted(found.index) == ["b", "c", "d"]
    tolerance = 4 * 0.5 / math.sqrt(draws)
    assert found.loc["b", "downstream_mean"] == pytest.approx(1.5, abs=tolerance)
    assert found.loc["c", "downstream_mean"] == pytest.approx(0.5, abs=tolerance)
    assert found.loc["b", ["downstream_low", "downstream_high"]].tolist() == [1, 2]
    assert found.loc["c", ["downstream_low", "downstream_high"]].tolist() == [0, 1]
    assert found.loc["d"].tolist() == [0, 0, 0]


def test_downstream_sums_an_account_over_its_cascades_in_each_draw():
    # b is below a in two cascades: in "t" c came from a or from b (1/2 each), in "f" x and
    # y came from b for sure. Below b: 2 + (0 or 1) in all, 0 or 1 in "t", 2 in "f".
    varying = tree_of("t", {"a": None, "b": "a", "c": "a"})
    fixed = tree_of("f", {"a": None, "b": "a", "x": "b", "y": "b"})
    tree = pd.concat([varying, fixed], ignore_index=True)
    candidates = pd.concat(
        [
            candidates_of("t", {"b": {"a": 1.0}, "c": {"a": 0.5, "b": 0.5}}),
            candidates_of("f", {"b": {"a": 1.0}, "x": {"b": 1.0}, "y": {"b": 1.0}}),
        ],
        ignore_index=True,
    )
    draws = 2000
    result = metric_intervals(
        tree, candidates, draws=draws, by=[["account_id"], ["cascade", "account_id"]]
    )
    total = result.downstream[0].set_index("account_id").loc["b"]
    assert total["downstream_mean"] == pytest.approx(2.5, abs=4 * 0.5 / math.sqrt(draws))
    assert (total["downstream_low"], total["downstream_high"]) == (2, 3)
    each = result.downstream[1].set_index(["cascade", "account_id"])
    assert (each.loc[("t", "b"), "downstream_low"], each.loc[("t", "b"), "downstream_high"]) == (
        0,
        1,
    )
    assert each.loc[("f", "b")].tolist() == [2, 2, 2]
    assert each.loc[("f", "x")].tolist() == [0, 0, 0]


def test_downstream_of_fixed_trees_is_cascade_roles_downstream():
    from graph.roles import cascade_roles

    tree = tree_of("c", {"a": None, "b": "a", "c": "b", "d": "b", "e": "c"})
    tree["platform"] = "bluesky"
    found = downstream(tree, candidates_of("c", {}), ["platform", "account_id"])
    roles = cascade_roles(tree).set_index(["platform", "account_id"])
    joined = roles[roles["cascades_joined"] > 0]
    # Below b: c, d, e; below c: e.
    assert joined["downstream"].to_dict() == {("bluesky", "b"): 3, ("bluesky", "c"): 1,
                                              ("bluesky", "d"): 0, ("bluesky", "e"): 0}  # fmt: skip
    for stat in STATS:
        assert found[f"downstream_{stat}"].to_dict() == joined["downstream"].to_dict()


def test_mean_and_quantiles_ignore_the_draws_without_a_time():
    # Column 1: 1, 2, 4 and a NaN: mean 7/3; the 5 % quantile lies 0.05·2 = 0.1 of the way
    # into the sorted values, 1 + 0.1·(2 − 1) = 1.1, the 95 % one at 1.9: 2 + 0.9·(4 − 2) =
    # 3.8. Column 2 has no value at all.
    values = np.array([[2.0, np.nan], [np.nan, np.nan], [4.0, np.nan], [1.0, np.nan]])
    mean, low, high = uncertainty._nan_stats(values, [0.05, 0.95])
    np.testing.assert_allclose(mean, [7 / 3, np.nan])
    np.testing.assert_allclose(low, [1.1, np.nan])
    np.testing.assert_allclose(high, [3.8, np.nan])
