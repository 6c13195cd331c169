"""Running ``essaim collect`` as users do (a real process) against a replay server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]


def write_config(folder: Path, server_url: str, extra: str = "") -> Path:
    """A configuration pointing every source at the replay server, with short waits."""
    path = folder / "essaim.toml"
    path.write_text(
        f"""
data_dir = "data"
[collect]
timeout = 1.0
max_retries = 2
backoff = 0.05
max_wait = 5.0
[sources.bluesky]
service = "{server_url}"
appview = "{server_url}"
plc = "{server_url}/plc"
requests_per_5min = 1000000
[sources.forums]
requests_per_5min = 1000000
[sources.telegram]
base = "{server_url}"
requests_per_5min = 1000000
[sources.youtube]
api = "{server_url}/youtube/v3"
requests_per_5min = 1000000
[sources.reddit]
auth = "{server_url}"
api = "{server_url}/oauth"
requests_per_5min = 1000000
[sources.mastodon]
requests_per_5min = 1000000
{extra}
"""
    )
    return path


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "app", "--config", str(config), *args]


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "250", "PYTHONPATH": str(ROOT), **extra}


def essaim(config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    result = subprocess.run(
        command(config, *args),
        capture_output=True,
        text=True,
        cwd=config.parent,
        env=env or environment(),
        timeout=timeout,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def store_counts(database: Path) -> dict:
    """What the store holds: posts, interactions by kind, accounts, follows."""
    with duckdb.connect(str(database), read_only=True) as connection:

        def one(sql: str) -> int:
            return connection.execute(sql).fetchone()[0]

        kinds = "SELECT kind, count(*) FROM interactions GROUP BY kind"
        return {
            "posts": one("SELECT count(*) FROM posts"),
            "interactions": dict(connection.execute(kinds).fetchall()),
            "accounts": one("SELECT count(*) FROM accounts"),
            "follows": one("SELECT count(*) FROM follows"),
        }


#: What a collection stored, without when or by which run (which differ between two runs).
_CONTENT = {
    "posts": "SELECT * EXCLUDE (source, run_id, collected_at, counts_observed_at) FROM posts",
    "accounts": "SELECT * EXCLUDE (source, run_id, collected_at, counts_observed_at) FROM accounts",
    "links": "SELECT * EXCLUDE (run_id) FROM links",
    "interactions": "SELECT * EXCLUDE (source, run_id, collected_at) FROM interactions",
    "follows": "SELECT platform, follower_id, followee_id FROM follows",
}


def store_content(database: Path) -> dict[str, list[tuple]]:
    """Every row the store holds, sorted."""
    return table_rows(database, _CONTENT)


def table_rows(database: Path, queries: dict[str, str]) -> dict[str, list[tuple]]:
    """The rows of each query, sorted by their values other than floats, then whole (rows
    whose floats differ in the last bits then stay face to face)."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return {
            name: sorted(connection.execute(sql).fetchall(),
                         key=lambda row: (_without_floats(row), repr(row)))
            for name, sql in queries.items()
        }  # fmt: skip


def _without_floats(row: tuple) -> str:
    return repr(tuple(None if isinstance(value, float) else value for value in row))
