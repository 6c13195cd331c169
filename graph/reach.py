"""How many people a resource reached, each figure with its kind.

Kinds: ``potential`` (sum of follower counts: overlapping audiences
counted twice), ``observed`` (counted in collected data), ``range`` (observed, plus an upper
bound where follower lists were not collected in full) and ``platform-reported`` (views or
clicks given by the platform, never invented).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.frames import query_frames
from graph.store import queries as q

__all__ = ["SHARING_KINDS", "exposure", "reach", "sharing_accounts"]

#: Adoptions that put the resource in front of the sharer's followers (a reply does not).
SHARING_KINDS = ["original", "repost", "quote", "link-in-forum", "web-page"]
_ACCOUNT = ["platform", "account_id"]


def reach(
    adoptions: pd.DataFrame,
    followers: pd.DataFrame,
    follows: pd.DataFrame,
    likers: pd.DataFrame | None = None,
    views: pd.DataFrame | None = None,
    by: str = "resource_id",
) -> pd.DataFrame:
    """Return the reach figures of each group of adoptions (a resource, a campaign…).

    Parameters
    ----------
    adoptions : DataFrame
        ``platform``, ``account_id``, ``kind`` and the ``by`` column.
    followers : DataFrame
        ``platform``, ``account_id``, ``followers_count`` (as declared by the platform).
    follows : DataFrame
        ``platform``, ``follower_id``, ``followee_id`` (the follower lists collected).
    likers : DataFrame, optional
        ``platform``, ``account_id`` and the ``by`` column: accounts that liked its posts.
    views : DataFrame, optional
        The ``by`` column, ``views`` and ``clicks`` reported by platforms.
    by : str
        The column whose groups are measured.

    Returns
    -------
    DataFrame
        One row per group and figure: ``by``, ``figure``, ``kind``, ``value``, ``low``,
        ``high`` and ``coverage``. Figures: ``sharers``; ``potential_reach`` (``coverage``:
        the share of sharers whose follower count is known; NaN if none is);
        ``unique_audience`` and ``unique_audience_without_sharers`` (the union of the
        sharers' collected followers; ``high`` adds, for each sharer, the followers it
        declares but whose list was not collected, NaN when such a count is unknown;
        ``coverage`` is the share of declared
        followers collected, over the sharers whose count is known, each counted up to its
        declared count: a share in [0, 1]);
        ``engaged_accounts`` (adopters and likers); ``views`` and ``clicks`` when reported.

    Examples
    --------
    Ana (3 followers declared, all collected) and Bob (4 declared, 2 collected) share r1; Cleo
    follows both:

    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": ["ana", "bob"], "kind": ["original", "repost"]})
    >>> followers = pd.DataFrame({"platform": "bluesky", "account_id": ["ana", "bob"],
    ...     "followers_count": [3, 4]})
    >>> follows = pd.DataFrame({"platform": "bluesky",
    ...     "follower_id": ["cleo", "dan", "bob", "cleo", "eve"],
    ...     "followee_id": ["ana", "ana", "ana", "bob", "bob"]})
    >>> table = reach(adoptions, followers, follows).set_index("figure")
    >>> print(table.loc[["potential_reach", "unique_audience",
    ...     "unique_audience_without_sharers"], ["kind", "value", "low", "high", "coverage"]])
                                    kind  value  low  high  coverage
    figure
    potential_reach            potential    7.0  7.0   7.0  1.000000
    unique_audience                range    4.0  4.0   6.0  0.714286
    unique_audience_without_sharers  range    3.0  3.0   5.0  0.714286
    """
    sharers = sharing_accounts(adoptions, by)
    declared = sharers.merge(followers, on=_ACCOUNT, how="left")
    counts = pd.to_numeric(declared["followers_count"], errors="coerce")
    declared["followers_count"] = counts.astype("float64")  # nullable integers: NA → NaN
    grouped = sharers.rename(columns={by: "grp"})
    edges = follows[["platform", "follower_id", "followee_id"]]
    *_, collected, audiences = query_frames(q.REACH, sharers=grouped, follows=edges)
    collected = collected.rename(columns={"grp": by})
    declared = declared.merge(collected, on=[by, *_ACCOUNT], how="left").fillna({"collected": 0})
    # Followers not collected: unknown (NaN) for a sharer whose count is unknown and whose
    # list was not read; none for one whose list was read.
    declared["missing"] = (declared["followers_count"] - declared["collected"]).clip(lower=0)
    declared.loc[declared["followers_count"].isna() & (declared["collected"] > 0), "missing"] = 0
    # coverage counts the sharers whose declared count is known, each up to that count
    declared["covered"] = (
        declared["collected"]
        .clip(upper=declared["followers_count"])
        .where(declared["followers_count"].notna(), 0.0)
    )
    groups = declared.groupby(by)
    per_group = pd.DataFrame(
        {
            "sharers": groups.size(),
            "known": groups["followers_count"].count(),
            "potential": groups["followers_count"].sum(min_count=1),
            "missing": groups["missing"]
            .sum(min_count=1)
            .where(groups["missing"].count() == groups.size()),
            "covered": groups["covered"].sum(),
            "declared": groups["followers_count"].sum(),
        }
    )
    audiences = audiences.set_index("grp")
    with_sharers, without_sharers = audiences["with_sharers"], audiences["without_sharers"]
    engaged = query_frames(
        q.ENGAGED_ACCOUNTS.format(by=by),
        adoptions=adoptions[[by, *_ACCOUNT]],
        likers=likers[[by, *_ACCOUNT]] if likers is not None else adoptions[[by, *_ACCOUNT]][:0],
    )

    rows = []
    for group, figures in per_group.iterrows():
        coverage = figures["covered"] / figures["declared"] if figures["declared"] > 0 else np.nan
        rows.append(_figure(by, group, "sharers", "observed", figures["sharers"]))
        known = figures["known"] / figures["sharers"]
        rows.append(
            _figure(by, group, "potential_reach", "potential", figures["potential"], coverage=known)
        )
        for name, counts in (
            ("unique_audience", with_sharers),
            ("unique_audience_without_sharers", without_sharers),
        ):
            low = float(counts.get(group, 0))
            rows.append(
                _figure(by, group, name, "range", low, low, low + figures["missing"], coverage)
            )
    for group, count in engaged.itertuples(index=False):
        rows.append(_figure(by, group, "engaged_accounts", "observed", count))
    if views is not None:
        for row in views.itertuples(index=False):
            for name in ("views", "clicks"):
                value = getattr(row, name)
                if pd.notna(value):
                    rows.append(_figure(by, getattr(row, by), name, "platform-reported", value))
    columns = [by, "figure", "kind", "value", "low", "high", "coverage"]
    return pd.DataFrame(rows, columns=columns).sort_values([by, "figure"], ignore_index=True)


def sharing_accounts(adoptions: pd.DataFrame, by: str = "resource_id") -> pd.DataFrame:
    """Return the accounts that put each group's resource in front of their followers: those
    with an adoption of a :data:`SHARING_KINDS` kind (any of theirs, not only the first).

    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "mastodon",
    ...     "account_id": ["ana", "bob", "bob"], "kind": ["original", "reply", "repost"]})
    >>> sharing_accounts(adoptions)["account_id"].tolist()
    ['ana', 'bob']
    """
    shared = adoptions[adoptions["kind"].isin(SHARING_KINDS)]
    return shared[[by, *_ACCOUNT]].drop_duplicates()


def exposure(adoptions: pd.DataFrame, follows: pd.DataFrame) -> pd.DataFrame:
    """Return each account's exposure to each resource: the share of its followees who adopted.

    Every account whose followees were collected appears for every resource adopted on its
    platform, with an exposure of 0 when none of its followees adopted (leaving those out
    would bias any mean). For an adopter, the followees counted are those who adopted at a
    known time strictly before it (its exposure at adoption; unknown, null, when its own
    time is unknown); for an account that did not adopt, all followees who adopted at a
    known time.

    Columns: ``resource_id``, ``platform``, ``account_id``, ``adopted`` (bool),
    ``followees`` (collected), ``adopted_followees``, ``exposure``.

    Examples
    --------
    >>> at = pd.Timestamp("2026-09-01", tz="UTC")
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": ["ana", "bob"], "adopted_at": [at, at + pd.Timedelta(hours=1)]})
    >>> follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["bob", "bob", "cleo"],
    ...     "followee_id": ["ana", "zoe", "bob"]})
    >>> print(exposure(adoptions, follows)[["account_id", "adopted", "exposure"]])
      account_id  adopted  exposure
    0        bob     True       0.5
    1       cleo    False       1.0

    Ana's followees were not collected: she is not listed. Had Bob followed only Zoé, he
    would be listed with an exposure of 0.

    References
    ----------
    T. W. Valente, *Network Models of the Diffusion of Innovations*, Hampton Press, 1995.
    """
    columns = ["resource_id", "platform", "account_id", "adopted_at"]
    *_, table = query_frames(q.EXPOSURE, adoptions=adoptions[columns], follows=follows)
    return table.astype({"adopted_followees": "Int64", "followees": "int64"})


def _figure(by, group, figure, kind, value, low=None, high=None, coverage=np.nan) -> dict:
    value = float(value)  # NaN when unknown
    return {
        by: group,
        "figure": figure,
        "kind": kind,
        "value": value,
        "low": value if low is None else float(low),
        "high": value if high is None else float(high),
        "coverage": coverage,
    }
