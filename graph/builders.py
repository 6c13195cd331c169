"""Tables and graphs built from the store: adoption events, audiences, the sociability graph.

These are the only functions of ``graph`` that read the database; the metrics take the
DataFrames they return.
"""

from __future__ import annotations

import duckdb
import igraph as ig
import pandas as pd

from graph.frames import fetch_frame, query_frames
from graph.privacy.pseudonyms import Institutions
from graph.store import queries as q

__all__ = [
    "ADOPTION_KINDS",
    "FORUM_PLATFORMS",
    "WEB_PLATFORMS",
    "account_contexts",
    "adoption_events",
    "catalogue",
    "follower_counts",
    "follows",
    "institutional_accounts",
    "likers",
    "reported_views",
    "sociability_edges",
    "sociability_graph",
]

#: Platforms whose posts linking a resource are 'link-in-forum' adoptions.
FORUM_PLATFORMS = ["phpbb", "forumactif", "discourse", "forum"]
#: Platforms whose pages linking a resource are 'web-page' adoptions.
WEB_PLATFORMS = ["web"]
#: Every kind of adoption event.
ADOPTION_KINDS = ["original", "repost", "quote", "reply", "link-in-forum", "web-page"]


def adoption_events(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every adoption of a catalogue resource, one row per post or repost.

    Columns: ``resource_id``, ``platform``, ``cascade`` (``<resource_id>/<root_post_id>``),
    ``root_post_id`` (the post that started the cascade), ``account_id``, ``adopted_at``
    (UTC; NaT for reposts whose time the platform did not give), ``kind`` (one of
    :data:`ADOPTION_KINDS`), ``post_id`` ('' for a repost known only as an interaction),
    ``parent_post_id`` (the post quoted, answered or reposted), ``target_author`` (that post's
    author: whose post the adopter acted on, not necessarily whose copy it saw),
    ``campaign`` (the campaign parameters of the post's link, as JSON) and ``via_actor`` (the
    account whose repost the adopter says it reposted through: Bluesky's ``via``; null
    otherwise, and always for adoptions that are posts).

    A cascade starts at a post linking the resource that no other post linking it leads to
    through quotes and replies.
    """
    frame = fetch_frame(connection, q.SELECT_ADOPTIONS, [FORUM_PLATFORMS, WEB_PLATFORMS])
    return frame.astype({"adopted_at": "datetime64[us, UTC]"})


def catalogue(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the ``resource_id`` and ``parcours`` of every catalogued resource."""
    return connection.execute(q.SELECT_CATALOGUE_PARCOURS).df()


def likers(connection: duckdb.DuckDBPyConnection, adoptions: pd.DataFrame) -> pd.DataFrame:
    """Return the accounts that liked a post of each resource's cascades."""
    return _with_adoptions(connection, adoptions, q.SELECT_LIKERS)


def reported_views(connection: duckdb.DuckDBPyConnection, adoptions: pd.DataFrame) -> pd.DataFrame:
    """Return, per resource, the views and link clicks platforms reported for its posts."""
    return _with_adoptions(connection, adoptions, q.SELECT_REPORTED_VIEWS)


def account_contexts(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return where each account posts: one row per post and context (``#hashtag``, instance,
    forum, board, ``r/subreddit``, channel)."""
    return connection.execute(q.SELECT_ACCOUNT_CONTEXTS).df()


def follower_counts(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each account's follower count as last observed (``followers_count``)."""
    return connection.execute(q.SELECT_ACCOUNT_FOLLOWERS).df()


def follows(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the follow edges (``platform``, ``follower_id``, ``followee_id``)."""
    return fetch_frame(connection, q.SELECT_FOLLOWS)


def read_usage(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the usage rows (:data:`graph.store.queries.SELECT_USAGE`'s columns): daily counts
    of views, enrolments, completions, visits and newsletter figures, or kept events."""
    return connection.execute(q.SELECT_USAGE).df()


def institutional_accounts(
    connection: duckdb.DuckDBPyConnection, allow_list: Institutions
) -> pd.DataFrame:
    """Return the accounts declared as institutions or on the allow-list (by id or handle).

    Columns ``platform``, ``account_id``, ``handle``.
    """
    names = pd.DataFrame(sorted(allow_list.names), columns=["platform", "value"], dtype=object)
    connection.register("allow_list", names)
    try:
        return connection.execute(q.SELECT_INSTITUTIONAL_ACCOUNTS).df()
    finally:
        connection.unregister("allow_list")


def sociability_edges(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return who relates to whom: follows, reposts, quotes and replies, counted per kind.

    Columns ``platform``, ``source``, ``target``, ``kind``, ``weight`` (number of acts). A
    follow goes from follower to followee; a repost, quote or reply from its author to the
    author of the post it acts on. Mentions are not part of the data contract yet.
    """
    return fetch_frame(connection, q.SELECT_SOCIABILITY_EDGES)


def sociability_graph(edges: pd.DataFrame, platform: str | None = None) -> ig.Graph:
    """Build the weighted, directed sociability graph in one call.

    Parameters
    ----------
    edges : DataFrame
        As returned by :func:`sociability_edges`.
    platform : str, optional
        Keep one platform; by default all platforms are merged (accounts are per platform,
        so a vertex is a platform and an account).

    Returns
    -------
    igraph.Graph
        Vertices named ``"<platform>:<account_id>"`` with ``platform`` and ``account_id``
        attributes; one edge per ordered pair, with ``weight`` (all acts) and one count
        attribute per kind (``follow``, ``repost``, ``quote``, ``reply``).

    Examples
    --------
    >>> edges = pd.DataFrame({
    ...     "platform": ["bluesky", "bluesky", "bluesky", "mastodon"],
    ...     "source": ["a", "a", "b", "a"], "target": ["b", "b", "a", "c"],
    ...     "kind": ["follow", "repost", "follow", "reply"], "weight": [1, 3, 1, 2]})
    >>> graph = sociability_graph(edges)
    >>> graph.vcount(), graph.ecount(), graph.es["weight"]
    (4, 3, [4, 1, 2])
    >>> sociability_graph(edges, platform="mastodon").vs["name"]
    ['mastodon:a', 'mastodon:c']
    """
    if platform is not None:
        edges = edges[edges["platform"] == platform]
    if edges.empty:
        empty = ig.Graph(directed=True)
        empty.vs["name"] = empty.vs["platform"] = empty.vs["account_id"] = []
        return empty
    _, accounts, pairs = query_frames(
        [q.SOCIABILITY_ACCOUNTS, q.SOCIABILITY_VERTICES, q.SOCIABILITY_PAIRS], edges=edges
    )
    graph = ig.Graph(
        n=len(accounts),
        directed=True,
        vertex_attrs={
            "name": (accounts["platform"] + ":" + accounts["account_id"]).tolist(),
            "platform": accounts["platform"].tolist(),
            "account_id": accounts["account_id"].tolist(),
        },
    )
    graph.add_edges(pairs[["source", "target"]].to_numpy(dtype="int64"))  # faster than a list
    for kind in _PAIR_COUNTS:
        graph.es[kind] = pairs[kind].to_numpy(dtype="int64").tolist()
    return graph


_PAIR_COUNTS = ["weight", "follow", "repost", "quote", "reply"]


def _with_adoptions(connection, adoptions: pd.DataFrame, query: str) -> pd.DataFrame:
    connection.register("adoptions_input", adoptions)
    try:
        return connection.execute(query).df()
    finally:
        connection.unregister("adoptions_input")
