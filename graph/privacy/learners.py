"""Erasing one learner of the usage imports from the raw runs.

Only the runs of ``essaim import … --keep-events`` hold learners, each by its pseudonym
(:meth:`graph.privacy.pseudonyms.Pseudonymiser.learner`): in the events of their payloads
(``{"events": [{…, "learner": "u_…"}]}``) and in their usage records. An erasure rewrites
every run holding the pseudonym: the payloads lose the learner's events and keep the others'
(re-written as compact JSON, base64 bodies decoded), a payload naming it elsewhere goes
whole, and so does every record line naming it. Daily counts name nobody and
stay. The runs are rewritten aside then put in place under the journal of every erasure
(:func:`graph.privacy.raw.prepare_rewrite`).

Examples
--------
>>> from datetime import UTC, datetime
>>> events = {"events": [{"line": 2, "learner": "u_1"}, {"line": 3, "learner": "u_2"}]}
>>> payload = Payload(seq=1, received_at=datetime.now(UTC), url="log.csv", body=json.dumps(events))
>>> kept = erase_learner_line(msgspec.json.encode(payload), "u_1")
>>> msgspec.json.decode(kept, type=Payload).body
'{"events":[{"line":3,"learner":"u_2"}]}'
>>> erase_learner_line(b'{"type":"usage","count":1,"learner":"u_1"}', "u_1") is None
True
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec

from collectors.rawrun import PAYLOAD_PREFIX, Payload
from collectors.records import Run
from collectors.speech import N_
from graph.privacy.raw import LineEraser, PreparedErasure, Warn, prepare_rewrite

__all__ = ["erase_learner_line", "prepare_learner_erasure"]

_BASE64 = b'"encoding":"base64"'


def prepare_learner_erasure(raw_dir: Path, pseudonym: str, warn: Warn) -> PreparedErasure:
    """Write aside every run holding the learner ``pseudonym``, rewritten without it (nothing
    changes until the commit; see :func:`graph.privacy.raw.prepare_rewrite`)."""

    def rewriter(run: Run) -> tuple[LineEraser, bool]:
        return (lambda line: erase_learner_line(line, pseudonym)), False

    return prepare_rewrite(raw_dir, rewriter, N_("the learner"), warn)


def erase_learner_line(line: bytes, pseudonym: str) -> bytes | None:
    """``line`` as it is, a payload rewritten without the learner's events, or None when it
    goes (a record naming the learner, a payload naming it outside its events)."""
    needle = pseudonym.encode()
    if needle not in line and _BASE64 not in line:  # a quick test first: most lines stay
        return line
    named = re.compile(rb"(?<![\w-])" + re.escape(needle) + rb"(?![\w-])").search
    if not line.startswith(PAYLOAD_PREFIX):
        return None if named(line) else line
    try:
        payload = msgspec.json.decode(line, type=Payload)
        content = payload.content()
    except (msgspec.DecodeError, ValueError):  # unreadable: it goes if it names the learner
        return None if named(line) else line
    if not named(content):
        return line
    try:
        data = json.loads(content)
    except ValueError:
        return None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        return None
    data["events"] = [
        event
        for event in events
        if not (isinstance(event, dict) and event.get("learner") == pseudonym)
    ]
    try:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate the file had: escaped
        body = json.dumps(data, separators=(",", ":")).encode()
    if named(body):
        return None
    return msgspec.json.encode(
        msgspec.structs.replace(payload, body=body.decode(), encoding="utf-8")
    )
