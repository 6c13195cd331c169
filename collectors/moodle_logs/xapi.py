"""``essaim import xapi``: xAPI statements from a learning record store, as a JSON array, an
LRS answer (an object whose ``statements`` is that array) or NDJSON (one statement a line).

A statement's time is its ``timestamp`` (else ``stored``), with any offset; its learner is the
actor's account, mailbox or name; its course is the ``id`` of an object such as
``https://…/course/view.php?id=101``, whose host names the site unless ``--site`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import duckdb
import pandas

from collectors.imports.files import ImportFileError, decode_export
from collectors.imports.run import ImportOutcome
from collectors.imports.usage import UsageOptions
from collectors.moodle_logs.runs import host_of, write_moodle_run
from collectors.speech import _

__all__ = ["import_xapi"]

_SEPARATORS = re.compile(r"[\s,]*")
_STATEMENTS = re.compile(r'"statements"\s*:\s*\[')


class _Unreadable(ValueError):
    """A statement that cannot be read; the message says why and names no learner."""


def import_xapi(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import xAPI statements as a run of ``import-xapi``."""
    zone = ZoneInfo(options.timezone)
    rows, unreadable = [], {}
    for line, statement in _statements(decode_export(path.read_bytes(), path)):
        try:
            rows.append(_event(line, statement, zone, options, path))
        except _Unreadable as error:
            unreadable.setdefault(str(error), []).append(line)
    columns = ["line", "at", "site", "course_id", "event", "origin", "learner"]
    events = pandas.DataFrame(rows, columns=columns)
    events["at"] = pandas.to_datetime(events["at"], utc=True)
    with duckdb.connect() as db:
        db.register("events", events)
        rows = len(events) + sum(map(len, unreadable.values()))
        return write_moodle_run(raw_dir, path, "xapi", options, db, unreadable, rows)


def _event(line: int, statement, zone: ZoneInfo, options: UsageOptions, path: Path) -> tuple:
    """One row of the relation ``events`` (see :mod:`collectors.moodle_logs.runs`)."""
    if not isinstance(statement, dict):
        raise _Unreadable("not an xAPI statement (an object with actor, verb and object)")
    verb = (statement.get("verb") or {}).get("id")
    target = (statement.get("object") or {}).get("id")
    if not isinstance(verb, str) or not isinstance(target, str):
        raise _Unreadable("a statement without a verb id or an object id")
    written = statement.get("timestamp") or statement.get("stored")
    if not written:
        raise _Unreadable("a statement without a timestamp")
    try:
        moment = datetime.fromisoformat(str(written))
    except ValueError:
        raise _Unreadable(f"the timestamp {written!r} cannot be read") from None
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
    parts = urlsplit(target)
    site = host_of(options.site) if options.site else parts.hostname
    if not site:
        raise ImportFileError(
            _("{path}, line {line}: the object {target} names no site; give it with --site").format(
                path=path, line=line, target=repr(target)
            )
        )
    course = parse_qs(parts.query).get("id", [None])[0]
    course = course if parts.path.endswith("/course/view.php") else None
    return line, moment, site, course, verb, None, _learner(statement.get("actor"))


def _learner(actor) -> str | None:
    """The actor's identifier: its account, mailbox (or its hash), OpenID or, last, name."""
    if not isinstance(actor, dict):
        return None
    account = actor.get("account")
    if isinstance(account, dict) and account.get("name"):
        return f"{account.get('homePage', '')}|{account['name']}"
    for key in ("mbox", "mbox_sha1sum", "openid", "name"):
        if actor.get(key):
            return str(actor[key])
    return None


def _statements(text: str) -> Iterator[tuple[int, object]]:
    """Each statement of the file and the line it starts on."""
    try:
        data = json.loads(text)
    except ValueError:
        yield from _json_lines(text)
        return
    if isinstance(data, list):
        yield from _elements(text, text.index("[") + 1)
    elif isinstance(data, dict) and isinstance(data.get("statements"), list):
        yield from _elements(text, _STATEMENTS.search(text).end())
    else:
        yield 1, data


def _elements(text: str, index: int) -> Iterator[tuple[int, object]]:
    """The values of the JSON array whose first value may start at ``index``, each with its
    line."""
    decoder, line, counted = json.JSONDecoder(), 1, 0
    while True:
        index = _SEPARATORS.match(text, index).end()
        if index >= len(text) or text[index] == "]":
            return
        value, end = decoder.raw_decode(text, index)
        line += text.count("\n", counted, index)
        counted = index
        yield line, value
        index = end


def _json_lines(text: str) -> Iterator[tuple[int, object]]:
    """NDJSON: each line's statement; a line that is not JSON is one that cannot be read."""
    for line, written in enumerate(text.splitlines(), start=1):
        if written.strip():
            try:
                yield line, json.loads(written)
            except ValueError:
                yield line, None
