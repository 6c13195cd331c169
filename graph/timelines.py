"""Adoptions over time: counts per period, cumulative curves, velocity and take-off.

Periods are cut in UTC; the app shows them in Europe/Paris.

**Take-off** is burst detection by Kleinberg's two-state automaton (Kleinberg, *Bursty and
Hierarchical Structure in Streams*, KDD 2002 and Data Min. Knowl. Disc. 7(4), 2003,
doi:10.1023/A:1024940629314), on hourly counts: Kleinberg's states emit events at
exponential gaps, so an hour's count is Poisson with the state's rate. Each resource's base
state expects its own mean rate, shaped by the hour of the week (Paris) at which all
adoptions of the analysis happen: λ₀(t) = n/T · w(t) with w of mean 1 over the hours;
the burst state expects ``scale`` × λ₀(t). Entering the burst state costs γ·ln T (T: the
resource's hours), leaving it costs nothing; the least costly sequence of states (Viterbi)
is the answer (on equal costs a state is kept rather than changed, and the base state wins
at the end). The entry cost is the hysteresis: a burst is
entered only on enough evidence and is not left for one quiet hour. A run of burst hours is
an episode when it holds at least ``min_adoptions`` adoptions.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from collectors.speech import _

__all__ = ["FREQUENCIES", "bursts", "episodes", "timeline", "velocity", "week_profile"]

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
        raise ValueError(
            _("unknown period {period!r}: choose one of {periods}").format(
                period=period, periods=", ".join(FREQUENCIES)
            )
        )
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


def velocity(adoptions: pd.DataFrame, window_hours: int = 24) -> pd.DataFrame:
    """Return each resource's adoption velocity hour by hour.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id`` and ``adopted_at`` (adoptions with no time are left out).
    window_hours : int
        Velocity at hour h is the adoptions in the ``window_hours`` hours ending with h,
        divided by ``window_hours`` (adoptions per hour).

    Returns
    -------
    DataFrame
        ``resource_id``, ``hour`` (start, UTC), ``adoptions`` (in that hour) and ``velocity``,
        every hour from each resource's first adoption to the last hour of any adoption.

    Examples
    --------
    >>> at = pd.Timestamp("2026-09-01 10:00", tz="UTC")
    >>> table = velocity(pd.DataFrame({"resource_id": "r1",
    ...     "adopted_at": [at, at, at + pd.Timedelta(hours=2)]}), window_hours=2)
    >>> table["velocity"].tolist()
    [1.0, 1.0, 0.5]
    """
    timed = adoptions.dropna(subset=["adopted_at"])
    columns = ["resource_id", "hour", "adoptions", "velocity"]
    if timed.empty:
        return pd.DataFrame(columns=columns)
    hours = timed["adopted_at"].dt.floor("h")
    counts = timed.groupby([timed["resource_id"], hours.rename("hour")]).size()
    last = hours.max()
    frames = []
    for resource, series in counts.groupby(level=0):
        span = pd.date_range(series.index[0][1], last, freq="h")
        hourly = series.droplevel(0).reindex(span, fill_value=0)
        in_window = hourly.rolling(window_hours, min_periods=1).sum()
        frames.append(pd.DataFrame({"resource_id": resource, "hour": span,
                                    "adoptions": hourly.to_numpy(),
                                    "velocity": in_window.to_numpy() / window_hours}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns]


def week_profile(adoptions: pd.DataFrame) -> pd.Series:
    """Relative activity of each hour of the week (Paris; 0 = Monday 0 h), mean 1.

    The adoptions of every resource in each hour of the week, plus one, over the times that
    hour occurs between the first and the last adoption.

    167 adoptions on a Monday at 8 h (Paris), the only hour seen: that hour's rate is 168,
    every other hour's 1 (an hour that never occurs counts as occurring once), mean 335/168.

    >>> at = pd.Timestamp("2026-09-07 06:30", tz="UTC")
    >>> profile = week_profile(pd.DataFrame({"adopted_at": [at] * 167}))
    >>> round(float(profile[8]), 3), round(float(profile[9]), 4)
    (84.251, 0.5015)
    """
    times = adoptions["adopted_at"].dropna()
    if times.empty:
        return pd.Series(1.0, index=range(168))
    local = times.dt.tz_convert("Europe/Paris")
    counts = (local.dt.day_of_week * 24 + local.dt.hour).value_counts()
    span = pd.date_range(times.min().floor("h"), times.max().floor("h"), freq="h")
    span = span.tz_convert("Europe/Paris")
    occurs = pd.Series(span.day_of_week * 24 + span.hour).value_counts()
    rate = (counts.reindex(range(168), fill_value=0) + 1) / occurs.reindex(
        range(168), fill_value=0
    ).clip(lower=1)
    return rate / rate.mean()


def bursts(
    table: pd.DataFrame,
    profile: pd.Series,
    scale: float = 3.0,
    cost: float = 1.0,
    min_adoptions: int = 5,
) -> pd.DataFrame:
    """Add to an hourly table what Kleinberg's two-state automaton says of each hour.

    Parameters
    ----------
    table : DataFrame
        ``resource_id``, ``hour`` (UTC, every hour of each resource's span) and
        ``adoptions``, as :func:`velocity` returns.
    profile : Series
        Relative activity by hour of the week, as :func:`week_profile` returns.
    scale : float
        The burst state's rate, as a multiple of the base state's.
    cost : float
        γ: entering the burst state costs γ·ln T.
    min_adoptions : int
        Fewest adoptions in a run of burst hours for it to be an episode.

    Returns
    -------
    DataFrame
        ``table`` with ``baseline`` (adoptions per hour the base state expects) and
        ``taking_off`` (the hour belongs to an episode).

    Examples
    --------
    Two quiet days, one adoption every four hours, then eight in one hour: with a flat
    profile the base rate is 20/49 per hour and only the busy hour is a burst.

    >>> hours = pd.date_range("2026-09-07", periods=49, freq="h", tz="UTC")
    >>> counts = [1 if h % 4 == 0 else 0 for h in range(48)] + [8]
    >>> table = pd.DataFrame({"resource_id": "r1", "hour": hours, "adoptions": counts})
    >>> found = bursts(table, pd.Series(1.0, index=range(168)))
    >>> found.loc[found["taking_off"], "hour"].dt.hour.tolist()
    [0]
    """
    baseline = pd.Series(np.nan, index=table.index)
    flags = pd.Series(False, index=table.index)
    for _resource, hourly in table.groupby("resource_id", sort=False):
        counts = hourly["adoptions"].to_numpy(float)
        local = hourly["hour"].dt.tz_convert("Europe/Paris")
        weights = profile.reindex(local.dt.day_of_week * 24 + local.dt.hour).to_numpy(float)
        base = counts.sum() / len(counts) * weights / weights.mean()
        states = _viterbi(counts, base, scale, cost * math.log(max(len(counts), 2)))
        baseline[hourly.index] = base
        flags[hourly.index] = _kept(states, counts, min_adoptions)
    return table.assign(baseline=baseline.to_numpy(), taking_off=flags.to_numpy(bool))


def episodes(
    table: pd.DataFrame,
    adoptions: pd.DataFrame,
    memberships: pd.DataFrame,
    actions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return each take-off episode with what drove it.

    Parameters
    ----------
    table : DataFrame
        As :func:`bursts` returns.
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at``, ``cascade``.
    memberships : DataFrame
        ``platform``, ``account_id``, ``community``.
    actions : DataFrame, optional
        ``label``, ``date`` and ``resources`` (set of resource ids) of campaign actions.

    Returns
    -------
    DataFrame
        ``resource_id``, ``episode`` (1, 2… per resource), ``start``, ``end`` (the hour after
        its last), ``peak`` (its busiest hour), ``peak_adoptions``, ``adoptions``,
        ``expected`` (what the base state expected over the episode), ``cascade`` and
        ``cascade_adoptions`` (the cascade with the most adoptions in it; of those tied, the
        first to adopt in it), ``community`` and ``community_adopters`` (likewise, its
        adopters counted once), ``action`` (the label of a campaign action on the
        resource dated from a day before the start to the end, if any).
    """
    columns = ["resource_id", "episode", "start", "end", "peak", "peak_adoptions",
               "adoptions", "expected", "cascade", "cascade_adoptions", "community",
               "community_adopters", "action"]  # fmt: skip
    flagged = table[table["taking_off"]].sort_values(["resource_id", "hour"])
    if flagged.empty:
        times = pd.Series(dtype="datetime64[ns, UTC]")
        return pd.DataFrame({"resource_id": pd.Series(dtype=object), "episode": 0, "start": times,
                             "end": times, "peak": times, "peak_adoptions": 0, "adoptions": 0,
                             "expected": 0.0, "cascade": pd.Series(dtype=object),
                             "cascade_adoptions": 0, "community": pd.Series(dtype="Int64"),
                             "community_adopters": 0, "action": pd.Series(dtype=object)},
                            index=pd.RangeIndex(0))[columns]  # fmt: skip
    gap = flagged["hour"].diff().ne(pd.Timedelta(hours=1))
    run = (gap | flagged["resource_id"].ne(flagged["resource_id"].shift())).cumsum()
    hours = flagged.groupby(run, sort=True)
    found = pd.DataFrame(
        {
            "resource_id": hours["resource_id"].first(),
            "start": hours["hour"].first(),
            "end": hours["hour"].last() + pd.Timedelta(hours=1),
            "peak": flagged.loc[hours["adoptions"].idxmax(), "hour"].to_numpy(),
            "peak_adoptions": hours["adoptions"].max().astype("int64"),
            "adoptions": hours["adoptions"].sum().astype("int64"),
            "expected": hours["baseline"].sum().astype("float64"),
        }
    ).reset_index(drop=True)
    inside = _inside(found, adoptions, memberships)
    found["cascade"], found["cascade_adoptions"] = _most_common(inside, "cascade", len(found))
    accounts = inside.drop_duplicates(["episode", "platform", "account_id"])
    found["community"], found["community_adopters"] = _most_common(
        accounts, "community", len(found)
    )
    found["action"] = [_action(actions, *episode) for episode in
                       found[["resource_id", "start", "end"]].itertuples(index=False)]  # fmt: skip
    found.insert(1, "episode", found.groupby("resource_id").cumcount() + 1)
    return found.astype({"community": "Int64"})[columns]


def _inside(found: pd.DataFrame, adoptions: pd.DataFrame, memberships: pd.DataFrame):
    """The timed adoptions during each episode (row ``episode`` of ``found``), in order of
    time, with their account's community."""
    timed = adoptions.loc[adoptions["adopted_at"].notna()
                          & adoptions["resource_id"].isin(found["resource_id"])]  # fmt: skip
    timed = timed[["resource_id", "platform", "account_id", "adopted_at", "cascade"]]
    windows = found[["resource_id", "start", "end"]].assign(episode=np.arange(len(found)))
    matched = pd.merge_asof(
        timed.sort_values("adopted_at", kind="stable"),
        windows.sort_values("start").astype({"start": timed["adopted_at"].dtype}),
        left_on="adopted_at",
        right_on="start",
        by="resource_id",
    )
    inside = matched[matched["adopted_at"] < matched["end"]]
    return inside.merge(memberships, on=["platform", "account_id"], how="left")


def _most_common(rows: pd.DataFrame, column: str, episodes: int) -> tuple[np.ndarray, ...]:
    """Per episode (0 to ``episodes`` − 1), the most frequent non-null value of ``column``
    among ``rows`` (of those tied, the first in ``rows``) and its count; None and 0
    without one."""
    counts = rows.groupby(["episode", column], sort=False).size().reset_index(name="count")
    best = counts.sort_values(["episode", "count"], ascending=[True, False], kind="stable")
    best = best.drop_duplicates("episode").set_index("episode").reindex(range(episodes))
    value = best[column].astype(object)
    return value.where(value.notna(), None).to_numpy(), best["count"].fillna(0).to_numpy(int)


def _viterbi(counts: np.ndarray, base: np.ndarray, scale: float, entry: float) -> np.ndarray:
    """The least costly states (0 base, 1 burst) of an hourly series; on equal costs a state is
    kept rather than changed, and the base state wins at the end."""
    rates = np.maximum(base, 1e-12)
    costs = np.stack([rates - counts * np.log(rates),
                      scale * rates - counts * np.log(scale * rates)], axis=1).tolist()  # fmt: skip
    back = []
    base_cost, burst_cost = 0.0, entry  # the automaton starts in the base state
    for hour_base, hour_burst in costs:
        to_base = (0, base_cost) if base_cost <= burst_cost else (1, burst_cost)
        stay = burst_cost <= base_cost + entry
        to_burst = (1, burst_cost) if stay else (0, base_cost + entry)
        back.append((to_base[0], to_burst[0]))
        base_cost, burst_cost = to_base[1] + hour_base, to_burst[1] + hour_burst
    states = np.zeros(len(costs), dtype=np.int8)
    state = 0 if base_cost <= burst_cost else 1
    for hour in range(len(costs) - 1, -1, -1):
        states[hour] = state
        state = back[hour][state]
    return states


def _kept(states: np.ndarray, counts: np.ndarray, min_adoptions: int) -> np.ndarray:
    """Burst hours, less the runs holding fewer than ``min_adoptions`` adoptions."""
    edges = np.diff(np.concatenate([[0], states, [0]]))
    kept = np.zeros(len(states), dtype=bool)
    for first, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        kept[first:stop] = counts[first:stop].sum() >= min_adoptions
    return kept


def _action(actions, resource: str, start, end) -> str | None:
    if actions is None or actions.empty:
        return None
    near = actions[
        actions["resources"].map(lambda targets: resource in targets)
        & (actions["date"] >= start - pd.Timedelta(days=1))
        & (actions["date"] < end)
    ]
    return near["label"].iat[0] if len(near) else None
