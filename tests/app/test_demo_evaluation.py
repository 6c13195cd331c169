"""Comparing a reconstruction with a known truth: parents, coverage, communities."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from app.demo.evaluation import community_agreement, coverage, parent_accuracy


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
