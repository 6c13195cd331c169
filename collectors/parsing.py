"""What every parser shares: its provenance context, its error type, time parsing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from collectors.rawrun import Payload
from collectors.records import Record, decode_record, encode_record

__all__ = [
    "ParseContext",
    "ParseError",
    "Parser",
    "decode_json",
    "guarded",
    "json_answer",
    "links_to",
    "parse_datetime",
    "text_params",
    "written_count",
]


@dataclass(frozen=True)
class ParseContext:
    """Provenance a parser stamps on every record it makes, and the parts of records it left
    out because their shape was unknown (``ignored``: what, and how many)."""

    source: str
    run_id: str
    collected_at: datetime
    ignored: Counter[str] = field(default_factory=Counter, compare=False)

    def ignore(self, what: str) -> None:
        """Note one part of a record left out, e.g. ``"embeds of unknown shape"``: platforms
        are open schemas, so an unknown part costs that part, never the record."""
        self.ignored[what] += 1

    def provenance(self, platform: str) -> dict[str, Any]:
        """The fields every record of ``platform`` takes from the context."""
        return {
            "source": self.source,
            "run_id": self.run_id,
            "collected_at": self.collected_at,
            "platform": platform,
        }


class ParseError(ValueError):
    """A payload a parser cannot read; the message says what was expected and where."""


#: What a parser raises when a payload has an unexpected shape (a missing key, a list where
#: an object was expected…), beside the errors it raises itself.
_SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError)


def guarded(parser: Parser) -> Parser:
    """``parser``, raising only :class:`ParseError` whatever the payload: a payload of an
    unexpected shape, or one that gives a record breaking the data contract (a count that is
    a list…), is named with what was wrong instead of stopping the run or its load."""

    def parse(payload: Payload, context: ParseContext) -> list[Record]:
        try:
            records = parser(payload, context)
        except ParseError:
            raise
        except _SHAPE_ERRORS as error:
            raise ParseError(
                f"payload {payload.seq}: not the shape expected ({type(error).__name__}: {error})"
            ) from None
        for record in records:  # a value of the wrong type would make the loader refuse the run
            try:
                decode_record(encode_record(record))
            except msgspec.ValidationError as error:
                message = f"payload {payload.seq}: a value of the wrong type ({error})"
                raise ParseError(message) from None
        return records

    parse.__doc__ = parser.__doc__
    return parse


def decode_json(payload: Payload) -> Any:
    """The JSON body of a payload; a :class:`ParseError` saying what came instead."""
    try:
        return json.loads(payload.content())
    except (ValueError, UnicodeDecodeError):
        start = payload.content()[:40].decode("utf-8", "replace").strip()
        raise ParseError(f"expected JSON, got {start!r}…") from None


def json_answer(payload: Payload) -> Any | None:
    """The JSON body of an API answer; None for an error answer (4xx, 5xx: no records).

    A body that is not JSON raises a :class:`ParseError` naming the payload.
    """
    if payload.status is not None and payload.status >= 400:
        return None
    try:
        return decode_json(payload)
    except ParseError as error:
        raise ParseError(f"payload {payload.seq}: {error}") from None


def text_params(payload: Payload, *names: str) -> dict[str, str]:
    """The request parameters ``names`` that the payload has, each of which must be a string
    (else a :class:`ParseError`: the run file was altered)."""
    found = {name: payload.params[name] for name in names if payload.params.get(name) is not None}
    for name, value in found.items():
        if not isinstance(value, str):
            raise ParseError(f"payload {payload.seq}: parameter {name!r} is not a string")
    return found


def written_count(data: dict[str, Any], name: str) -> int | None:
    """The count ``data[name]``, which APIs such as YouTube's and X archives write as a string.

    >>> written_count({"viewCount": "1520"}, "viewCount"), written_count({}, "likeCount")
    (1520, None)
    """
    value = data.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ParseError(f"{name} is not a number ({value!r})") from None


def links_to(url: str, domains: Iterable[str]) -> bool:
    """Whether ``url`` points to one of ``domains`` or their subdomains.

    >>> links_to("https://www.e-inspe.fr/x", ["e-inspe.fr"])
    True
    >>> links_to("https://e-inspe.fr.example.com/", ["e-inspe.fr"])
    False
    """
    host = urlsplit(url).hostname or ""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


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
