"""Adoptions under the app's filters: counts, rankings, days, communities and comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

__all__ = [
    "KNOWN_AUDIENCE",
    "AdoptionFilter",
    "adoption_totals",
    "community_adopters",
    "cumulative_by_period",
    "cumulative_by_resource",
    "daily_adoptions",
    "periods_side_by_side",
    "reach_totals",
    "resource_ranking",
    "resources_side_by_side",
    "taking_off",
]

#: A condition on ``reach`` rows: false for a unique audience of 0 to an unknown bound, which
#: rests on no follower list collected and is unknown rather than 0.
KNOWN_AUDIENCE = "(value > 0 OR high IS NOT NULL)"


@dataclass(frozen=True)
class AdoptionFilter:
    """Which adoptions to count; empty tuples mean every platform, resource or community.

    ``start`` and ``end`` (inclusive) bound the day of adoption; when either is ``None``
    adoptions of every time are kept, those of unknown time included.
    """

    start: date | None = None
    end: date | None = None
    platforms: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    communities: tuple[int, ...] = ()

    def where(self) -> tuple[str, list]:
        """Return the SQL condition on ``adoptions a`` and its parameters.

        >>> AdoptionFilter(platforms=("bluesky",), resources=("r1",)).where()
        ('list_contains(?, a.platform) AND list_contains(?, a.resource_id)', [['bluesky'], ['r1']])
        >>> AdoptionFilter().where()
        ('TRUE', [])
        """
        clauses, parameters = [], []
        if self.start and self.end:
            clauses.append("a.adopted_at >= ? AND a.adopted_at < ?")
            parameters += [self.start, self.end + timedelta(days=1)]
        if self.platforms:
            clauses.append("list_contains(?, a.platform)")
            parameters.append(list(self.platforms))
        if self.resources:
            clauses.append("list_contains(?, a.resource_id)")
            parameters.append(list(self.resources))
        if self.communities:
            clauses.append(
                "EXISTS (SELECT 1 FROM account_communities m WHERE m.platform = a.platform "
                "AND m.account_id = a.account_id AND list_contains(?, m.community))"
            )
            parameters.append(list(self.communities))
        return " AND ".join(clauses) or "TRUE", parameters


def adoption_totals(connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter) -> pd.Series:
    """Return the ``adoptions``, distinct ``adopters`` and ``resources`` that ``chosen`` keeps."""
    where, parameters = chosen.where()
    frame = connection.execute(
        "SELECT count(*) AS adoptions, count(DISTINCT (platform, account_id)) AS adopters, "
        f"count(DISTINCT resource_id) AS resources FROM adoptions a WHERE {where}",
        parameters,
    ).df()
    return frame.iloc[0]


def reach_totals(connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter) -> pd.DataFrame:
    """Return each reach figure summed over the resources ``chosen`` keeps, indexed by
    ``figure``: ``kind``, ``value``, ``low`` and ``high`` (unknown if one resource's is)."""
    where, parameters = chosen.where()
    frame = connection.execute(
        "SELECT figure, any_value(kind) AS kind, sum(value) AS value, sum(low) AS low, "
        "CASE WHEN count(high) = count(*) THEN sum(high) END AS high FROM reach "
        f"WHERE resource_id IN (SELECT DISTINCT resource_id FROM adoptions a WHERE {where}) "
        "GROUP BY figure",
        parameters,
    ).df()
    return frame.set_index("figure")


def resource_ranking(connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter) -> pd.DataFrame:
    """Return, per catalogued resource that ``chosen`` keeps, its adoptions and adopters, main
    reach figures (a unique audience only when known) and cascade figures; in no order."""
    where, parameters = chosen.where()
    return connection.execute(
        f"""
        WITH chosen AS (SELECT resource_id, count(*) AS adoptions,
                               count(DISTINCT (platform, account_id)) AS adopters
                        FROM adoptions a WHERE {where} GROUP BY resource_id),
        figures AS (SELECT resource_id,
                           max(value) FILTER (WHERE figure = 'potential_reach') AS potential_reach,
                           max(value) FILTER (WHERE figure = 'unique_audience'
                                              AND {KNOWN_AUDIENCE}) AS unique_audience,
                           max(value) FILTER (WHERE figure = 'engaged_accounts')
                               AS engaged_accounts
                    FROM reach GROUP BY resource_id),
        spread AS (SELECT resource_id, count(*) AS cascades, max(size) AS largest_cascade,
                          max(structural_virality) AS structural_virality
                   FROM cascades GROUP BY resource_id)
        SELECT chosen.resource_id, c.title, chosen.adoptions, chosen.adopters,
               figures.potential_reach, figures.unique_audience, figures.engaged_accounts,
               spread.cascades, spread.largest_cascade, spread.structural_virality
        FROM chosen JOIN catalogue c USING (resource_id)
        LEFT JOIN figures USING (resource_id) LEFT JOIN spread USING (resource_id)""",
        parameters,
    ).df()


def taking_off(connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter) -> pd.DataFrame:
    """Return the catalogued resources ``chosen`` keeps that were taking off in the last 24
    hours analysed, each at its last such hour, fastest first."""
    where, parameters = chosen.where()
    return connection.execute(
        f"""SELECT v.resource_id, c.title, v.hour, v.velocity, v.baseline
        FROM velocity v JOIN catalogue c USING (resource_id)
        WHERE v.taking_off AND v.hour >= (SELECT max(hour) FROM velocity) - INTERVAL 24 HOUR
          AND v.resource_id IN (SELECT DISTINCT resource_id FROM adoptions a WHERE {where})
        QUALIFY row_number() OVER (PARTITION BY v.resource_id ORDER BY v.hour DESC) = 1
        ORDER BY v.velocity DESC""",
        parameters,
    ).df()


def daily_adoptions(
    connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter, resource_id: str | None = None
) -> pd.DataFrame:
    """Return the timed adoptions ``chosen`` keeps (of ``resource_id`` only, if given) per
    ``day`` and ``platform``, in that order."""
    where, parameters = chosen.where()
    if resource_id is not None:
        where, parameters = f"{where} AND a.resource_id = ?", [*parameters, resource_id]
    return connection.execute(
        "SELECT date_trunc('day', adopted_at) AS day, platform, count(*) AS adoptions "
        f"FROM adoptions a WHERE {where} AND adopted_at IS NOT NULL GROUP BY ALL ORDER BY ALL",
        parameters,
    ).df()


def community_adopters(
    connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter
) -> pd.DataFrame:
    """Return, per ``community`` and ``resource_id``, the distinct ``adopters`` among the
    adoptions ``chosen`` keeps; in no order."""
    where, parameters = chosen.where()
    return connection.execute(
        "SELECT m.community, a.resource_id, count(DISTINCT (a.platform, a.account_id)) "
        "AS adopters FROM adoptions a JOIN account_communities m USING (platform, account_id) "
        f"WHERE {where} GROUP BY ALL",
        parameters,
    ).df()


# Adoptions compared by ``compared`` (a resource, or one of two periods).
_SIDE_BY_SIDE = """
SELECT {label} AS compared, count(*) AS adoptions,
       count(DISTINCT (a.platform, a.account_id)) AS adopters,
       count(DISTINCT a.platform) AS platforms, count(DISTINCT a.cascade) AS cascades,
       max(c.size) AS largest_cascade, max(c.structural_virality) AS structural_virality,
       count(DISTINCT m.community) AS communities
FROM adoptions a LEFT JOIN cascades c ON c.cascade = a.cascade
LEFT JOIN account_communities m ON m.platform = a.platform AND m.account_id = a.account_id
WHERE {where} GROUP BY ALL ORDER BY compared"""


def resources_side_by_side(
    connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter, resources: tuple[str, ...]
) -> pd.DataFrame:
    """Return one row per resource of ``resources`` (``compared``), by id: its adoptions
    that ``chosen`` keeps, their adopters, platforms, cascades, communities, largest cascade
    and virality, and its potential reach and unique audience (when known)."""
    where, parameters = chosen.where()
    summary = connection.execute(
        _SIDE_BY_SIDE.format(label="a.resource_id",
                             where=f"{where} AND list_contains(?, a.resource_id)"),
        [*parameters, list(resources)],
    ).df()  # fmt: skip
    reach = connection.execute(
        "SELECT resource_id AS compared, "
        "max(value) FILTER (WHERE figure = 'potential_reach') AS potential_reach, "
        f"max(value) FILTER (WHERE figure = 'unique_audience' AND {KNOWN_AUDIENCE}) "
        "AS unique_audience FROM reach WHERE list_contains(?, resource_id) GROUP BY ALL",
        [list(resources)],
    ).df()
    return summary.merge(reach, on="compared", how="left")


def cumulative_by_resource(
    connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter, resources: tuple[str, ...]
) -> pd.DataFrame:
    """Return each timed adoption of ``resources`` that ``chosen`` keeps: ``compared`` (the
    resource), ``adopted_at`` and the ``cumulative`` count of its resource's adoptions."""
    where, parameters = chosen.where()
    return connection.execute(
        "SELECT resource_id AS compared, adopted_at, "
        "row_number() OVER (PARTITION BY resource_id ORDER BY adopted_at) AS cumulative "
        f"FROM adoptions a WHERE {where} AND list_contains(?, a.resource_id) "
        "AND adopted_at IS NOT NULL",
        [*parameters, list(resources)],
    ).df()


Periods = tuple[tuple[date, date], tuple[date, date]]
# Which period an adoption belongs to (``?``: the day after the first period, and the two
# labels), among adoptions in either period (``?``: both periods' bounds).
_PERIOD_LABEL = "CASE WHEN a.adopted_at < ? THEN '1: ' || ? ELSE '2: ' || ? END"
_IN_PERIODS = (
    "((a.adopted_at >= ? AND a.adopted_at < ?) OR (a.adopted_at >= ? AND a.adopted_at < ?))"
)


def _periods(periods: Periods) -> tuple[list, list]:
    """The parameters of :data:`_PERIOD_LABEL` and of :data:`_IN_PERIODS`."""
    names = [f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in periods]
    bounds = [day for a, b in periods for day in (a, b + timedelta(days=1))]
    return [periods[0][1] + timedelta(days=1), *names], bounds


def periods_side_by_side(
    connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter, periods: Periods
) -> pd.DataFrame:
    """Return one row per period of ``periods`` (each two inclusive days), ``compared`` as
    ``1: <first> → <last>`` and ``2: …``: the figures of :func:`resources_side_by_side`
    without reach, over the adoptions ``chosen`` keeps."""
    where, parameters = chosen.where()
    labels, bounds = _periods(periods)
    return connection.execute(
        _SIDE_BY_SIDE.format(label=_PERIOD_LABEL, where=f"{where} AND {_IN_PERIODS}"),
        [*labels, *parameters, *bounds],
    ).df()


def cumulative_by_period(
    connection: duckdb.DuckDBPyConnection, chosen: AdoptionFilter, periods: Periods
) -> pd.DataFrame:
    """Return each adoption of either period that ``chosen`` keeps: ``compared`` (as in
    :func:`periods_side_by_side`), ``elapsed`` since its period began and the ``cumulative``
    count of its period's adoptions."""
    where, parameters = chosen.where()
    labels, bounds = _periods(periods)
    return connection.execute(
        f"SELECT {_PERIOD_LABEL} AS compared, a.adopted_at - "
        "(CASE WHEN a.adopted_at < ? THEN ?::TIMESTAMPTZ ELSE ?::TIMESTAMPTZ END) AS elapsed, "
        "row_number() OVER (PARTITION BY compared ORDER BY a.adopted_at) AS cumulative "
        f"FROM adoptions a WHERE {where} AND {_IN_PERIODS}",
        [*labels, labels[0], periods[0][0], periods[1][0], *parameters, *bounds],
    ).df()
