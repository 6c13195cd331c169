"""Who did what in the spread: originators, amplifiers, bridges, central and core accounts.

:func:`centralities` measures the accounts of the sociability graph (PageRank, k-core,
betweenness, participation in communities, brokerage between them, and the bridges);
:func:`cascade_roles` says from the cascade trees who started cascades and through whom other
adopters came; :func:`institutional_share` says how much of each resource's spread went
through institutional accounts.
"""

from __future__ import annotations

import math

import igraph as ig
import numpy as np
import pandas as pd

from collectors.speech import _
from graph.cascades import tree_parents
from graph.frames import query_frames
from graph.store import queries as q
from graph.virality import subtree_sizes, tree_depths

__all__ = [
    "BRIDGE_SHARE",
    "EXACT_BETWEENNESS_LIMIT",
    "brokerage",
    "cascade_roles",
    "centralities",
    "institutional_share",
    "participation",
]

#: Above this many accounts, betweenness is estimated from sampled sources.
EXACT_BETWEENNESS_LIMIT = 5_000
#: The bridges are at most this share of the accounts, the strongest brokers.
BRIDGE_SHARE = 0.02


def centralities(
    graph: ig.Graph,
    membership: list[int],
    *,
    bridge_share: float = BRIDGE_SHARE,
    exact_limit: int = EXACT_BETWEENNESS_LIMIT,
    pivots: int = 32,
    seed: int = 0,
) -> pd.DataFrame:
    """Return PageRank, coreness, betweenness, participation, brokerage and the bridges.

    Parameters
    ----------
    graph : igraph.Graph
        The sociability graph (:func:`graph.builders.sociability_graph`): directed, edges from
        the account that acts (follows, reposts…) to the one acted on, ``weight`` per edge.
    membership : list of int
        The community of each vertex.
    bridge_share : float
        The bridges are the accounts ranked first by brokerage (then participation), at most
        this share of all accounts: ``floor(bridge_share × n)`` places, and accounts tied at
        the last place are all left out rather than drawn. No brokerage, no bridge.
    exact_limit : int
        Betweenness and brokerage are exact up to this many vertices. Above, they are
        estimated from ``pivots`` source vertices drawn with ``seed`` and scaled by
        n / pivots, an unbiased estimator (Brandes and Pich 2007).
    pivots, seed : int

    Returns
    -------
    DataFrame
        ``platform``, ``account_id``, ``community``, ``pagerank`` (weighted, directed: rank
        flows to the followed and the reshared; sums to 1), ``coreness`` (k-core number,
        ties in either direction), ``betweenness`` (undirected, unweighted shortest paths),
        ``other_communities`` (how many communities other than its own it has ties into),
        ``participation`` (:func:`participation`), ``brokerage`` (:func:`brokerage`),
        ``bridge_rank`` (1 for the strongest broker; ties share a rank) and ``bridge``. The
        method used for betweenness and brokerage is in ``betweenness_method``.

    Examples
    --------
    Two triangles joined by the edge c–d: c and d broker every path between the two
    communities but those from each other (6 of the 9 pairs).

    >>> graph = ig.Graph([(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3)])
    >>> graph.vs["platform"] = "bluesky"
    >>> graph.vs["account_id"] = list("abcdef")
    >>> table = centralities(graph, [0, 0, 0, 1, 1, 1], bridge_share=0.34)
    >>> table[["brokerage", "participation"]].round(3).iloc[2].tolist()
    [0.667, 0.444]
    >>> table.loc[table["bridge"], "account_id"].tolist()  # 2 places of 6 accounts
    ['c', 'd']
    >>> table["bridge_rank"].tolist()
    [3, 3, 1, 1, 3, 3]
    >>> table["betweenness"].tolist()  # c is on the paths from a and b to d, e and f
    [0.0, 0.0, 6.0, 6.0, 0.0, 0.0]
    >>> table["coreness"].tolist()
    [2, 2, 2, 2, 2, 2]

    References
    ----------
    U. Brandes, C. Pich, "Centrality estimation in large networks", Int. J. Bifurcation and
    Chaos 17(7), 2007. S. Brin, L. Page, "The anatomy of a large-scale hypertextual web search
    engine", 1998. S. B. Seidman, "Network structure and minimum degree", Social Networks 5,
    1983.
    """
    if not 0 <= bridge_share <= 1:
        raise ValueError(_("bridge_share must be between 0 and 1"))
    n = graph.vcount()
    weights = graph.es["weight"] if "weight" in graph.es.attributes() else None
    undirected = graph.as_undirected(mode="collapse") if graph.is_directed() else graph
    sources, scale, method = None, 1.0, "exact"
    if n > exact_limit:
        sources = np.random.default_rng(seed).choice(n, size=pivots, replace=False).tolist()
        scale, method = n / pivots, f"sampled:{pivots} sources, seed {seed}"
    community = np.asarray(membership, dtype="int64")
    ends = np.asarray(undirected.get_edgelist(), dtype="int64").reshape(-1, 2)
    crossing = ends[community[ends[:, 0]] != community[ends[:, 1]]]
    ties = pd.DataFrame(
        {
            "vertex": np.concatenate([crossing[:, 0], crossing[:, 1]]),
            "other": np.concatenate([community[crossing[:, 1]], community[crossing[:, 0]]]),
        }
    )
    other = ties.drop_duplicates().groupby("vertex").size().reindex(range(n), fill_value=0)
    betweenness = undirected.betweenness(directed=False, sources=sources) if n else []
    table = pd.DataFrame(
        {
            "platform": graph.vs["platform"],
            "account_id": graph.vs["account_id"],
            "community": community,
            "pagerank": graph.pagerank(weights=weights, directed=True) if n else [],
            "coreness": graph.coreness(mode="all"),
            "betweenness": np.asarray(betweenness, dtype="float64") * scale,
            "other_communities": other.to_numpy(dtype="int64"),
            "participation": participation(undirected, membership),
            "brokerage": brokerage(undirected, membership, sources) * scale,
        }
    )
    table["bridge_rank"], table["bridge"] = _bridges(table, bridge_share)
    table["betweenness_method"] = method
    return table.astype({"platform": object, "account_id": object, "coreness": "int64"})


def participation(graph: ig.Graph, membership: list[int]) -> np.ndarray:
    """Return each vertex's participation coefficient P = 1 − Σ_s (k_s / k)².

    k is the vertex's number of neighbours and k_s those in community s (Guimerà and Amaral
    2005): 0 when every tie stays in one community, towards 1 when ties spread evenly over
    many. Edges are taken undirected and unweighted, repeated ones once; NaN without a tie.

    Examples
    --------
    A star whose centre has two leaves in its community and one in each of two others:
    P = 1 − (2/4)² − (1/4)² − (1/4)² = 0.625.

    >>> star = ig.Graph.Star(5)
    >>> participation(star, [0, 0, 0, 1, 2]).tolist()
    [0.625, 0.0, 0.0, 0.0, 0.0]

    References
    ----------
    R. Guimerà, L. A. N. Amaral, "Functional cartography of complex metabolic networks",
    Nature 433, 895–900, 2005. doi:10.1038/nature03288
    """
    simple = graph.as_undirected(mode="collapse") if graph.is_directed() else graph.copy()
    simple.simplify()
    community = np.asarray(membership, dtype="int64")
    ends = np.asarray(simple.get_edgelist(), dtype="int64").reshape(-1, 2)
    ties = pd.DataFrame(
        {
            "vertex": np.concatenate([ends[:, 0], ends[:, 1]]),
            "other": np.concatenate([community[ends[:, 1]], community[ends[:, 0]]]),
        }
    )
    per_community = ties.groupby(["vertex", "other"]).size()
    degree = per_community.groupby("vertex").transform("sum")
    concentration = ((per_community / degree) ** 2).groupby("vertex").sum()
    return (1 - concentration).reindex(range(graph.vcount())).to_numpy(dtype="float64")


def brokerage(graph: ig.Graph, membership: list[int], sources=None) -> np.ndarray:
    """Return the share of shortest paths between communities that pass through each vertex.

    For every pair of vertices in different communities joined by a path, the fraction of
    their shortest paths through the vertex (not as an end), summed and divided by the
    number of such pairs: the betweenness (Freeman 1977) counted over pairs from different
    communities only, in [0, 1]. Undirected, unweighted.

    Parameters
    ----------
    graph : igraph.Graph
    membership : list of int
        The community of each vertex.
    sources : list of int, optional
        Count only the paths starting at these vertices (sampled sources: scale the result
        by n / len(sources) for an unbiased estimate).

    Examples
    --------
    The path a–b–c–d with a and b in one community, c and d in another: of the four pairs
    across, b is inside the paths a–c and a–d, c inside a–d and b–d.

    >>> brokerage(ig.Graph([(0, 1), (1, 2), (2, 3)]), [0, 0, 1, 1]).tolist()
    [0.0, 0.5, 0.5, 0.0]

    References
    ----------
    L. C. Freeman, "A set of measures of centrality based on betweenness", Sociometry 40(1),
    35–41, 1977.
    """
    n = graph.vcount()
    community = np.asarray(membership, dtype="int64")
    chosen = np.arange(n) if sources is None else np.asarray(sources, dtype="int64")
    through = np.zeros(n)
    for group in np.unique(community[chosen]):
        outside = np.flatnonzero(community != group)
        if outside.size:
            starts = chosen[community[chosen] == group]
            # igraph halves undirected subset counts: a pair is seen from both of its ends
            through += graph.betweenness(directed=False, sources=starts.tolist(),
                                         targets=outside.tolist())  # fmt: skip
    component = graph.connected_components().membership
    cells = pd.DataFrame({"component": component, "community": community})
    sizes = cells.groupby("component").size()
    within = cells.groupby(["component", "community"]).size()
    pairs = (int((sizes**2).sum()) - int((within**2).sum())) / 2
    return through / pairs if pairs else through


def _bridges(table: pd.DataFrame, share: float) -> tuple[pd.Series, pd.Series]:
    """The rank of each account by brokerage then participation, and the bridge flag."""
    scores = [table[column].fillna(-1).rank(method="dense") for column in ("brokerage",
              "participation")]  # fmt: skip
    score = scores[0] * (len(table) + 1) + scores[1]
    rank = score.rank(method="min", ascending=False).astype("int64")
    last = score.rank(method="max", ascending=False)
    bridge = (table["brokerage"] > 0) & (last <= math.floor(share * len(table)))
    return rank, bridge


def cascade_roles(trees: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Return, per account, the cascades it started and the adopters that came through it.

    Parameters
    ----------
    trees : DataFrame
        Cascade trees as :func:`graph.cascades.reconstruct` returns them: ``cascade``,
        ``platform``, ``account_id``, ``parent_id`` (null for the root).
    by : str, optional
        A column of ``trees`` (such as ``resource_id``) to count roles separately for.

    Returns
    -------
    DataFrame
        ``by`` when given, ``platform``, ``account_id``; ``cascades_started`` and
        ``started_reach`` (adopters of those cascades other than itself);
        ``cascades_joined`` (as a non-root adopter) and
        ``downstream`` (adopters below it in the cascades it joined: the amplification);
        ``originator`` (started a cascade someone else joined) and ``amplifier`` (at least
        one adopter came through it when it was not the root). Sorted by downstream, then
        started reach.

    Examples
    --------
    Ana starts a cascade; Bob reshares it to Chloé and Dan; Eve starts one nobody joins.

    >>> trees = pd.DataFrame({"cascade": ["c1"] * 4 + ["c2"], "platform": "bluesky",
    ...     "account_id": ["ana", "bob", "chloe", "dan", "eve"],
    ...     "parent_id": [None, "ana", "bob", "bob", None]})
    >>> roles = cascade_roles(trees)
    >>> print(roles.drop(columns="platform").to_string(index=False))
    account_id  cascades_started  started_reach  cascades_joined  downstream  originator  amplifier
           bob                 0              0                1           2       False       True
           ana                 1              3                0           0        True      False
         chloe                 0              0                1           0       False      False
           dan                 0              0                1           0       False      False
           eve                 1              0                0           0       False      False
    """
    group = [*([by] if by else []), "platform", "account_id"]
    if trees.empty:
        columns = ["cascades_started", "started_reach", "cascades_joined", "downstream"]
        empty = pd.DataFrame({key: [] for key in group}, dtype=object)
        empty[columns] = pd.DataFrame(columns=columns, dtype="int64")
        empty["originator"] = empty["amplifier"] = pd.Series(dtype=bool)
        return empty
    nodes = trees[["cascade", *group, "parent_id"]].reset_index(drop=True)
    parents = tree_parents(nodes)
    order = np.argsort(tree_depths(parents), kind="stable")
    below = subtree_sizes(order, parents) - 1
    nodes["below"] = below
    is_root = parents == -1
    nodes["started"] = is_root.astype("int64")
    nodes["started_reach"] = np.where(is_root, below, 0)
    nodes["joined"] = (~is_root).astype("int64")
    nodes["downstream"] = np.where(is_root, 0, below)
    columns = ", ".join(f'"{key}"' for key in group)
    roles = query_frames(
        q.CASCADE_ROLES.format(keys=columns, first=f'"{by}", ' if by else ""),
        nodes=nodes[[*group, "started", "started_reach", "joined", "downstream"]],
    )
    roles["originator"] = roles["started_reach"] > 0
    roles["amplifier"] = roles["downstream"] > 0
    return roles


def institutional_share(
    trees: pd.DataFrame,
    sharers: pd.DataFrame,
    institutional: pd.DataFrame,
    followers: pd.DataFrame,
    potential_reach: pd.Series,
) -> pd.DataFrame:
    """Return, per resource, how much of its spread went through institutional accounts.

    An adopter came *through* an institution when it is institutional itself or when an
    institutional account is among its ancestors in the cascade tree.

    Parameters
    ----------
    trees : DataFrame
        Cascade trees with ``resource_id``, ``cascade``, ``platform``, ``account_id`` and
        ``parent_id``.
    sharers : DataFrame
        ``resource_id``, ``platform``, ``account_id`` of the accounts that shared each
        resource (:func:`graph.reach.sharing_accounts`).
    institutional : DataFrame
        ``platform``, ``account_id`` of the institutional accounts (allow-listed or declared
        as institutions).
    followers : DataFrame
        ``platform``, ``account_id``, ``followers_count`` (may be null).
    potential_reach : Series
        Each resource's potential reach, as :func:`graph.reach.reach` gives it (the one
        figure, reused here).

    Returns
    -------
    DataFrame
        ``resource_id``, ``adopters``, ``institutional_adopters``,
        ``adopters_through_institutions`` and its ``share_through_institutions``;
        ``institutional_potential_reach`` (the declared followers of the institutional
        accounts that shared it, null when one's count is unknown) and its
        ``institutional_reach_share`` of the potential reach, with ``unknown_because``
        saying why that share is null.

    Examples
    --------
    Réseau Canopé posts; Bob reshares it to Chloé; Dan starts his own cascade.

    >>> trees = pd.DataFrame({"resource_id": "r1", "cascade": ["c1"] * 3 + ["c2"],
    ...     "platform": "bluesky", "account_id": ["canope", "bob", "chloe", "dan"],
    ...     "parent_id": [None, "canope", "bob", None]})
    >>> institutions = pd.DataFrame({"platform": ["bluesky"], "account_id": ["canope"]})
    >>> followers = pd.DataFrame({"platform": "bluesky",
    ...     "account_id": ["canope", "bob", "chloe", "dan"], "followers_count": [900, 50, 30, 20]})
    >>> sharers = trees[["resource_id", "platform", "account_id"]]
    >>> row = institutional_share(trees, sharers, institutions, followers,
    ...                           pd.Series({"r1": 1000})).iloc[0]
    >>> row[["adopters", "adopters_through_institutions", "share_through_institutions"]].to_dict()
    {'adopters': 4, 'adopters_through_institutions': 3, 'share_through_institutions': 0.75}
    >>> float(row["institutional_reach_share"])
    0.9
    """
    keys = ["platform", "account_id"]
    nodes = trees[["resource_id", "cascade", *keys, "parent_id"]].reset_index(drop=True)
    flagged = institutional[keys].drop_duplicates()
    nodes["institution"] = _among(nodes, flagged)
    parents = tree_parents(nodes)
    depth = tree_depths(parents)
    through = nodes["institution"].to_numpy().copy()
    for level in range(1, int(depth.max(initial=0)) + 1):
        at = np.flatnonzero(depth == level)
        through[at] |= through[parents[at]]
    nodes["through"] = through
    columns = ["resource_id", *keys, "institution", "through"]
    table = query_frames(q.THROUGH_INSTITUTIONS, nodes=nodes[columns])
    table["share_through_institutions"] = table["adopters_through_institutions"] / table["adopters"]
    sharers = sharers.loc[_among(sharers, flagged), ["resource_id", *keys]].drop_duplicates()
    sharers = sharers.merge(followers, on=keys, how="left")
    counts = pd.to_numeric(sharers["followers_count"], errors="coerce").astype("float64")
    by_resource = counts.groupby(sharers["resource_id"])
    # known when every institutional sharer's count is; 0 when no institution shared it
    summed = by_resource.sum().where(by_resource.count() == by_resource.size())
    institutional_reach = summed.reindex(table["resource_id"], fill_value=0.0)
    total = potential_reach.reindex(table["resource_id"]).astype("float64")
    table["institutional_potential_reach"] = institutional_reach.to_numpy()
    table["institutional_reach_share"] = (institutional_reach / total.where(total > 0)).to_numpy()
    table["unknown_because"] = np.select(
        [institutional_reach.isna().to_numpy(), ~(total > 0).to_numpy()],
        ["follower count of an institutional account that shared it not collected",
         "no sharer's follower count known"],
        None,
    )  # fmt: skip
    return table


def _among(accounts: pd.DataFrame, chosen: pd.DataFrame) -> np.ndarray:
    """Whether each row's ``platform`` and ``account_id`` are those of a row of ``chosen``
    (few rows: the ids are screened first, the pairs checked among those found)."""
    found = accounts["account_id"].isin(chosen["account_id"]).to_numpy().copy()
    pairs = set(zip(chosen["platform"], chosen["account_id"], strict=True))
    rows = np.flatnonzero(found)
    platforms, ids = (accounts[key].to_numpy()[rows] for key in ("platform", "account_id"))
    found[rows] = [pair in pairs for pair in zip(platforms, ids, strict=True)]
    return found
