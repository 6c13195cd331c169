"""Community detection (run on demand: python -m tests.benchmarks.bench_communities).

A planted-partition graph of N nodes (default 100,000) in N/100 communities of 100 nodes and
E edges (default 1,000,000; 90 % inside communities; pairs drawn uniformly, repeated pairs
and loops removed, then cut to E edges at random). Prints, for
:func:`graph.communities.detect` (one run, as ``essaim analyze`` makes by default, and the
best of three), the time (target ≤ 5 s for one run) and the modularity against the planted
partition's (target ≥ 99 %), and against the baseline of the same run,
``networkx.community.louvain_communities`` on the same graph (target ≥ 10× faster).
"""

from __future__ import annotations

import sys
import time

import igraph as ig
import networkx as nx
import numpy as np

from graph.communities import detect


def planted(nodes: int, edges: int, inside: float = 0.9, seed: int = 1) -> tuple[ig.Graph, list]:
    rng = np.random.default_rng(seed)
    size = 100
    draws = int(edges * 1.2)  # repeated pairs are removed, then the graph is cut to E edges
    within = int(draws * inside)
    blocks = rng.integers(0, nodes // size, within) * size
    pairs = [
        np.column_stack(
            [blocks + rng.integers(0, size, within), blocks + rng.integers(0, size, within)]
        ),
        rng.integers(0, nodes, (draws - within, 2)),
    ]
    graph = ig.Graph(n=nodes, edges=np.concatenate(pairs), directed=False)
    graph.simplify()
    graph.delete_edges(rng.permutation(graph.ecount())[edges:].tolist())
    return graph, [v // size for v in range(nodes)]


def main(nodes: int, edges: int) -> None:
    graph, truth = planted(nodes, edges)
    reference = graph.modularity(truth)
    print(f"{graph.vcount():,} nodes, {graph.ecount():,} edges; planted modularity {reference:.4f}")
    timings = {}
    for restarts in (1, 3):
        start = time.perf_counter()
        found = detect(graph, seed=0, restarts=restarts)
        timings[restarts] = time.perf_counter() - start
        print(
            f"essaim detect, {restarts} run(s): {timings[restarts]:.2f} s, modularity "
            f"{found.modularity:.4f} = {found.modularity / reference:.2%} of the planted one"
        )
    network = nx.Graph(graph.get_edgelist())
    start = time.perf_counter()
    communities = nx.community.louvain_communities(network, seed=0)
    louvain = time.perf_counter() - start
    modularity = nx.community.modularity(network, communities)
    print(
        f"networkx louvain_communities: {louvain:.2f} s, modularity {modularity:.4f}; "
        f"essaim (1 run) is {louvain / timings[1]:.1f}× faster (target ≥ 10×)"
    )


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    main(*(arguments or [100_000, 1_000_000]))
