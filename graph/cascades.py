"""Cascade trees: who adopted a resource from whom, and how the trees are shaped.

Platforms often point every reshare at the original post, so the raw cascade is a star.
:func:`reconstruct` keeps the parents the platform states (quotes, replies, reposts of a
non-original post) and infers the others from follow edges and adoption times with a named
rule; every edge says how it was obtained. :func:`cascade_metrics` measures the trees and
:func:`journey` says on which platforms a resource was seen, in which order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from graph.frames import query_frames
from graph.store import queries as q
from graph.virality import subtree_sizes, tree_depths

__all__ = ["RULES", "cascade_metrics", "journey", "reconstruct", "tree_parents"]

#: Parent-inference rules: the followee who adopted most recently before, or first.
RULES = ("most_recent", "first")
_HOUR = pd.Timedelta(hours=1)


def reconstruct(
    adoptions: pd.DataFrame, follows: pd.DataFrame, rule: str = "most_recent"
) -> pd.DataFrame:
    """Return the cascade trees: one row per adopting account and cascade, with its parent.

    Within a cascade an account counts once, at its first adoption. The root is the
    cascade's earliest adopter. Every other adopter gets, in this order:

    1. its observed parent, when the platform states one and that account adopted in the
       same cascade (method ``observed``);
    2. else, among the accounts it follows that adopted in the cascade strictly before it,
       the one that adopted most recently (``rule="most_recent"``) or first
       (``rule="first"``); ties go to the smaller account id (method ``inferred:<rule>``);
    3. else the root (method ``root_fallback``), as for adopters whose time is unknown.

    Parameters
    ----------
    adoptions : DataFrame
        Columns ``cascade``, ``platform``, ``account_id``, ``adopted_at`` (datetime, may be
        NaT) and ``observed_parent`` (account id or null); other columns (``kind``,
        ``resource_id``…) are carried along.
    follows : DataFrame
        Columns ``platform``, ``follower_id``, ``followee_id``.
    rule : {"most_recent", "first"}

    Returns
    -------
    DataFrame
        The adoption columns plus ``parent_id`` (null for the root) and ``method``
        (``root``, ``observed``, ``inferred:<rule>`` or ``root_fallback``).

    Examples
    --------
    Ana posts; Bob, who follows Ana, reposts; Chloé follows both and reposts last; Dan
    follows nobody:

    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"cascade": "p1", "platform": "bluesky",
    ...     "account_id": ["ana", "bob", "chloe", "dan"],
    ...     "adopted_at": [at(0), at(1), at(3), at(2)], "observed_parent": None})
    >>> follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["bob", "chloe", "chloe"],
    ...     "followee_id": ["ana", "ana", "bob"]})
    >>> tree = reconstruct(adoptions, follows, rule="most_recent")
    >>> print(tree[["account_id", "parent_id", "method"]].to_string(index=False))
    account_id parent_id               method
           ana       NaN                 root
           bob       ana inferred:most_recent
           dan       ana        root_fallback
         chloe       bob inferred:most_recent
    >>> reconstruct(adoptions, follows, rule="first").iloc[3]["parent_id"]
    'ana'

    References
    ----------
    S. Vosoughi, D. Roy, S. Aral, "The spread of true and false news online", Science 359,
    2018 (most recent). E. Bakshy, J. M. Hofman, W. A. Mason, D. J. Watts, "Everyone's an
    influencer", WSDM 2011 (first). M. R. DeVerna et al., arXiv:2410.21554, 2024.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}: choose one of {', '.join(RULES)}")
    nodes = _first_adoptions(adoptions)
    first = nodes.groupby("cascade", sort=False).cumcount() == 0
    roots = nodes.loc[first, ["cascade", "account_id"]].rename(columns={"account_id": "root_id"})
    nodes = nodes.merge(roots, on="cascade", how="left")
    nodes["parent_id"] = pd.Series(None, index=nodes.index, dtype=object)
    nodes["method"] = "root"

    adopters = nodes[["cascade", "account_id", "adopted_at"]]
    observed = nodes[~first.to_numpy()].merge(
        adopters.rename(columns={"account_id": "observed_parent", "adopted_at": "parent_at"}),
        on=["cascade", "observed_parent"],
    )
    observed = observed[observed["observed_parent"] != observed["account_id"]]
    keys = pd.MultiIndex.from_frame(nodes[["cascade", "account_id"]])
    at = keys.get_indexer(pd.MultiIndex.from_frame(observed[["cascade", "account_id"]]))
    nodes.loc[at, "parent_id"] = observed["observed_parent"].to_numpy()
    nodes.loc[at, "method"] = "observed"

    pending = nodes[~first.to_numpy() & nodes["parent_id"].isna() & nodes["adopted_at"].notna()]
    inferred = _infer(pending, adopters, follows, rule)
    at = keys.get_indexer(pd.MultiIndex.from_frame(inferred[["cascade", "account_id"]]))
    nodes.loc[at, "parent_id"] = inferred["followee_id"].to_numpy()
    nodes.loc[at, "method"] = f"inferred:{rule}"

    fallback = ~first.to_numpy() & nodes["parent_id"].isna()
    nodes.loc[fallback, "parent_id"] = nodes.loc[fallback, "root_id"]
    nodes.loc[fallback, "method"] = "root_fallback"
    return nodes.drop(columns="root_id")


def cascade_metrics(
    tree: pd.DataFrame, sizes: Sequence[int] = (10, 100), max_depth_times: int = 10
) -> pd.DataFrame:
    """Measure cascade trees: one row per cascade.

    Parameters
    ----------
    tree : DataFrame
        As returned by :func:`reconstruct` (one or many cascades).
    sizes : sequence of int
        The sizes k for which the time to reach size k is given.
    max_depth_times : int
        The time to reach depth d is given for d = 1 … this.

    Returns
    -------
    DataFrame
        ``cascade``, ``root_id``, ``started_at``, ``size`` (adopting accounts), ``depth``
        (largest number of hops from the root), ``max_breadth`` (most accounts at one depth),
        ``structural_virality`` (NaN for size 1), ``hours_to_depth`` (list: hours from the
        root to the first adopter at depth 1, 2…), ``hours_to_size_<k>`` (hours until the
        k-th adopter; NaN if never reached), ``lifetime_hours`` (first to last adoption),
        ``half_life_hours`` (until half of the adopters with a known time had adopted) and
        ``observed_share`` (share of edges the platform stated). Times ignore adopters whose
        time is unknown.

    Raises
    ------
    ValueError
        If a cascade is not a tree (a parent outside it, or a cycle).

    Examples
    --------
    The tree of :func:`reconstruct`'s example: ana → bob → chloé, ana → dan.

    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> tree = pd.DataFrame({"cascade": "p1", "account_id": ["ana", "bob", "dan", "chloe"],
    ...     "parent_id": [None, "ana", "ana", "bob"], "adopted_at": [at(0), at(1), at(2), at(3)],
    ...     "method": ["root", "inferred:first", "root_fallback", "observed"]})
    >>> metrics = cascade_metrics(tree, sizes=[3])
    >>> print(metrics[["size", "depth", "max_breadth", "structural_virality"]].to_string())
       size  depth  max_breadth  structural_virality
    0     4      2            2             1.666667
    >>> print(metrics[["hours_to_depth", "hours_to_size_3", "half_life_hours"]].to_string())
      hours_to_depth  hours_to_size_3  half_life_hours
    0     [1.0, 3.0]              2.0              1.0

    References
    ----------
    S. Goel, A. Anderson, J. Hofman, D. J. Watts, Management Science 62(1), 2016,
    doi:10.1287/mnsc.2015.2158 (size, depth, breadth, structural virality). S. Vosoughi,
    D. Roy, S. Aral, Science 359, 2018, doi:10.1126/science.aap9559 (time to depth, to size).
    """
    tree = tree.reset_index(drop=True)
    if tree.empty:
        return pd.DataFrame(columns=_metric_columns(sizes))
    parent = tree_parents(tree)
    is_root = parent < 0
    depth = tree_depths(parent)
    frame = tree.assign(depth=depth)
    order = np.argsort(depth, kind="stable")
    frame["subtree"] = subtree_sizes(order, parent)

    groups = frame.groupby("cascade", sort=False)
    result = groups.agg(size=("account_id", "size"), depth=("depth", "max"))
    roots = frame[is_root].set_index("cascade")
    result["root_id"] = roots["account_id"]
    result["started_at"] = roots["adopted_at"]
    n = frame["cascade"].map(result["size"]).to_numpy()
    pairs = np.where(is_root, 0, frame["subtree"].to_numpy() * (n - frame["subtree"].to_numpy()))
    wiener = pd.Series(pairs, index=frame.index).groupby(frame["cascade"], sort=False).sum()
    size = result["size"].to_numpy(dtype="float64")
    pairs_of_nodes = np.where(size > 1, size * (size - 1) / 2, np.nan)  # C(n, 2); ν undefined at 1
    result["structural_virality"] = wiener.reindex(result.index).to_numpy() / pairs_of_nodes
    per_depth = frame.groupby(["cascade", "depth"], sort=False).size()
    result["max_breadth"] = per_depth.groupby(level="cascade", sort=False).max()
    result = result.join(_times(frame, result["started_at"], sizes, max_depth_times))
    edges = frame[~is_root]
    result["observed_share"] = (
        (edges["method"] == "observed").groupby(edges["cascade"], sort=False).mean()
    )
    return result.reset_index()[_metric_columns(sizes)]


def tree_parents(tree: pd.DataFrame) -> np.ndarray:
    """Return the row position of each row's parent in its cascade, -1 for roots.

    ``tree`` has ``cascade``, ``account_id`` and ``parent_id`` (null for roots) and a default
    index. Raises ``ValueError`` when a parent did not adopt in the cascade.

    >>> tree = pd.DataFrame({"cascade": ["c1", "c1", "c1"], "account_id": ["a", "b", "c"],
    ...     "parent_id": [None, "a", "b"]})
    >>> tree_parents(tree).tolist()
    [-1, 0, 1]
    """
    keys = pd.MultiIndex.from_frame(tree[["cascade", "account_id"]])
    parent = keys.get_indexer(pd.MultiIndex.from_arrays([tree["cascade"], tree["parent_id"]]))
    is_root = tree["parent_id"].isna().to_numpy()
    if ((parent < 0) & ~is_root).any():
        bad = tree.loc[(parent < 0) & ~is_root, "cascade"].iloc[0]
        raise ValueError(f"cascade {bad!r} is not a tree: a parent did not adopt in it")
    parent[is_root] = -1
    return parent


def journey(adoptions: pd.DataFrame) -> pd.DataFrame:
    """Return where each resource was seen, platform by platform, in order of arrival.

    Columns: ``resource_id``, ``step`` (1 for the platform where it was first seen),
    ``platform``, ``first_seen_at``, ``hours_after_first`` (since the resource's first
    adoption anywhere), ``previous_platform``, ``adopters`` (distinct accounts) and
    ``cascades``.

    Examples
    --------
    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"resource_id": "r1",
    ...     "platform": ["mastodon", "bluesky", "bluesky", "mastodon"],
    ...     "cascade": ["m1", "b1", "b1", "m2"], "account_id": ["x", "y", "z", "x"],
    ...     "adopted_at": [at(5), at(2), at(3), at(9)]})
    >>> journey(adoptions)[["step", "platform", "hours_after_first", "previous_platform"]]
       step  platform  hours_after_first previous_platform
    0     1   bluesky                0.0              None
    1     2  mastodon                3.0           bluesky
    """
    seen = adoptions.dropna(subset=["adopted_at"])
    table = (
        seen.groupby(["resource_id", "platform"])
        .agg(
            first_seen_at=("adopted_at", "min"),
            adopters=("account_id", "nunique"),
            cascades=("cascade", "nunique"),
        )
        .reset_index()
        .sort_values(["resource_id", "first_seen_at", "platform"], ignore_index=True)
    )
    by_resource = table.groupby("resource_id", sort=False)
    table["step"] = by_resource.cumcount() + 1
    first = by_resource["first_seen_at"].transform("min")
    table["hours_after_first"] = (table["first_seen_at"] - first) / _HOUR
    previous = by_resource["platform"].shift(1)
    table["previous_platform"] = previous.astype(object).where(previous.notna(), None)
    columns = ["resource_id", "step", "platform", "first_seen_at", "hours_after_first"]
    return table[[*columns, "previous_platform", "adopters", "cascades"]]


def _first_adoptions(adoptions: pd.DataFrame) -> pd.DataFrame:
    """One row per (cascade, account): its first adoption; cascades kept in their order."""
    ordered = adoptions.reset_index(drop=True)
    ordered = ordered.assign(_position=np.arange(len(ordered)))
    ordered = ordered.sort_values(
        ["cascade", "adopted_at", "_position"], na_position="last", kind="stable"
    )
    ordered = ordered.drop_duplicates(["cascade", "account_id"])
    return ordered.drop(columns="_position").reset_index(drop=True)


def _infer(
    pending: pd.DataFrame, adopters: pd.DataFrame, follows: pd.DataFrame, rule: str
) -> pd.DataFrame:
    """For each pending adopter, the followee the rule picks among earlier adopters."""
    return query_frames(
        q.INFER_PARENTS[rule],
        pending=pending[["cascade", "platform", "account_id", "adopted_at"]],
        adopters=adopters[["cascade", "account_id", "adopted_at"]],
        follows=follows[["platform", "follower_id", "followee_id"]],
    )


def _metric_columns(sizes: Sequence[int]) -> list[str]:
    return [
        "cascade", "root_id", "started_at", "size", "depth", "max_breadth",
        "structural_virality", "hours_to_depth", *(f"hours_to_size_{k}" for k in sizes),
        "lifetime_hours", "half_life_hours", "observed_share",
    ]  # fmt: skip


def _lists_by_first_level(series: pd.Series) -> dict:
    """``{key: [values…]}`` of a series sorted by a two-level index, without a Python groupby."""
    keys = series.index.get_level_values(0).to_numpy()
    if not len(keys):
        return {}
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    chunks = np.split(series.to_numpy(), starts[1:])
    return dict(zip(keys[starts], (chunk.tolist() for chunk in chunks), strict=True))


def _times(
    frame: pd.DataFrame, started: pd.Series, sizes: Sequence[int], max_depth_times: int
) -> pd.DataFrame:
    """Speed and duration columns of each cascade, in hours from its root's adoption."""
    timed = frame.dropna(subset=["adopted_at"])
    hours = (timed["adopted_at"] - timed["cascade"].map(started)) / _HOUR
    timed = timed.assign(hours=hours.to_numpy())
    by_cascade = timed.groupby("cascade", sort=False)
    table = pd.DataFrame(index=started.index)
    to_depth = (
        timed[(timed["depth"] > 0) & (timed["depth"] <= max_depth_times)]
        .groupby(["cascade", "depth"])["hours"]
        .min()
    )
    table["hours_to_depth"] = table.index.map(_lists_by_first_level(to_depth)).map(
        lambda found: found if isinstance(found, list) else []
    )
    ranked = timed.sort_values(["cascade", "hours"], kind="stable")
    rank = ranked.groupby("cascade", sort=False).cumcount() + 1
    for k in sizes:
        reached = ranked[rank == k].set_index("cascade")["hours"]
        table[f"hours_to_size_{k}"] = reached.reindex(table.index)
    table["lifetime_hours"] = by_cascade["hours"].max() - by_cascade["hours"].min()
    known = by_cascade.size()
    half = ranked[rank.to_numpy() == np.ceil(ranked["cascade"].map(known) / 2).to_numpy()]
    table["half_life_hours"] = half.set_index("cascade")["hours"].reindex(table.index)
    return table
