"""When synthetic teachers post: circadian, weekly and school-calendar rhythms.

A reaction time is drawn as a heavy-tailed delay after what prompted it (bursts), then
moved to a moment the author is plausibly active: a proposed time is accepted with the
author's relative activity at that hour, day and period of the school year, and otherwise
pushed later by an exponential wait and proposed again (thinning). Teachers post before
class, at lunch, in the evening, on Wednesday afternoons and Sunday evenings, less on
Saturdays and much less during school holidays.

The holidays are those of the 2026–2027 school year with the three zones merged
(approximate, for a demo).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["HOLIDAYS", "activity", "settle"]

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


def activity(times: pd.DatetimeIndex) -> np.ndarray:
    """Relative activity (0–1.1) of a teacher at each UTC time.

    Examples
    --------
    >>> times = pd.DatetimeIndex(["2026-09-08 19:00", "2026-09-08 01:00",
    ...                           "2026-10-20 19:00"], tz="UTC")
    >>> activity(times).round(3).tolist()  # Tuesday 21 h, Tuesday 3 h, holidays 21 h
    [1.0, 0.01, 0.35]
    """
    local = times.tz_convert(_PARIS)
    weights = _HOURLY[local.hour] * _WEEKLY[local.dayofweek]
    day = local.normalize().tz_localize(None)
    for first, last in HOLIDAYS:
        weights = np.where((day >= first) & (day <= last), weights * _HOLIDAY_ACTIVITY, weights)
    return weights


def settle(
    times: pd.DatetimeIndex, rng: np.random.Generator, mean_wait_hours: float = 1.5
) -> pd.DatetimeIndex:
    """Move each proposed time to a moment of activity, never earlier.

    Examples
    --------
    >>> night = pd.DatetimeIndex(["2026-09-08 01:00"] * 200, tz="UTC")  # 3 h in Paris
    >>> settled = settle(night, np.random.default_rng(0))
    >>> bool((settled >= night).all()), bool((settled.tz_convert(_PARIS).hour >= 6).mean() > .9)
    (True, True)
    """
    values = times.as_unit("ns").asi8.copy()
    pending = np.arange(len(values))
    ceiling = _HOURLY.max() * _WEEKLY.max()
    for _ in range(1_000):
        if not len(pending):
            break
        chance = activity(pd.DatetimeIndex(values[pending], tz="UTC")) / ceiling
        waiting = pending[rng.random(len(pending)) >= chance]
        waits = rng.exponential(mean_wait_hours * 3_600e9, size=len(waiting))
        values[waiting] += waits.astype(np.int64)
        pending = waiting
    return pd.DatetimeIndex(values, tz="UTC")
