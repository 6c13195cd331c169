"""Load throughput on generated records (run on demand: python -m tests.benchmarks.bench_load).

Writes runs holding N records (default 1,000,000: 40 % posts with links, 20 % accounts,
25 % interactions, 15 % follows), then measures, in the same process and on one DuckDB thread:

- baseline: reading the same files (gunzip + JSON decode of every line), the floor any loader
  pays;
- first load into an empty store (ending with a checkpoint, so that everything is on disk);
- second load of the same runs (they are recognised and skipped);
- re-load of the same records under new run ids (every row goes through the upsert and
  changes nothing), the cost of collecting the same data twice.

Prints records/s and ratios against the baseline and the first load.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.config import DATASETS
from collectors.rawrun import RawRunWriter, find_runs
from collectors.records import Account, Engagement, Follow, Interaction, Post
from graph.privacy.pseudonyms import Institutions, Pseudonymiser
from graph.resources import Linker, read_catalogue
from graph.store import Store, load_runs

RUNS = 10
START = datetime(2026, 9, 1, tzinfo=UTC)


def _links(rng: random.Random) -> list[str]:
    course = rng.randint(100, 400)
    variants = [
        f"https://www.e-inspe.fr/course/view.php?id={course}",
        f"https://e-inspe.fr/course/view.php?id={course}&utm_source=bsky&utm_campaign=c{course}",
        f"http://www.e-inspe.fr/course/view.php?id={course}#section-{course % 5}",
        f"https://www.reseau-canope.fr/notice/ressource-{course}.html?xtor=CS1-{course % 9}",
        f"https://example.org/blog/{course}",
    ]
    return rng.sample(variants, rng.randint(1, 2))


def generate(raw_dir: Path, total: int, seed: int = 1, run_prefix: str = "bench") -> None:
    rng = random.Random(seed)
    accounts = max(total // 5, 1)
    per_run = total // RUNS
    for index in range(RUNS):
        collected = START + timedelta(days=index)
        with RawRunWriter(raw_dir, "bench", "generated", run_id=f"{run_prefix}-{index:02d}") as run:
            p = {"source": "bench", "run_id": run.run_id, "collected_at": collected}
            records = []
            for i in range(per_run):
                n = index * per_run + i
                kind = n % 20
                user = f"did:plc:{rng.randrange(accounts):08d}"
                if kind < 8:
                    records.append(
                        Post(
                            **p,
                            platform="bluesky",
                            post_id=f"at://p/{n}",
                            author_id=user,
                            created_at=collected - timedelta(minutes=n % 1440),
                            text="Un parcours à découvrir",
                            language="fr",
                            links=_links(rng),
                            engagement=Engagement(
                                observed_at=collected, likes=n % 13, reposts=n % 5
                            ),
                        )
                    )
                elif kind < 12:
                    records.append(
                        Account(
                            **p,
                            platform="bluesky",
                            account_id=f"did:plc:{n:08d}",
                            handle=f"user{n}.example",
                            followers_count=n % 997,
                            following_count=n % 331,
                            counts_observed_at=collected,
                        )
                    )
                elif kind < 17:
                    records.append(
                        Interaction(
                            **p,
                            platform="bluesky",
                            kind="repost",
                            actor_id=user,
                            target_post_id=f"at://p/{n - kind}",
                            created_at=collected,
                        )
                    )
                else:
                    records.append(
                        Follow(
                            **p,
                            platform="bluesky",
                            follower_id=user,
                            followee_id=f"did:plc:{rng.randrange(accounts):08d}",
                        )
                    )
            run.add_records(records)


def baseline_read(raw_dir: Path) -> int:
    count = 0
    for manifest in find_runs(raw_dir):
        with gzip.open(
            manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
        ) as f:
            for line in f:
                json.loads(line)
                count += 1
    return count


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def load(store: Store, raw_dir: Path):
    linker = Linker(
        ["e-inspe.fr", "reseau-canope.fr"], read_catalogue(DATASETS / "catalogue" / "e-inspe.csv")
    )
    names = Pseudonymiser(b"b" * 32, Institutions())
    report = load_runs(store, find_runs(raw_dir), linker=linker, pseudonymiser=names)
    store.connection.execute("CHECKPOINT")  # the work is done once it is on disk
    return report


def main(total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        raw_dir = Path(folder) / "raw"
        _, generation = timed(lambda: generate(raw_dir, total))
        print(f"generated {total:,} records in {RUNS} runs ({generation:.1f} s, not measured)")
        count, base = timed(lambda: baseline_read(raw_dir))
        with Store(Path(folder) / "essaim.duckdb", threads=1) as store:
            first, first_s = timed(lambda: load(store, raw_dir))
            _, second_s = timed(lambda: load(store, raw_dir))
            generate(raw_dir, total, run_prefix="again")
            for manifest in raw_dir.glob("*/bench-*.manifest.json"):
                manifest.rename(manifest.with_suffix(".json.hidden"))
            third, third_s = timed(lambda: load(store, raw_dir))
        records = first.records
        assert records == count == third.records, (records, count, third.records)
        print(f"baseline (gunzip + json.loads): {count / base:>10,.0f} records/s  ({base:.1f} s)")
        print(
            f"first load:                     {records / first_s:>10,.0f} records/s  "
            f"({first_s:.1f} s, {base / first_s:.2f}x baseline speed)"
        )
        print(
            f"second load (same runs):        {second_s:>10.2f} s  "
            f"({first_s / second_s:,.0f}x faster than the first load)"
        )
        print(
            f"re-load (same records, new runs): {records / third_s:>8,.0f} records/s  "
            f"({first_s / third_s:.2f}x the first load's speed)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
