"""How one resource spread: adoptions, journey, reach, cascades, communities, roles, models;
and when resources took off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd

from graph.store import queries as q
from graph.store.results.analyses import table_columns

__all__ = [
    "adopter_categories",
    "adoptions_by_kind",
    "analysed_until",
    "bass_fit",
    "campaign_actions",
    "campaign_dates",
    "cascade_parents",
    "cascade_tree",
    "cascade_trees",
    "cascades",
    "communities_reached",
    "edge_methods",
    "institutional_share",
    "journey",
    "originators_and_amplifiers",
    "reach",
    "resource_episodes",
    "takeoff_episodes",
]


def _of(connection: duckdb.DuckDBPyConnection, sql: str, *parameters) -> pd.DataFrame:
    return connection.execute(sql, list(parameters)).df()


def adoptions_by_kind(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the ``adoptions`` of ``resource_id`` per ``platform`` and ``kind``, in order."""
    return _of(
        connection,
        "SELECT platform, kind, count(*) AS adoptions FROM adoptions "
        "WHERE resource_id = ? GROUP BY ALL ORDER BY ALL",
        resource_id,
    )


def journey(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the platforms ``resource_id`` reached, by ``step``: when first seen, hours after
    the first, adopters and cascades."""
    return _of(
        connection,
        "SELECT step, platform, first_seen_at, hours_after_first, adopters, cascades "
        "FROM journeys WHERE resource_id = ? ORDER BY step",
        resource_id,
    )


def reach(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the reach figures of ``resource_id`` by name: ``kind``, ``value``, ``low``,
    ``high`` and ``coverage``."""
    return _of(
        connection,
        "SELECT figure, kind, value, low, high, coverage FROM reach WHERE resource_id = ? "
        "ORDER BY figure",
        resource_id,
    )


def cascades(
    connection: duckdb.DuckDBPyConnection, resource_id: str, limit: int | None = None
) -> pd.DataFrame:
    """Return the cascades of ``resource_id``, largest first (then earliest, then by id), at
    most ``limit``: size, depth, breadth, structural virality (each with the mean and the
    90 % interval over sampled trees), the hours to each depth (lists: the tree's, the mean
    and interval, NaN when unknown, and the probability of reaching it), lifetime, half-life
    and the share of stated edges."""
    depth_times = ", ".join(
        f"list_transform({name}, lambda x: coalesce(x, 'NaN'::DOUBLE)) AS {name}"
        for name in ("hours_to_depth", "hours_to_depth_mean", "hours_to_depth_low",
                     "hours_to_depth_high")
    )  # fmt: skip
    return _of(
        connection,
        "SELECT cascade, platform, started_at, size, depth, depth_mean, depth_low, depth_high, "
        "max_breadth, max_breadth_mean, max_breadth_low, max_breadth_high, "
        "structural_virality, structural_virality_mean, structural_virality_low, "
        f"structural_virality_high, {depth_times}, depth_probability, "
        "lifetime_hours, half_life_hours, stated_share "
        "FROM cascades WHERE resource_id = ? "
        "ORDER BY size DESC, started_at, cascade LIMIT ?",
        resource_id,
        limit,
    )


def cascade_tree(connection: duckdb.DuckDBPyConnection, cascade: str) -> pd.DataFrame:
    """Return the adopters of ``cascade`` in order of adoption (unknown times last): parent,
    kind, method, confidence (NaN when unknown), candidates weighed, time, platform and
    ``label`` (the handle of an allow-listed account)."""
    return _of(
        connection,
        "SELECT t.account_id, t.parent_id, t.kind, t.method, t.confidence, t.candidates, "
        "t.adopted_at, t.platform, "
        "coalesce(n.handle, t.account_id) AS label FROM cascade_trees t LEFT JOIN "
        f"{q.NAMED_HANDLES} n USING (platform, account_id) WHERE t.cascade = ? "
        "ORDER BY t.adopted_at NULLS LAST",
        cascade,
    )


def cascade_trees(
    connection: duckdb.DuckDBPyConnection, resource_id: str, min_size: int
) -> pd.DataFrame:
    """Return the adopters of the cascades of ``resource_id`` with at least ``min_size``
    adopters, by cascade and time of adoption (unknown last): parent, kind, method,
    confidence, candidates, time and ``label`` (the handle of an allow-listed account)."""
    return _of(
        connection,
        "SELECT t.cascade, t.platform, t.account_id, t.parent_id, t.kind, t.method, "
        "t.confidence, t.candidates, t.adopted_at, coalesce(a.handle, t.account_id) AS label "
        "FROM cascade_trees t JOIN cascades c ON c.cascade = t.cascade "
        f"LEFT JOIN {q.NAMED_HANDLES} a ON a.platform = t.platform "
        "AND a.account_id = t.account_id "
        "WHERE c.resource_id = ? AND c.size >= ? ORDER BY t.cascade, t.adopted_at NULLS LAST",
        resource_id,
        min_size,
    )


def cascade_parents(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every adopter of every cascade with its parent (``parent_id``, null at roots)
    and ``resource_id``."""
    return _of(
        connection,
        "SELECT cascade, platform, account_id, parent_id, resource_id FROM cascade_trees",
    )


def edge_methods(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return how many edges of the cascades of ``resource_id`` each ``method`` found (roots
    left out), by method, with their mean confidence (null when none is known)."""
    return _of(
        connection,
        "SELECT t.method, count(*) AS edges, avg(t.confidence) AS mean_confidence "
        "FROM cascade_trees t "
        "JOIN (SELECT DISTINCT cascade FROM adoptions WHERE resource_id = ?) USING (cascade)"
        " WHERE t.method <> 'root' GROUP BY ALL ORDER BY ALL",
        resource_id,
    )


def communities_reached(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the communities ``resource_id`` reached, in order of arrival: label, adopters,
    share, arrival and bridge; the small groups (community -1) as one, labelled so."""
    return _of(
        connection,
        "SELECT r.community, coalesce(c.label, 'small groups') AS label, r.adopters, r.share, "
        "r.arrived_at, r.bridge FROM resource_communities r LEFT JOIN communities c "
        "USING (community) "
        "WHERE r.resource_id = ? ORDER BY r.arrived_at",
        resource_id,
    )


def originators_and_amplifiers(
    connection: duckdb.DuckDBPyConnection, resource_id: str, limit: int
) -> pd.DataFrame:
    """Return at most ``limit`` originators or amplifiers of ``resource_id``, most adopters
    started or come through first (ties by ``account``, the handle if allow-listed); the
    adopters come through them with the mean and 90 % interval over sampled trees."""
    return _of(
        connection,
        "SELECT r.platform, coalesce(n.handle, r.account_id) AS account, r.cascades_started, "
        "r.started_reach, r.downstream, r.downstream_mean, r.downstream_low, r.downstream_high, "
        "r.originator, r.amplifier FROM resource_roles r "
        f"LEFT JOIN {q.NAMED_HANDLES} n USING (platform, account_id) "
        "WHERE r.resource_id = ? AND (r.originator OR r.amplifier) "
        "ORDER BY r.started_reach + r.downstream DESC, account LIMIT ?",
        resource_id,
        limit,
    )


def institutional_share(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the adopters of ``resource_id`` and the share that came through institutions
    (with why the share of reach is unknown, when it is)."""
    return _of(
        connection,
        "SELECT adopters, institutional_adopters, adopters_through_institutions, "
        "share_through_institutions, institutional_potential_reach, institutional_reach_share, "
        "unknown_because FROM institutional_share "
        "WHERE resource_id = ?",
        resource_id,
    )


def bass_fit(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the adoption models of ``resource_id``, simplest first: model, whether the data
    supports it best (``chosen``), status, m, p, q with their 95 % intervals, the campaign
    impulses, dispersion, QAIC, R² and ``peak_days``."""
    return _of(
        connection,
        "SELECT model, chosen, status, points, m, m_low, m_high, p, p_low, p_high, q, q_low, "
        "q_high, impulses, dispersion, qaic, r2, peak AS peak_days FROM bass_fits "
        "WHERE resource_id = ? "
        "ORDER BY list_position(['external', 'bass', 'generalized bass'], model)",
        resource_id,
    )


def adopter_categories(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the ``adopters`` of ``resource_id`` per Rogers ``category``, earliest first, with
    their ``share`` of its categorised adopters."""
    return _of(
        connection,
        "SELECT category, count(*) AS adopters, count(*) / sum(count(*)) OVER () AS share "
        "FROM adopter_categories WHERE resource_id = ? AND category IS NOT NULL "
        "GROUP BY category ORDER BY min(hours)",
        resource_id,
    )


def campaign_actions(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the effects of the campaign actions naming ``resource_id`` or its parcours, by
    date (none without a campaign file)."""
    if "resource" not in table_columns(connection, "campaign_effects"):
        return pd.DataFrame()
    return _of(
        connection,
        "SELECT * EXCLUDE (resource) FROM campaign_effects WHERE action IN "
        "(SELECT action FROM campaign_effects WHERE resource = ? OR resource IN "
        "(SELECT parcours FROM catalogue WHERE resource_id = ?)) ORDER BY date",
        resource_id,
        resource_id,
    )


def campaign_dates(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Return the ``date`` and ``channel`` of every campaign action, in no order; ``None``
    when the analysis had no campaign file (its table then has no such columns)."""
    if not {"date", "channel"} <= table_columns(connection, "campaign_effects"):
        return None
    return _of(connection, "SELECT DISTINCT date, channel FROM campaign_effects")


def takeoff_episodes(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every take-off episode, oldest first, with the resource's ``title`` and the
    ``community_label`` of the community that drove it; none when the analysis found none."""
    if "start" not in table_columns(connection, "takeoff_episodes"):
        return pd.DataFrame()
    return _of(
        connection,
        "SELECT e.*, c.title, coalesce(m.label, CASE WHEN e.community = -1 "
        "THEN 'small groups' END) AS community_label FROM takeoff_episodes e "
        "LEFT JOIN catalogue c USING (resource_id) LEFT JOIN communities m USING (community) "
        "ORDER BY e.start, e.resource_id",
    )


def analysed_until(connection: duckdb.DuckDBPyConnection) -> datetime | None:
    """Return the end of the last hour the analysis covered (UTC), or ``None``."""
    if "hour" not in table_columns(connection, "velocity"):
        return None
    last = connection.execute("SELECT max(hour) FROM velocity").fetchone()[0]
    return None if last is None else last.astimezone(UTC) + timedelta(hours=1)


def resource_episodes(connection: duckdb.DuckDBPyConnection, resource_id: str) -> pd.DataFrame:
    """Return the take-off episodes of ``resource_id`` in order, with the label of the
    community that drove each and rates in adoptions per hour."""
    if "start" not in table_columns(connection, "takeoff_episodes"):
        return pd.DataFrame()
    return _of(
        connection,
        """SELECT e.start, e."end", e.peak, e.peak_adoptions, e.adoptions,
            round(e.adoptions / date_diff('hour', e.start, e."end"), 2) AS adoptions_per_hour,
            round(e.expected / date_diff('hour', e.start, e."end"), 3) AS expected_per_hour,
            e.cascade_adoptions,
            coalesce(c.label, CASE WHEN e.community = -1 THEN 'small groups' END) AS community,
            e.community_adopters, e.action
        FROM takeoff_episodes e LEFT JOIN communities c USING (community)
        WHERE e.resource_id = ? ORDER BY e.start""",
        resource_id,
    )
