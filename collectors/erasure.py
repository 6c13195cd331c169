"""Erasing from raw runs: one account on request, or whole runs past their retention.

Raw runs never change, with two exceptions the law requires. An erasure request rewrites
every run that holds the account: its records go (the account, its posts, interactions and
follows) and so does every payload whose body names it, since a payload cannot be cut
without parsing it; records parsed from those payloads about other people stay. The
manifest then carries the new SHA-256 and the number of lines erased. Retention deletes
runs collected before the cut-off.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import msgspec

from collectors.rawrun import (
    PAYLOAD_PREFIX,
    find_runs,
    iter_lines,
    read_manifest,
    run_paths,
    sha256_of,
)

__all__ = [
    "RunErasure",
    "account_ids_named",
    "delete_runs_before",
    "erase_account",
    "erased_runs",
]

_ACCOUNT_FIELDS = ("author_id", "account_id", "actor_id", "follower_id", "followee_id")


class _Line(msgspec.Struct):
    """The fields of a record line that say whose it is."""

    type: str
    platform: str | None = None
    handle: str | None = None
    author_id: str | None = None
    account_id: str | None = None
    actor_id: str | None = None
    follower_id: str | None = None
    followee_id: str | None = None


@dataclass(frozen=True)
class RunErasure:
    """One run rewritten by an erasure."""

    run_id: str
    file_sha256: str  # the new SHA-256 of its .jsonl.gz
    lines: int  # lines removed (records and payloads)


def account_ids_named(raw_dir: Path, platform: str, name: str) -> set[str]:
    """The ids of the accounts of ``platform`` whose handle or id is ``name`` in any raw run
    (handles compared without case or a leading @)."""
    wanted = name.strip().lstrip("@").lower()
    found = set()
    for manifest in find_runs(raw_dir):
        run = read_manifest(manifest)
        path = manifest.with_name(f"{run.run_id}.jsonl.gz")
        for _, line in iter_lines(path):
            if line.startswith(PAYLOAD_PREFIX) or not line.strip():
                continue
            record = msgspec.json.decode(line, type=_Line)
            if record.platform != platform:
                continue
            if record.type == "account" and (record.handle or "").lower() == wanted:
                found.add(record.account_id)
            found.update(
                value
                for value in (getattr(record, f) for f in _ACCOUNT_FIELDS)
                if value and value.lower() == wanted
            )
    return found


def erase_account(
    raw_dir: Path, platform: str, account_ids: set[str], names: Iterable[str]
) -> list[RunErasure]:
    """Rewrite every finished run holding the account; return what changed.

    ``names`` are the strings whose presence in a payload body makes it go (ids, handles;
    compared without case).
    """
    needles = [n.lower().encode() for n in {*account_ids, *names} if n]
    changed = []
    for manifest in find_runs(raw_dir):
        run = read_manifest(manifest)
        path = manifest.with_name(f"{run.run_id}.jsonl.gz")
        partial = path.with_name(path.name + ".erasing")
        removed = 0
        with gzip.open(partial, "wb") as out:
            for _, line in iter_lines(path, expected_sha256=run.file_sha256):
                if _names_account(line, platform, account_ids, needles):
                    removed += 1
                    continue
                out.write(line + b"\n")
        if not removed:
            partial.unlink()
            continue
        run.file_sha256 = sha256_of(partial)
        run.erased_lines += removed
        _replace_sealed(partial, path)
        _replace_sealed(manifest, manifest, msgspec.json.format(msgspec.json.encode(run)))
        changed.append(RunErasure(run.run_id, run.file_sha256, removed))
    return changed


def erased_runs(raw_dir: Path) -> list[tuple[str, str]]:
    """``(run_id, SHA-256)`` of every run an erasure has rewritten."""
    runs = (read_manifest(manifest) for manifest in find_runs(raw_dir))
    return [(run.run_id, run.file_sha256) for run in runs if run.erased_lines]


def _names_account(line: bytes, platform: str, ids: set[str], needles: list[bytes]) -> bool:
    if not line.strip():
        return False
    if line.startswith(PAYLOAD_PREFIX):
        lowered = line.lower()
        return any(needle in lowered for needle in needles)
    record = msgspec.json.decode(line, type=_Line)
    return record.platform == platform and any(
        getattr(record, field) in ids for field in _ACCOUNT_FIELDS
    )


def _replace_sealed(source: Path, target: Path, content: bytes | None = None) -> None:
    """Put ``source`` (or ``content``) in place of the read-only ``target``, read-only too."""
    if content is not None:
        source = target.with_name(target.name + ".erasing")
        source.write_bytes(content)
    source.chmod(0o444)
    os.replace(source, target)


def delete_runs_before(raw_dir: Path, cutoff: datetime) -> list[str]:
    """Delete the finished runs collected before ``cutoff``; return their ids."""
    deleted = []
    for manifest in find_runs(raw_dir):
        run = read_manifest(manifest)
        if (run.finished_at or run.started_at) >= cutoff:
            continue
        path, _ = run_paths(raw_dir, run.source, run.run_id)
        path.unlink(missing_ok=True)
        manifest.unlink()
        deleted.append(run.run_id)
    return deleted
