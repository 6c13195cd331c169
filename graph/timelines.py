"""Adoptions over time: counts per period, cumulative curves, velocity and take-off.

Periods are cut in UTC; the app shows them in Europe/Paris.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FREQUENCIES", "timeline", "velocity"]

#: Period names and their pandas period frequencies (weeks run Monday to Sunday).
FREQUENCIES = {"hour": "h", "day": "D", "week": "W-SUN"}
_STEPS = {"hour": "h", "day": "D", "week": "7D"}  # from one period start to the next


def timeline(adoptions: pd.DataFrame, period: str = "day") -> pd.DataFrame:
    """Return the adoptions of each resource per platform and period, with running totals.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``adopted_at`` (adoptions with no time are left out).
    period : {"hour", "day", "week"}
        Weeks start on Monday.

    Returns
    -------
    DataFrame
        ``resource_id``, ``platform`` (one row per platform and one with ``"all"``),
        ``period`` (start, UTC), ``adoptions`` and ``cumulative``; periods without adoptions
        between the first and the last are present with 0.

    Examples
    --------
    >>> at = lambda day: pd.Timestamp(f"2026-09-{day:02d} 10:00", tz="UTC")
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": ["bluesky", "mastodon",
    ...     "bluesky"], "adopted_at": [at(1), at(1), at(3)]})
    >>> table = timeline(adoptions)
    >>> table[table["platform"] == "all"][["adoptions", "cumulative"]].values.tolist()
    [[2, 2], [0, 2], [1, 3]]
    """
    if period not in FREQUENCIES:
        raise ValueError(f"unknown period {period!r}: choose one of {', '.join(FREQUENCIES)}")
    timed = adoptions.dropna(subset=["adopted_at"])
    both = pd.concat([timed, timed.assign(platform="all")], ignore_index=True)
    frequency = FREQUENCIES[period]
    starts = both["adopted_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    both["period"] = starts.dt.to_period(frequency).dt.start_time.dt.tz_localize("UTC")
    counts = both.groupby(["resource_id", "platform", "period"]).size().rename("adoptions")
    filled = [
        series.droplevel([0, 1]).asfreq(_STEPS[period], fill_value=0).rename_axis("period")
        .reset_index().assign(resource_id=key[0], platform=key[1])
        for key, series in counts.groupby(level=[0, 1])
    ]  # fmt: skip
    columns = ["resource_id", "platform", "period", "adoptions"]
    if not filled:
        return pd.DataFrame(columns=[*columns, "cumulative"])
    table = pd.concat(filled, ignore_index=True)[columns]
    table["cumulative"] = table.groupby(["resource_id", "platform"])["adoptions"].cumsum()
    return table


def velocity(
    adoptions: pd.DataFrame,
    window_hours: int = 24,
    multiple: float = 3.0,
    min_adoptions: int = 5,
) -> pd.DataFrame:
    """Return each resource's adoption velocity hour by hour, and whether it is taking off.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id`` and ``adopted_at`` (adoptions with no time are left out).
    window_hours : int
        The sliding window: velocity at hour h is the adoptions in the ``window_hours`` hours
        ending with h, divided by ``window_hours`` (adoptions per hour).
    multiple : float
        Taking off: velocity at least ``multiple`` times the baseline…
    min_adoptions : int
        …and at least this many adoptions in the window (a resource going from 1 to 2
        adoptions is not taking off).

    Returns
    -------
    DataFrame
        ``resource_id``, ``hour`` (start, UTC), ``adoptions`` (in that hour), ``velocity``,
        ``baseline`` (mean adoptions per hour from the resource's first adoption until the
        window; NaN while there is less than one window of history before it) and
        ``taking_off``.

    Examples
    --------
    One adoption a day for ten days, then twelve in an afternoon:

    >>> start = pd.Timestamp("2026-09-01", tz="UTC")
    >>> times = [start + pd.Timedelta(days=d) for d in range(10)]
    >>> times += [start + pd.Timedelta(days=10, hours=14, minutes=5 * i) for i in range(12)]
    >>> table = velocity(pd.DataFrame({"resource_id": "r1", "adopted_at": times}))
    >>> last = table.iloc[-1]  # 12 in the window; 10 adoptions in the 231 hours before it
    >>> float(last["velocity"]), round(float(last["baseline"]), 4), bool(last["taking_off"])
    (0.5, 0.0433, True)
    """
    timed = adoptions.dropna(subset=["adopted_at"])
    hours = timed["adopted_at"].dt.floor("h")
    counts = timed.groupby([timed["resource_id"], hours.rename("hour")]).size()
    frames = []
    for resource, series in counts.groupby(level=0):
        hourly = series.droplevel(0).asfreq("h", fill_value=0)
        in_window = hourly.rolling(window_hours, min_periods=1).sum()
        before = hourly.cumsum().shift(window_hours)
        elapsed = pd.Series(range(len(hourly)), index=hourly.index) - window_hours + 1
        baseline = (before / elapsed).where(elapsed >= window_hours)
        frame = pd.DataFrame(
            {
                "resource_id": resource,
                "hour": hourly.index,
                "adoptions": hourly.to_numpy(),
                "velocity": (in_window / window_hours).to_numpy(),
                "baseline": baseline.to_numpy(),
            }
        )
        frame["taking_off"] = (
            (in_window.to_numpy() >= min_adoptions)
            & (frame["baseline"].notna())
            & (frame["velocity"] >= multiple * frame["baseline"])
        )
        frames.append(frame)
    columns = ["resource_id", "hour", "adoptions", "velocity", "baseline", "taking_off"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
