"""What every parser shares: its provenance context, its error type, time parsing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from collectors.rawrun import Payload
from collectors.records import Record

__all__ = ["ParseContext", "ParseError", "Parser", "parse_datetime"]


@dataclass(frozen=True)
class ParseContext:
    """Provenance a parser stamps on every record it makes."""

    source: str
    run_id: str
    collected_at: datetime


class ParseError(ValueError):
    """A payload a parser cannot read; the message says what was expected and where."""


def parse_datetime(value: str | None) -> datetime | None:
    """Parse an ISO 8601 time; a time without offset is taken as UTC.

    >>> parse_datetime("2026-09-01T10:15:00.123Z")
    datetime.datetime(2026, 9, 1, 10, 15, 0, 123000, tzinfo=datetime.timezone.utc)
    >>> parse_datetime("not a date") is None
    True
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


Parser = Callable[[Payload, ParseContext], list[Record]]
