"""Comparing a reconstruction with a known truth: parents, confidence, intervals, coverage,
communities."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app.demo.evaluation import (
    calibration,
    community_agreement,
    coverage,
    interval_coverage,
    parent_accuracy,
    true_trees,
)


def test_nmi_of_two_partitions_worked_by_hand():
    # X = {a b | c d}, Y = {a b c | d}: H(X) = ln 2, H(Y) = -(3/4 ln 3/4 + 1/4 ln 1/4),
    # I(X;Y) = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2; NMI = 2 I / (H(X) + H(Y)) = 0.34372.
    found = pd.Series({"a": 0, "b": 0, "c": 1, "d": 1})
    planted = pd.Series({"a": "x", "b": "x", "c": "x", "d": "y", "e": "y"})  # e: not found
    h_x = math.log(2)
    h_y = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    mutual = 0.5 * math.log(4 / 3) + 0.25 * math.log(2 / 3) + 0.25 * math.log(2)
    result = community_agreement(found, planted)
    assert result["accounts"] == 4 and result["found"] == 2 and result["planted"] == 2
    assert result["nmi"] == pytest.approx(2 * mutual / (h_x + h_y))
    assert result["nmi"] == pytest.approx(0.34372, abs=1e-5)


def test_parent_accuracy_counts_each_method_and_leaves_roots_out():
    trees = pd.DataFrame(
        {
            "resource_id": ["r"] * 5 + ["s"],
            "platform": "bluesky",
            "account_id": ["a", "b", "c", "d", "e", "a"],
            "parent_id": [None, "a", "a", "b", "a", None],
            "method": ["root", "observed", "inferred:first", "inferred:first", "root_fallback",
                       "root"],
        }
    )  # fmt: skip
    truth = pd.DataFrame(
        {
            "resource_id": ["r"] * 5 + ["s"],
            "platform": "bluesky",
            "account_id": ["a", "b", "c", "d", "e", "a"],
            "true_parent": [None, "a", "b", "b", None, None],
        }
    )
    result = parent_accuracy(trees, truth).set_index("method")
    assert result.loc["observed", "correct"] == 1
    assert result.loc["inferred:first", ["adopters", "correct"]].tolist() == [2, 1]
    assert result.loc["root_fallback", "correct"] == 0  # e came from nobody: not 'a'
    assert result.loc["all"].tolist() == [4, 2, 0.5]


def test_coverage_counts_true_collected_and_phantom_adoptions_per_platform():
    truth = pd.DataFrame(
        {"resource_id": "r", "platform": ["bluesky"] * 3 + ["mastodon"], "account_id": list("abcd")}
    )
    found = pd.DataFrame(
        {"resource_id": "r", "platform": ["bluesky", "bluesky", "mastodon"],
         "account_id": ["a", "a", "z"]}
    )  # fmt: skip
    result = coverage(found, truth).set_index("platform")
    assert result.loc["bluesky"].tolist() == [3, 1, pytest.approx(1 / 3), 0]
    assert result.loc["mastodon"].tolist() == [1, 0, 0.0, 1]


def _cascade(rows, resource="r", cascade="r/1"):
    """Tree and truth frames from (account, parent, method, confidence, true parent) rows."""
    accounts, parents, methods, confidences, true_parents = zip(*rows, strict=True)
    trees = pd.DataFrame(
        {"cascade": cascade, "resource_id": resource, "platform": "bluesky",
         "account_id": accounts, "parent_id": parents, "method": methods,
         "confidence": np.array(confidences, dtype=float)}
    )  # fmt: skip
    truth = pd.DataFrame(
        {"resource_id": resource, "platform": "bluesky", "account_id": accounts,
         "true_parent": true_parents}
    )  # fmt: skip
    return trees, truth


def test_calibration_reliability_table_ece_and_brier_worked_by_hand():
    trees, truth = _cascade(
        [
            ("a", None, "root", np.nan, None),
            ("b", "a", "stated:reply", 1.0, "a"),  # right, 1.0: top bin
            ("c", "a", "inferred:first", 0.95, "b"),  # wrong
            ("d", "b", "inferred:first", 0.7, "b"),  # right, 0.7 on a left edge
            ("e", "a", "inferred:first", 0.75, "d"),  # wrong
            ("f", "a", "inferred:first", 0.2, None),  # wrong: f came from nobody
            ("g", "c", "inferred:first", 0.3, "c"),  # right, 0.3 on a left edge
            ("h", None, "no_candidate", np.nan, "a"),  # no confidence: left out, counted
            ("i", "a", "inferred:first", 0.9, "a"),  # not in the truth: left out
        ]
    )
    truth = truth[truth["account_id"] != "i"]
    table, summary = calibration(trees, truth)
    # Bins: 0.2–0.3 {f}: conf 0.2, acc 0, gap 0.2; 0.3–0.4 {g}: 0.3, 1, gap 0.7;
    # 0.7–0.8 {d, e}: 0.725, 0.5, gap 0.225; 0.9–1.0 {b, c}: 0.975, 0.5, gap 0.475.
    # ECE = (1·0.2 + 1·0.7 + 2·0.225 + 2·0.475) / 6 = 2.3 / 6 = 0.38333
    # (weighting bins equally would give (0.2 + 0.7 + 0.225 + 0.475) / 4 = 0.4).
    # Brier = (0² + 0.95² + 0.3² + 0.75² + 0.2² + 0.7²) / 6
    #       = (0 + 0.9025 + 0.09 + 0.5625 + 0.04 + 0.49) / 6 = 2.085 / 6 = 0.3475.
    assert table.columns.tolist() == ["bin", "adopters", "mean_confidence", "accuracy"]
    assert table["bin"].tolist() == ["0.2–0.3", "0.3–0.4", "0.7–0.8", "0.9–1.0"]
    assert table["adopters"].tolist() == [1, 1, 2, 2]
    assert table["mean_confidence"].tolist() == pytest.approx([0.2, 0.3, 0.725, 0.975])
    assert table["accuracy"].tolist() == [0.0, 1.0, 0.5, 0.5]
    assert summary["adopters"] == 6 and summary["no_confidence"] == 1
    assert summary["ece"] == pytest.approx(2.3 / 6)
    assert summary["brier"] == pytest.approx(0.3475)


def test_calibration_puts_confidence_one_in_the_last_bin_and_edges_on_their_left():
    trees, truth = _cascade(
        [("a", None, "root", np.nan, None), ("b", "a", "stated:quote", 1.0, "a"),
         ("c", "a", "inferred:first", 1 / 49, "a")]
    )  # fmt: skip
    table, summary = calibration(trees, truth)
    assert table["bin"].tolist() == ["0.0–0.1", "0.9–1.0"]
    assert summary["ece"] == pytest.approx((1 - 1 / 49) / 2)
    # 1/49 * 49 rounds to 0.99999…: binning must still place it in bin 1, not 0.
    table, _ = calibration(trees, truth, bins=49)
    assert table["bin"].tolist() == ["0.0204–0.0408", "0.9796–1.0000"]


def test_calibration_without_any_confidence_and_with_an_impossible_one():
    trees, truth = _cascade(
        [("a", None, "root", np.nan, None), ("b", None, "no_candidate", np.nan, "a")]
    )
    table, summary = calibration(trees, truth)
    assert table.empty and table.columns.tolist()[0] == "bin"
    assert summary["adopters"] == 0 and summary["no_confidence"] == 1
    assert math.isnan(summary["ece"]) and math.isnan(summary["brier"])
    trees.loc[1, ["parent_id", "confidence"]] = ["a", 1.2]
    with pytest.raises(ValueError, match="outside"):
        calibration(trees, truth)


def test_interval_coverage_includes_both_bounds_and_leaves_nan_truths_out():
    intervals = pd.DataFrame(
        {
            "cascade": ["c1", "c2", "c3", "c4", "c5"],
            "depth_mean": 9.0,  # other columns are ignored
            "depth_low": [1, 1, 1, 2, 1],
            "depth_high": [2, 3, 3, 2, 9],
            "structural_virality_low": [1.5, 1.0, np.nan, np.nan, 1.0],
            "structural_virality_high": [2.0, 1.5, np.nan, np.nan, 9.0],
        }
    )
    true = pd.DataFrame(
        {
            "cascade": ["c1", "c2", "c3", "c4", "c6"],  # c5, c6: in one frame only
            "depth": [2, 1, 4, 2, 1],  # c1 on the upper bound, c2 the lower, c4 both; c3 out
            "structural_virality": [1.75, 1.5, 2.0, np.nan, 1.0],  # c3: no interval
        }
    )
    result = interval_coverage(intervals, true).set_index("metric")
    assert result.columns.tolist() == ["cascades", "covered", "share"]
    assert result.loc["depth"].tolist() == [4, 3, 0.75]
    assert result.loc["structural_virality"].tolist() == [3, 2, pytest.approx(2 / 3)]
    empty = interval_coverage(intervals, true.assign(depth=np.nan), metrics=["depth"])
    assert empty.loc[0, "cascades"] == 0 and math.isnan(empty.loc[0, "share"])


def test_true_trees_keep_cascades_the_truth_makes_one_tree_and_count_the_others():
    cascades = [
        # kept: reconstructed a → b, a → c; truly a → b → c
        _cascade([("a", None, "root", np.nan, None), ("b", "a", "inferred:first", 0.6, "a"),
                  ("c", "a", "inferred:first", 0.4, "b")], cascade="r/1"),
        # c is not in the truth
        _cascade([("a", None, "root", np.nan, None), ("b", "a", "stated:via", 1.0, "a"),
                  ("c", "a", "inferred:first", 0.5, "a")], resource="s", cascade="s/1"),
        # b's true parent x was not collected
        _cascade([("a", None, "root", np.nan, None), ("b", "a", "inferred:first", 0.5, "x")],
                 resource="t", cascade="t/1"),
        # b came from nobody too: two trees
        _cascade([("a", None, "root", np.nan, None), ("b", "a", "inferred:first", 0.5, None)],
                 resource="u", cascade="u/1"),
        # b and c point at each other: a cycle beside the root
        _cascade([("a", None, "root", np.nan, None), ("b", "a", "inferred:first", 0.5, "c"),
                  ("c", "a", "inferred:first", 0.5, "b")], resource="v", cascade="v/1"),
        # b has two different true parents
        _cascade([("a", None, "root", np.nan, None), ("b", "a", "inferred:first", 0.5, "a")],
                 resource="w", cascade="w/1"),
    ]  # fmt: skip
    trees = pd.concat([tree for tree, _ in cascades], ignore_index=True)
    truth = pd.concat([truth for _, truth in cascades], ignore_index=True)
    truth = truth[~((truth["resource_id"] == "s") & (truth["account_id"] == "c"))]
    truth = pd.concat(
        [truth, truth.iloc[[0]],  # an exact duplicate is harmless
         pd.DataFrame({"resource_id": ["w"], "platform": "bluesky", "account_id": "b",
                       "true_parent": "z"})],
        ignore_index=True,
    )  # fmt: skip
    tree, summary = true_trees(trees, truth)
    assert summary == {
        "cascades": 6, "kept": 1, "unknown_truth": 2, "parent_outside": 1, "not_a_tree": 2
    }  # fmt: skip
    assert tree["cascade"].unique().tolist() == ["r/1"]
    assert tree["parent_id"].tolist() == [None, "a", "b"]
    assert tree["method"].tolist() == ["root", "truth", "truth"]
    assert "confidence" not in tree and "resource_id" in tree
