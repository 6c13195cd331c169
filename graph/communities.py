"""Communities of the sociability graph, and how each resource travelled through them.

Leiden (Traag, Waltman and van Eck, 2019) with the **modularity** objective: igraph's
``community_leiden`` defaults to the CPM objective, which with its default resolution puts
every account alone; :func:`detect` always asks for modularity. Leiden works on undirected
graphs: directed edges are merged, their weights summed.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

import igraph as ig
import pandas as pd

__all__ = ["Communities", "community_spread", "detect", "label_communities", "stability"]


@dataclass
class Communities:
    """A partition of a graph's vertices."""

    membership: list[int]  # community of each vertex, numbered from 0 by decreasing size
    modularity: float  # weighted modularity at the resolution used
    sizes: list[int]  # vertices per community, largest first
    seed: int
    resolution: float


def detect(
    graph: ig.Graph,
    seed: int = 0,
    resolution: float = 1.0,
    weights: str | None = "weight",
    restarts: int = 1,
    tolerance: float = 1e-4,
) -> Communities:
    """Find communities with Leiden, modularity objective, iterated until stable.

    Leiden iterations are repeated, each starting from the previous partition, until one
    leaves the partition unchanged or raises modularity by less than ``tolerance``: on
    graphs with little structure, iterating until nothing moves at all can take hundreds of
    iterations for gains in the fifth decimal.

    Parameters
    ----------
    graph : igraph.Graph
        Directed or not; directed edges are merged into undirected ones, weights summed.
    seed : int
        Seeds Leiden's random choices: the same seed gives the same partition.
    resolution : float
        γ of the modularity; above 1, smaller communities.
    weights : str or None
        The edge attribute holding weights (ignored when the graph has none).
    restarts : int
        Leiden is a heuristic: run it with seeds ``seed``, ``seed + 1``… this many times and
        keep the partition of highest modularity (the first one on ties).
    tolerance : float
        Smallest modularity gain worth another iteration.

    Returns
    -------
    Communities

    Examples
    --------
    Two triangles joined by one edge:

    >>> graph = ig.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)])
    >>> found = detect(graph, seed=1)
    >>> found.membership, found.sizes, round(found.modularity, 4)
    ([0, 0, 0, 1, 1, 1], [3, 3], 0.3571)

    References
    ----------
    V. A. Traag, L. Waltman, N. J. van Eck, "From Louvain to Leiden: guaranteeing
    well-connected communities", Scientific Reports 9, 5233, 2019.
    doi:10.1038/s41598-019-41695-z
    """
    if restarts < 1:
        raise ValueError("restarts must be at least 1")
    if graph.vcount() == 0:
        return Communities([], math.nan, [], seed, resolution)
    undirected = _undirected(graph, weights)
    weight = weights if weights in undirected.es.attributes() else None
    best, modularity = None, -math.inf
    for attempt in range(seed, seed + restarts):
        with _seeded(attempt):
            membership, found = _leiden(undirected, weight, resolution, tolerance)
        if found > modularity:
            best, modularity = membership, found
    membership = _by_size(best)
    sizes = pd.Series(membership).value_counts().sort_index().tolist()
    return Communities(membership, float(modularity), sizes, seed, resolution)


def stability(graph: ig.Graph, seeds: Iterable[int] = range(5), resolution: float = 1.0) -> float:
    """Return the mean normalised mutual information between the partitions of several seeds.

    1.0: every seed finds the same communities.

    >>> stability(ig.Graph.Famous("Zachary"), seeds=[1, 2, 3]) > 0.8
    True
    """
    partitions = [detect(graph, seed, resolution).membership for seed in seeds]
    pairs = list(itertools.combinations(partitions, 2))
    if not pairs:
        raise ValueError("stability needs at least two seeds")
    scores = [ig.compare_communities(a, b, method="nmi") for a, b in pairs]
    return float(sum(scores) / len(scores))


def community_spread(
    adoptions: pd.DataFrame, memberships: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return how each resource spread across communities.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at``.
    memberships : DataFrame
        ``platform``, ``account_id``, ``community``.

    Returns
    -------
    reached : DataFrame
        Per resource and community: ``adopters`` (distinct accounts), ``share`` (of the
        resource's adopters with a community), ``arrived_at`` (its first adoption there) and
        ``bridge`` (the account of that first adoption, with its ``bridge_platform``).
    spread : DataFrame
        Per resource: ``communities`` reached and ``entropy`` (Shannon, in bits, of the shares;
        0 when all adopters are in one community).

    Examples
    --------
    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": ["a", "b", "c", "d"], "adopted_at": [at(0), at(1), at(2), at(3)]})
    >>> memberships = pd.DataFrame({"platform": "bluesky", "account_id": ["a", "b", "c", "d"],
    ...     "community": [0, 0, 1, 1]})
    >>> reached, spread = community_spread(adoptions, memberships)
    >>> reached[["community", "adopters", "share", "bridge"]].values.tolist()
    [[0, 2, 0.5, 'a'], [1, 2, 0.5, 'c']]
    >>> print(spread.to_string(index=False))
    resource_id  communities  entropy
             r1            2      1.0
    """
    placed = adoptions.dropna(subset=["adopted_at"]).merge(
        memberships, on=["platform", "account_id"]
    )
    first = placed.sort_values(["adopted_at", "account_id"]).drop_duplicates(
        ["resource_id", "platform", "account_id"]
    )
    groups = first.groupby(["resource_id", "community"])
    reached = groups.agg(adopters=("account_id", "size"), arrived_at=("adopted_at", "min"))
    earliest = first.drop_duplicates(["resource_id", "community"]).set_index(
        ["resource_id", "community"]
    )
    reached["bridge"] = earliest["account_id"]
    reached["bridge_platform"] = earliest["platform"]
    reached = reached.reset_index()
    totals = reached.groupby("resource_id")["adopters"].transform("sum")
    reached["share"] = reached["adopters"] / totals
    entropy = reached.groupby("resource_id")["share"].agg(
        lambda shares: float(-sum(p * math.log2(p) for p in shares if p > 0)) + 0.0
    )
    spread = pd.DataFrame(
        {"communities": reached.groupby("resource_id").size(), "entropy": entropy}
    ).reset_index()
    columns = ["resource_id", "community", "adopters", "share", "arrived_at", "bridge"]
    return reached[[*columns, "bridge_platform"]], spread


def label_communities(
    graph: ig.Graph,
    communities: Communities,
    adoptions: pd.DataFrame,
    contexts: pd.DataFrame | None = None,
    top: int = 3,
) -> pd.DataFrame:
    """Describe each community for humans.

    Parameters
    ----------
    graph : igraph.Graph
        The graph the communities were found in, with ``platform`` and ``account_id`` vertex
        attributes (as :func:`graph.builders.sociability_graph` makes).
    communities : Communities
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``.
    contexts : DataFrame, optional
        ``platform``, ``account_id``, ``context`` (a hashtag, an instance, a forum…) for each
        post of an account.
    top : int
        How many of each to name.

    Returns
    -------
    DataFrame
        ``community``, ``size``, ``central_accounts`` (highest PageRank, weighted),
        ``shared_resources`` (most adopters in the community), ``contexts`` (most frequent)
        and ``label`` (those, in one line).
    """
    columns = ["community", "size", "central_accounts", "shared_resources", "contexts", "label"]
    if not communities.membership:
        return pd.DataFrame(columns=columns)
    weight = "weight" if "weight" in graph.es.attributes() else None
    members = pd.DataFrame(
        {
            "platform": graph.vs["platform"],
            "account_id": graph.vs["account_id"],
            "community": communities.membership,
            "pagerank": graph.pagerank(weights=weight),
        }
    )
    central = (
        members.sort_values(["community", "pagerank"], ascending=[True, False])
        .groupby("community")["account_id"]
        .agg(lambda accounts: list(accounts[:top]))
    )
    placed = adoptions.merge(members, on=["platform", "account_id"])
    resources = _most_frequent(placed.drop_duplicates(["resource_id", "platform", "account_id"]),
                               "resource_id", top)  # fmt: skip
    table = pd.DataFrame({"size": members.groupby("community").size(), "central_accounts": central})
    table["shared_resources"] = resources.reindex(table.index)
    if contexts is not None:
        table["contexts"] = _most_frequent(
            contexts.merge(members, on=["platform", "account_id"]), "context", top
        ).reindex(table.index)
    else:
        table["contexts"] = None
    table = table.reset_index()
    for column in ("shared_resources", "contexts"):
        table[column] = table[column].map(lambda found: found if isinstance(found, list) else [])
    table["label"] = [
        " · ".join(filter(None, [", ".join(row.contexts), ", ".join(row.shared_resources)]))
        or f"community {row.community}"
        for row in table.itertuples()
    ]
    return table[columns]


def _most_frequent(frame: pd.DataFrame, column: str, top: int) -> pd.Series:
    counts = frame.groupby(["community", column]).size().rename("n").reset_index()
    counts = counts.sort_values(["community", "n", column], ascending=[True, False, True])
    return counts.groupby("community")[column].agg(lambda values: list(values[:top]))


def _leiden(graph: ig.Graph, weight, resolution: float, tolerance: float):
    """Leiden iterations until stable; the membership and its modularity."""
    membership, modularity = None, -math.inf
    while True:
        partition = graph.community_leiden(
            objective_function="modularity", weights=weight, resolution=resolution,
            n_iterations=1, initial_membership=membership,
        )  # fmt: skip
        found = graph.modularity(partition.membership, weights=weight, resolution=resolution)
        if partition.membership == membership or found < modularity + tolerance:
            if found > modularity:
                membership, modularity = partition.membership, found
            return membership, modularity
        membership, modularity = partition.membership, found


def _undirected(graph: ig.Graph, weights: str | None) -> ig.Graph:
    if not graph.is_directed():
        return graph
    combine = {weights: "sum"} if weights in graph.es.attributes() else "ignore"
    return graph.as_undirected(mode="collapse", combine_edges=combine)


def _by_size(membership: list[int]) -> list[int]:
    """Renumber communities 0, 1, … by decreasing size (ties: first vertex first)."""
    series = pd.Series(membership)
    ranks = pd.DataFrame(
        {"size": series.value_counts(), "first": series.reset_index().groupby(0)["index"].min()}
    ).sort_values(["size", "first"], ascending=[False, True])
    renumber = pd.Series(range(len(ranks)), index=ranks.index)
    return series.map(renumber).tolist()


@contextmanager
def _seeded(seed: int):
    """igraph draws from Python's ``random`` module: give it its own seeded generator."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)
