"""``essaim analyze`` at scale (run on demand: python -m tests.benchmarks.bench_analyze).

The data comes from the demo's generator (:mod:`app.demo.world`), shaped like the
analysis targets: 100,000 teachers following about ten accounts each (1,000,000 follow
edges, heavy-tailed, planted communities), fifty catalogue resources (written for the run)
spread by the same independent-cascade process to about a million adoptions over the
autumn term, plus likes. It is written straight into a DuckDB store as the loader would have
(posts, links matched to resources, reposts and likes with their times, follows, follower
counts). Then ``essaim analyze`` runs in a child process; the benchmark prints its wall time
and peak memory (targets: ≤ 60 s, ≤ 4 GB on 2 cores) with, as the baseline of the same run,
the time to read the adoption events alone (the query every analysis starts with), and the
time of each step of the analysis as ``essaim analyze`` prints it.
"""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from app.config import DATASETS
from app.demo.diffusion import DiffusionShape
from app.demo.generate import bluesky_institutions
from app.demo.network import NetworkShape
from app.demo.world import World, WorldShape, build_world
from graph.builders import adoption_events
from graph.store import Store

#: About 100,000 accounts, 1,000,000 follows and 1,000,000 adoptions of 50 resources.
SHAPE = WorldShape(
    NetworkShape(teachers=100_000, mean_following=6.5),
    DiffusionShape(spontaneous=15_000, transmission=0.05, newsletter=0),
)
_LEVELS = ["maternelle", "élémentaire", "collège", "lycée", "voie professionnelle", "tous niveaux"]
END = pd.Timestamp("2026-11-20", tz="UTC")


def write_catalogue(path: Path, count: int = 50) -> Path:
    """A catalogue of ``count`` resources, one per level in turn (for the benchmark only)."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["resource_id", "title", "parcours", "level", "discipline",
                         "url_patterns", "published", "illustrative"])  # fmt: skip
        for i in range(count):
            writer.writerow([f"r{i:02d}", f"Ressource {i}", f"Parcours {i % 10}",
                             _LEVELS[i % len(_LEVELS)], "transversal",
                             f"https://www.e-inspe.fr/course/view.php?id={1000 + i}",
                             "2024-01-01", "yes"])  # fmt: skip
    return path


def generate(database: Path, shape: WorldShape = SHAPE, seed: int = 1) -> World:
    """Draw the demo world in ``shape`` and store it as if collected and loaded."""
    world = build_world(
        shape,
        seed,
        write_catalogue(database.parent / "catalogue.csv"),
        bluesky_institutions(DATASETS / "institutions.csv"),
    )
    people = world.accounts.set_index("account")
    address = people["address"]
    events = world.events.assign(
        platform=lambda e: people["platform"].reindex(e["account"]).to_numpy(),
        actor=lambda e: address.reindex(e["account"]).to_numpy(),
        post_id="e" + world.events["event"].astype(str),
        target_id="e" + world.events["target"].astype(str),
    )
    indegree = world.follows["followee"].value_counts()
    outdegree = world.follows["follower"].value_counts()
    accounts = pd.DataFrame(
        {
            "platform": people["platform"].to_numpy(),
            "account_id": address.to_numpy(),
            "named": (people["kind"] == "institution").to_numpy(),
            "handle": people["handle"].to_numpy(),
            "followers_count": indegree.reindex(people.index, fill_value=0).to_numpy(),
            "following_count": outdegree.reindex(people.index, fill_value=0).to_numpy(),
            "kind": people["kind"].to_numpy(),
        }
    )
    posted = events[events["kind"] != "repost"]
    posts = pd.DataFrame(
        {
            "platform": posted["platform"],
            "post_id": posted["post_id"],
            "author_id": posted["actor"],
            "created_at": posted["at"],
            "quote_of": posted["target_id"].where(posted["kind"] == "quote"),
            "reply_to": posted["target_id"].where(posted["kind"] == "reply"),
        }
    )
    linked = posted[posted["link"].notna()]
    links = pd.DataFrame(
        {
            "platform": linked["platform"],
            "post_id": linked["post_id"],
            "url": linked["link"],
            "resource_id": linked["resource_id"],
            "campaign": linked["campaign"].map(
                lambda c: None if pd.isna(c) else f'{{"utm_campaign": "{c}"}}'
            ),
        }
    )
    reposts = events[events["kind"] == "repost"]
    likes = world.likes.assign(
        platform=lambda frame: people["platform"].reindex(frame["account"]).to_numpy(),
        actor=lambda frame: address.reindex(frame["account"]).to_numpy(),
        target_id="e" + world.likes["target"].astype(str),
    )
    acts = pd.concat(
        [
            pd.DataFrame({"platform": reposts["platform"], "kind": "repost",
                          "actor_id": reposts["actor"], "target_post_id": reposts["target_id"],
                          "created_at": reposts["at"]}),
            pd.DataFrame({"platform": likes["platform"], "kind": "like",
                          "actor_id": likes["actor"], "target_post_id": likes["target_id"],
                          "created_at": likes["at"]}),
        ]
    )  # fmt: skip
    follows = pd.DataFrame(
        {
            "platform": people["platform"].reindex(world.follows["follower"]).to_numpy(),
            "follower_id": address.reindex(world.follows["follower"]).to_numpy(),
            "followee_id": address.reindex(world.follows["followee"]).to_numpy(),
        }
    )
    resources = world.resources[["resource_id", "title"]]
    with Store(database) as store:
        run = "'bench' AS source, 'bench' AS run_id, now() AS collected_at"
        for table, frame, extra in (
            ("accounts", accounts, f"TIMESTAMPTZ '{END}' AS counts_observed_at, {run}"),
            ("posts", posts, run),
            ("interactions", acts, f"'' AS post_id, {run}"),
        ):
            store.connection.register("frame", frame)
            store.connection.execute(f"INSERT INTO {table} BY NAME SELECT *, {extra} FROM frame")
        store.connection.register("frame", links)
        store.connection.execute(
            r"""INSERT INTO links BY NAME SELECT *, NULL AS resolved_url,
                   regexp_replace(url, '^https?://(www\.)?', '') AS url_key,
                   'e-inspe.fr' AS host, false AS shortened, true AS tracked,
                   'bench' AS run_id FROM frame"""
        )
        store.connection.register("frame", follows)
        store.connection.execute(
            f"""INSERT INTO follows BY NAME SELECT *, TIMESTAMPTZ '{END}' AS first_observed_at,
                   TIMESTAMPTZ '{END}' AS last_observed_at, 'bench' AS source,
                   'bench' AS run_id FROM frame"""
        )
        store.connection.register("frame", resources)
        store.connection.execute(
            "INSERT INTO catalogue SELECT resource_id, title, title, NULL, NULL, [], NULL, true "
            "FROM frame"
        )
    return world


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        start = time.perf_counter()
        world = generate(data / "essaim.duckdb")
        print(
            f"generated in {time.perf_counter() - start:.1f} s: {len(world.accounts):,} "
            f"accounts, {len(world.follows):,} follows, {len(world.likes):,} likes"
        )
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
        print(result.stdout[result.stdout.index("Time per step") :].split("\n\n")[0])


if __name__ == "__main__":
    main()
