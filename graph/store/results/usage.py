"""What followed the spread: usage per resource, the funnel, the uptake model, what each
campaign action brought, the usage rows no resource was found for and the site-wide usage per
channel; and the catalogue's URL patterns the analysis maps usage with."""

from __future__ import annotations

import duckdb
import pandas as pd

from graph.store import queries as q
from graph.store.results.analyses import table_names

__all__ = [
    "campaign_uptake",
    "catalogue_patterns",
    "channel_usage",
    "daily_usage",
    "funnel",
    "unmatched_usage",
    "uptake",
    "uptake_lags",
]


def catalogue_patterns(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every catalogue resource with its ``url_patterns``."""
    return connection.execute(q.SELECT_CATALOGUE).df()


def funnel(connection: duckdb.DuckDBPyConnection, resource_id: str | None = None,
           period: str | None = "all") -> pd.DataFrame:  # fmt: skip
    """Return the funnel rows (of one resource, of one period: ``all`` or an ISO week; of
    every one when ``None``), by resource, period and step; empty before an analysis made
    with usage."""
    return _rows(connection, "funnel", resource_id, "period", period, "resource_id, period, step")


def uptake(connection: duckdb.DuckDBPyConnection, resource_id: str | None = None) -> pd.DataFrame:
    """Return the uptake rows: the pooled one first, then one per resource."""
    found = _rows(connection, "uptake", None, None, None, "scope DESC, resource_id")
    if resource_id is not None and len(found):
        found = found[(found["resource_id"] == resource_id) | (found["scope"] == "pooled")]
    return found.reset_index(drop=True)


def uptake_lags(
    connection: duckdb.DuckDBPyConnection, resource_id: str | None = None
) -> pd.DataFrame:
    """Return the lag profile of the pooled fit, or of ``resource_id``'s."""
    if "uptake_lags" not in table_names(connection):
        return pd.DataFrame()
    scope = "pooled" if resource_id is None else "resource"
    return connection.execute(
        "SELECT * FROM uptake_lags WHERE scope = ? AND resource_id IS NOT DISTINCT FROM ? "
        "ORDER BY lag",
        [scope, resource_id],
    ).df()


def daily_usage(
    connection: duckdb.DuckDBPyConnection, resource_id: str | None = None
) -> pd.DataFrame:
    """Return the uses per ``day`` and ``kind`` (every channel summed but ``social`` and
    ``campaign``, a page's visits from social networks and from campaigns that are part of its
    visits), of ``resource_id`` or of every resource; empty before an analysis made with
    usage."""
    if "usage_daily" not in table_names(connection):
        return pd.DataFrame(columns=["day", "kind", "count"])
    return connection.execute(
        "SELECT day, kind, sum(count)::BIGINT AS count FROM usage_daily "
        "WHERE (? IS NULL OR resource_id = ?) "
        "AND coalesce(channel, '') NOT IN ('social', 'campaign') GROUP BY ALL ORDER BY ALL",
        [resource_id, resource_id],
    ).df()


def campaign_uptake(
    connection: duckdb.DuckDBPyConnection, resource_id: str | None = None
) -> pd.DataFrame:
    """Return what each campaign action and newsletter brought (of those targeting
    ``resource_id`` when given), in the order they happened."""
    found = _rows(connection, "campaign_uptake", None, None, None, "date, action")
    if resource_id is not None and len(found):
        targeted = found["resources"].fillna("").str.split(", ").map(lambda ids: resource_id in ids)
        found = found[targeted.to_numpy(bool)]
    return found.reset_index(drop=True)


def unmatched_usage(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the usage rows no catalogue resource was found for, largest count first."""
    return _rows(connection, "usage_unmatched", None, None, None, "count DESC, site")


def channel_usage(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the site-wide usage per site, kind and channel (visits from each social network
    and campaign code, newsletters' recipients, opens and clicks); empty before an analysis
    made with usage."""
    return _rows(connection, "usage_channels", None, None, None, "site, kind, channel")


def _rows(connection, table, resource_id, column, value, order) -> pd.DataFrame:
    if table not in table_names(connection):
        return pd.DataFrame()
    where, parameters = ["true"], []
    if resource_id is not None:
        where.append("resource_id = ?")
        parameters.append(resource_id)
    if column is not None and value is not None:
        where.append(f"{column} = ?")
        parameters.append(value)
    sql = f"SELECT * FROM {table} WHERE {' AND '.join(where)} ORDER BY {order}"
    return connection.execute(sql, parameters).df()
