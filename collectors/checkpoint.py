"""Checkpoints: finishing an interrupted collection, and collecting only what is new.

A collection's checkpoint is its raw run. Every response is flushed to the run file as it
arrives, so after Ctrl-C, a crash or a kill the run holds everything received so far. Resuming
starts the same collection again as a new run that ``resumes`` the old one: requests already
answered are answered from the old run (no network), the others are made, and the new run
ends with every payload and record an uninterrupted run would have. The store then replaces
the old run by the new one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
from w3lib.url import canonicalize_url

from collectors.rawrun import (
    PAYLOAD_PREFIX,
    Payload,
    RawRunError,
    find_runs,
    iter_lines,
    read_manifest,
    run_paths,
    salvage_run,
    unfinished_runs,
)
from collectors.records import Run

__all__ = [
    "checkpoint_payloads",
    "last_run",
    "request_key",
    "resumable_run",
    "runs_of",
    "salvage_unfinished",
]


def request_key(method: str, url: str, note: dict[str, Any] | None = None) -> str:
    """The identity of a request, for answering it from a checkpoint.

    >>> request_key("GET", "https://h/x?b=2&a=1") == request_key("GET", "https://h/x?a=1&b=2")
    True
    """
    extra = json.dumps(note, sort_keys=True) if note else ""
    return f"{method} {canonicalize_url(url)} {extra}"


def runs_of(raw_dir: Path, *sources: str) -> list[Run]:
    """The finished runs of these sources, in the order they started (unreadable ones left out)."""
    runs = []
    for manifest in find_runs(raw_dir):
        try:
            run = read_manifest(manifest)
        except RawRunError:
            continue
        if run.source in sources:
            runs.append(run)
    return runs


def salvage_unfinished(raw_dir: Path, source: str) -> None:
    """Seal the runs of ``source`` that stopped without being closed (crash, kill)."""
    for run in unfinished_runs(raw_dir, source):
        salvage_run(raw_dir, run)


def resumable_run(raw_dir: Path, source: str) -> Run | None:
    """The newest run of ``source`` that did not finish and was not resumed yet, or None.

    Runs that stopped without being closed (crash, kill) are salvaged first.
    """
    salvage_unfinished(raw_dir, source)
    runs = runs_of(raw_dir, source)
    resumed = {run.resumes for run in runs}
    candidates = [
        run
        for run in runs
        if run.status != "complete" and run.run_id not in resumed and not run.reparse_of
    ]
    return candidates[-1] if candidates else None


def last_run(raw_dir: Path, source: str, query: str) -> Run | None:
    """The newest finished run of the same source and query (for ``--since last``)."""
    runs = [run for run in runs_of(raw_dir, source) if run.query == query]
    return runs[-1] if runs else None


def checkpoint_payloads(raw_dir: Path, run: Run) -> dict[str, Payload]:
    """The successful payloads of a run, by :func:`request_key`."""
    path, _ = run_paths(raw_dir, run.source, run.run_id)
    decoder = msgspec.json.Decoder(Payload)
    cached: dict[str, Payload] = {}
    for _, line in iter_lines(path, expected_sha256=run.file_sha256):
        if not line.startswith(PAYLOAD_PREFIX):
            continue
        payload = decoder.decode(line)
        if payload.status is None or 200 <= payload.status < 300:
            cached[request_key(payload.method, payload.url, payload.params)] = payload
    return cached
