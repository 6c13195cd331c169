"""Seeding what-if: Monte Carlo spread against exact enumeration, CELF against greedy."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from collectors.errors import NotFound
from graph.whatif import (
    DiffusionNetwork,
    expected_spread,
    reshare_probabilities,
    select_seeds,
)

TINY = pd.DataFrame(
    {
        "source": ["a", "a", "b", "c", "b"],
        "target": ["b", "c", "c", "d", "d"],
        "probability": [0.5, 0.4, 0.3, 0.6, 0.2],
    }
)


def _reached(edges: list[tuple[str, str]], seeds: list[str]) -> int:
    graph = nx.DiGraph(edges)
    graph.add_nodes_from(seeds)
    return len(set(seeds).union(*(nx.descendants(graph, s) for s in seeds)))


def _exact_ic(edges: pd.DataFrame, seeds: list[str]) -> float:
    """σ(S) by enumerating every live-edge graph (each edge live with its probability)."""
    total = 0.0
    rows = list(edges.itertuples(index=False))
    for alive in itertools.product([False, True], repeat=len(rows)):
        chance = np.prod([r.probability if on else 1 - r.probability
                          for r, on in zip(rows, alive, strict=True)])  # fmt: skip
        live = [(r.source, r.target) for r, on in zip(rows, alive, strict=True) if on]
        total += chance * _reached(live, seeds)
    return total


def _exact_lt(edges: pd.DataFrame, seeds: list[str]) -> float:
    """σ(S) under linear threshold, by enumerating each account's choice of one in-edge."""
    incoming = {t: list(group.itertuples(index=False)) for t, group in edges.groupby("target")}
    options = []
    for rows in incoming.values():
        scale = max(1.0, sum(r.probability for r in rows))
        choices = [((r.source, r.target), r.probability / scale) for r in rows]
        options.append([*choices, (None, 1 - sum(w for _, w in choices))])
    total = 0.0
    for picks in itertools.product(*options):
        chance = np.prod([weight for _, weight in picks])
        total += chance * _reached([edge for edge, _ in picks if edge], seeds)
    return total


@pytest.mark.parametrize("seeds", [["a"], ["b"], ["a", "d"]])
def test_independent_cascade_matches_exact_enumeration(seeds):
    exact = _exact_ic(TINY, seeds)
    spread = expected_spread(DiffusionNetwork.from_edges(TINY), seeds, "ic", 8_000, seed=1)
    assert abs(spread.mean - exact) < 4 * spread.standard_error
    assert spread.mean == pytest.approx(exact, abs=0.05)


@pytest.mark.parametrize("seeds", [["a"], ["b"], ["a", "d"]])
def test_linear_threshold_matches_exact_enumeration(seeds):
    heavy = TINY.assign(probability=[0.9, 0.8, 0.7, 0.6, 0.5])  # c and d: weights above 1
    exact = _exact_lt(heavy, seeds)
    spread = expected_spread(DiffusionNetwork.from_edges(heavy), seeds, "lt", 8_000, seed=2)
    assert abs(spread.mean - exact) < 4 * spread.standard_error
    assert spread.mean == pytest.approx(exact, abs=0.05)


def test_certain_edges_reach_every_descendant():
    network = DiffusionNetwork.from_edges(TINY.assign(probability=1.0))
    spread = expected_spread(network, ["b"], runs=50)
    assert (spread.mean, spread.standard_error) == (3.0, 0.0)  # b, c, d
    assert expected_spread(network.__class__.from_edges(TINY.assign(probability=0.0)),
                           ["a", "b"], runs=50).mean == 2.0  # fmt: skip


def _random_network(seed: int) -> DiffusionNetwork:
    graph = nx.gnp_random_graph(60, 0.06, seed=seed, directed=True)
    rng = np.random.default_rng(seed)
    edges = pd.DataFrame(list(graph.edges), columns=["source", "target"]).astype(str)
    edges["probability"] = rng.uniform(0.05, 0.6, len(edges))
    return DiffusionNetwork.from_edges(edges)


@pytest.mark.parametrize("model", ["ic", "lt"])
def test_celf_selects_what_plain_greedy_selects(model):
    network = _random_network(3)
    lazy = select_seeds(network, 6, model, runs=100, seed=4)
    plain = select_seeds(network, 6, model, runs=100, seed=4, lazy=False)
    pd.testing.assert_frame_equal(lazy.table, plain.table)
    assert lazy.evaluations < plain.evaluations
    assert lazy.table["gain"].is_monotonic_decreasing  # submodular: gains never grow
    assert lazy.table["spread"].iloc[-1] == pytest.approx(lazy.table["gain"].sum())


def test_greedy_first_seed_is_the_best_single_account():
    network = _random_network(5)
    chosen = select_seeds(network, 1, runs=100, seed=6).table.iloc[0]
    singles = [expected_spread(network, [name], runs=100, seed=6).mean
               for name in network.accounts]  # fmt: skip
    assert chosen["spread"] == pytest.approx(max(singles))


def test_candidates_restrict_the_choice_and_unknown_accounts_are_named():
    network = DiffusionNetwork.from_edges(TINY)
    chosen = select_seeds(network, 2, runs=50, candidates=["c", "d"])
    assert set(chosen.table["account"]) == {"c", "d"}
    with pytest.raises(NotFound, match="not in the follow network: zed"):
        expected_spread(network, ["a", "zed"])
    with pytest.raises(ValueError, match="unknown model 'sir'"):
        expected_spread(network, ["a"], model="sir")


def test_reshare_probabilities_without_any_cascade_are_zero():
    follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["b"], "followee_id": ["a"]})
    trees = pd.DataFrame(columns=["platform", "cascade", "account_id", "parent_id"])
    table = reshare_probabilities(follows, trees)
    assert table[["source", "target", "probability"]].values.tolist() == [
        ["bluesky:a", "bluesky:b", 0.0]
    ]
