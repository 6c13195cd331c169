"""Cascade metrics with uncertainty, from trees sampled over the candidate parents.

A reconstructed cascade tree is one guess: an adopter's parent is often one of several
accounts it follows that adopted before it. When each adopter comes with candidate parents
and their posterior probabilities, :func:`metric_intervals` draws whole trees from them and
says how much depth, breadth, structural virality, the time to each depth and the adopters
that came through each account move across the draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import csr_array

from collectors.speech import _
from graph.cascades import cascade_blocks, tree_parents
from graph.virality import forest_metrics

__all__ = ["DEPTH_TIMES", "METRICS", "Intervals", "metric_intervals"]

#: The metrics given with an interval, each as ``<metric>_mean``, ``_low`` and ``_high``.
METRICS = ("depth", "max_breadth", "structural_virality")
#: Lists with one entry per depth 1, 2 …: hours to reach it (mean and interval over the
#: drawn trees that reach it with an adopter of known time) and the probability it is reached.
DEPTH_TIMES = ("hours_to_depth_mean", "hours_to_depth_low", "hours_to_depth_high",
               "depth_probability")  # fmt: skip
_STATS = ("mean", "low", "high")
_DOWNSTREAM = [f"downstream_{stat}" for stat in _STATS]
_CANDIDATE_COLUMNS = ["cascade", "account_id", "candidate_id", "probability"]
#: Nodes (adopters × draws) measured at once: bounds the memory of a batch of draws.
_BATCH_NODES = 2_000_000
#: Probabilities of one adopter must sum to 1 within this.
_TOLERANCE = 1e-6
_HOUR = pd.Timedelta(hours=1)


class Intervals(NamedTuple):
    """What :func:`metric_intervals` returns: one frame of cascades, one per grouping."""

    cascades: pd.DataFrame
    downstream: list[pd.DataFrame]


def metric_intervals(
    tree: pd.DataFrame,
    candidates: pd.DataFrame,
    draws: int = 200,
    seed: int = 0,
    level: float = 0.9,
    by: Sequence[Sequence[str]] = (),
    max_depth_times: int = 10,
) -> Intervals:
    """Return cascade metrics and amplification with their intervals over drawn trees.

    Model: each non-root adopter's parent is drawn from its candidates with their
    probabilities, independently of the other adopters and of the other draws; the root, the
    set of adopters and their times are fixed. Each draw is a tree, measured as
    :func:`graph.cascades.cascade_metrics` and :func:`graph.roles.cascade_roles` measure
    one. A cascade where no adopter has two candidates of positive probability is not
    sampled: its mean, low and high are the tree's own values. Draws are vectorised over
    adopters and draws (no loop per node).

    Parameters
    ----------
    tree : DataFrame
        As :func:`graph.cascades.reconstruct` returns it: one row per adopter and cascade,
        with ``cascade``, ``account_id``, ``parent_id`` (null for the root, else the most
        probable candidate), ``adopted_at`` (may be NaT) and the columns of ``by``; other
        columns are ignored.
    candidates : DataFrame
        ``cascade``, ``account_id``, ``candidate_id``, ``probability``: one row per
        non-root adopter and candidate parent, an adopter of the same cascade. The
        probabilities of an adopter sum to 1. An adopter without rows keeps the parent of
        ``tree``; an adopter with one candidate of positive probability must have it as
        its parent in ``tree``.
    draws : int
        Trees drawn per uncertain cascade.
    seed : int
        Seed of the :class:`numpy.random.Generator`: the same seed gives the same result.
    level : float
        Probability mass between ``low`` and ``high``: the (1 − level)/2 and (1 + level)/2
        quantiles over the draws (numpy's default, linear interpolation).
    by : sequence of column lists
        Groupings of the non-root adopters (such as ``["platform", "account_id"]``) for
        which the amplification ``downstream`` is summed, as in
        :func:`graph.roles.cascade_roles`.
    max_depth_times : int
        The time to reach depth d is given for d = 1 … this.

    Returns
    -------
    Intervals
        ``cascades``: one row per cascade, in their order of appearance in ``tree``:
        ``cascade``, ``size`` (adopters), ``sampled`` (whether its trees were drawn), then
        ``<metric>_mean``, ``<metric>_low`` and ``<metric>_high`` for ``depth`` (most hops
        from the root), ``max_breadth`` (most adopters at one depth) and
        ``structural_virality`` (mean distance between two adopters in the undirected
        tree; NaN for size 1), then the lists of :data:`DEPTH_TIMES`, entry d − 1 for
        depth d up to the deepest drawn: ``depth_probability`` (share of the draws whose
        tree reaches depth d) and the mean and interval of the hours from the root's
        adoption to the first adopter at depth d, over the draws where an adopter of known
        time is at depth d (NaN when there is none). ``downstream``: per grouping of
        ``by``, one row per group of non-root adopters: its columns, then
        ``downstream_mean``, ``_low`` and ``_high`` of the adopters below its adopters,
        summed over its cascades in each draw.

    Raises
    ------
    ValueError
        If a candidate row names an adopter or candidate absent from the cascade, a root,
        a negative or missing probability, probabilities not summing to 1, a single
        candidate that is not the tree's parent, or if a drawn tree has a cycle.

    Examples
    --------
    Ana posts at 0 h; Bob and Chloé reshare from her at 1 h and 2 h; Dan reshared from Ana
    or from Bob, with probability 1/2 each, at 3 h. Dan under Ana makes a star of 4 (depth
    1, 3 at depth 1, ν = 1.5: 3 pairs at distance 1 and 3 at distance 2, over 6 pairs);
    Dan under Bob makes the path Chloé–Ana–Bob–Dan (depth 2, 2 at depth 1, ν = (4 + 1)/3),
    reaching depth 2 at 3 h, with Dan below Bob.

    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> tree = pd.DataFrame({"cascade": "p1", "account_id": ["ana", "bob", "chloe", "dan"],
    ...     "parent_id": [None, "ana", "ana", "ana"], "adopted_at": [at(h) for h in range(4)]})
    >>> candidates = pd.DataFrame({"cascade": "p1",
    ...     "account_id": ["bob", "chloe", "dan", "dan"],
    ...     "candidate_id": ["ana", "ana", "ana", "bob"], "probability": [1, 1, 0.5, 0.5]})
    >>> result = metric_intervals(tree, candidates, draws=200, by=[["account_id"]])
    >>> print(result.cascades[["depth_low", "depth_high", "max_breadth_low",
    ...     "max_breadth_high", "structural_virality_low", "structural_virality_high"]
    ...     ].round(4).T.to_string())
                                  0
    depth_low                1.0000
    depth_high               2.0000
    max_breadth_low          2.0000
    max_breadth_high         3.0000
    structural_virality_low  1.5000
    structural_virality_high 1.6667
    >>> bool(abs(result.cascades["depth_mean"].iloc[0] - 1.5) < 0.15)  # std. error 0.035
    True
    >>> result.cascades.loc[0, ["hours_to_depth_low", "hours_to_depth_high"]].tolist()
    [[1.0, 3.0], [1.0, 3.0]]
    >>> downstream = result.downstream[0].set_index("account_id")
    >>> downstream.loc["bob", ["downstream_low", "downstream_high"]].tolist()
    [0.0, 1.0]

    References
    ----------
    S. Goel, A. Anderson, J. Hofman, D. J. Watts, "The Structural Virality of Online
    Diffusion", Management Science 62(1), 2016, doi:10.1287/mnsc.2015.2158 (depth, breadth,
    structural virality). S. Vosoughi, D. Roy, S. Aral, Science 359, 2018 (time to depth).
    M. R. DeVerna et al., arXiv:2410.21554, 2024 (cascade metrics depend on the diffusion
    assumptions used to rebuild the trees).
    """
    if draws < 1:
        raise ValueError(_("draws must be at least 1, not {draws}").format(draws=draws))
    if not 0 < level < 1:
        raise ValueError(
            _("level must lie strictly between 0 and 1, not {level}").format(level=level)
        )
    by = [list(columns) for columns in by]
    if tree.empty:
        empty = [pd.DataFrame(columns=[*columns, *_DOWNSTREAM]) for columns in by]
        return Intervals(pd.DataFrame(columns=_columns()), empty)
    keys = list(dict.fromkeys(column for columns in by for column in columns))
    used = list(dict.fromkeys(["cascade", "account_id", "parent_id", "adopted_at", *keys]))
    nodes, codes, labels, starts = cascade_blocks(tree[used])
    parent = tree_parents(nodes)
    sizes = np.diff(np.r_[starts, len(nodes)])
    depth, subtree, *own = forest_metrics(parent, starts)
    rank, by_rank = _time_ranks(_hours(nodes["adopted_at"], starts, sizes))
    missing = len(by_rank) - 1
    result = pd.DataFrame({"cascade": labels, "size": sizes, "sampled": False})
    for name, value in zip(METRICS, own, strict=True):
        for stat in _STATS:
            result[f"{name}_{stat}"] = value.astype("float64")
    slots = _Slots(sizes, max_depth_times)
    earliest = _earliest(depth[None], rank, slots.first[codes], slots.total, max_depth_times,
                         missing)  # fmt: skip
    times = {stat: by_rank[earliest[0]] for stat in _STATS}
    reach = np.where(slots.depth <= own[0][slots.cascade], 1.0, 0.0)
    below = np.where(parent >= 0, subtree - 1, 0)
    joined = np.flatnonzero(parent >= 0)
    factorized = {key: pd.factorize(nodes.loc[joined, key], use_na_sentinel=False)
                  for key in keys}  # fmt: skip
    groups = [_Groups(nodes, joined, columns, factorized, below) for columns in by]

    choices = _choices(nodes, parent, candidates)
    if choices is not None:
        uncertain = np.unique(codes[choices.adopter])
        # the non-root adopters of uncertain cascades that have a child in some draw
        parents = np.zeros(len(parent), dtype=bool)
        parents[parent[parent >= 0]] = parents[choices.candidate] = True
        watched = np.flatnonzero(parents & (parent >= 0) & np.isin(codes, uncertain))
        metrics, drawn_times, drawn_below = _sample(
            parent, codes, starts, sizes, uncertain, choices, draws, seed,
            (rank, missing), slots, max_depth_times, watched,
        )  # fmt: skip
        quantiles = [(1 - level) / 2, (1 + level) / 2]
        result.loc[uncertain, "sampled"] = True
        for name, values in zip(METRICS, metrics, strict=True):
            low, high = np.quantile(values, quantiles, axis=0)
            result.loc[uncertain, f"{name}_mean"] = values.mean(axis=0)
            result.loc[uncertain, f"{name}_low"] = low
            result.loc[uncertain, f"{name}_high"] = high
        at = slots.of(uncertain)
        times = {stat: values.copy() for stat, values in times.items()}
        for stat, values in zip(_STATS, _hour_stats(drawn_times, by_rank, quantiles), strict=True):
            times[stat][at] = values
        reach[at] = (metrics[0][:, np.searchsorted(uncertain, slots.cascade[at])]
                     >= slots.depth[at]).mean(axis=0)  # fmt: skip
        for group in groups:
            group.add_draws(watched, drawn_below, quantiles)

    for name, values in zip(DEPTH_TIMES, [*times.values(), reach], strict=True):
        result[name] = slots.lists(values, reach > 0)  # reach falls with depth: a prefix
    return Intervals(result, [group.frame() for group in groups])


class _Choices:
    """The adopters to draw a parent for, and their candidates, as row positions.

    ``adopter`` (sorted) holds one position per drawn adopter, ``first``/``last`` the range
    of its rows in ``candidate`` and ``cumulative`` (the adopter's rank plus the running sum
    of its probabilities, which ends at rank + 1).
    """

    def __init__(self, adopter, first, last, candidate, cumulative):
        self.adopter, self.first, self.last = adopter, first, last
        self.candidate, self.cumulative = candidate, cumulative


def _choices(nodes: pd.DataFrame, parent: np.ndarray, candidates: pd.DataFrame):
    """Check ``candidates`` against the tree; None when no adopter has two candidates."""
    missing = set(_CANDIDATE_COLUMNS) - set(candidates.columns)
    if missing:
        raise ValueError(
            _("candidates lack the columns {columns}").format(columns=", ".join(sorted(missing)))
        )
    rows = candidates[_CANDIDATE_COLUMNS].reset_index(drop=True)
    if rows.empty:
        return None
    keys = pd.MultiIndex.from_frame(nodes[["cascade", "account_id"]])
    adopter = keys.get_indexer(pd.MultiIndex.from_arrays([rows["cascade"], rows["account_id"]]))
    candidate = keys.get_indexer(pd.MultiIndex.from_arrays([rows["cascade"], rows["candidate_id"]]))
    probability = rows["probability"].to_numpy(dtype="float64")
    if (adopter < 0).any():
        where = tuple(rows.loc[adopter < 0, ["cascade", "account_id"]].iloc[0])
        raise ValueError(
            _("a candidate row names an adopter absent from its cascade: {where}").format(
                where=where
            )
        )
    if (candidate < 0).any():
        where = tuple(rows.loc[candidate < 0, _CANDIDATE_COLUMNS[:3]].iloc[0])
        raise ValueError(
            _("a candidate parent did not adopt in the cascade: {where}").format(where=where)
        )
    if (parent[adopter] < 0).any():
        raise ValueError(_("a cascade's root has candidate parents"))
    if not (probability >= 0).all():  # also catches NaN
        raise ValueError(_("candidate probabilities must be numbers ≥ 0"))
    total = np.bincount(adopter, weights=probability, minlength=len(parent))
    if (np.abs(total[adopter] - 1) > _TOLERANCE).any():
        raise ValueError(_("the candidate probabilities of an adopter must sum to 1"))

    positive = probability > 0
    count = np.bincount(adopter[positive], minlength=len(parent))
    single = positive & (count[adopter] == 1)
    if (candidate[single] != parent[adopter[single]]).any():
        raise ValueError(_("an adopter's only candidate is not its parent in the tree"))
    drawn = positive & (count[adopter] > 1)
    if not drawn.any():
        return None
    order = np.flatnonzero(drawn)[np.argsort(adopter[drawn], kind="stable")]
    adopter, candidate = adopter[order], candidate[order]
    probability = probability[order] / total[adopter]
    first = np.flatnonzero(np.r_[True, adopter[1:] != adopter[:-1]])
    last = np.r_[first[1:], len(adopter)] - 1
    rank = np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(adopter)]))
    running = np.cumsum(probability)
    within = running - np.repeat(np.r_[0.0, running[last[:-1]]], last - first + 1)
    within[last] = 1.0  # exactly: rank + 1 is the next adopter's floor
    return _Choices(adopter[first], first, last, candidate, rank + within)


def _sample(parent, codes, starts, sizes, uncertain, choices, draws, seed, ranks, slots,
            max_depth_times, watched):  # fmt: skip
    """Measure ``draws`` trees of each uncertain cascade.

    Returns the three metrics as (draws, cascades) arrays, the earliest rank in time (of
    ``ranks``: each row's and the one of unknown times) at each depth of :meth:`_Slots.of`
    the cascades as a (draws, slots) array and the adopters below each ``watched`` row as a
    (rows, draws) array.
    """
    # The uncertain cascades' rows, renumbered 0 … n-1, one block per cascade.
    chosen = np.zeros(len(starts), dtype=bool)
    chosen[uncertain] = True
    rows = np.flatnonzero(chosen[codes])
    local = np.full(len(parent), -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    base = parent[rows]
    base = np.where(base >= 0, local[np.maximum(base, 0)], -1)
    block_starts = np.r_[0, np.cumsum(sizes[uncertain])[:-1]]
    who, options = local[choices.adopter], local[choices.candidate]
    n, picked = len(rows), len(who)
    at = slots.of(uncertain)
    # each row's slot of depth 1 among the uncertain cascades' slots
    first = np.cumsum(slots.levels[uncertain]) - slots.levels[uncertain]
    first = first[np.repeat(np.arange(len(uncertain)), sizes[uncertain])]
    seen = local[watched]

    rng = np.random.default_rng(seed)
    batch = max(1, _BATCH_NODES // n)
    out = [np.empty((draws, len(uncertain))) for _ in METRICS]
    times = np.empty((draws, len(at)), dtype=np.int32)
    below = np.empty((len(seen), draws), dtype=np.int32)
    for begin in range(0, draws, batch):
        b = min(batch, draws - begin)
        offset = (np.arange(b) * n)[:, None]
        forest = np.where(base >= 0, base + offset, -1)
        target = np.arange(picked) + rng.random((b, picked))
        row = np.searchsorted(choices.cumulative, target, side="right")
        row = np.clip(row, choices.first, choices.last)  # guards against rounding at rank + 1
        forest[:, who] = options[row] + offset
        depth, subtree, *metrics = forest_metrics(forest.ravel(), (block_starts + offset).ravel())
        for array, values in zip(out, metrics, strict=True):
            array[begin : begin + b] = values.reshape(b, len(uncertain))
        depth = depth.reshape(b, n)
        times[begin : begin + b] = _earliest(
            depth, ranks[0][rows], first, len(at), max_depth_times, ranks[1]
        )
        below[:, begin : begin + b] = subtree.reshape(b, n)[:, seen].T - 1
    return out, times, below


def _hours(adopted_at: pd.Series, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Hours from each cascade's root (its first row) to each row's adoption; NaN if unknown."""
    times = pd.Series(adopted_at.array)
    since = times - times.array.take(np.repeat(starts, sizes))
    return (since / _HOUR).to_numpy(dtype="float64", na_value=np.nan)


def _time_ranks(hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rank in time (int32, exact), the unknown times all last with one rank; and
    the hours of each rank, NaN for that last one.

    >>> rank, by_rank = _time_ranks(np.array([2.5, np.nan, 0.0, 1.0, np.nan]))
    >>> rank.tolist(), by_rank.tolist()
    ([2, 3, 0, 1, 3], [0.0, 1.0, 2.5, nan])
    """
    known = int((~np.isnan(hours)).sum())
    order = np.argsort(hours, kind="stable")[:known]  # NaN sort last
    rank = np.full(len(hours), known, dtype=np.int32)
    rank[order] = np.arange(known)
    return rank, np.r_[hours[order], np.nan]


def _earliest(depth, rank, first, slots, max_depth_times, missing):
    """The smallest ``rank`` in time of the rows at each depth 1 … ``max_depth_times``.

    ``depth`` is (draws, rows), ``rank`` the rank of each row's time (``missing``, the
    largest, when unknown), ``first`` the slot of depth 1 of each row's tree among
    ``slots``; returns (draws, slots), ``missing`` where no row of known time has that depth.
    """
    draw, row = np.nonzero((depth >= 1) & (depth <= max_depth_times))
    earliest = np.full(len(depth) * slots, missing, dtype=np.int32)
    np.minimum.at(earliest, draw * slots + first[row] + depth[draw, row] - 1, rank[row])
    return earliest.reshape(len(depth), slots)


def _hour_stats(ranks: np.ndarray, by_rank: np.ndarray, quantiles: list[float]):
    """:func:`_nan_stats` of the hours ``by_rank`` of each column of ``ranks``, by blocks of
    columns (the hours of all the draws would take twice the memory of their ranks)."""
    stats = [np.empty(ranks.shape[1]) for _ in range(1 + len(quantiles))]
    step = max(1, _BATCH_NODES // max(len(ranks), 1))
    for begin in range(0, ranks.shape[1], step):
        block = _nan_stats(by_rank[ranks[:, begin : begin + step]], quantiles)
        for array, values in zip(stats, block, strict=True):
            array[begin : begin + step] = values
    return stats


def _nan_stats(values: np.ndarray, quantiles: list[float]) -> list[np.ndarray]:
    """Mean and quantiles of each column of ``values``, ignoring NaN (NaN if all are).

    Quantiles are interpolated linearly, as :func:`numpy.nanquantile` does by default, but
    on the whole array at once.
    """
    ordered = np.sort(values, axis=0).astype("float64")  # NaN last
    count = (~np.isnan(ordered)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = [np.nansum(ordered, axis=0) / count]
    columns = np.arange(ordered.shape[1])
    for q in quantiles:
        position = q * np.maximum(count - 1, 0)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        value = ordered[low, columns] + (position - low) * (
            ordered[high, columns] - ordered[low, columns]
        )
        stats.append(np.where(count > 0, value, np.nan))
    return stats


class _Slots:
    """One slot per cascade and depth 1 … min(size − 1, max_depth_times), cascade by cascade.

    ``levels`` holds each cascade's number of slots, ``first`` its first slot; ``cascade``
    and ``depth`` the cascade and depth of each slot.
    """

    def __init__(self, sizes: np.ndarray, max_depth_times: int):
        self.levels = np.minimum(sizes - 1, max_depth_times)
        self.first = np.cumsum(self.levels) - self.levels
        self.total = int(self.levels.sum())
        self.cascade = np.repeat(np.arange(len(sizes)), self.levels)
        self.depth = np.arange(self.total) - self.first[self.cascade] + 1

    def of(self, cascades: np.ndarray) -> np.ndarray:
        """The slots of ``cascades`` (increasing), in order."""
        levels = self.levels[cascades]
        start = np.repeat(self.first[cascades] - (np.cumsum(levels) - levels), levels)
        return start + np.arange(len(start))

    def lists(self, values: np.ndarray, kept: np.ndarray) -> pd.arrays.ArrowExtensionArray:
        """Each cascade's ``values`` at its ``kept`` slots, as a list (NaN as null)."""
        counts = np.bincount(self.cascade[kept], minlength=len(self.levels))
        offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32))
        lists = pa.ListArray.from_arrays(offsets, pa.array(values[kept], from_pandas=True))
        return pd.arrays.ArrowExtensionArray(lists)


class _Groups:
    """The adopters below the non-root rows ``joined`` of each group of ``columns``.

    ``factorized`` holds the codes and values of each column over ``joined``; ``below`` the
    adopters below each row in the tree.
    """

    def __init__(self, nodes, joined, columns, factorized, below):
        key = np.zeros(len(joined), dtype=np.int64)
        for column in columns:
            code, values = factorized[column]
            key = key * len(values) + code
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        self.keys = nodes.loc[joined[first], columns].reset_index(drop=True)
        self.code = np.full(len(nodes), -1, dtype=np.int64)
        self.code[joined] = inverse
        self.below = below
        own = np.bincount(inverse, weights=below[joined], minlength=len(first))
        self.stats = [own, own.copy(), own.copy()]

    def add_draws(self, watched: np.ndarray, drawn: np.ndarray, quantiles: list[float]):
        """Replace the values of the groups of the ``watched`` rows by those of the draws."""
        groups, local = np.unique(self.code[watched], return_inverse=True)
        fixed = self.stats[0][groups] - np.bincount(local, weights=self.below[watched])
        member = csr_array((np.ones(len(local)), (local, np.arange(len(local)))))
        totals = member @ drawn + fixed[:, None]
        self.stats[0][groups] = totals.mean(axis=1)
        self.stats[1][groups], self.stats[2][groups] = np.quantile(totals, quantiles, axis=1)

    def frame(self) -> pd.DataFrame:
        table = self.keys.copy()
        for name, values in zip(_DOWNSTREAM, self.stats, strict=True):
            table[name] = values
        return table


def _columns() -> list[str]:
    stats = [f"{name}_{stat}" for name in METRICS for stat in _STATS]
    return ["cascade", "size", "sampled", *stats, *DEPTH_TIMES]
