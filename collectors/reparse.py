"""Re-parsing a stored run's payloads with the current parsers, into a new run."""

from __future__ import annotations

from pathlib import Path

import msgspec

from collectors.errors import NotFound
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import (
    PAYLOAD_PREFIX,
    Payload,
    RawRunError,
    RawRunWriter,
    iter_lines,
    read_manifest,
)
from collectors.records import Run
from collectors.registry import parser_for
from collectors.speech import _

__all__ = ["latest_version", "reparse_run"]

_payload_decoder = msgspec.json.Decoder(Payload)


def _manifests(raw_dir: Path) -> dict[str, tuple[Path, Run]]:
    found = {}
    for path in Path(raw_dir).glob("*/*.manifest.json"):
        run = read_manifest(path)
        found[run.run_id] = (path, run)
    return found


def latest_version(runs: dict[str, tuple[Path, Run]], run_id: str) -> str:
    """Follow re-parses forward: the newest run that replaces ``run_id`` (or itself)."""
    replaced_by = {run.reparse_of: rid for rid, (_, run) in runs.items() if run.reparse_of}
    while run_id in replaced_by:
        run_id = replaced_by[run_id]
    return run_id


def _original(runs: dict[str, tuple[Path, Run]], run_id: str) -> tuple[Path, Run]:
    path, run = runs[run_id]
    while run.reparse_of:
        path, run = runs[run.reparse_of]
    return path, run


def reparse_run(raw_dir: Path, run_id: str) -> Run:
    """Parse the payloads of ``run_id`` again and write the records to a new run.

    The new run's manifest says which run it replaces (``reparse_of``: the newest version of
    ``run_id``); its file holds records only, the payloads staying in the original run.
    A payload the parser rejects is noted as an incident and the others are still parsed.

    Raises
    ------
    NotFound
        If no run has that id, or its source has no parser.
    """
    runs = _manifests(raw_dir)
    if run_id not in runs:
        raise NotFound(_("no run {run_id} in {folder}").format(run_id=repr(run_id), folder=raw_dir))
    manifest_path, original = _original(runs, run_id)
    parse = parser_for(original.source)
    run_file = manifest_path.with_name(f"{original.run_id}.jsonl.gz")
    writer = RawRunWriter(
        raw_dir,
        original.source,
        original.query,
        original.parameters,
        window_start=original.window_start,
        window_end=original.window_end,
        reparse_of=latest_version(runs, run_id),
    )
    try:
        for number, line in iter_lines(run_file, expected_sha256=original.file_sha256):
            if not line.startswith(PAYLOAD_PREFIX):
                continue
            try:
                payload = _payload_decoder.decode(line)
            except msgspec.DecodeError as error:
                raise RawRunError(
                    run_file, _("not a valid payload ({error})").format(error=error), number
                ) from None
            context = ParseContext(original.source, writer.run_id, payload.received_at)
            try:
                writer.add_records(parse(payload, context))
            except ParseError as error:
                writer.add_incident(
                    "error", f"payload {payload.seq} from {payload.url}", str(error)
                )
            writer.add_ignored(context.ignored)
    except BaseException:
        writer.discard()
        raise
    return writer.close()
