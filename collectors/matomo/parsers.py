"""Matomo reports into usage records (pure functions of the stored payloads).

A report asked per day over a range (``period=day&date=FROM,TO``) answers a JSON object keyed
by day, each holding the report's rows (``[]`` for a day without visits); one day answers the
rows alone. Each row with ``nb_visits`` becomes a day's count of visits: from a social
network (``Referrers.getSocials``, ``label``: the network), from a campaign
(``Referrers.getCampaigns``, ``label``: its name) or to a page (``Actions.getPageUrls`` with
``flat=1``, ``url``: the page). The pages report is asked again for the visits from social
networks and from campaigns (``segment=referrerType==social``, ``referrerType==campaign``):
its rows are then a page's visits of channel ``social`` or ``campaign``, naming no network or
code. Matomo writes counts as numbers or as strings; other columns are left as they are. The
API's exports (CSV, TSV, JSON) hold the same rows, so the export import
(:mod:`collectors.matomo.exports`) uses :func:`report_usage` and :func:`row_usage` too.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from collectors.parsing import ParseContext, ParseError, json_answer, text_params
from collectors.rawrun import Payload
from collectors.records import Record, Usage

__all__ = [
    "REPORTS",
    "SEGMENTS",
    "error_message",
    "parse_payload",
    "period_day",
    "report_usage",
    "row_usage",
]

#: The reports read, and the channel their labels name (None: pages, whose rows name a URL).
REPORTS: dict[str, str | None] = {
    "Referrers.getSocials": "social",
    "Referrers.getCampaigns": "campaign",
    "Actions.getPageUrls": None,
}
#: The segments the pages report is asked for, and the channel of their rows.
SEGMENTS: dict[str, str] = {"referrerType==social": "social", "referrerType==campaign": "campaign"}


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored answer of Matomo's Reporting API; the site's description, other
    methods and error answers (``{"result": "error"}``) give no records, nor does a report of
    another segment than :data:`SEGMENTS` (counted as ignored)."""
    query = dict(parse_qsl(urlsplit(payload.url).query))
    method = query.get("method")
    data = json_answer(payload)
    if data is None or method not in REPORTS or error_message(data) is not None:
        return []
    segment = query.get("segment")
    if segment is not None and (REPORTS[method] is not None or segment not in SEGMENTS):
        context.ignore("Matomo reports of another segment")
        return []
    site = text_params(payload, "site").get("site") or urlsplit(payload.url).hostname or ""
    try:
        return report_usage(method, data, query.get("date", ""), site, context,
                            SEGMENTS.get(segment or ""))  # fmt: skip
    except ParseError as error:
        raise ParseError(f"payload {payload.seq} ({method}): {error}") from None


def error_message(data: Any) -> str | None:
    """The message of Matomo's error answer (sent with HTTP 200), else None.

    >>> error_message({"result": "error", "message": "The token is invalid."})
    'The token is invalid.'
    >>> error_message({"2026-09-01": []}) is None
    True
    """
    if isinstance(data, dict) and data.get("result") == "error":
        return str(data.get("message") or "no message")
    return None


def report_usage(
    method: str,
    data: Any,
    date_asked: str,
    site: str,
    context: ParseContext,
    segment: str | None = None,
) -> list[Usage]:
    """The usage records of one report's answer: ``data`` keyed by day, or the rows of the one
    day ``date_asked``; ``segment``: the channel of a segmented pages report's rows. A period
    longer than a day is left out (and counted as ignored)."""
    if isinstance(data, dict):
        periods = list(data.items())
    elif isinstance(data, list):
        periods = [(date_asked, data)]
    else:
        raise ParseError(f"expected the rows of each day, got {type(data).__name__}")
    records = []
    for key, rows in periods:
        day = period_day(key)
        if day is None:
            context.ignore("Matomo rows of a period longer than a day")
            continue
        if not isinstance(rows, list):
            raise ParseError(f"the rows of {key} are not a list")
        for row in rows:
            usage = row_usage(method, day, row, site, context, segment)
            if usage is not None:
                records.append(usage)
    return records


def row_usage(
    method: str,
    day: date,
    row: Any,
    site: str,
    context: ParseContext,
    segment: str | None = None,
) -> Usage | None:
    """One report row as the day's visits of its channel or page (of channel ``segment`` in a
    segmented pages report); None (counted as ignored) for a row without ``nb_visits`` or, in
    the pages report, without ``url``.

    >>> from datetime import UTC, datetime
    >>> context = ParseContext("matomo", "r", datetime(2026, 9, 2, tzinfo=UTC))
    >>> usage = row_usage("Referrers.getSocials", date(2026, 9, 1),
    ...                   {"label": "LinkedIn", "nb_visits": "7"}, "www.e-inspe.fr", context)
    >>> usage.channel, usage.count, usage.url
    ('social:linkedin', 7, None)
    """
    if not isinstance(row, dict):
        context.ignore("Matomo rows that are not objects")
        return None
    visits = _count(row.get("nb_visits"))
    if visits is None:
        context.ignore("Matomo rows without nb_visits")
        return None
    kind = REPORTS[method]
    label = str(row.get("label") or "").strip()
    url, channel = None, segment
    if kind is None:
        url = row.get("url")
        if not isinstance(url, str) or not url:
            context.ignore("Matomo page rows without url")
            return None
    elif not label:
        context.ignore("Matomo rows without label")
        return None
    else:
        channel = f"{kind}:{label.lower() if kind == 'social' else label}"
    return Usage(
        source=context.source,
        run_id=context.run_id,
        collected_at=context.collected_at,
        site=site,
        day=day,
        kind="visit",
        count=visits,
        url=url,
        channel=channel,
        event=method,
    )


def period_day(key: Any) -> date | None:
    """The day a report's key names; None for a longer period (``"2026-09-01,2026-09-07"``,
    ``"2026-09"``)."""
    text = str(key).strip()
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ParseError(f"{text!r} is not a day") from None


def _count(value: Any) -> int | None:
    """A count Matomo wrote as a number or a string; None when absent or not a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 0 else None
