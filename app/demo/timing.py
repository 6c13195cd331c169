"""When synthetic teachers post: circadian, weekly and school-calendar rhythms.

A reaction time is drawn as a heavy-tailed delay after what prompted it (bursts), then
moved to an hour the author is plausibly active (:func:`settle`): teachers post before
class, at lunch and in the evening. Whether it happens at all depends on the day
(:func:`thin`): less on Saturdays, much less during school holidays, more on Wednesdays (a
free afternoon).

The holidays are those of the 2026–2027 school year with the three zones merged
(approximate, for a demo).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HOLIDAYS", "day_activity", "settle", "thin"]

#: Relative activity by local hour (Europe/Paris), 0 h to 23 h.
_HOURLY = np.array([.04, .02, .01, .01, .01, .03, .15, .50, .60, .40, .45, .50,
                    .80, .70, .40, .40, .55, .70, .75, .70, .90, 1.0, .70, .30])  # fmt: skip
#: Relative activity by weekday (Monday first): Wednesday afternoons are free, Sunday evenings
#: are for preparing the week.
_WEEKLY = np.array([1.0, 1.0, 1.1, 1.0, 0.9, 0.5, 0.8])
#: School holidays (first and last day, inclusive), and the activity they keep.
HOLIDAYS = [("2026-07-04", "2026-08-31"), ("2026-10-17", "2026-11-01"),
            ("2026-12-19", "2027-01-03"), ("2027-02-07", "2027-03-07"),
            ("2027-04-03", "2027-05-02"), ("2027-07-03", "2027-08-31")]  # fmt: skip
_HOLIDAY_ACTIVITY = 0.35
_PARIS = "Europe/Paris"


def day_activity(times: pd.DatetimeIndex) -> np.ndarray:
    """Relative activity (0–1.1) of teachers on the day of each UTC time: weekday, holidays.

    Examples
    --------
    >>> times = pd.DatetimeIndex(["2026-09-09 10:00", "2026-09-12 10:00",
    ...                           "2026-10-21 10:00"], tz="UTC")
    >>> day_activity(times).round(3).tolist()  # a Wednesday, a Saturday, a holiday Wednesday
    [1.1, 0.5, 0.385]
    """
    local = times.tz_convert(_PARIS)
    weights = _WEEKLY[local.day_of_week]
    day = local.normalize().tz_localize(None)
    for first, last in HOLIDAYS:
        weights = np.where((day >= first) & (day <= last), weights * _HOLIDAY_ACTIVITY, weights)
    return weights


def thin(times: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Which of these posts happen: each is kept with its day's relative activity."""
    return rng.random(len(times)) < day_activity(times) / _WEEKLY.max()


def settle(
    times: pd.DatetimeIndex, rng: np.random.Generator, mean_wait_hours: float = 1.5
) -> pd.DatetimeIndex:
    """Move each proposed time to an hour of activity, never earlier.

    A proposal is accepted with the relative activity of its local hour, else pushed later
    by an exponential wait and proposed again.

    Examples
    --------
    >>> night = pd.DatetimeIndex(["2026-09-08 01:00"] * 200, tz="UTC")  # 3 h in Paris
    >>> settled = settle(night, np.random.default_rng(0))
    >>> bool((settled >= night).all()), bool((settled.tz_convert(_PARIS).hour >= 6).mean() > .9)
    (True, True)
    """
    values = times.as_unit("ns").asi8.copy()
    pending = np.arange(len(values))
    for _ in range(1_000):
        if not len(pending):
            break
        hours = pd.DatetimeIndex(values[pending], tz="UTC").tz_convert(_PARIS).hour
        waiting = pending[rng.random(len(pending)) >= _HOURLY[hours] / _HOURLY.max()]
        waits = rng.exponential(mean_wait_hours * 3_600e9, size=len(waiting))
        values[waiting] += waits.astype(np.int64)
        pending = waiting
    return pd.DatetimeIndex(values, tz="UTC")
