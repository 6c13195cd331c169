"""Identifiers masked in SQL: the expressions the store applies to texts and run lines, and
the same expressions run on values held in Python, so that both agree.

The patterns are those of :mod:`graph.privacy.identifiers` (RE2, DuckDB's regular
expressions).

Examples
--------
>>> mask_texts(["Merci ＠alice et @é_Martin, voir https://bsky.app/profile/bob.fr/post/1"])
['Merci @… et @…, voir https://bsky.app/profile/…']
>>> mask_texts(["at://did:plc:abc123/app.bsky.feed.post/1", "écrire à jean.dupont@ac-paris.fr."])
['at://did:…/app.bsky.feed.post/1', 'écrire à @….']
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import duckdb

from graph.privacy.identifiers import LOCATOR_RULES, TEXT_RULES

__all__ = ["mask_locators", "mask_texts", "masked_sql", "sql_literal", "user_subreddit_sql"]


def sql_literal(pattern: str) -> str:
    """``pattern`` as an SQL string literal."""
    return "'" + pattern.replace("'", "''") + "'"


def masked_sql(value: str, locators: bool = False) -> str:
    """The SQL expression masking every identifier in the text ``value`` (an SQL expression);
    with ``locators``, also query values and long numbers (for request URLs)."""
    rules = [*TEXT_RULES, *(LOCATOR_RULES if locators else ())]
    for pattern, replacement in rules:
        value = f"regexp_replace({value}, {sql_literal(pattern)}, {sql_literal(replacement)}, 'g')"
    return value


def user_subreddit_sql(alias: str) -> str:
    """SQL: the Reddit user a post's subreddit is (``u_<name>`` is a user's own page), else
    NULL; ``alias`` names the run's lines."""
    return (
        f"CASE WHEN {alias}.platform = 'reddit' AND starts_with(lower({alias}.community"
        f".subreddit), 'u_') THEN substr({alias}.community.subreddit, 3) END"
    )


_LOCAL = threading.local()
_TEXTS = f"SELECT list_transform(?::VARCHAR[], lambda x: {masked_sql('x')})"
_LOCATORS = f"SELECT list_transform(?::VARCHAR[], lambda x: {masked_sql('x', locators=True)})"


def _connection(connection: duckdb.DuckDBPyConnection | None) -> duckdb.DuckDBPyConnection:
    if connection is not None:
        return connection
    if getattr(_LOCAL, "connection", None) is None:
        _LOCAL.connection = duckdb.connect()
    return _LOCAL.connection


def _apply(values: Iterable[str | None], statement: str, connection) -> list[str | None]:
    values = list(values)
    if not values:
        return []
    return _connection(connection).execute(statement, [values]).fetchall()[0][0]


def mask_texts(
    values: Iterable[str | None], connection: duckdb.DuckDBPyConnection | None = None
) -> list[str | None]:
    """Mask every mention, DID and profile link in each text (through DuckDB: the same SQL
    as excerpts). ``connection``: the store's, or a private in-memory one."""
    return _apply(values, _TEXTS, connection)


def mask_locators(
    values: Iterable[str | None], connection: duckdb.DuckDBPyConnection | None = None
) -> list[str | None]:
    """:func:`mask_texts`, and query values and long numbers too (request URLs, API paths).

    >>> mask_locators(["payload 3 from https://mastodon.social/api/v1/statuses/1171937930/x?a=1"])
    ['payload 3 from https://mastodon.social/api/v1/statuses/…/x?a=…']
    """
    return _apply(values, _LOCATORS, connection)
