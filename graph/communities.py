"""Communities of the sociability graph, and how each resource travelled through them.

Leiden (Traag, Waltman and van Eck, 2019) with the **modularity** objective: igraph's
``community_leiden`` defaults to the CPM objective, which with its default resolution puts
every account alone; :func:`detect` always asks for modularity. Leiden works on undirected
graphs: directed edges are merged, their weights summed.

A *community* is a group of at least a minimum size; the accounts of smaller groups are
grouped together as "small groups" (:data:`SMALL_GROUPS`, by :func:`grouped`), and every
table, count and page uses that one definition.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from collectors.speech import _
from graph.frames import query_frames
from graph.store import queries as q

__all__ = [
    "MIN_COMMUNITY_SIZE",
    "SMALL_GROUPS",
    "Communities",
    "community_spread",
    "detect",
    "grouped",
    "label_communities",
    "log_odds",
    "stability",
]

#: Groups of fewer accounts are not communities: they are counted as small groups.
MIN_COMMUNITY_SIZE = 10
#: The community number of the accounts in small groups.
SMALL_GROUPS = -1


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
        raise ValueError(_("restarts must be at least 1"))
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


def grouped(found: Communities, min_size: int = MIN_COMMUNITY_SIZE) -> list[int]:
    """Return the membership with the groups under ``min_size`` accounts as :data:`SMALL_GROUPS`.

    Communities keep their numbers (0, 1, … by decreasing size, so those kept are the first).

    >>> grouped(Communities([0, 0, 0, 1, 1, 2], 0.1, [3, 2, 1], 0, 1.0), min_size=2)
    [0, 0, 0, 1, 1, -1]
    """
    small = {community for community, size in enumerate(found.sizes) if size < min_size}
    return [SMALL_GROUPS if community in small else community for community in found.membership]


def stability(
    graph: ig.Graph, seeds: Iterable[int] = range(5), resolution: float = 1.0, restarts: int = 1
) -> float:
    """Return the mean normalised mutual information between the partitions of several seeds.

    1.0: every seed finds the same communities. ``resolution`` and ``restarts`` as in
    :func:`detect`; the partitions compared are Leiden's, small groups included.

    >>> stability(ig.Graph.Famous("Zachary"), seeds=[1, 2, 3]) > 0.8
    True

    References
    ----------
    L. Danon, A. Díaz-Guilera, J. Duch, A. Arenas, "Comparing community structure
    identification", J. Stat. Mech. P09008, 2005. doi:10.1088/1742-5468/2005/09/P09008
    """
    partitions = [detect(graph, seed, resolution, restarts=restarts).membership for seed in seeds]
    pairs = list(itertools.combinations(partitions, 2))
    if not pairs:
        raise ValueError(_("stability needs at least two seeds"))
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
        ``platform``, ``account_id``, ``community`` (:data:`SMALL_GROUPS` for small groups).

    Returns
    -------
    reached : DataFrame
        Per resource and community (small groups as one): ``adopters`` (distinct accounts),
        ``share`` (of the resource's adopters in the graph), ``arrived_at`` (its first
        adoption there) and ``bridge`` (the account of that first adoption, the first by id
        when several adopted at that time, with its ``bridge_platform``).
    spread : DataFrame
        Per resource: ``communities`` reached (small groups not counted) and ``entropy``
        (Shannon, in bits, of the shares, small groups as one group; 0 when all adopters are
        in one).

    Examples
    --------
    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": ["a", "b", "c", "d"], "adopted_at": [at(0), at(1), at(2), at(3)]})
    >>> memberships = pd.DataFrame({"platform": "bluesky", "account_id": ["a", "b", "c", "d"],
    ...     "community": [0, 0, 1, SMALL_GROUPS]})
    >>> reached, spread = community_spread(adoptions, memberships)
    >>> reached[["community", "adopters", "share", "bridge"]].values.tolist()
    [[-1, 1, 0.25, 'd'], [0, 2, 0.5, 'a'], [1, 1, 0.25, 'c']]
    >>> print(spread.to_string(index=False))
    resource_id  communities  entropy
             r1            2      1.5
    """
    keys = ["platform", "account_id"]
    reached = query_frames(
        q.COMMUNITY_SPREAD,
        adoptions=adoptions[["resource_id", *keys, "adopted_at"]],
        memberships=memberships[[*keys, "community"]],
    )
    totals = reached.groupby("resource_id")["adopters"].transform("sum")
    reached["share"] = reached["adopters"] / totals
    entropy = reached.groupby("resource_id")["share"].agg(
        lambda shares: float(-sum(p * math.log2(p) for p in shares if p > 0)) + 0.0
    )
    communities = (reached["community"] != SMALL_GROUPS).groupby(reached["resource_id"]).sum()
    spread = pd.DataFrame({"communities": communities, "entropy": entropy}).reset_index()
    columns = ["resource_id", "community", "adopters", "share", "arrived_at", "bridge"]
    return reached[[*columns, "bridge_platform"]], spread


def log_odds(counts: pd.DataFrame, prior_size: float | None = None) -> pd.DataFrame:
    """Return how distinctive each term is of each group against all the other groups.

    The weighted log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi and
    Quinn (2008, §3.5.3), each group against the rest: with y the term's count in the group,
    n the group's total, y′ and n′ those of the rest, and the prior α_w = α₀ · (the term's
    share of all counts),

    δ = log((y + α_w) / (n + α₀ − y − α_w)) − log((y′ + α_w) / (n′ + α₀ − y′ − α_w)),

    its variance ≈ 1 / (y + α_w) + 1 / (y′ + α_w), and z = δ / √variance. A large positive z
    marks a term the group uses more than the rest, beyond what chance would give.

    Parameters
    ----------
    counts : DataFrame
        ``group``, ``term``, ``count`` (> 0; a missing row is a count of 0).
    prior_size : float, optional
        α₀, the prior's weight in counts. By default the number of distinct terms: one
        pseudo-count per term on average, spread like the pooled counts. The pooled counts
        themselves (α₀ = all counts) shrink more: small groups then show nothing distinctive.

    Returns
    -------
    DataFrame
        ``group``, ``term``, ``count``, ``delta`` and ``z``, one row per group and term seen
        anywhere. NaN when the vocabulary has a single term.

    Examples
    --------
    Group a uses "x" 3 times and "y" once; the rest (b) "x" once and "y" 3 times. Prior:
    α₀ = 2 terms, α_x = α_y = 1. δ_x = log(4/2) − log(2/4), variance 1/4 + 1/2.

    >>> counts = pd.DataFrame({"group": ["a", "a", "b", "b"], "term": ["x", "y", "x", "y"],
    ...     "count": [3, 1, 1, 3]})
    >>> scored = log_odds(counts)
    >>> round(float(scored.loc[0, "z"]), 4), round(2 * math.log(2) / math.sqrt(3 / 4), 4)
    (1.6008, 1.6008)

    References
    ----------
    B. L. Monroe, M. P. Colaresi, K. M. Quinn, "Fightin' words: lexical feature selection and
    evaluation for identifying the content of political conflict", Political Analysis 16(4),
    372–403, 2008. doi:10.1093/pan/mpn018
    """
    table = counts.pivot_table(index="group", columns="term", values="count", aggfunc="sum",
                               fill_value=0)  # fmt: skip
    y = table.to_numpy(dtype="float64")
    pooled = y.sum(axis=0)
    alpha0 = len(pooled) if prior_size is None else prior_size
    alpha = alpha0 * pooled / pooled.sum()
    n = y.sum(axis=1, keepdims=True)
    rest, rest_n = pooled - y, pooled.sum() - n
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((y + alpha) / (n + alpha0 - y - alpha)) - np.log(
            (rest + alpha) / (rest_n + alpha0 - rest - alpha)
        )
        z = delta / np.sqrt(1 / (y + alpha) + 1 / (rest + alpha))
    finite = np.isfinite(z)
    scored = pd.DataFrame(
        {
            "group": np.repeat(table.index.to_numpy(), table.shape[1]),
            "term": np.tile(table.columns.to_numpy(), table.shape[0]),
            "count": y.ravel().astype("int64"),
            "delta": np.where(finite, delta, np.nan).ravel(),
            "z": np.where(finite, z, np.nan).ravel(),
        }
    )
    return scored


#: The columns of the terms accounts use (see :func:`label_communities`).
_TERM_COLUMNS = ["platform", "account_id", "community", "kind", "term"]


def label_communities(
    graph: ig.Graph,
    membership: list[int],
    adoptions: pd.DataFrame,
    contexts: pd.DataFrame | None = None,
    institutions: pd.DataFrame | None = None,
    top: int = 3,
    z_min: float = 1.96,
) -> pd.DataFrame:
    """Describe each community by what sets it apart from the others.

    Terms are the contexts its accounts post in (hashtags, instances, forums, boards,
    subreddits; a channel that is an individual's account is left out), the resources they
    adopted, and the allow-listed institutions they are tied to, each counted once per
    account. The terms most distinctive of a community are those of highest
    :func:`log_odds` z against the other communities and the small groups, with z above
    ``z_min`` (1.96: 95 % two-sided). No individual's account ever names a community.

    Parameters
    ----------
    graph : igraph.Graph
        The graph the communities were found in, with ``platform`` and ``account_id`` vertex
        attributes (as :func:`graph.builders.sociability_graph` makes).
    membership : list of int
        The community of each vertex, :data:`SMALL_GROUPS` for small groups (:func:`grouped`).
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``.
    contexts : DataFrame, optional
        ``platform``, ``account_id``, ``context`` for each post of an account.
    institutions : DataFrame, optional
        ``platform``, ``account_id``, ``handle`` of the institutional accounts; those with a
        handle (allow-listed) are terms, named ``@handle``.
    top : int
        How many terms make a label, and how many of each kind are listed.
    z_min : float

    Returns
    -------
    DataFrame
        One row per community (small groups left out), largest first: ``community``,
        ``size``, the most distinctive ``contexts``, ``shared_resources`` and
        ``institutions`` (lists), and ``label``: ``top`` terms, the most distinctive of each
        kind first, then the next by z; more while two labels name the same terms, then
        the community's number if they still do; "community n" when nothing sets it apart.
        Labels are unique.

    Examples
    --------
    >>> graph = ig.Graph.Full(4) + ig.Graph.Full(4)
    >>> graph.vs["platform"] = "bluesky"
    >>> graph.vs["account_id"] = list("abcdefgh")
    >>> contexts = pd.DataFrame({"platform": "bluesky", "account_id": list("abcdefgh"),
    ...     "context": ["#maths"] * 4 + ["#eps"] * 4})
    >>> no_adoptions = pd.DataFrame(columns=["resource_id", "platform", "account_id"])
    >>> labels = label_communities(graph, [0] * 4 + [1] * 4, no_adoptions, contexts, z_min=0)
    >>> labels["label"].tolist()
    ['#maths', '#eps']
    """
    columns = ["community", "size", "contexts", "shared_resources", "institutions", "label"]
    types = {"community": "int64", "size": "int64", "label": "string"}
    if graph.vcount() == 0:
        return pd.DataFrame({column: [] for column in columns}).astype(types)
    keys = ["platform", "account_id"]
    members = pd.DataFrame(
        {"platform": graph.vs["platform"], "account_id": graph.vs["account_id"],
         "community": membership}
    )  # fmt: skip
    named = _named_institutions(institutions)
    terms = [pd.DataFrame(columns=_TERM_COLUMNS)]
    if contexts is not None:
        terms.append(_context_terms(contexts, members, named))
    if not named.empty:
        terms.append(_institution_terms(graph, membership, named))
    counts = query_frames(
        q.COMMUNITY_TERM_COUNTS,
        adoptions=adoptions[["resource_id", *keys]],
        members=members,
        others=pd.concat(terms, ignore_index=True),
    )
    counts["key"] = counts["kind"] + ":" + counts["term"]  # a term's name may recur by kind
    scored = log_odds(counts[["community", "key", "size"]].set_axis(["group", "term", "count"],
                                                                    axis=1))  # fmt: skip
    scored = scored.merge(counts[["key", "kind"]].drop_duplicates(), left_on="term",
                          right_on="key").drop(columns="term")  # fmt: skip
    scored["term"] = scored["key"].str.split(":", n=1).str[1]
    distinctive = scored[(scored["z"] > z_min) & (scored["count"] > 0)]
    distinctive = distinctive.sort_values(["group", "z", "term"], ascending=[True, False, True])
    table = members[members["community"] != SMALL_GROUPS].groupby("community").size()
    table = table.rename("size").reset_index()
    for kind, column in (("context", "contexts"), ("resource", "shared_resources"),
                         ("institution", "institutions")):  # fmt: skip
        of_kind = distinctive[distinctive["kind"] == kind].groupby("group")["term"]
        lists = of_kind.agg(lambda values: list(values[:top]))
        table[column] = [lists.get(community, []) for community in table["community"]]
    # each kind's best term first (by z), so no one kind fills a label, then the rest by z
    best = ~distinctive.duplicated(["group", "kind"])
    ordered = pd.concat([distinctive[best], distinctive[~best]])
    terms_of = {group: list(frame["term"]) for group, frame in ordered.groupby("group")}
    table["label"] = _unique_labels(table["community"].tolist(), terms_of, top)
    return table[columns].astype(types)


def _named_institutions(institutions: pd.DataFrame | None) -> pd.DataFrame:
    """The allow-listed institutions (those with a handle), with their term ``@handle``."""
    if institutions is None:
        return pd.DataFrame(columns=["platform", "account_id", "term"])
    named = institutions.dropna(subset=["handle"])
    return named.assign(term="@" + named["handle"].str.lstrip("@"))[
        ["platform", "account_id", "term"]
    ].drop_duplicates(["platform", "account_id"])


def _context_terms(
    contexts: pd.DataFrame, members: pd.DataFrame, named: pd.DataFrame
) -> pd.DataFrame:
    """Contexts, without those that are an individual's account (a Telegram channel is one);
    an institution's channel is named by its handle."""
    accounts = set(members["account_id"]) | set(contexts["account_id"])
    handles = dict(zip(named["account_id"], named["term"], strict=True))
    context = contexts["context"].map(lambda value: handles.get(value, value))
    kept = contexts.assign(term=context)[~context.isin(accounts - set(handles))]
    placed = kept.merge(members, on=["platform", "account_id"])
    return placed.assign(kind="context")[_TERM_COLUMNS]


def _institution_terms(graph: ig.Graph, membership: list[int], named: pd.DataFrame):
    """Each account tied (either way) to an allow-listed institution uses its term."""
    platforms, accounts = graph.vs["platform"], graph.vs["account_id"]
    vertex = {key: index for index, key in enumerate(zip(platforms, accounts, strict=True))}
    rows = []
    for platform, account, term in named.itertuples(index=False):
        index = vertex.get((platform, account))
        if index is None:
            continue
        for neighbour in set(graph.neighbors(index, mode="all")):
            rows.append((platforms[neighbour], accounts[neighbour], membership[neighbour],
                         "institution", term))  # fmt: skip
    return pd.DataFrame(rows, columns=_TERM_COLUMNS)


def _unique_labels(communities: list[int], terms: dict[int, list[str]], top: int) -> list[str]:
    """Each community's first ``top`` terms, more while two name the same set, then its number.

    >>> terms = {0: ["#a", "#b"], 1: ["#a", "#c"], 2: ["#a"], 3: [], 4: ["#a"]}
    >>> _unique_labels([0, 1, 2, 3, 4], terms, 1)
    ['#a · #b', '#a · #c', '#a (community 2)', 'community 3', '#a (community 4)']
    >>> _unique_labels([0, 1], {0: ["#a", "#b", "#c"], 1: ["#b", "#a", "#d"]}, 2)
    ['#a · #b · #c', '#b · #a · #d']
    """
    length = {community: top for community in communities}

    def named(community: int) -> frozenset[str]:
        return frozenset(terms.get(community, [])[: length[community]])

    while True:
        sets = pd.Series({community: named(community) for community in communities})
        clashing = sets[sets.duplicated(keep=False) & sets.map(bool)].index
        longer = [c for c in clashing if length[c] < len(terms.get(c, []))]
        if not longer:
            break
        for community in longer:
            length[community] += 1
    labels = {c: " · ".join(terms.get(c, [])[: length[c]]) for c in communities}
    return [
        f"community {community}" if not labels[community]
        else f"{labels[community]} (community {community})" if community in clashing
        else labels[community]
        for community in communities
    ]  # fmt: skip


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
