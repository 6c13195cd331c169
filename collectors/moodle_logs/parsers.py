"""A Moodle usage payload → :class:`~collectors.records.Usage` records (see
:mod:`collectors.moodle_logs.runs` for the payloads)."""

from __future__ import annotations

from datetime import date

from collectors.moodle_logs.events import kind_of
from collectors.parsing import ParseContext, ParseError, decode_json, parse_datetime
from collectors.rawrun import Payload
from collectors.records import Usage

__all__ = ["parse_payload"]


def parse_payload(payload: Payload, context: ParseContext) -> list[Usage]:
    """The records of one payload: one per course, event and day, or one per event.

    An event that is no view, enrolment or completion, and one without a course id, is
    counted in ``context.ignored``; rows the import could not read raise a ParseError saying
    why.
    """
    data = decode_json(payload)
    if "problem" in data:
        raise ParseError(data["problem"])
    if "events" in data:
        rows = data["events"]
    else:
        rows = [row | {"site": data["site"], "day": data["day"]} for row in data["rows"]]
    records = []
    for row in rows:
        count = row.get("count", 1)
        kind = kind_of(row["event"])
        if kind is None:
            context.ignored[f"events {row['event']!r}"] += count
            continue
        if not row["course_id"]:
            context.ignored["events without a course id"] += count
            continue
        records.append(
            Usage(
                source=context.source,
                run_id=context.run_id,
                collected_at=context.collected_at,
                site=row["site"],
                day=date.fromisoformat(row["day"]),
                kind=kind,
                count=count,
                course_id=str(row["course_id"]),
                event=row["event"],
                learners=row.get("learners"),
                learner=row.get("learner"),
                occurred_at=parse_datetime(row.get("at")),
            )
        )
    return records
