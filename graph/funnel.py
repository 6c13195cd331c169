"""The funnel of each resource: from the audience its shares reached to the teachers who
enrolled and completed, each stage with its kind of figure.

Stages, in order (``kind`` in brackets):

1. ``potential_audience`` (estimate): the reach table's potential reach, the sum of the
   sharers' follower counts;
2. ``unique_audience`` (estimate): the reach table's unique audience, with its range;
3. ``platform_clicks`` (platform-reported): clicks on the posts' links, where platforms
   report them;
4. ``newsletter_clicks`` (platform-reported): clicks the e-mail tool counted on links to
   the resource (usage ``click`` rows of a ``newsletter:…`` channel);
5. ``visits`` (counted, by web analytics), and its parts ``visits_social`` (channel
   ``social`` or ``social:<network>``) and ``visits_campaign`` (``campaign`` or
   ``campaign:<code>``); a page's visits of channel ``social`` or ``campaign`` (Matomo's
   pages segmented by referrer type) are part of its visits, not added to them;
6. ``enrolments`` and 7. ``completions`` (counted, by the learning platform).

Periods: ``all`` (every day of the data) and each ISO week (``2026-W37``, Paris days) in
which the resource was used. The audience and platform clicks are computed over the whole
period only (reach is not split by week), so they are null in the weekly rows.

A figure is null (unknown) when no source gives it, never 0: a usage stage is known for a
period when the rows of its kind and channel that name a course or a page
(:func:`graph.usage.resource_spans`) cover a day of it; then a resource with no row there had
none. Site-wide rows (a site's visits from one social network, a newsletter's recipients)
say nothing of a resource: with only those, the stage is unknown.
"""

from __future__ import annotations

import math

import pandas as pd

from graph.usage import SEGMENT_CHANNELS

__all__ = ["FUNNEL_COLUMNS", "STAGES", "funnel"]

#: The stages, in order, with their kind of figure.
STAGES = {
    "potential_audience": "estimate",
    "unique_audience": "estimate",
    "platform_clicks": "platform-reported",
    "newsletter_clicks": "platform-reported",
    "visits": "counted",
    "visits_social": "counted",
    "visits_campaign": "counted",
    "enrolments": "counted",
    "completions": "counted",
}
#: The columns of the funnel table.
FUNNEL_COLUMNS = ["resource_id", "period", "first_day", "last_day", "step", "stage", "kind",
                  "value", "low", "high"]  # fmt: skip

_REACH = {"potential_audience": "potential_reach", "unique_audience": "unique_audience",
          "platform_clicks": "clicks"}  # fmt: skip
#: Each usage stage: its figure in the spans, its kind, and the channel counted (with its
#: ``<channel>:…`` parts; None: every channel but :data:`graph.usage.SEGMENT_CHANNELS`).
_USAGE = {"newsletter_clicks": ("click:newsletter", "click", "newsletter"),
          "visits": ("visit", "visit", None), "visits_social": ("visit:social", "visit", "social"),
          "visits_campaign": ("visit:campaign", "visit", "campaign"),
          "enrolments": ("enrolment", "enrolment", None),
          "completions": ("completion", "completion", None)}  # fmt: skip


def funnel(reach: pd.DataFrame, daily: pd.DataFrame, spans: pd.DataFrame) -> pd.DataFrame:
    """Return the funnel of every resource that was shared or used, whole and per week.

    Parameters
    ----------
    reach : DataFrame
        The reach table (:func:`graph.reach.reach`): ``resource_id``, ``figure``, ``value``,
        ``low``, ``high``.
    daily : DataFrame
        Daily usage per resource (:func:`graph.usage.resource_usage`).
    spans : DataFrame
        :func:`graph.usage.resource_spans` of every usage row.

    Returns
    -------
    DataFrame
        :data:`FUNNEL_COLUMNS`: one row per resource, period and stage (``step`` 1 to 9, in
        the order of :data:`STAGES`); ``value`` null when unknown, ``low`` and ``high`` the
        range of an estimate (the value itself for a count).

    Examples
    --------
    r1 reached 120 followers, 80 of them known; 9 visits, 2 enrolments; nobody imported
    completions:

    >>> reach = pd.DataFrame({"resource_id": "r1", "figure": ["potential_reach",
    ...     "unique_audience"], "value": [120.0, 80.0], "low": [120.0, 80.0],
    ...     "high": [120.0, 95.0]})
    >>> day = pd.Timestamp("2026-09-08").date()
    >>> daily = pd.DataFrame({"resource_id": "r1", "day": [day, day],
    ...     "kind": ["visit", "enrolment"], "channel": None, "count": [9, 2]})
    >>> spans = pd.DataFrame({"figure": ["enrolment", "visit"], "first_day": day,
    ...     "last_day": day})
    >>> whole = funnel(reach, daily, spans).query("period == 'all'")
    >>> whole.set_index("stage")["value"].tolist()
    [120.0, 80.0, nan, nan, 9.0, nan, nan, 2.0, nan]
    """
    daily = daily.assign(day=pd.to_datetime(daily["day"]))
    shared = set(reach["resource_id"]) if len(reach) else set()
    resources = sorted(shared | set(daily["resource_id"]))
    days = pd.to_datetime(pd.concat([spans["first_day"], spans["last_day"]]))
    first, last = (days.min(), days.max()) if len(days) else (pd.NaT, pd.NaT)
    covered = {
        row.figure: (pd.Timestamp(row.first_day), pd.Timestamp(row.last_day))
        for row in spans.itertuples(index=False)
    }
    figures = reach.set_index(["resource_id", "figure"]) if len(reach) else None
    weeks = daily["day"].dt.to_period("W-SUN")
    rows = []
    for resource in resources:
        mine = daily[daily["resource_id"] == resource]
        rows += _rows(resource, "all", first, last, mine, covered, figures)
        for week in sorted(set(weeks[daily["resource_id"] == resource])):
            start, end = week.start_time.normalize(), week.end_time.normalize()
            in_week = mine[(mine["day"] >= start) & (mine["day"] <= end)]
            iso = start.isocalendar()
            rows += _rows(resource, f"{iso.year}-W{iso.week:02d}", start, end, in_week, covered,
                          None)  # fmt: skip
    table = pd.DataFrame(rows, columns=FUNNEL_COLUMNS)
    table[["value", "low", "high"]] = table[["value", "low", "high"]].astype("float64")
    return table.astype({"step": "int64"})


def _rows(resource, period, start, end, usage, covered, figures) -> list[dict]:
    rows = []
    for step, (stage, kind) in enumerate(STAGES.items(), 1):
        value = low = high = math.nan
        if stage in _REACH and figures is not None and (resource, _REACH[stage]) in figures.index:
            found = figures.loc[(resource, _REACH[stage])]
            value, low, high = found["value"], found["low"], found["high"]
        elif stage in _USAGE and _USAGE[stage][0] in covered:
            figure, used, channel = _USAGE[stage]
            since, until = covered[figure]
            if since <= end and until >= start:
                value = low = high = float(_of_channel(usage, used, channel)["count"].sum())
        rows.append({"resource_id": resource, "period": period,
                     "first_day": None if pd.isna(start) else start.date(),
                     "last_day": None if pd.isna(end) else end.date(), "step": step,
                     "stage": stage, "kind": kind, "value": value, "low": low,
                     "high": high})  # fmt: skip
    return rows


def _of_channel(usage: pd.DataFrame, kind: str, channel: str | None) -> pd.DataFrame:
    """The rows of ``kind`` and ``channel`` (or ``<channel>:…``); with ``channel`` None, of
    every channel but the segments' parts."""
    rows = usage[usage["kind"] == kind]
    named = rows["channel"].fillna("")
    if channel is None:
        return rows[~named.isin(SEGMENT_CHANNELS).to_numpy()]
    return rows[((named == channel) | named.str.startswith(f"{channel}:")).to_numpy()]
