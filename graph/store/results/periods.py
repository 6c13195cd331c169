"""Figures of resources and accounts over a period, from the analysis' tables."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd

from graph.periods import PARIS, Period, days
from graph.reach import SHARING_KINDS
from graph.store import queries as q
from graph.store.results.analyses import table_columns

__all__ = [
    "ACCOUNT_FIGURES",
    "RESOURCE_COUNTS",
    "RESOURCE_FIGURES",
    "account_figures",
    "data_days",
    "newest_adoption",
    "resource_figures",
]

#: The numeric columns of :func:`resource_figures`.
RESOURCE_FIGURES = ("adoptions", "adopters", "velocity", "peak_per_hour", "potential_reach",
                    "structural_virality", "cascades", "largest_cascade", "takeoff")  # fmt: skip
#: Those that are 0 for a resource not adopted in a period (the others are then unknown).
RESOURCE_COUNTS = ("adoptions", "adopters", "velocity", "peak_per_hour", "cascades", "takeoff")
#: The numeric columns of :func:`account_figures`.
ACCOUNT_FIGURES = ("adoptions", "originated", "downstream", "bridge")


def newest_adoption(connection: duckdb.DuckDBPyConnection) -> datetime | None:
    """Return the time of the newest timed adoption (UTC), or ``None``: the ``now`` a period
    such as ``week`` is taken before."""
    newest = connection.execute("SELECT max(adopted_at) FROM adoptions").fetchone()[0]
    return None if newest is None else newest.astimezone(UTC)


def data_days(connection: duckdb.DuckDBPyConnection) -> int | None:
    """Return the Paris days from the first timed adoption's to the last's, both included
    (``None`` when no adoption is timed)."""
    first, last = connection.execute(
        "SELECT min(adopted_at), max(adopted_at) FROM adoptions"
    ).fetchone()
    if first is None:
        return None
    return (last.astimezone(PARIS).date() - first.astimezone(PARIS).date()).days + 1


def _within(column: str, period: Period | None) -> tuple[str, list]:
    """The condition that ``column`` falls in ``period`` (any time, unknown ones too, when
    ``None``) and its parameters."""
    if period is None:
        return "TRUE", []
    # take-off episodes hold nanosecond times, compared only once cast
    moment = f"{column}::TIMESTAMPTZ"
    return f"({moment} >= ?::TIMESTAMPTZ AND {moment} < ?::TIMESTAMPTZ)", [period.start, period.end]


def resource_figures(connection: duckdb.DuckDBPyConnection, period: Period | None) -> pd.DataFrame:
    """Return one row per catalogue resource adopted in ``period`` (``None``: the whole data,
    adoptions of unknown time included), by id.

    Columns: ``resource_id``, ``title``, ``adoptions``, ``adopters`` (distinct accounts),
    ``velocity`` (adoptions per Paris day of the period, or of the data's days when
    ``None``), ``peak_per_hour`` (most timed adoptions in one clock hour; null when none is
    timed), ``potential_reach`` (the last known follower counts summed over the distinct
    accounts that put it in front of their followers in the period, as in
    :func:`graph.reach.reach`: a reply does not; null when no count is known),
    ``structural_virality`` (the largest of the cascades started in the period with at least
    2 adopters; null when none), ``cascades`` (started in the period), ``largest_cascade``
    (their largest size, every adopter counted; null when none) and ``takeoff`` (take-off
    episodes starting in the period).
    """
    adopted, adopted_parameters = _within("a.adopted_at", period)
    started, started_parameters = _within("c.started_at", period)
    took_off, took_off_parameters = _within("e.start", period)
    span = days(period) if period is not None else data_days(connection)
    episodes = "SELECT NULL::VARCHAR AS resource_id, 0 AS takeoff WHERE FALSE"
    if "start" in table_columns(connection, "takeoff_episodes"):  # none found: no columns
        episodes = (f"SELECT resource_id, count(*) AS takeoff FROM takeoff_episodes e "
                    f"WHERE {took_off} GROUP BY ALL")  # fmt: skip
    else:
        took_off_parameters = []
    frame = connection.execute(
        f"""
        WITH chosen AS (SELECT * FROM adoptions a WHERE {adopted}),
        counts AS (SELECT resource_id, count(*) AS adoptions,
                          count(DISTINCT (platform, account_id)) AS adopters
                   FROM chosen GROUP BY ALL),
        hours AS (SELECT resource_id, max(n) AS peak_per_hour FROM (
                      SELECT resource_id, date_trunc('hour', adopted_at), count(*) AS n
                      FROM chosen WHERE adopted_at IS NOT NULL GROUP BY ALL) GROUP BY ALL),
        followers AS (SELECT platform, account_id, arg_max(followers_count,
                          coalesce(counts_observed_at, collected_at)) AS followers
                      FROM accounts WHERE followers_count IS NOT NULL GROUP BY ALL),
        sharers AS (SELECT DISTINCT resource_id, platform, account_id FROM chosen
                    WHERE list_contains(?, kind)),
        audience AS (SELECT resource_id, sum(f.followers) AS potential_reach
                     FROM sharers JOIN followers f USING (platform, account_id) GROUP BY ALL),
        spread AS (SELECT resource_id, count(*) AS cascades, max(size) AS largest_cascade,
                          max(structural_virality) FILTER (WHERE size >= 2)
                              AS structural_virality
                   FROM cascades c WHERE {started} GROUP BY ALL),
        episodes AS ({episodes})
        SELECT counts.resource_id, k.title, counts.adoptions, counts.adopters,
               counts.adoptions / ?::DOUBLE AS velocity, hours.peak_per_hour,
               audience.potential_reach::DOUBLE AS potential_reach,
               spread.structural_virality, coalesce(spread.cascades, 0) AS cascades,
               spread.largest_cascade, coalesce(episodes.takeoff, 0) AS takeoff
        FROM counts JOIN catalogue k USING (resource_id)
        LEFT JOIN hours USING (resource_id) LEFT JOIN audience USING (resource_id)
        LEFT JOIN spread USING (resource_id) LEFT JOIN episodes USING (resource_id)
        ORDER BY counts.resource_id""",
        [*adopted_parameters, list(SHARING_KINDS), *started_parameters,
         *took_off_parameters, span],
    ).df()  # fmt: skip
    return frame.astype({"peak_per_hour": "Int64", "largest_cascade": "Int64"})


def account_figures(connection: duckdb.DuckDBPyConnection, period: Period | None) -> pd.DataFrame:
    """Return one row per account that adopted a catalogue resource in ``period`` (``None``:
    the whole data), by platform and id.

    Columns: ``platform``, ``account_id``, ``label`` (the handle of an allow-listed account,
    else the stored pseudonym), ``community`` (its label; ``small groups`` for an account in
    a group too small to be a community; null outside the sociability graph), ``adoptions``,
    ``originated`` (cascades started in the period that it started), ``downstream``
    (adopters in the period below it in the cascades started in the period, where it is not
    the root: the amplification, as ``account_roles``' ``downstream`` counts it), ``bridge``
    (its brokerage between communities from ``account_roles``; null outside the sociability
    graph), ``is_bridge`` (``account_roles``' ``bridge`` flag) and ``is_institution``.
    """
    adopted, adopted_parameters = _within("a.adopted_at", period)
    started, started_parameters = _within("c.started_at", period)
    joined, joined_parameters = _within("t.adopted_at", period)
    return connection.execute(
        f"""
        WITH RECURSIVE
        counts AS (SELECT platform, account_id, count(*) AS adoptions FROM adoptions a
                   WHERE {adopted} GROUP BY ALL),
        trees AS (SELECT t.* FROM cascade_trees t
                  WHERE t.cascade IN (SELECT cascade FROM cascades c WHERE {started})),
        originated AS (SELECT platform, account_id, count(*) AS originated FROM trees
                       WHERE parent_id IS NULL GROUP BY ALL),
        up(cascade, ancestor) AS (
            SELECT cascade, parent_id FROM trees t WHERE parent_id IS NOT NULL AND {joined}
            UNION ALL
            SELECT u.cascade, n.parent_id FROM up u
            JOIN trees n ON n.cascade = u.cascade AND n.account_id = u.ancestor
            WHERE n.parent_id IS NOT NULL),
        downstream AS (SELECT n.platform, n.account_id, count(*) AS downstream FROM up u
                       JOIN trees n ON n.cascade = u.cascade AND n.account_id = u.ancestor
                       WHERE n.parent_id IS NOT NULL GROUP BY ALL)
        SELECT counts.platform, counts.account_id,
               coalesce(h.handle, counts.account_id) AS label,
               coalesce(k.label, CASE WHEN m.community < 0 THEN 'small groups' END)
                   AS community,
               counts.adoptions, coalesce(o.originated, 0) AS originated,
               coalesce(d.downstream, 0) AS downstream, r.brokerage AS bridge,
               coalesce(r.bridge, false) AS is_bridge,
               coalesce(r.institution, false) AS is_institution
        FROM counts
        LEFT JOIN {q.NAMED_HANDLES} h USING (platform, account_id)
        LEFT JOIN account_communities m USING (platform, account_id)
        LEFT JOIN communities k ON k.community = m.community
        LEFT JOIN originated o USING (platform, account_id)
        LEFT JOIN downstream d USING (platform, account_id)
        LEFT JOIN account_roles r USING (platform, account_id)
        ORDER BY counts.platform, counts.account_id""",
        [*adopted_parameters, *started_parameters, *joined_parameters],
    ).df()
