"""``essaim import``: a file becomes a raw run like any collection, row by row.

Every row is kept as it is in the file (a payload), then parsed; a row that cannot be read
is noted with its line and reason, and the other rows go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from collectors.imports.files import (
    ImportFileError,
    csv_layout,
    csv_rows,
    decode_export,
    json_lines,
    x_archive_account,
    x_archive_tweets,
)
from collectors.imports.mapping import Mapping, load_mapping
from collectors.imports.parsers import parse_payload
from collectors.parsing import ParseContext, ParseError, Parser, guarded
from collectors.rawrun import RawRunWriter
from collectors.records import Run
from collectors.speech import _

__all__ = ["FORMATS", "ImportOutcome", "import_file", "write_import_run"]

#: Import formats and the mapping each uses by default (None: code, or --mapping needed).
FORMATS: dict[str, str | None] = {
    "x-archive": None,
    "csv": None,
    "4cat": "4cat",
    "minet": "minet-twitter",
    "crowdtangle": "crowdtangle-facebook",
    "mcl": "meta-content-library",
    "linkedin": "linkedin-page",
    "meta-business": "meta-business-suite",
}
#: Formats whose files are one account's (a page's own analytics): --account names it.
ONE_ACCOUNT = {"linkedin", "x-archive"}


@dataclass
class ImportOutcome:
    """The closed run, and the rows read and refused (line, reason)."""

    run: Run
    rows: int
    refused: list[tuple[int, str]]


def import_file(
    raw_dir: Path,
    kind: str,
    path: Path,
    *,
    mapping: str | None = None,
    platform: str | None = None,
    account: str | None = None,
) -> ImportOutcome:
    """Import ``path`` (format ``kind``) into a new raw run ``import-<kind>``.

    Raise :class:`ImportFileError` or ``MappingError`` when the file or mapping cannot be
    used at all (nothing is written then).
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("{path}: no such file").format(path=path))
    data = path.read_bytes()
    note: dict = {"format": kind}
    if kind == "x-archive":
        account = account or x_archive_account(path)
        if not account:
            raise ImportFileError(
                _("{path}: say whose archive it is with --account").format(path=path)
            )
        rows = x_archive_tweets(path)
    else:
        chosen = _mapping(kind, mapping, platform)
        note["mapping"] = chosen.as_note()
        text = decode_export(data, path)
        if path.suffix.lower() in (".ndjson", ".jsonl"):
            rows = json_lines(text)
        else:
            note["columns"], note["delimiter"] = csv_layout(text, path)
            rows = csv_rows(text)
        if kind in ONE_ACCOUNT and not account:
            raise ImportFileError(
                _("{path}: say which account the export is of, with --account").format(path=path)
            )
    if account:
        note["account"] = account
    parameters = {
        "format": kind,
        "file": str(path),
        "file_sha256": hashlib.sha256(data).hexdigest(),
    }
    parameters |= {key: value for key, value in note.items() if key != "columns"}
    payloads = ((row.text, {**note, "line": row.line}) for row in rows)
    return write_import_run(raw_dir, f"import-{kind}", path, parameters, payloads, parse_payload)


def write_import_run(
    raw_dir: Path,
    source: str,
    path: Path,
    parameters: dict,
    payloads: Iterable[tuple[bytes | str, dict]],
    parse: Parser,
) -> ImportOutcome:
    """Write each ``(content, params)`` of ``payloads`` into a new run of ``source``, parsed by
    ``parse``; a payload that cannot be parsed is kept and noted with its ``line`` (or
    ``lines``), and the others go on.

    ``params`` describe the payload: where it is in the file, how to read it. An
    :class:`ImportFileError` raised while ``payloads`` is read discards the run.
    """
    run = RawRunWriter(raw_dir, source, path.name, parameters)
    count, refused = 0, []
    try:
        for content, params in payloads:
            count += 1
            payload = run.add_payload(content, url=str(path), method="FILE", params=params)
            context = ParseContext(run.manifest.source, run.run_id, payload.received_at)
            try:
                records = guarded(parse)(payload, context)
            except ParseError as error:
                where = params.get("line") or params.get("lines") or payload.seq
                reason = str(error).removeprefix(f"line {where}: ")
                refused.append((where, reason))
                run.add_incident("error", f"{path.name}, line {where}", reason)
                continue
            finally:
                run.add_ignored(context.ignored)
            run.add_records(records)
    except ImportFileError:
        run.discard()
        raise
    except BaseException:
        run.close("interrupted")
        raise
    return ImportOutcome(run.close(), count, refused)


def _mapping(kind: str, name: str | None, platform: str | None) -> Mapping:
    chosen = name or FORMATS[kind]
    if chosen is None:
        raise ImportFileError(
            _("the {format} format needs a column mapping: --mapping FILE").format(format=kind)
        )
    mapping = load_mapping(chosen)
    if platform:
        mapping.platform, mapping.platform_column = platform, None
    if not mapping.platform and not mapping.platform_column:
        raise ImportFileError(
            _("say which platform the {format} file comes from: --platform").format(format=kind)
        )
    return mapping
