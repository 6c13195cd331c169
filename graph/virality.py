"""Structural virality of a tree, exactly and in linear time.

Structural virality ν (Goel, Anderson, Hofman and Watts, 2016) is the mean distance
between all pairs of nodes of a cascade tree, taken as undirected: ν = W(T) / C(n, 2),
with W the Wiener index. In a tree every edge separates ``s`` nodes from the other
``n - s``, and lies on the path of exactly ``s (n - s)`` pairs, so W = Σ s (n - s): one
traversal, no all-pairs shortest paths.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["structural_virality", "subtree_sizes", "wiener_index_from_sizes"]


def structural_virality(tree: Iterable[tuple[Any, Any]] | nx.Graph) -> float:
    """Return the structural virality ν of a tree.

    Parameters
    ----------
    tree : iterable of (parent, child) pairs, or networkx.Graph
        The edges of one tree. Direction and labels do not matter: the tree is taken as
        undirected, and labels may be any hashable values. An empty edge list is a tree of
        one node.

    Returns
    -------
    float
        The mean shortest-path distance over all pairs of nodes; NaN for a single node.

    Raises
    ------
    ValueError
        If the edges do not form exactly one tree (a forest, a cycle, a repeated edge).

    Examples
    --------
    A star of 4 nodes (a broadcast) and a path of 4 nodes (a chain):

    >>> structural_virality([("root", "a"), ("root", "b"), ("root", "c")])
    1.5
    >>> structural_virality([(1, 2), (3, 2), (3, 4)])
    1.6666666666666667
    >>> import networkx as nx
    >>> structural_virality(nx.balanced_tree(2, 2))
    2.2857142857142856

    References
    ----------
    S. Goel, A. Anderson, J. Hofman, D. J. Watts, "The Structural Virality of Online
    Diffusion", Management Science 62(1), 2016. doi:10.1287/mnsc.2015.2158
    """
    if isinstance(tree, nx.Graph):
        nodes, pairs = list(tree.nodes), list(tree.edges)
        if not nodes:
            raise ValueError("structural virality needs a tree: the graph has no node")
    else:
        pairs, nodes = list(tree), []
    if not pairs:
        if len(nodes) > 1:
            raise ValueError(f"not a tree: {len(nodes)} nodes and no edge (a forest)")
        return math.nan
    codes, labels = pd.factorize(pd.Series([*nodes, *(end for pair in pairs for end in pair)]))
    codes = codes[len(nodes) :].reshape(-1, 2)
    n = len(labels)
    if len(codes) != n - 1:
        kind = "a forest" if len(codes) < n - 1 else "it has a cycle or a repeated edge"
        raise ValueError(f"not a tree: {n} nodes and {len(codes)} edges ({kind})")
    graph = ig.Graph(n=n, edges=codes.tolist(), directed=False)
    order, _, parents = graph.bfs(0)
    if len(order) != n:
        raise ValueError(f"not a tree: {n} nodes and {n - 1} edges but not connected")
    sizes = subtree_sizes(order, parents)
    return wiener_index_from_sizes(sizes, order[0]) / math.comb(n, 2)


def subtree_sizes(order: Sequence[int], parents: Sequence[int]) -> list[int]:
    """Return the number of nodes in the subtree of each node.

    Parameters
    ----------
    order : sequence of int
        Node indices such that every node comes after its parent (a BFS order, or nodes
        sorted by depth).
    parents : sequence of int
        The parent index of each node; a root is its own parent or has a negative parent.

    Examples
    --------
    >>> subtree_sizes([0, 1, 2, 3], [0, 0, 1, 1])
    [4, 3, 1, 1]
    """
    parent = list(parents)
    sizes = [1] * len(parent)
    for node in reversed(list(order)):
        up = parent[node]
        if up >= 0 and up != node:
            sizes[up] += sizes[node]
    return sizes


def wiener_index_from_sizes(sizes: Sequence[int], root: int) -> int:
    """Return the Wiener index of a tree from its subtree sizes: Σ s (n − s) over non-roots.

    >>> wiener_index_from_sizes([4, 3, 1, 1], root=0)  # 0-1, 1-2, 1-3
    9
    """
    array = np.asarray(sizes, dtype=np.int64)
    n = int(array[root])
    return int((array * (n - array)).sum())  # the root contributes n · 0
