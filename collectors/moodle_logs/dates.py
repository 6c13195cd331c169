"""Reading the times of Moodle's log report: localised, without a zone, or Excel serials."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["read_time", "read_times"]

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "janvier"),
            ("february", "février", "fevrier"),
            ("march", "mars"),
            ("april", "avril"),
            ("may", "mai"),
            ("june", "juin"),
            ("july", "juillet"),
            ("august", "août", "aout"),
            ("september", "septembre"),
            ("october", "octobre"),
            ("november", "novembre"),
            ("december", "décembre", "decembre"),
        ],
        start=1,
    )
    for name in names
}
_CLOCK = r"(?P<hour>\d{1,2})[:h](?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<half>[ap]\.?m\.?)?"
#: "lundi 3 novembre 2025, 14:05", "Monday, 3 November 2025, 2:05 PM", "3 November 2025, 14:05:09"
_WORDS = re.compile(
    r"(?:[^\W\d]+,?\s+)?(?P<day>\d{1,2})(?:er)?\s+(?P<month>[^\W\d]+)\s+(?P<year>\d{4}),?\s+"
    + _CLOCK
)
#: "3/11/25, 14:05", "03/11/2025 14:05" (day first, as Moodle's English and French packs write)
_DIGITS = re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{2}|\d{4}),?\s+" + _CLOCK)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def read_time(value: object, zone: ZoneInfo) -> datetime | None:
    """The UTC time of one cell of the log report, read in ``zone``; None if unreadable.

    >>> paris = ZoneInfo("Europe/Paris")
    >>> read_time("lundi 3 novembre 2025, 14:05", paris).isoformat()
    '2025-11-03T13:05:00+00:00'
    >>> read_time("Monday, 3 November 2025, 2:05 PM", paris).isoformat()
    '2025-11-03T13:05:00+00:00'
    >>> read_time(45964.5, paris).isoformat()  # an Excel serial: 3 November 2025, noon
    '2025-11-03T11:00:00+00:00'
    >>> read_time("lundi 32 novembre 2025, 14:05", paris) is None
    True
    """
    local = _local_time(value)
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    return local.astimezone(UTC)


def read_times(values, zone: ZoneInfo) -> dict[object, datetime | None]:
    """Each distinct value of ``values`` and its UTC time (a file has few distinct times)."""
    return {value: read_time(value, zone) for value in set(values)}


def _local_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _EXCEL_EPOCH + timedelta(days=value) if 0 < value < 2958466 else None
    text = " ".join(str(value).split()).casefold()
    found = _WORDS.fullmatch(text) or _DIGITS.fullmatch(text)
    if found is None:
        try:
            return datetime.fromisoformat(text.upper())
        except ValueError:
            return None
    parts = found.groupdict()
    month = _MONTHS.get(parts["month"]) if parts["month"].isalpha() else int(parts["month"])
    year = int(parts["year"]) + (2000 if len(parts["year"]) == 2 else 0)
    hour = int(parts["hour"])
    if parts["half"]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if parts["half"].startswith("p") else 0)
    minute, second = int(parts["minute"]), int(parts["second"] or 0)
    try:
        return datetime(year, month or 0, int(parts["day"]), hour, minute, second)
    except ValueError:
        return None
