"""Periods of time to rank and report over: the last week, month or term, or chosen days.

Days are Paris days (Europe/Paris, where the resources' users live): a period starts and ends
at midnight in Paris, kept as aware UTC times, its end excluded. A week is an ISO week
(Monday to Sunday); a month a calendar month; a term a French school trimester: T1 from
1 September to 31 December, T2 from 1 January to 31 March, T3 from 1 April to 30 June
(1 July to 31 August is the summer, no term), labelled by the year it starts in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from collectors.errors import UserError
from collectors.speech import _

__all__ = [
    "PARIS",
    "Period",
    "days",
    "last_days",
    "parse_period",
    "previous",
    "ranked",
    "with_change",
]

#: The time zone whose days periods are made of.
PARIS = ZoneInfo("Europe/Paris")
#: The month each term starts in, and the month after it ends (T1 ends with December).
_TERMS = {1: (9, 13), 2: (1, 4), 3: (4, 7)}
_DAYS = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})?")


@dataclass(frozen=True)
class Period:
    """Paris days from ``start`` to ``end`` (aware UTC times, ``end`` excluded).

    ``label`` names it neutrally: ``2026-W49`` (ISO week), ``2026-11`` (month), ``2026-T1``
    (term) or ``2026-09-01..2026-09-30`` (days, the last included); ``kind`` is ``week``,
    ``month``, ``term`` or ``days``.
    """

    start: datetime
    end: datetime
    label: str
    kind: str = "days"


def _midnight(day: date) -> datetime:
    """Midnight in Paris starting ``day``, in UTC."""
    return datetime.combine(day, time(), PARIS).astimezone(UTC)


def _paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _period(first: date, after: date, kind: str) -> Period:
    """The Paris days from ``first`` to ``after`` (excluded), labelled as ``kind`` says."""
    if kind == "week":
        year, week, _ = first.isocalendar()
        label = f"{year}-W{week:02d}"
    elif kind == "month":
        label = f"{first:%Y-%m}"
    elif kind == "term":
        label = f"{first.year}-T{next(t for t, (m, _) in _TERMS.items() if m == first.month)}"
    else:
        label = f"{first.isoformat()}..{(after - timedelta(days=1)).isoformat()}"
    return Period(_midnight(first), _midnight(after), label, kind)


def _month_start(day: date, months_back: int = 0) -> date:
    """The first day of ``day``'s month, ``months_back`` months earlier."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _term_before(day: date) -> tuple[date, date]:
    """The first day and the day after the last of the last term ending by ``day``."""
    ends = [date(day.year, month, 1) for month in (7, 4, 1)]
    end = next(end for end in ends if end <= day)
    if end.month == 1:
        return date(end.year - 1, 9, 1), end
    return date(end.year, end.month - 3, 1), end


def parse_period(text: str, now: datetime) -> Period:
    """Return the period ``text`` names, as of ``now`` (an aware time).

    ``week``, ``month`` and ``term`` are the last such period complete at ``now`` (its end no
    later than ``now``); ``FROM..TO`` the days from FROM to TO included, ``FROM..`` from FROM
    to the day of ``now`` included.

    Raises :class:`~collectors.errors.UserError` (one sentence) on any other text.

    Examples
    --------
    >>> now = datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday
    >>> week = parse_period("week", now)
    >>> week.label, week.start.isoformat(), week.end.isoformat()
    ('2026-W48', '2026-11-22T23:00:00+00:00', '2026-11-29T23:00:00+00:00')
    >>> parse_period("month", now).label, parse_period("term", now).label
    ('2026-11', '2026-T3')
    >>> parse_period("2026-09-01..2026-09-30", now).end.isoformat()
    '2026-09-30T22:00:00+00:00'
    >>> parse_period("2026-11-30..", now).label
    '2026-11-30..2026-12-02'
    """
    today = _paris_day(now)
    words = text.strip().lower()
    if words == "week":
        monday = today - timedelta(days=today.weekday())
        return _period(monday - timedelta(days=7), monday, "week")
    if words == "month":
        return _period(_month_start(today, 1), _month_start(today), "month")
    if words == "term":
        return _period(*_term_before(today), "term")
    found = _DAYS.fullmatch(words)
    try:
        first = date.fromisoformat(found[1]) if found else None
        last = date.fromisoformat(found[2]) if found and found[2] else today
    except ValueError:
        first = None
    if first is None:
        raise UserError(
            _(
                "--period {text!r} is not week, month, term, FROM..TO or FROM.. "
                "(days as YYYY-MM-DD, TO included)"
            ).format(text=text)
        )
    if last < first:
        raise UserError(_("--period {text!r} ends before it starts").format(text=text))
    return _period(first, last + timedelta(days=1), "days")


def last_days(count: int, now: datetime) -> Period:
    """Return the ``count`` Paris days ending with the day of ``now`` (included).

    >>> last = last_days(7, datetime(2026, 12, 2, 10, tzinfo=UTC))
    >>> last.label, last.start.isoformat(), last.end.isoformat()
    ('2026-11-26..2026-12-02', '2026-11-25T23:00:00+00:00', '2026-12-02T23:00:00+00:00')
    """
    today = _paris_day(now)
    return _period(today - timedelta(days=count - 1), today + timedelta(days=1), "days")


def previous(period: Period) -> Period:
    """Return the period just before ``period``: the previous week, month or term (T1's is
    T3, the summer between being no term), or as many days just before.

    >>> november = parse_period("month", datetime(2026, 12, 2, tzinfo=UTC))
    >>> previous(november).label, previous(previous(november)).label
    ('2026-10', '2026-09')
    >>> previous(parse_period("2026-09-10..2026-09-19", datetime.now(UTC))).label
    '2026-08-31..2026-09-09'
    """
    first, after = _paris_day(period.start), _paris_day(period.end)
    if period.kind == "month":
        return _period(_month_start(first, 1), first, "month")
    if period.kind == "term":
        return _period(*_term_before(first), "term")
    return _period(first - (after - first), first, period.kind)


def days(period: Period) -> int:
    """Return how many Paris days ``period`` holds (a day that gains or loses an hour is one).

    >>> days(parse_period("2026-10-19..2026-10-25", datetime.now(UTC)))  # 169 hours
    7
    """
    return (_paris_day(period.end) - _paris_day(period.start)).days


def with_change(
    current: pd.DataFrame,
    before: pd.DataFrame,
    key: list[str],
    columns: list[str],
    absent: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Return ``current`` with, for each of ``columns``, ``<column>_before`` (its value in
    ``before``; for a row ``before`` lacks, its value in ``absent``, such as 0 for a count,
    else null) and ``<column>_change`` (current minus before, null when either is unknown).

    >>> now = pd.DataFrame({"id": ["a", "b"], "n": [5, 2], "reach": [7.0, None]})
    >>> then = pd.DataFrame({"id": ["a", "c"], "n": [3, 9], "reach": [None, 1.0]})
    >>> changed = with_change(now, then, ["id"], ["n", "reach"], absent={"n": 0})
    >>> changed[["n_before", "n_change", "reach_before", "reach_change"]].to_dict("list")
    {'n_before': [3.0, 0.0], 'n_change': [2.0, 2.0], 'reach_before': [nan, nan], \
'reach_change': [nan, nan]}
    """
    earlier = before[[*key, *columns]].rename(columns={c: f"{c}_before" for c in columns})
    table = current.merge(earlier, on=key, how="left", indicator=True)
    lacking = table.pop("_merge") == "left_only"
    for column in columns:
        was = pd.to_numeric(table[f"{column}_before"], errors="coerce").astype("float64")
        if absent and column in absent:
            was = was.mask(lacking, absent[column])
        table[f"{column}_before"] = was
        now = pd.to_numeric(table[column], errors="coerce").astype("float64")
        table[f"{column}_change"] = now - was
    return table


def ranked(frame: pd.DataFrame, by: str, key: list[str]) -> pd.DataFrame:
    """Return ``frame`` ranked by ``by``, largest first, with its ``rank`` in front.

    Ties share a rank and the next rank skips as many places (competition ranking: 1, 2, 2,
    4); unknown values come last, all at one rank; rows tied are in the order of ``key``.

    >>> frame = pd.DataFrame({"id": ["d", "c", "b", "a", "e"], "n": [1, 5, None, 5, 3]})
    >>> ranked(frame, "n", ["id"]).to_dict("list")
    {'rank': [1, 1, 3, 4, 5], 'id': ['a', 'c', 'e', 'd', 'b'], 'n': [5.0, 5.0, 3.0, 1.0, nan]}
    """
    values = pd.to_numeric(frame[by], errors="coerce").astype("float64")
    order = frame.assign(_value=values).sort_values(key, kind="stable")
    order = order.sort_values("_value", ascending=False, na_position="last", kind="stable")
    rank = order["_value"].rank(method="min", ascending=False)
    rank = rank.fillna(order["_value"].notna().sum() + 1).astype("int64")
    return (
        order.drop(columns="_value")
        .assign(rank=rank)
        .reset_index(drop=True)[["rank", *frame.columns]]
    )
