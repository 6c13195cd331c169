"""Shared fixtures: isolated data directories and secrets, and a helper to write runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import translation
from collectors.bluesky import parse_payload
from collectors.parsing import ParseContext
from collectors.rawrun import RawRunWriter
from collectors.records import Record

SEARCH_URL = "https://bsky.social/xrpc/app.bsky.feed.searchPosts"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No test reads the user's configuration or writes their secret, or speaks its
    language; none leaves the next one speaking French (``essaim --lang fr`` run in the
    test's process sets the language of the process)."""
    monkeypatch.setenv("ESSAIM_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("ESSAIM_DATA", raising=False)
    monkeypatch.delenv("ESSAIM_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    # the command line speaks English unless a test asks for French (app/cli/translation.py)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("ESSAIM_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    yield
    translation.use("en")


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "raw"


def at(text: str) -> datetime:
    """A UTC datetime from an ISO string."""
    return datetime.fromisoformat(text).astimezone(UTC)


def write_search_run(
    raw_dir: Path, bodies: Iterable[str], received_at: str = "2026-09-08T06:00:00Z", **kw
) -> Path:
    """Write a Bluesky search run from response bodies; return its manifest path."""
    with RawRunWriter(raw_dir, "bluesky", kw.pop("query", "domain:e-inspe.fr"), **kw) as run:
        for body in bodies:
            payload = run.add_payload(body, url=SEARCH_URL, status=200, received_at=at(received_at))
            run.add_records(
                parse_payload(payload, ParseContext("bluesky", run.run_id, payload.received_at))
            )
    return run.manifest_path


def copy_raw(raw: Path, folder: Path) -> Path:
    """Copy the raw runs under ``raw`` into ``folder / "raw"``, writable; return ``folder``."""
    shutil.copytree(raw, folder / "raw")
    for path in (folder / "raw").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def write_record_run(raw_dir: Path, make: Callable[[str], Iterable[Record]], **kw) -> Path:
    """Write a run holding the records ``make(run_id)`` returns; return its manifest path."""
    with RawRunWriter(raw_dir, kw.pop("source", "test"), "test query", **kw) as run:
        run.add_records(make(run.run_id))
    return run.manifest_path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``essaim demo --evaluate --no-app`` run once: (the finished process, its data folder)."""
    folder = tmp_path_factory.mktemp("demo")
    environment = {**os.environ, "HOME": str(folder), "ESSAIM_CONFIG": ""}
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--data",
            str(folder / "data"),
            "demo",
            "--evaluate",
            "--no-app",
        ],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return finished, folder / "data"
