"""Collection throughput on replayed Bluesky search pages (run on demand:
python -m tests.benchmarks.bench_collect [POSTS]).

A replay server on 127.0.0.1 serves searchPosts pages of 100 posts (default 100,000 posts:
10 searches of 100 pages, the cursor chains running side by side); ``essaim collect bluesky
--no-interactions`` runs against it as users run it (a new process: start-up, login, crawl,
parse, write the raw run). In the same run, the baseline is the floor of that work done
in one loop without any network: decode each page's JSON and write it gzip-compressed.

Prints posts/s end to end and the ratio to the baseline. Target: ≥ 5,000 posts/s.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.demo.replay import ReplayServer, Reply
from tests.collectors.collecting import command, environment, write_config
from tests.fixtures import bluesky_world as world
from tests.fixtures.bluesky import author, post_view

PAGE = 100
SEARCHES = 10


def pages(posts: int) -> dict[str, list[dict]]:
    """Search pages by domain: posts spread evenly, links in facets and cards."""
    per_search = posts // SEARCHES
    bodies: dict[str, list[dict]] = {}
    for search in range(SEARCHES):
        domain = f"d{search}.e-inspe.fr"
        views = [
            post_view(
                author(f"t{(search * per_search + n) % 5000}.bsky.social"),
                f"{search}x{n}",
                f"2026-09-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
                "Un parcours pour la classe #INSPE",
                facet_links=(f"https://{domain}/course/view.php?id={n % 300}",),
                card=f"https://{domain}/course/view.php?id={n % 300}&utm_source=bsky",
                tags=("INSPE",),
                counts=(n % 7, n % 3, n % 2, 0),
            )
            for n in range(per_search)
        ]
        chunks = [views[i : i + PAGE] for i in range(0, len(views), PAGE)]
        bodies[domain] = [
            {"posts": chunk, **({"cursor": f"c{i + 1}"} if i + 1 < len(chunks) else {})}
            for i, chunk in enumerate(chunks)
        ]
    return bodies


def baseline(bodies: dict[str, list[dict]], folder: Path) -> float:
    encoded = [json.dumps(body).encode() for chain in bodies.values() for body in chain]
    started = time.perf_counter()
    with gzip.open(folder / "baseline.jsonl.gz", "wb") as out:
        for raw in encoded:
            out.write(json.dumps(json.loads(raw)).encode() + b"\n")
    return time.perf_counter() - started


def main(posts: int = 100_000) -> None:
    bodies = pages(posts)
    with tempfile.TemporaryDirectory() as temp, ReplayServer() as server:
        folder = Path(temp)
        server.add(
            "/xrpc/com.atproto.server.createSession", None, Reply({"accessJwt": "t", "did": "x"})
        )
        for domain, chain in bodies.items():
            query = {"q": domain, "domain": domain, "sort": "latest", "limit": "100"}
            for number, body in enumerate(chain):
                params = query if number == 0 else {**query, "cursor": f"c{number}"}
                server.add(world.SEARCH, params, Reply(json.dumps(body).encode()))
        config = write_config(folder, server.url)
        domains = [arg for domain in bodies for arg in ("--domain", domain)]
        credentials = {"ESSAIM_BLUESKY_HANDLE": "h", "ESSAIM_BLUESKY_APP_PASSWORD": "p"}
        started = time.perf_counter()
        result = subprocess.run(
            command(
                config,
                "collect",
                "bluesky",
                "--no-interactions",
                "--window-cap",
                "1000000",
                *domains,
            ),
            env=environment(**credentials),
            capture_output=True,
            text=True,
            cwd=folder,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(result.stderr)
        floor = baseline(bodies, folder)
    print(f"posts: {posts:,} in {sum(map(len, bodies.values()))} pages")
    print(f"baseline (decode + gzip write, no network): {posts / floor:,.0f} posts/s")
    print(f"essaim collect (end to end, new process):   {posts / elapsed:,.0f} posts/s")
    print(f"ratio collect / baseline: {floor / elapsed:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
