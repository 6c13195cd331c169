"""Cascade reconstruction speed (run on demand: python -m tests.benchmarks.bench_cascades).

C cascades of N adopters each (default 10,000 × 100: 1,000,000 adoptions), drawn from a
pool of 200,000 accounts. In each cascade an account posts the resource and the others
repost its post (one in ten quotes it instead), one a minute; every adopter follows the
author with probability 1/2 and three earlier adopters of its cascade, and every account
follows 20 accounts drawn at random. Times :func:`graph.cascades.reconstruct` under each
rule, target ≤ 10 s for 1,000,000 adoptions, against the baseline in the same run: the one
join every reconstruction needs (each adopter's followees matched to the reposts of the post
it acted on).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from graph.cascades import RULES, cascade_metrics, reconstruct
from graph.frames import query_frames
from graph.store import queries as q

ACCOUNTS = 200_000


def cascades(count: int, size: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    total = count * size
    cascade = np.repeat(np.arange(count), size)
    rank = np.tile(np.arange(size), count)
    account = np.char.add("a", rng.integers(0, ACCOUNTS, total).astype(str))
    root = account[cascade * size]
    kind = np.where(rank == 0, "original", np.where(rng.random(total) < 0.1, "quote", "repost"))
    post = np.char.add("p", np.arange(total).astype(str))
    start = pd.Timestamp("2026-09-01", tz="UTC")
    adoptions = pd.DataFrame(
        {
            "resource_id": "r1",
            "cascade": np.char.add("r1/p", cascade.astype(str)),
            "platform": "bluesky",
            "account_id": account,
            "adopted_at": start + pd.to_timedelta(cascade * 60 + rank, unit="min"),
            "kind": kind,
            "post_id": np.where(kind == "repost", "", post),
            "parent_post_id": np.where(rank == 0, None, post[cascade * size]),
            "target_author": np.where(rank == 0, None, root),
        }
    )  # fmt: skip
    later = np.flatnonzero(rank > 0)
    earlier = later[:, None] - 1 - (rng.random((len(later), 3)) * rank[later][:, None]).astype(int)
    author = later[rng.random(len(later)) < 0.5]
    randoms = np.char.add("a", np.arange(ACCOUNTS).astype(str))
    follows = pd.DataFrame(
        {
            "platform": "bluesky",
            "follower_id": np.concatenate([np.repeat(account[later], 3), account[author],
                                           np.repeat(randoms, 20)]),
            "followee_id": np.concatenate([account[earlier.ravel()], root[author],
                                           randoms[rng.integers(0, ACCOUNTS, 20 * ACCOUNTS)]]),
        }
    )  # fmt: skip
    return adoptions, follows


def main(count: int, size: int) -> None:
    adoptions, follows = cascades(count, size)
    start = time.perf_counter()
    pending = adoptions[adoptions["target_author"].notna()].rename_axis("node").reset_index()
    joined, _ = query_frames(
        q.FOLLOWED_EXPOSURES,
        pending=pending,
        follows=follows,
        reposts=adoptions[adoptions["kind"] == "repost"],
    )
    baseline = time.perf_counter() - start
    print(f"{len(adoptions):,} adoptions in {count:,} cascades, {len(follows):,} follow edges; "
          f"baseline join {baseline:.2f} s ({len(joined):,} rows)")  # fmt: skip
    for rule in RULES:
        start = time.perf_counter()
        result = reconstruct(adoptions, follows, rule=rule)
        seconds = time.perf_counter() - start
        metrics = cascade_metrics(result.tree)
        methods = result.tree["method"].value_counts()
        stated = methods.filter(like="stated").sum()
        print(
            f"rule {rule:11}: {seconds:.2f} s (target ≤ 10 s for 1M, {seconds / baseline:.1f}× "
            f"the join); mean depth {metrics['depth'].mean():.2f}, mean ν "
            f"{metrics['structural_virality'].mean():.2f}, inferred "
            f"{methods.get(f'inferred:{rule}', 0):,}, stated {stated:,}"
        )


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    main(*(arguments or [10_000, 100]))
