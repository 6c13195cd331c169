"""``essaim analyze`` at scale (run on demand: python -m tests.benchmarks.bench_analyze).

Generates, straight into a DuckDB store, A accounts (default 100,000; heavy-tailed follower
counts), F follow edges (default 1,000,000) and about P adoptions (default 1,000,000) of 50
resources over 90 days: 10 % original posts linking a resource, 10 % quotes, 10 % replies and
70 % reposts, their targets drawn with a heavy tail (a few posts get most reshares). Then runs
``essaim analyze`` in a child process and prints its wall time and peak memory (targets:
≤ 60 s, ≤ 4 GB on 2 cores), with, as the baseline of the same run, the time to read the
adoption events alone (the query every analysis starts with).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graph.builders import adoption_events
from graph.store import Store

GENERATE = [
    "SELECT setseed(0.42)",
    """INSERT INTO accounts BY NAME
       SELECT 'bluesky' AS platform, 'u' || i AS account_id, false AS named,
           floor(pow(random(), 6) * 20000)::BIGINT AS followers_count,
           100 AS following_count, TIMESTAMPTZ '2026-12-01' AS counts_observed_at,
           'bench' AS source, 'bench' AS run_id, now() AS collected_at
       FROM range($accounts) t(i)""",
    """INSERT INTO catalogue
       SELECT 'r' || i, 'Resource ' || i, 'parcours ' || (i % 10), NULL, NULL, [], NULL, true
       FROM range(50) t(i)""",
    """INSERT INTO posts BY NAME
       SELECT 'bluesky' AS platform, 'p' || i AS post_id,
           'u' || floor(random() * $accounts)::BIGINT AS author_id,
           TIMESTAMPTZ '2026-09-01' + to_seconds(floor(random() * 90 * 86400)::BIGINT)
               AS created_at,
           'bench' AS source, 'bench' AS run_id, now() AS collected_at
       FROM range($originals) t(i)""",
    """INSERT INTO links
       SELECT 'bluesky', 'p' || i, 'https://e-inspe.fr/r' || r, NULL, 'e-inspe.fr/r' || r,
           'e-inspe.fr', CASE WHEN random() < 0.05 THEN '{"utm_campaign": "c1"}' END, false,
           true, 'r' || r, 'bench', 'bench'
       FROM (SELECT i, floor(pow(random(), 2) * 50)::INT AS r FROM range($originals) t(i))""",
    """CREATE TEMP TABLE targets AS
       SELECT i, 'p' || floor(pow(random(), 3) * $originals)::BIGINT AS target,
           'u' || floor(random() * $accounts)::BIGINT AS actor,
           floor(random() * 72 * 3600)::BIGINT AS delay
       FROM range($reactions) t(i)""",
    """INSERT INTO posts BY NAME
       SELECT 'bluesky' AS platform, 'q' || t.i AS post_id, t.actor AS author_id,
           o.created_at + to_seconds(t.delay) AS created_at,
           CASE WHEN t.i % 2 = 0 THEN t.target END AS quote_of,
           CASE WHEN t.i % 2 = 1 THEN t.target END AS reply_to,
           'bench' AS source, 'bench' AS run_id, now() AS collected_at
       FROM targets t JOIN posts o ON o.post_id = t.target
       WHERE t.i < $posts_reacting""",
    """INSERT INTO interactions
       SELECT 'bluesky', 'repost', t.actor, t.target, '', o.created_at + to_seconds(t.delay),
           'bench', 'bench', now()
       FROM targets t JOIN posts o ON o.post_id = t.target
       WHERE t.i >= $posts_reacting""",
    """INSERT INTO follows
       SELECT DISTINCT 'bluesky', 'u' || floor(random() * $accounts)::BIGINT,
           'u' || floor(pow(random(), 2) * $accounts)::BIGINT, now(), now(), 'bench', 'bench'
       FROM range($follows) t(i)""",
]


def generate(database: Path, accounts: int, follows: int, adoptions: int) -> None:
    sizes = {
        "accounts": accounts,
        "follows": follows,
        "originals": adoptions // 10,
        "reactions": adoptions - adoptions // 10,
        "posts_reacting": 2 * (adoptions // 10),
    }
    with Store(database) as store:
        for statement in GENERATE:
            for name, value in sorted(sizes.items(), key=lambda item: -len(item[0])):
                statement = statement.replace(f"${name}", str(value))
            store.connection.execute(statement)


def main(accounts: int, follows: int, adoptions: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        start = time.perf_counter()
        generate(data / "essaim.duckdb", accounts, follows, adoptions)
        print(f"generated in {time.perf_counter() - start:.1f} s")
        with Store(data / "essaim.duckdb", read_only=True) as store:
            start = time.perf_counter()
            events = adoption_events(store.connection)
            baseline = time.perf_counter() - start
        print(f"{len(events):,} adoptions; baseline (reading them): {baseline:.1f} s")
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "app", "--data", str(data), "analyze"],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(result.stderr)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2  # KiB → GiB
        print(
            f"essaim analyze: {seconds:.1f} s (target ≤ 60 s; {seconds / baseline:.1f}× the "
            f"baseline), peak memory {peak:.2f} GiB (target ≤ 4 GB)"
        )


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:4]]
    main(*(arguments or [100_000, 1_000_000, 1_000_000]))
