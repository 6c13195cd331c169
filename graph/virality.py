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

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_array, csc_array
from scipy.sparse.csgraph import breadth_first_order
from scipy.sparse.linalg import spsolve_triangular

from collectors.speech import _

__all__ = [
    "forest_metrics",
    "structural_virality",
    "subtree_sizes",
    "tree_depths",
    "wiener_index_from_sizes",
]


def structural_virality(tree: Iterable[tuple[Any, Any]] | np.ndarray | nx.Graph) -> float:
    """Return the structural virality ν of a tree.

    Parameters
    ----------
    tree : iterable of (parent, child) pairs, (m, 2) array, or networkx.Graph
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
    codes, n = _encode(tree)
    if n == 0:
        raise ValueError(_("structural virality needs a tree: the graph has no node"))
    if len(codes) != n - 1:
        if len(codes) < n - 1:
            message = _("not a tree: {nodes} nodes and {edges} edges (a forest)")
        else:
            message = _(
                "not a tree: {nodes} nodes and {edges} edges (it has a cycle or a repeated edge)"
            )
        raise ValueError(message.format(nodes=n, edges=len(codes)))
    if n == 1:
        return math.nan
    ones = np.ones(n - 1, dtype=np.int8)
    adjacency = coo_array((ones, (codes[:, 0], codes[:, 1])), shape=(n, n)).tocsr()
    order, parents = breadth_first_order(adjacency, 0, directed=False, return_predecessors=True)
    if len(order) != n:
        raise ValueError(
            _("not a tree: {nodes} nodes and {edges} edges but not connected").format(
                nodes=n, edges=n - 1
            )
        )
    sizes = subtree_sizes(order, parents)
    return wiener_index_from_sizes(sizes, int(order[0])) / math.comb(n, 2)


def subtree_sizes(order: Sequence[int], parents: Sequence[int]) -> np.ndarray:
    """Return the number of nodes in the subtree of each node (of a tree or a forest).

    The sizes solve s = 1 + C s, with C[v, c] = 1 when c is a child of v: a triangular
    sparse system once nodes are ranked parents first, solved without a Python loop.

    Parameters
    ----------
    order : sequence of int
        Node indices such that every node comes after its parent (a BFS order, or nodes
        sorted by depth).
    parents : sequence of int
        The parent index of each node; a root is its own parent or has a negative parent.

    Examples
    --------
    >>> subtree_sizes([0, 1, 2, 3], [0, 0, 1, 1]).tolist()
    [4, 3, 1, 1]
    """
    order = np.asarray(order, dtype=np.int64)
    parents = np.asarray(parents, dtype=np.int64)
    n = len(order)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    up = parents[order]
    children = order[(up >= 0) & (up != order)]
    coupling = csc_array(  # the unit diagonal is implied
        (-np.ones(len(children)), (rank[parents[children]], rank[children])), shape=(n, n)
    )
    ranked = spsolve_triangular(coupling, np.ones(n), lower=False, unit_diagonal=True)
    return np.rint(ranked[rank]).astype(np.int64)


def tree_depths(parents: np.ndarray) -> np.ndarray:
    """Return the hops from each node of a forest to its root, by pointer jumping.

    ``parents`` holds each node's parent index, -1 for roots. Takes about log2(depth)
    vectorised rounds. Raises ``ValueError`` on a cycle.

    >>> tree_depths(np.array([-1, 0, 1, 1, -1])).tolist()
    [0, 1, 2, 2, 0]
    """
    parents = np.asarray(parents, dtype=np.int64)
    ancestor = parents.copy()
    depth = (parents >= 0).astype(np.int64)
    for _step in range(int(np.log2(max(len(parents), 1))) + 2):
        active = ancestor >= 0
        if not active.any():
            return depth
        up = ancestor[active]
        depth[active] += depth[up]
        ancestor[active] = ancestor[up]
    raise ValueError(_("a cascade is not a tree: its parents form a cycle"))


def forest_metrics(parent: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Measure every tree of a forest whose trees are consecutive blocks of rows.

    Parameters
    ----------
    parent : array of int
        Each row's parent row (-1 for a root).
    starts : array of int
        The first row of each tree, increasing; a tree runs to the next start.

    Returns
    -------
    tuple of arrays
        The depth and subtree size (rows in its subtree, itself included) of every row,
        then per tree its depth (most hops from the root), max breadth (most rows at one
        depth) and structural virality ν = W / C(n, 2), the Wiener index W = Σ s (n − s)
        over non-root rows of subtree size s (NaN for n = 1).

    Examples
    --------
    Two trees: 0 → 1 → 2 and 0 → 3 (W = 2·2 + 1·3 + 1·3 = 10 over 6 pairs), then 4 → 5.

    >>> depth, subtree, deepest, breadth, virality = forest_metrics(
    ...     np.array([-1, 0, 1, 0, -1, 4]), np.array([0, 4]))
    >>> depth.tolist(), subtree.tolist(), deepest.tolist(), breadth.tolist()
    ([0, 1, 2, 1, 0, 1], [4, 2, 1, 1, 2, 1], [2, 1], [2, 1])
    >>> virality.round(4).tolist()
    [1.6667, 1.0]
    """
    total = len(parent)
    depth = tree_depths(parent)
    sizes = np.diff(np.r_[starts, total])
    deepest = np.maximum.reduceat(depth, starts)
    order = np.argsort(depth.astype(np.uint16) if deepest.max() < 2**16 else depth, kind="stable")
    subtree = _level_subtree_sizes(order, depth[order], parent)
    n = np.repeat(sizes, sizes)
    wiener = np.add.reduceat(np.where(parent >= 0, subtree * (n - subtree), 0), starts)
    # Depths within a tree are below its size, so start + depth is a slot of its block.
    breadth = np.maximum.reduceat(np.bincount(np.repeat(starts, sizes) + depth), starts)
    pairs = sizes * (sizes - 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        virality = np.where(sizes > 1, wiener / pairs, np.nan)
    return depth, subtree, deepest, breadth, virality


def _level_subtree_sizes(order: np.ndarray, ranked_depth: np.ndarray, parent: np.ndarray):
    """Subtree sizes, adding each depth level into its parents from the deepest up.

    One vectorised step per level, much faster than :func:`subtree_sizes` on the shallow
    forests of many draws; for deep trees (many levels of few nodes) that function's
    triangular solve is used instead.
    """
    levels = int(ranked_depth[-1]) + 1
    if levels > max(64, len(order) // 16):
        return subtree_sizes(order, parent)
    bounds = np.searchsorted(ranked_depth, np.arange(levels + 1))
    sizes = np.ones(len(parent), dtype=np.int64)
    for level in range(levels - 1, 0, -1):
        nodes = order[bounds[level] : bounds[level + 1]]
        np.add.at(sizes, parent[nodes], sizes[nodes])
    return sizes


def wiener_index_from_sizes(sizes: Sequence[int], root: int) -> int:
    """Return the Wiener index of a tree from its subtree sizes: Σ s (n − s) over non-roots.

    >>> wiener_index_from_sizes([4, 3, 1, 1], root=0)  # 0-1, 1-2, 1-3
    9
    """
    array = np.asarray(sizes, dtype=np.int64)
    n = int(array[root])
    return int((array * (n - array)).sum())  # the root contributes n · 0


def _encode(tree) -> tuple[np.ndarray, int]:
    """The edges as an (m, 2) array of node indices 0 … n-1, and n."""
    if isinstance(tree, nx.Graph):
        index = {node: i for i, node in enumerate(tree.nodes)}
        pairs = [(index[a], index[b]) for a, b in tree.edges]
        return np.asarray(pairs, dtype=np.int64).reshape(-1, 2), len(index)
    pairs = tree if isinstance(tree, np.ndarray) else list(tree)
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64), 1
    array = np.asarray(pairs)
    if array.dtype.kind not in "iuf":  # strings or mixed labels: keep them as they are
        array = np.empty((len(pairs), 2), dtype=object)
        array[:] = pairs
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(_("structural virality needs (parent, child) pairs"))
    codes, labels = pd.factorize(array.ravel())
    return codes.reshape(-1, 2), len(labels)
