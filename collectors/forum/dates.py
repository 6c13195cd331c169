"""Dates as forums print them, in French or English, in the forum's time zone."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["forum_time"]

# Month name prefixes (accents removed, lower case), longest first where they overlap.
_MONTHS = [
    ("janv", 1), ("jan", 1), ("fev", 2), ("feb", 2), ("mars", 3), ("mar", 3), ("avr", 4),
    ("apr", 4), ("mai", 5), ("may", 5), ("juin", 6), ("jun", 6), ("juil", 7), ("jul", 7),
    ("aou", 8), ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
]  # fmt: skip
_CLOCK = r"(?P<hour>\d{1,2})[:h](?P<minute>\d{2})\s*(?P<half>am|pm)?"
_DAY_MONTH_YEAR = re.compile(
    r"(?P<day>\d{1,2})(?:er)?\s+(?P<month>[a-z]{3,})\.?,?\s+(?P<year>\d{4})"
)
_MONTH_DAY_YEAR = re.compile(r"(?P<month>[a-z]{3,})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})")
_NUMERIC = re.compile(  # 14/09/2026, or 14.09.2026 as German forums print it
    r"\b(?P<day>\d{1,2})(?P<sep>[/.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{2,4})\b"
)
_RELATIVE = re.compile(r"\b(?P<word>aujourd'hui|today|hier|yesterday)\b")


def _plain(text: str) -> str:
    """Lower case, accents and typographic apostrophes removed, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _month(name: str) -> int | None:
    return next((number for prefix, number in _MONTHS if name.startswith(prefix)), None)


def forum_time(text: str, timezone: str, now: datetime) -> datetime | None:
    """The UTC time of a post date as a forum prints it; None if it holds no date.

    Parameters
    ----------
    text : str
        The date as printed: "Lun 14 Sep 2026 - 9:05", "lun. 14 sept. 2026 09:05",
        "Mon Sep 14, 2026 9:05 am", "14/09/2026 à 09:05", "14.09.2026, 09:05",
        "Aujourd'hui à 10:20", "Hier à 8:00".
    timezone : str
        The forum's time zone (IANA name): forums print local times.
    now : datetime
        When the page was read: "today" and "yesterday" are relative to it.

    Examples
    --------
    >>> now = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)
    >>> forum_time("par alice » Lun 14 Sep 2026 - 9:05", "Europe/Paris", now)
    datetime.datetime(2026, 9, 14, 7, 5, tzinfo=datetime.timezone.utc)
    >>> forum_time("Mon Jan 12, 2026 9:05 pm", "Europe/Paris", now)
    datetime.datetime(2026, 1, 12, 20, 5, tzinfo=datetime.timezone.utc)
    >>> forum_time("Hier à 23:30", "Europe/Paris", now)
    datetime.datetime(2026, 9, 14, 21, 30, tzinfo=datetime.timezone.utc)
    """
    plain = _plain(text)
    zone = ZoneInfo(timezone)
    clock = re.search(_CLOCK, plain)
    relative = _RELATIVE.search(plain)
    if relative:
        days_back = 0 if relative["word"] in ("aujourd'hui", "today") else 1
        day = (now.astimezone(zone) - timedelta(days=days_back)).date()
    else:
        day = _calendar_day(plain)
    if day is None or clock is None:
        return None
    hour, minute = int(clock["hour"]), int(clock["minute"])
    if clock["half"]:
        hour = hour % 12 + (12 if clock["half"] == "pm" else 0)
    try:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    except ValueError:
        return None
    return local.astimezone(UTC)


def _calendar_day(plain: str):
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        for found in pattern.finditer(plain):
            month = _month(found["month"])
            if month is not None:
                return _date(int(found["year"]), month, int(found["day"]))
    found = _NUMERIC.search(plain)
    if found:
        year = int(found["year"])
        return _date(year + 2000 if year < 100 else year, int(found["month"]), int(found["day"]))
    return None


def _date(year: int, month: int, day: int):
    try:
        return datetime(year, month, day).date()
    except ValueError:
        return None
