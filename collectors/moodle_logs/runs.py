"""The raw run of a Moodle usage import: its events, read into DuckDB, become payloads.

Each format hands over a DuckDB relation ``events`` (``line``, ``at`` in UTC, ``site``,
``course_id``, ``event``, ``origin``, ``learner`` as the file names them) and the rows it
could not read. By default a payload is one site's day (in the import's zone): per course
and event, the count, the distinct learners and the count per origin. With ``keep_events``,
a payload is up to :data:`EVENTS_PER_PAYLOAD` events, each learner replaced by its pseudonym.
Learners' names and ids, and IP addresses, are never written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from collectors.imports.files import ImportFileError
from collectors.imports.run import ImportOutcome, write_import_run
from collectors.imports.usage import UsageOptions
from collectors.moodle_logs.parsers import parse_payload
from collectors.speech import _

__all__ = ["EVENTS_PER_PAYLOAD", "host_of", "site_of", "write_moodle_run"]

EVENTS_PER_PAYLOAD = 10_000

_DAILY = """
SELECT site, day, course_id, event, count(*), count(DISTINCT learner),
       histogram(origin) FILTER (WHERE origin IS NOT NULL AND origin <> '')
FROM (SELECT *, ("at" AT TIME ZONE $zone)::DATE AS day FROM events)
GROUP BY site, day, course_id, event
ORDER BY site, day, course_id NULLS FIRST, event
"""
_EVENTS = """
SELECT line, "at", ("at" AT TIME ZONE $zone)::DATE, site, course_id, event, origin, learner
FROM events ORDER BY line
"""


def host_of(site: str) -> str:
    """The host a site is named by, whether given as a host or a URL.

    >>> host_of("https://www.e-inspe.fr/course/view.php?id=3"), host_of("www.e-inspe.fr")
    ('www.e-inspe.fr', 'www.e-inspe.fr')
    """
    return urlsplit(site if "//" in site else "//" + site).hostname or site


def site_of(options: UsageOptions, path: Path) -> str:
    """The site ``options`` name; an :class:`ImportFileError` asking for it if none."""
    if not options.site:
        raise ImportFileError(
            _(
                "{path}: the file does not name the Moodle site it comes from; "
                "give it with --site (e.g. --site www.e-inspe.fr)"
            ).format(path=path)
        )
    return host_of(options.site)


def write_moodle_run(
    raw_dir: Path,
    path: Path,
    kind: str,
    options: UsageOptions,
    db: duckdb.DuckDBPyConnection,
    unreadable: dict[str, list[int]],
    rows: int,
) -> ImportOutcome:
    """Write the run of ``kind`` (``moodle-log``…) from the relation ``events`` of ``db`` and
    the lines of ``unreadable`` (by what was wrong with them, which names no learner), of a
    file of ``rows`` events."""
    parameters = {
        "format": kind,
        "timezone": options.timezone,
        "site": options.site,
        "keep_events": options.keep_events,
    }
    read = _event_payloads if options.keep_events else _daily_payloads
    payloads = _chain(_unreadable_payloads(kind, unreadable), read(kind, options, db))
    outcome = write_import_run(raw_dir, f"import-{kind}", path, parameters, payloads, parse_payload)
    return replace(outcome, rows=rows)


def _chain(*parts: Iterator[tuple[bytes, dict]]) -> Iterator[tuple[bytes, dict]]:
    for part in parts:
        yield from part


def _unreadable_payloads(kind: str, unreadable: dict[str, list[int]]):
    for problem, lines in unreadable.items():
        content = {"problem": problem, "lines": lines}
        shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
        yield _json(content), {"format": kind, "lines": shown}


def _daily_payloads(kind: str, options: UsageOptions, db: duckdb.DuckDBPyConnection):
    rows = db.execute(_DAILY, {"zone": options.timezone}).fetchall()
    start = 0
    for end in range(1, len(rows) + 1):
        if end == len(rows) or rows[end][:2] != rows[start][:2]:
            site, day = rows[start][:2]
            counts = [
                {"course_id": course, "event": event, "count": count, "learners": learners}
                | {"origins": origins or {}}
                for _, _, course, event, count, learners, origins in rows[start:end]
            ]
            content = {"site": site, "day": day.isoformat(), "rows": counts}
            yield _json(content), {"format": kind, "site": site, "day": day.isoformat()}
            start = end


def _event_payloads(kind: str, options: UsageOptions, db: duckdb.DuckDBPyConnection):
    pseudonym = cache(options.pseudonymise)
    cursor = db.execute(_EVENTS, {"zone": options.timezone})
    while chunk := cursor.fetchmany(EVENTS_PER_PAYLOAD):
        events = [
            {
                "line": line,
                "at": at.isoformat(),
                "day": day.isoformat(),
                "site": site,
                "course_id": course,
                "event": event,
                "origin": origin,
                "learner": pseudonym(learner) if learner else None,
            }
            for line, at, day, site, course, event, origin, learner in chunk
        ]
        lines = f"{chunk[0][0]}-{chunk[-1][0]}"
        yield _json({"events": events}), {"format": kind, "lines": lines}


def _json(content: dict) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
