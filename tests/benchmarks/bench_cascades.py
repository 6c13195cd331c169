"""Cascade reconstruction speed (run on demand: python -m tests.benchmarks.bench_cascades).

One cascade of N adopters (default 100,000, one adoption a minute) and F follow edges
(default 1,000,000: each adopter follows F/N accounts drawn among 2N, so about half of its
followees adopt too). Times :func:`graph.cascades.reconstruct` under both rules, target ≤ 5 s,
against the baseline in the same run: the one join every reconstruction needs (each
adopter's followees matched to their adoption times).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from graph.cascades import cascade_metrics, reconstruct


def cascade(adopters: int, follows: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    accounts = np.char.add("a", np.arange(2 * adopters).astype(str))
    start = pd.Timestamp("2026-09-01", tz="UTC")
    adoptions = pd.DataFrame(
        {
            "cascade": "r1/p1",
            "platform": "bluesky",
            "account_id": accounts[:adopters],
            "adopted_at": start + pd.to_timedelta(np.arange(adopters), unit="min"),
            "observed_parent": None,
        }
    )
    followers = np.repeat(accounts[:adopters], follows // adopters)
    followees = accounts[rng.integers(0, 2 * adopters, len(followers))]
    edges = pd.DataFrame(
        {"platform": "bluesky", "follower_id": followers, "followee_id": followees}
    )
    return adoptions, edges


def main(adopters: int, follows: int) -> None:
    adoptions, edges = cascade(adopters, follows)
    start = time.perf_counter()
    joined = edges.merge(
        adoptions[["account_id", "adopted_at"]], left_on="followee_id", right_on="account_id"
    )
    baseline = time.perf_counter() - start
    print(f"{adopters:,} adopters, {len(edges):,} follow edges; baseline join {baseline:.2f} s "
          f"({len(joined):,} rows)")  # fmt: skip
    for rule in ("most_recent", "first"):
        start = time.perf_counter()
        tree = reconstruct(adoptions, edges, rule=rule)
        seconds = time.perf_counter() - start
        metrics = cascade_metrics(tree).iloc[0]
        print(
            f"rule {rule:11}: {seconds:.2f} s (target ≤ 5 s, {seconds / baseline:.1f}× the join); "
            f"depth {metrics['depth']}, ν {metrics['structural_virality']:.2f}, "
            f"inferred {(tree['method'] == f'inferred:{rule}').sum():,}"
        )


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    main(*(arguments or [100_000, 1_000_000]))
