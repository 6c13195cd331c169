"""What newsletter reports share: a campaign's counts as usage records, and reading the file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.imports.files import ImportFileError, decode_export
from collectors.parsing import ParseContext, ParseError, parse_datetime, text_params
from collectors.rawrun import Payload
from collectors.records import Usage, UsageKind
from collectors.speech import _

__all__ = ["Campaign", "campaign_usage", "read_json"]

#: ``(kind, count, url, event)`` of one campaign: the source's counts, None when it says none.
Counts = Iterable[tuple[UsageKind, Any, str | None, str]]


@dataclass(frozen=True)
class Campaign:
    """A campaign as its report names it: the service, id, name and sending time."""

    site: str  # "brevo", "mailchimp"
    id: str
    name: Any
    sent: Any  # the sending time as written (ISO 8601), None if never sent


def campaign_usage(
    campaign: Campaign, counts: Counts, payload: Payload, context: ParseContext
) -> list[Usage]:
    """The usage records of one campaign, on its sending day in the payload's ``timezone``.

    A campaign never sent gives none (counted as ignored); a count that is not a whole number
    is named.
    """
    at = parse_datetime(campaign.sent) if isinstance(campaign.sent, str) else None
    if at is None:
        context.ignore("campaigns not sent")
        return []
    zone = text_params(payload, "timezone").get("timezone", "UTC")
    try:
        day = at.astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError(f"payload {payload.seq}: unknown time zone {zone!r}") from None
    records = []
    for kind, count, url, event in counts:
        if count is None:
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ParseError(f"campaign {campaign.id}: {event} is not a count ({count!r})")
        records.append(
            Usage(
                source=context.source,
                run_id=context.run_id,
                collected_at=context.collected_at,
                site=campaign.site,
                day=day,
                kind=kind,
                count=count,
                url=url,
                channel=f"newsletter:{campaign.id}",
                event=event,
                occurred_at=at,
                title=campaign.name if isinstance(campaign.name, str) else None,
            )
        )
    return records


def read_json(path: Path) -> Any:
    """The JSON of a report file, or an :class:`ImportFileError` saying why not."""
    try:
        return json.loads(decode_export(path.read_bytes(), path))
    except ValueError as error:
        raise ImportFileError(
            _("{path}: not JSON ({error})").format(path=path, error=error)
        ) from None
