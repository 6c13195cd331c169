"""Structural virality: closed forms, hand-worked trees, and networkx's Wiener index."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graph.virality as virality
from graph.virality import structural_virality, subtree_sizes, tree_depths


@pytest.mark.parametrize("n", [2, 3, 5, 10, 101])
def test_star_is_two_times_n_minus_one_over_n(n):
    # W(star) = (n-1)·1 + C(n-1, 2)·2 = (n-1)², so ν = (n-1)² / C(n, 2) = 2(n-1)/n.
    edges = [("hub", f"leaf{i}") for i in range(n - 1)]
    assert structural_virality(edges) == pytest.approx(2 * (n - 1) / n)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 50])
def test_path_is_n_plus_one_over_three(n):
    # W(path) = C(n+1, 3), so ν = (n+1)/3.
    edges = [(i, i + 1) for i in range(n - 1)]
    assert structural_virality(edges) == pytest.approx((n + 1) / 3)


def test_balanced_binary_tree_of_depth_two():
    # 7 nodes: the 2 root edges split 3 | 4 (12 pairs each), the 4 leaf edges 1 | 6 (6 each).
    assert structural_virality(nx.balanced_tree(2, 2)) == pytest.approx(48 / 21)


def test_spider_with_three_legs_of_three():
    # 10 nodes; along each leg the edges split 3 | 7, 2 | 8, 1 | 9: 21 + 16 + 9 = 46 pairs.
    edges = [("c", f"{leg}1") for leg in "abc"]
    edges += [(f"{leg}{i}", f"{leg}{i + 1}") for leg in "abc" for i in (1, 2)]
    assert structural_virality(edges) == pytest.approx(3 * 46 / 45)


def test_direction_and_labels_do_not_matter():
    forward = [("r", "a"), ("a", "b"), ("r", "c")]
    assert structural_virality(forward) == structural_virality([("b", "a"), ("a", "r"), (9, "r")])


def test_a_single_node_is_nan():
    assert math.isnan(structural_virality([]))
    single = nx.Graph()
    single.add_node("only")
    assert math.isnan(structural_virality(single))


def test_a_forest_raises():
    with pytest.raises(ValueError, match="a forest"):
        structural_virality([(1, 2), (3, 4)])
    two = nx.Graph([(1, 2)])
    two.add_node(3)
    with pytest.raises(ValueError, match="a forest"):
        structural_virality(two)


def test_a_cycle_raises():
    with pytest.raises(ValueError, match="not a tree"):
        structural_virality([(1, 2), (2, 3), (3, 1), (4, 5)])
    with pytest.raises(ValueError, match="not a tree"):
        structural_virality([(1, 2), (2, 3), (3, 1)])


@st.composite
def random_trees(draw):
    n = draw(st.integers(min_value=2, max_value=60))
    parents = [draw(st.integers(min_value=0, max_value=i - 1)) for i in range(1, n)]
    flips = draw(st.lists(st.booleans(), min_size=n - 1, max_size=n - 1))
    labels = draw(st.permutations([f"n{i}" for i in range(n)]))
    return [
        (labels[child], labels[parent]) if flip else (labels[parent], labels[child])
        for child, (parent, flip) in enumerate(zip(parents, flips, strict=True), start=1)
    ]


@settings(max_examples=200, deadline=None)
@given(random_trees())
def test_equals_networkx_wiener_index_over_pairs(edges):
    graph = nx.Graph(edges)
    n = graph.number_of_nodes()
    assert structural_virality(edges) == pytest.approx(nx.wiener_index(graph) / math.comb(n, 2))


@pytest.mark.parametrize("shape", ["shallow", "chain"])
def test_level_by_level_subtree_sizes_match_virality(shape):
    rng = np.random.default_rng(5)
    n = 3000
    if shape == "chain":  # 3000 levels of one node: the triangular solve is used
        parents = np.arange(-1, n - 1)
    else:  # a forest of stars of 10 with random attachment below depth 1
        parents = np.arange(n) - 1 - (rng.random(n) * (np.arange(n) % 10)).astype(np.int64)
        parents[np.arange(n) % 10 == 0] = -1
    depth = tree_depths(parents)
    order = np.argsort(depth, kind="stable")
    expected = subtree_sizes(order, parents)
    found = virality._level_subtree_sizes(order, depth[order], parents)
    np.testing.assert_array_equal(found, expected)
