"""Metric intervals speed (run on demand: python -m tests.benchmarks.bench_uncertainty).

N adopters (default 1,000,000) in cascades of geometric sizes (mean 5; each adopter's tree
parent drawn uniformly among the earlier adopters of its cascade). A share U of the
adopters (default 10 %) lies in uncertain cascades, plus one uncertain cascade of 10,000
adopters: there every adopter after the second has up to three candidates (its tree parent
with probability 0.6, two earlier adopters sharing the rest); every other adopter has one
candidate of probability 1. Times :func:`graph.uncertainty.metric_intervals` with 200 draws
(target ≤ 20 s), with the time to each depth and the adopters below each account and each
account per resource (ten cascades a resource) as ``essaim analyze`` asks for them, against
the baseline of the same run, :func:`graph.cascades.cascade_metrics` of the one tree, and
the fast path alone (no uncertain adopter).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from graph.cascades import cascade_metrics
from graph.uncertainty import metric_intervals


def forest(adopters: int, uncertain: float, seed: int = 1):
    """The tree and candidate frames described above."""
    rng = np.random.default_rng(seed)
    sizes = rng.geometric(1 / 5, adopters)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), adopters - 10_000) + 1]
    sizes[-1] -= sizes.sum() - (adopters - 10_000)
    sizes = np.r_[10_000, sizes[sizes > 0]]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    cascade = np.repeat(np.arange(len(sizes)), sizes)
    rank = np.arange(adopters) - starts[cascade]  # position within the cascade
    parent = np.where(rank > 0, starts[cascade] + (rng.random(adopters) * rank).astype(int), -1)
    is_uncertain = np.cumsum(sizes) <= uncertain * adopters + 10_000
    is_uncertain[0] = True

    names = np.char.add("u", np.arange(adopters).astype(str)).astype(object)
    labels = np.char.add("r/", np.arange(len(sizes)).astype(str)).astype(object)
    start = pd.Timestamp("2026-09-01", tz="UTC")
    tree = pd.DataFrame(
        {
            "cascade": labels[cascade],
            "resource_id": labels[cascade // 10],
            "platform": "bluesky",
            "account_id": names,
            "parent_id": np.where(parent >= 0, names[np.maximum(parent, 0)], None),
            "adopted_at": start + pd.to_timedelta(rank, unit="min"),
            "method": np.where(rank > 0, "inferred:most_recent", "root"),
        }
    )
    child = np.flatnonzero(rank > 0)
    drawn = child[is_uncertain[cascade[child]] & (rank[child] > 1)]
    others = [starts[cascade[drawn]] + (rng.random(len(drawn)) * rank[drawn]).astype(int)
              for _ in range(2)]  # fmt: skip
    rows = pd.DataFrame(
        {
            "adopter": np.r_[child, drawn, drawn],
            "candidate": np.r_[parent[child], *others],
            "weight": np.r_[
                np.where(np.isin(child, drawn), 0.6, 1.0), np.full(2 * len(drawn), 0.2)
            ],
        }
    )
    rows = rows.groupby(["adopter", "candidate"], as_index=False)["weight"].sum()
    candidates = pd.DataFrame(
        {
            "cascade": labels[cascade[rows["adopter"]]],
            "account_id": names[rows["adopter"]],
            "candidate_id": names[rows["candidate"]],
            "probability": rows["weight"].to_numpy(),
        }
    )
    in_uncertain = int(sizes[is_uncertain].sum())
    return tree, candidates, in_uncertain, len(sizes)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def main(adopters: int, uncertain: float, draws: int = 200) -> None:
    tree, candidates, in_uncertain, cascades = forest(adopters, uncertain)
    print(f"{adopters:,} adopters in {cascades:,} cascades, {in_uncertain:,} in uncertain "
          f"cascades; {len(candidates):,} candidate rows")  # fmt: skip
    baseline, _ = timed(cascade_metrics, tree)
    print(f"baseline cascade_metrics of the one tree: {baseline:.2f} s")
    fixed = candidates.iloc[:0]
    by = [["platform", "account_id"], ["resource_id", "platform", "account_id"]]
    seconds, _ = timed(metric_intervals, tree, fixed, by=by)
    print(f"metric_intervals, no uncertain adopter (fast path): {seconds:.2f} s "
          f"({seconds / baseline:.2f}× the baseline)")  # fmt: skip
    seconds, intervals = timed(metric_intervals, tree, candidates, draws=draws, seed=0, by=by)
    result = intervals.cascades
    sampled = result[result["sampled"]]
    big = result.iloc[0]
    print(
        f"metric_intervals, {draws} draws: {seconds:.2f} s (target ≤ 20 s, "
        f"{seconds / baseline:.1f}× the baseline); {len(sampled):,} cascades sampled, "
        f"{in_uncertain * draws / seconds / 1e6:.1f} M adopter-draws/s"
    )
    print(
        f"the 10,000-adopter cascade: depth {big['depth_mean']:.2f} "
        f"[{big['depth_low']:.0f}, {big['depth_high']:.0f}], "
        f"ν {big['structural_virality_mean']:.3f} "
        f"[{big['structural_virality_low']:.3f}, {big['structural_virality_high']:.3f}], "
        f"hours to depth 3 {big['hours_to_depth_mean'][2]:.3f} "
        f"[{big['hours_to_depth_low'][2]:.3f}, {big['hours_to_depth_high'][2]:.3f}]"
    )
    downstream = intervals.downstream[0]
    varying = downstream["downstream_low"] < downstream["downstream_high"]
    print(f"{varying.sum():,} accounts whose downstream varies across the draws")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        float(sys.argv[2]) if len(sys.argv) > 2 else 0.1,
    )
