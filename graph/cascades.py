"""Cascade trees: who adopted a resource from whom, and how the trees are shaped.

Platforms often point every reshare at the original post, so the raw cascade is a star.
:func:`reconstruct` keeps the parents the platform states (quotes, replies, reposts of a
non-original post) and infers the others from follow edges and adoption times with a named
rule; every edge says how it was obtained. :func:`cascade_metrics` measures the trees and
:func:`journey` says on which platforms a resource was seen, in which order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from collectors.speech import _
from graph.attribution import DelayKernel, exposures, fit_kernel, posteriors
from graph.frames import LAST, sorted_groups, time_order
from graph.virality import forest_metrics

__all__ = [
    "RULES",
    "Reconstruction",
    "cascade_blocks",
    "cascade_metrics",
    "journey",
    "reconstruct",
    "tree_parents",
]

#: Parent rules: the most probable candidate under the fitted delay kernel (the default), or
#: the followed candidate that showed the post most recently before, or first.
RULES = ("kernel", "most_recent", "first")
#: Kinds of adoption whose post states its parent, when no followed account reshared it.
STATED_KINDS = ("reply", "quote")
_HOUR = pd.Timedelta(hours=1)


class Reconstruction(NamedTuple):
    """Cascade trees, every adopter's candidate parents, and the kernels fitted per platform."""

    tree: pd.DataFrame
    candidates: pd.DataFrame
    kernels: dict[str, DelayKernel]


def reconstruct(
    adoptions: pd.DataFrame, follows: pd.DataFrame, rule: str = "kernel"
) -> Reconstruction:
    """Rebuild who passed each cascade on to whom.

    Within a cascade an account counts once, at its first adoption; the root is the
    cascade's earliest adopter. Every other adopter acted on a post (it reposted, quoted or
    answered it), and its candidate parents are that post's author and the accounts it
    follows that reposted the same post before it (:func:`graph.attribution.exposures`).
    Its parent and ``method`` are then, in this order:

    1. ``stated:via`` for a repost that names the repost it was made through (Bluesky's
       ``via``), when that repost's author adopted in the cascade before it: that account;
    2. ``unknown_times`` when it follows the post's author or an account that reposted it,
       but its time or theirs is unknown (Mastodon gives no time for a boost), so that
       times cannot order them; and ``no_candidate`` when it follows neither. Both are
       attached to the post's author (to the root if that is itself), with no confidence
       (the candidates of ``unknown_times`` count as equally likely for the intervals of
       :func:`graph.uncertainty.metric_intervals`);
    3. ``stated:<kind>`` for a reply or a quote (``stated:forward`` for a Telegram forward)
       that no followed account reshared before: the post's author;
    4. else ``inferred:<rule>``: the most probable candidate under the delay-kernel model
       (``kernel``), or the followed candidate that showed the post most recently before
       (``most_recent``) or first (``first``); ties go to the earlier showing, then the smaller
       account id.

    ``confidence`` is the chosen parent's posterior probability under the kernel model fitted
    on the platform's stated and inferred adopters (1 for stated edges and lone candidates;
    NaN without a candidate) and ``candidates`` the number of candidates weighed.

    Parameters
    ----------
    adoptions : DataFrame
        :func:`graph.builders.adoption_events`: ``cascade``, ``platform``, ``account_id``,
        ``adopted_at`` (may be NaT), ``kind``, ``post_id``, ``parent_post_id``,
        ``target_author`` and, optionally, ``via_actor``; other columns are carried along.
    follows : DataFrame
        ``platform``, ``follower_id``, ``followee_id``.
    rule : {"kernel", "most_recent", "first"}

    Returns
    -------
    Reconstruction
        ``tree``: the adopters with ``parent_id`` (null for the root), ``method``,
        ``confidence`` and ``candidates``; ``candidates``: ``cascade``, ``account_id``,
        ``candidate_id``, ``probability`` for every non-root adopter (one row of probability
        1 when its parent is fixed); ``kernels``: the fitted model of each platform.

    Examples
    --------
    Ana posts; Bob, who follows Ana, reposts; Chloé follows both and reposts later; Dan
    follows nobody and reposts:

    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"cascade": "p1", "platform": "bluesky",
    ...     "account_id": ["ana", "bob", "chloe", "dan"],
    ...     "adopted_at": [at(0), at(1), at(3), at(2)], "post_id": ["p1", "", "", ""],
    ...     "kind": ["original", "repost", "repost", "repost"],
    ...     "parent_post_id": [None, "p1", "p1", "p1"],
    ...     "target_author": [None, "ana", "ana", "ana"]})
    >>> follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["bob", "chloe", "chloe"],
    ...     "followee_id": ["ana", "ana", "bob"]})
    >>> tree = reconstruct(adoptions, follows, rule="most_recent").tree
    >>> print(tree[["account_id", "parent_id", "method", "candidates"]].to_string(index=False))
    account_id parent_id               method  candidates
           ana       NaN                 root           0
           bob       ana inferred:most_recent           1
           dan       ana         no_candidate           0
         chloe       bob inferred:most_recent           2
    >>> reconstruct(adoptions, follows, rule="first").tree.iloc[3]["parent_id"]
    'ana'

    References
    ----------
    See :mod:`graph.attribution` for the model. S. Vosoughi, D. Roy, S. Aral, Science 359,
    2018 (most recent). E. Bakshy, J. M. Hofman, W. A. Mason, D. J. Watts, WSDM 2011 (first).
    M. R. DeVerna et al., arXiv:2410.21554, 2024.
    """
    if rule not in RULES:
        raise ValueError(
            _("unknown rule {rule!r}: choose one of {rules}").format(
                rule=rule, rules=", ".join(RULES)
            )
        )
    coded, coded_follows, names, platforms = _encoded(adoptions, follows)
    tree, candidates, kernels = _reconstruct(coded, coded_follows, platforms, rule)
    tree = adoptions.iloc[tree["row"].to_numpy()].reset_index(drop=True).assign(
        parent_id=_decoded(tree["parent_id"], names), method=tree["method"].to_numpy(),
        confidence=tree["confidence"].to_numpy(), candidates=tree["candidates"].to_numpy(),
    )  # fmt: skip
    rows = candidates["node"].to_numpy()
    candidates = pd.DataFrame(
        {"cascade": tree["cascade"].array.take(rows),
         "account_id": tree["account_id"].array.take(rows),
         "candidate_id": _decoded(candidates["candidate_id"], names),
         "probability": candidates["probability"].array},
    )  # fmt: skip
    return Reconstruction(tree, candidates, {platforms[k]: v for k, v in kernels.items()})


def _encoded(adoptions: pd.DataFrame, follows: pd.DataFrame):
    """The columns reconstruction joins and sorts on, as integer codes (joins and sorts on
    millions of strings are several times slower): accounts and platforms as positions in
    their sorted names (so that ties broken by code are broken by name), cascades in sorted
    order, post ids with '' as null; ``row`` is the adoption's position. Follow edges between
    accounts that never adopted are left out. Returns the coded adoptions and follows, the
    account names and the platform names."""
    accounts = [
        adoptions[c] for c in ("account_id", "target_author", "via_actor") if c in adoptions
    ]
    names = pd.Index(pd.concat(accounts, ignore_index=True).dropna().unique()).sort_values()
    platforms = pd.Index(adoptions["platform"].unique()).sort_values()
    posts, known = pd.factorize(pd.concat([adoptions["post_id"], adoptions["parent_post_id"]]))
    posts[np.isin(posts, np.flatnonzero(known == ""))] = -1
    size = len(adoptions)
    coded = pd.DataFrame(
        {"row": np.arange(size), "cascade": pd.factorize(adoptions["cascade"], sort=True)[0],
         "platform": _codes(adoptions["platform"], platforms),
         "account_id": _codes(adoptions["account_id"], names),
         "adopted_at": adoptions["adopted_at"].array, "kind": adoptions["kind"].array,
         "post_id": _nullable(posts[:size]), "parent_post_id": _nullable(posts[size:]),
         **{c: _nullable(_codes(adoptions[c], names))
            for c in ("target_author", "via_actor") if c in adoptions}},
    )  # fmt: skip
    coded_follows = pd.DataFrame(
        {"platform": _codes(follows["platform"], platforms),
         "follower_id": _codes(follows["follower_id"], names),
         "followee_id": _codes(follows["followee_id"], names)}
    )  # fmt: skip
    coded_follows = coded_follows[(coded_follows >= 0).all(axis=1)]
    return coded, coded_follows, names, platforms


def _reconstruct(
    adoptions: pd.DataFrame, follows: pd.DataFrame, platforms: pd.Index, rule: str
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, DelayKernel]]:
    """:func:`reconstruct` on coded adoptions and follows (:func:`_encoded`): the tree (``row``,
    ``parent_id``, ``method``, ``confidence``, ``candidates``), the candidates (``node``, a
    row of the tree, ``candidate_id``, ``probability``) and the kernels by platform code."""
    nodes = _first_adoptions(adoptions)
    first = (nodes.groupby("cascade", sort=False).cumcount() == 0).to_numpy()
    pending = nodes[~first]
    shown = exposures(pending, adoptions, follows)
    found = shown[shown["candidate"]]

    adopters = pd.MultiIndex.from_frame(nodes[["cascade", "account_id"]])
    via = _via_parents(pending, adopters)
    by_via = via.notna().to_numpy()
    followed_shown = shown[shown["tie"] != "author"]
    adopter_untimed = nodes["adopted_at"].isna().to_numpy()[followed_shown["node"].to_numpy()]
    unordered = followed_shown["shown_at"].isna().to_numpy() | adopter_untimed
    untimed = ~by_via & pending.index.isin(followed_shown.loc[unordered, "node"])
    reshared = pending.index.isin(found.loc[found["tie"] == "resharer", "node"])
    followed = pending.index.isin(found.loc[found["tie"] != "author", "node"])
    stated_kind = np.where(
        (pending["kind"] == "repost")
        & (platforms.to_numpy()[pending["platform"].to_numpy()] == "telegram"), "forward",
        np.where(pending["kind"].isin(STATED_KINDS), pending["kind"], ""),
    )  # fmt: skip
    stated = ~by_via & ~untimed & ~reshared & (stated_kind != "")
    lost = ~by_via & ~untimed & ~stated & ~followed
    inferred = ~by_via & ~untimed & ~stated & ~lost

    kernels = _fit(shown[shown["node"].isin(pending.index[stated | inferred])], nodes["platform"])
    weighed = found[found["node"].isin(pending.index[inferred])]
    weighed = weighed.assign(probability=_posteriors(weighed, nodes["platform"], kernels))

    tree = nodes.assign(
        parent_id=pd.Series(pd.NA, index=nodes.index, dtype="Int64"), method="root",
        confidence=np.nan, candidates=0,
    )  # fmt: skip
    root = nodes["cascade"].map(nodes.loc[first].set_index("cascade")["account_id"])
    fixed = pending.index[stated | lost | untimed]
    author = pending.loc[fixed, "target_author"]
    usable = author.notna() & (author != pending.loc[fixed, "account_id"])
    tree.loc[fixed, "parent_id"] = author.where(usable, root[fixed])
    tree.loc[pending.index[lost], "method"] = "no_candidate"
    tree.loc[pending.index[untimed], "method"] = "unknown_times"
    tree.loc[pending.index[stated], "method"] = "stated:" + stated_kind[stated]
    tree.loc[pending.index[by_via], "parent_id"] = via[by_via]
    tree.loc[pending.index[by_via], "method"] = "stated:via"
    tree.loc[pending.index[stated | by_via], ["confidence", "candidates"]] = [1.0, 1]

    chosen = _choose(weighed, rule)
    tree.loc[chosen.index, "parent_id"] = chosen["candidate_id"]
    tree.loc[chosen.index, "method"] = f"inferred:{rule}"
    tree.loc[chosen.index, "confidence"] = chosen["probability"]
    tree.loc[chosen.index, "candidates"] = weighed.groupby("node").size()

    unsure = _unordered_candidates(shown, tree, adopters, pending.index[untimed])
    tree.loc[pending.index[untimed], "candidates"] = unsure.groupby("node").size()
    fixed = tree.loc[pending.index[~inferred & ~untimed], ["parent_id"]].rename_axis("node")
    rows = pd.concat(
        [fixed.reset_index().rename(columns={"parent_id": "candidate_id"}).assign(probability=1.0),
         weighed[["node", "candidate_id", "probability"]], unsure],
        ignore_index=True,
    )  # fmt: skip
    return tree, rows, kernels


def _codes(values: pd.Series, names: pd.Index) -> np.ndarray:
    """Each value's position in ``names``, -1 when null or absent (each distinct value is
    looked up once)."""
    codes, distinct = pd.factorize(values)
    if not len(distinct):
        return np.full(len(values), -1)
    return np.where(codes >= 0, names.get_indexer(distinct)[codes], -1)


def _nullable(codes: np.ndarray) -> pd.arrays.IntegerArray:
    """Codes with -1 as null."""
    return pd.arrays.IntegerArray(codes.astype(np.int64), codes < 0)


def _decoded(codes: pd.Series, names: pd.Index):
    """The names of account codes (null for null)."""
    return names.array.take(codes.fillna(-1).to_numpy(dtype=np.int64), allow_fill=True)


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
        ``stated_share`` (share of edges the platform stated). Times ignore adopters whose
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
    ...     "method": ["root", "inferred:kernel", "no_candidate", "stated:quote"]})
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
    if tree.empty:
        return pd.DataFrame(columns=_metric_columns(sizes))
    tree, codes, labels, starts = cascade_blocks(tree)
    parent = tree_parents(tree)
    is_root = parent < 0
    depth, _, deepest, breadth, virality = forest_metrics(parent, starts)
    frame = tree.assign(depth=depth)
    result = pd.DataFrame(
        {"size": np.diff(np.r_[starts, len(tree)]), "depth": deepest, "max_breadth": breadth,
         "structural_virality": virality},
        index=pd.Index(labels, name="cascade"),
    )  # fmt: skip
    roots = frame[is_root].set_index("cascade")
    result["root_id"] = roots["account_id"]
    result["started_at"] = roots["adopted_at"]
    times = _times(codes, depth, tree["adopted_at"], result["started_at"], sizes, max_depth_times)
    result = result.join(times)
    edges = frame[~is_root]
    result["stated_share"] = (
        edges["method"].str.startswith("stated:").groupby(edges["cascade"], sort=False).mean()
    )
    return result.reset_index()[_metric_columns(sizes)]


def cascade_blocks(tree: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.Index, np.ndarray]:
    """Reorder ``tree`` so that each cascade is one block of rows, cascades in order of first
    appearance (rows kept in order within each); return it with a default index, each row's
    cascade number, the cascades and the first row of each block.

    >>> tree = pd.DataFrame({"cascade": ["c1", "c2", "c1"], "account_id": ["a", "x", "b"]})
    >>> blocks, codes, labels, starts = cascade_blocks(tree)
    >>> blocks["account_id"].tolist(), codes.tolist(), list(labels), starts.tolist()
    (['a', 'b', 'x'], [0, 0, 1], ['c1', 'c2'], [0, 2])
    """
    tree = tree.reset_index(drop=True)
    codes, labels = pd.factorize(tree["cascade"], sort=False)
    if (np.diff(codes) < 0).any():
        tree = tree.iloc[np.argsort(codes, kind="stable")].reset_index(drop=True)
        codes = np.sort(codes, kind="stable")
    return tree, codes, labels, np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def tree_parents(tree: pd.DataFrame) -> np.ndarray:
    """Return the row position of each row's parent in its cascade, -1 for roots.

    ``tree`` has ``cascade``, ``account_id`` and ``parent_id`` (null for roots) and a default
    index. Raises ``ValueError`` when a parent did not adopt in the cascade.

    >>> tree = pd.DataFrame({"cascade": ["c1", "c1", "c1"], "account_id": ["a", "b", "c"],
    ...     "parent_id": [None, "a", "b"]})
    >>> tree_parents(tree).tolist()
    [-1, 0, 1]
    """
    # (cascade, account) as one integer: faster to look up than pairs of strings
    cascade = pd.factorize(tree["cascade"])[0].astype(np.int64)
    names = pd.factorize(pd.concat([tree["account_id"], tree["parent_id"]], ignore_index=True))[0]
    width = int(names.max(initial=0)) + 2  # a null parent (-1) matches no account
    own, wanted = np.split(names.astype(np.int64), [len(tree)])
    parent = pd.Index(cascade * width + own).get_indexer(cascade * width + wanted)
    is_root = tree["parent_id"].isna().to_numpy()
    if ((parent < 0) & ~is_root).any():
        bad = tree.loc[(parent < 0) & ~is_root, "cascade"].iloc[0]
        raise ValueError(
            _("cascade {cascade!r} is not a tree: a parent did not adopt in it").format(cascade=bad)
        )
    parent[is_root] = -1
    return parent


def journey(adoptions: pd.DataFrame) -> pd.DataFrame:
    """Return where each resource was seen, platform by platform, in order of arrival.

    Columns: ``resource_id``, ``step`` (1 for the platform where it was first seen),
    ``platform``, ``first_seen_at``, ``hours_after_first`` (since the resource's first
    adoption anywhere), ``previous_platform``, ``adopters`` (distinct accounts, whether their
    time is known or not) and ``cascades``. A platform where every adoption's time is
    unknown comes last, with no step, time or previous platform: its place is unknown.

    Examples
    --------
    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"resource_id": "r1",
    ...     "platform": ["mastodon", "bluesky", "bluesky", "mastodon", "telegram"],
    ...     "cascade": ["m1", "b1", "b1", "m2", "t1"], "account_id": ["x", "y", "z", "w", "v"],
    ...     "adopted_at": [at(5), at(2), at(3), pd.NaT, pd.NaT]})
    >>> journey(adoptions)[["step", "platform", "hours_after_first", "previous_platform",
    ...                     "adopters"]]
       step  platform  hours_after_first previous_platform  adopters
    0     1   bluesky                0.0              None         2
    1     2  mastodon                3.0           bluesky         2
    2  <NA>  telegram                NaN              None         1
    """
    table = (
        adoptions.groupby(["resource_id", "platform"])
        .agg(
            first_seen_at=("adopted_at", "min"),
            adopters=("account_id", "nunique"),
            cascades=("cascade", "nunique"),
        )
        .reset_index()
        .sort_values(["resource_id", "first_seen_at", "platform"], ignore_index=True)
    )
    timed = table["first_seen_at"].notna()
    by_resource = table[timed].groupby("resource_id", sort=False)
    table["step"] = (by_resource.cumcount() + 1).reindex(table.index).astype("Int64")
    first = by_resource["first_seen_at"].transform("min").reindex(table.index)
    table["hours_after_first"] = (table["first_seen_at"] - first) / _HOUR
    previous = by_resource["platform"].shift(1).reindex(table.index)
    table["previous_platform"] = previous.astype(object).where(previous.notna(), None)
    columns = ["resource_id", "step", "platform", "first_seen_at", "hours_after_first"]
    return table[[*columns, "previous_platform", "adopters", "cascades"]]


def _first_adoptions(adoptions: pd.DataFrame) -> pd.DataFrame:
    """One row per (cascade, account) of coded adoptions (:func:`_encoded`): its first
    adoption, ties in the order of ``row``; cascades in their order. Untimed reposts come
    after the untimed repost their ``via`` names (:func:`_via_depth`), not in the order of
    the accounts' names, which pseudonyms make arbitrary."""
    ordered = adoptions.assign(via_depth=_via_depth(adoptions)).sort_values(
        ["cascade", "adopted_at", "via_depth", "row"], na_position="last"
    )
    nodes = ordered.drop_duplicates(["cascade", "account_id"]).reset_index(drop=True)
    return nodes.drop(columns="via_depth")


#: The longest chain of reposts made through reposts followed (beyond it, a chain is a loop).
_MAX_VIA_CHAIN = 50


def _via_depth(adoptions: pd.DataFrame) -> np.ndarray:
    """For each untimed repost whose ``via`` names an untimed adopter of the cascade, one more
    than that adopter's depth; 0 for the others."""
    depth = np.zeros(len(adoptions), dtype=np.int64)
    if "via_actor" not in adoptions:
        return depth
    untimed = adoptions["adopted_at"].isna().to_numpy()
    chained = untimed & adoptions["via_actor"].notna().to_numpy()
    adopters = [adoptions["cascade"][untimed], adoptions["account_id"][untimed]]
    named = pd.MultiIndex.from_arrays(
        [adoptions["cascade"][chained], adoptions["via_actor"][chained].astype("int64")]
    )
    for _step in range(_MAX_VIA_CHAIN):
        reached = pd.Series(depth[untimed], index=adopters).groupby(level=[0, 1]).min()
        through = reached.reindex(named).to_numpy(dtype=float, na_value=-1.0)
        longer = (through + 1).astype(np.int64)
        if (longer == depth[chained]).all():
            break
        depth[chained] = longer
    return depth


def _via_parents(pending: pd.DataFrame, adopters: pd.MultiIndex) -> pd.Series:
    """The account named by each pending repost's ``via``, when it adopted in the cascade
    before the adopter in the order of the tree (by time, unknown times last): clocks that
    disagree must not let two accounts be each other's parent."""
    if "via_actor" not in pending:
        return pd.Series(None, index=pending.index, dtype=object)
    earlier = _adopted_before(adopters, pending["cascade"], pending["via_actor"], pending.index)
    return pending["via_actor"].where(earlier & (pending["kind"] == "repost").to_numpy())


def _unordered_candidates(
    shown: pd.DataFrame, tree: pd.DataFrame, adopters: pd.MultiIndex, nodes: pd.Index
) -> pd.DataFrame:
    """The candidates of adopters that times cannot order, equally likely: the parent they
    were attached to and the followed accounts that reshared the post and come before them
    in the order of the tree (by time, then those of unknown time in the order collected:
    an order, so that trees drawn from these candidates have no cycle). Columns ``node``,
    ``candidate_id``, ``probability``."""
    resharers = shown[(shown["tie"] == "resharer") & shown["node"].isin(nodes)]
    cascade = tree["cascade"].to_numpy()[resharers["node"].to_numpy()]
    earlier = _adopted_before(adopters, cascade, resharers["candidate_id"], resharers["node"])
    attached = tree.loc[nodes, ["parent_id"]].rename_axis("node").reset_index()
    rows = pd.concat(
        [attached.rename(columns={"parent_id": "candidate_id"}),
         resharers.loc[earlier, ["node", "candidate_id"]]],
        ignore_index=True,
    ).drop_duplicates()  # fmt: skip
    return rows.assign(probability=1 / rows.groupby("node")["node"].transform("size"))


def _adopted_before(adopters: pd.MultiIndex, cascade, account, node) -> np.ndarray:
    """Whether ``account`` adopted in ``cascade`` at a row of the tree before ``node``
    (``adopters``: the tree's (cascade, account) keys, in its order)."""
    position = adopters.get_indexer(pd.MultiIndex.from_arrays([cascade, account]))
    return (position >= 0) & (position < np.asarray(node))


def _fit(shown: pd.DataFrame, platform: pd.Series) -> dict[str, DelayKernel]:
    """One kernel per platform, fitted on the adopters whose every time is known."""
    known = shown["horizon"].notna().groupby(shown["node"]).transform("all").to_numpy()
    shown = shown[known]
    by_platform = platform.to_numpy()[shown["node"].to_numpy()]
    columns = ["node", "tie", "hours", "horizon"]
    return {
        name: fit_kernel(*(part[column].array for column in columns))
        for name, part in shown.groupby(by_platform, sort=True)
    }


def _posteriors(
    weighed: pd.DataFrame, platform: pd.Series, kernels: dict[str, DelayKernel]
) -> np.ndarray:
    """Each candidate's posterior under its platform's kernel (shared equally when the
    platform had no adopter to fit on)."""
    probability = np.zeros(len(weighed))
    by_platform = platform.to_numpy()[weighed["node"].to_numpy()]
    for name in sorted(set(by_platform)):
        rows = np.flatnonzero(by_platform == name)
        kernel = kernels.get(name, DelayKernel(mu=np.nan, sigma=np.nan))
        part = weighed.iloc[rows]
        probability[rows] = posteriors(kernel, *(part[c].array for c in ("node", "tie", "hours")))
    return probability


def _choose(weighed: pd.DataFrame, rule: str) -> pd.DataFrame:
    """Each adopter's parent under the rule, indexed by node: ``candidate_id``, ``probability``
    (``weighed`` is sorted by node, as :func:`graph.attribution.exposures` returns it)."""
    if rule != "kernel":
        weighed = weighed[weighed["tie"] != "author"]
    shown = time_order(weighed["shown_at"])
    if rule == "kernel":  # the most probable, then the earliest showing
        keys = [-weighed["probability"].to_numpy(), shown]
    elif rule == "most_recent":  # the latest showing, unknown times last
        keys = [np.where(shown == LAST, LAST, -shown)]
    else:
        keys = [shown]
    rows = _smallest(weighed["node"].to_numpy(), [*keys, weighed["candidate_id"].to_numpy()])
    return weighed.iloc[rows].set_index("node")[["candidate_id", "probability"]]


def _smallest(group: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """The position of the row of each group (``group`` sorted) whose keys are smallest,
    compared in order (the first row of the group when all are equal); no sort needed.

    >>> _smallest(np.array([0, 0, 0, 1]), [np.array([2, 1, 1, 5]), np.array([0, 9, 3, 0])])
    array([2, 3])
    """
    rows = np.arange(len(group))
    for key in keys:
        if not len(rows):
            break
        number, starts = sorted_groups(group[rows])
        rows = rows[key[rows] == np.minimum.reduceat(key[rows], starts)[number]]
    return rows[sorted_groups(group[rows])[1]]


def _metric_columns(sizes: Sequence[int]) -> list[str]:
    return [
        "cascade", "root_id", "started_at", "size", "depth", "max_breadth",
        "structural_virality", "hours_to_depth", *(f"hours_to_size_{k}" for k in sizes),
        "lifetime_hours", "half_life_hours", "stated_share",
    ]  # fmt: skip


def _times(
    codes: np.ndarray,
    depth: np.ndarray,
    adopted_at: pd.Series,
    started: pd.Series,
    sizes: Sequence[int],
    max_depth_times: int,
) -> pd.DataFrame:
    """Speed and duration columns of each cascade, in hours from its root's adoption
    (``codes``: each row's cascade, the position of its start in ``started``)."""
    count = len(started)
    at, root = (times.to_numpy(dtype="datetime64[ns]") for times in (adopted_at, started))
    hours = (at - root[codes]) / np.timedelta64(1, "h")  # NaN when either is unknown
    known = ~np.isnan(hours)
    cascade, timed, level = codes[known], hours[known], depth[known]
    order = np.lexsort((timed, cascade))  # by cascade, then time; ties in row order
    ranked = np.r_[timed[order], np.nan]  # the last: for ranks not reached
    counts = np.bincount(cascade, minlength=count)
    first = np.cumsum(counts) - counts

    def at_rank(rank: np.ndarray) -> np.ndarray:  # the hours of the rank-th adopter (1-based)
        reached = (rank >= 1) & (rank <= counts)
        return ranked[np.where(reached, first + rank - 1, len(ranked) - 1)]

    table = pd.DataFrame(index=started.index)
    # one entry per depth reached, NaN where no adopter at that depth has a known time
    slot = (level >= 1) & (level <= max_depth_times)
    earliest = np.full(count * max_depth_times, np.nan)
    np.fmin.at(earliest, cascade[slot] * max_depth_times + level[slot] - 1, timed[slot])
    levels = np.zeros(count, dtype=np.int64)
    np.maximum.at(levels, codes, np.minimum(depth, max_depth_times))
    table["hours_to_depth"] = [
        earliest[c * max_depth_times : c * max_depth_times + levels[c]].tolist()
        for c in range(count)
    ]
    for k in sizes:
        table[f"hours_to_size_{k}"] = at_rank(np.full(count, k))
    table["lifetime_hours"] = at_rank(counts) - at_rank(np.ones(count, dtype=np.int64))
    table["half_life_hours"] = at_rank(np.ceil(counts / 2).astype(np.int64))
    return table
