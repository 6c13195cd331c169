"""Structural virality speed (run on demand: python -m tests.benchmarks.bench_virality).

- a random recursive tree of N nodes (default 1,000,000; each node's parent drawn uniformly
  among earlier nodes) and a path of N nodes (the deepest tree), given as (N-1, 2) integer
  arrays, target ≤ 1 s each; the random tree again as a list of tuples (the conversion of
  a million Python tuples to an array is counted);
- at n = 5,000, :func:`graph.virality.structural_virality` against the baseline
  ``networkx.wiener_index(G) / C(n, 2)`` on the same tree, target ≥ 100× faster.
"""

from __future__ import annotations

import math
import sys
import time

import networkx as nx
import numpy as np

from graph.virality import structural_virality


def random_tree(n: int, seed: int = 1) -> np.ndarray:
    """(parent, child) rows; the parent of node i is drawn uniformly among 0 … i-1."""
    rng = np.random.default_rng(seed)
    children = np.arange(1, n)
    parents = (rng.random(n - 1) * children).astype(np.int64)
    return np.column_stack([parents, children])


def timed(function, *args) -> tuple[float, float]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def main(n: int) -> None:
    path = np.column_stack([np.arange(n - 1), np.arange(1, n)])
    for name, edges in (("random tree", random_tree(n)), ("path", path)):
        seconds, value = timed(structural_virality, edges)
        print(f"{name:12} n={n:,} (array): ν = {value:.4f} in {seconds:.2f} s (target ≤ 1 s)")
    pairs = [tuple(edge) for edge in random_tree(n).tolist()]
    seconds, _ = timed(structural_virality, pairs)
    print(f"random tree  n={n:,} (list of tuples): {seconds:.2f} s")
    small = [tuple(edge) for edge in random_tree(5_000).tolist()]
    ours, value = timed(structural_virality, small)
    graph = nx.Graph(small)
    theirs, wiener = timed(nx.wiener_index, graph)
    assert math.isclose(value, wiener / math.comb(5_000, 2))
    print(
        f"n=5,000: essaim {ours * 1000:.1f} ms, networkx.wiener_index {theirs:.2f} s: "
        f"{theirs / ours:,.0f}× faster (target ≥ 100×)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
