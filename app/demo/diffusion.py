"""How resources spread in the synthetic network: an independent-cascade process with timing.

Posts that link a resource come from three sources: teachers who find it on their own
(spontaneous originators, in proportion to the resource's appeal), campaigns (a newsletter
makes teachers post the campaign link within days; an institution posts it on the day), and
the cascade itself. Every post exposes the author's followers on the same platform; each
follower gets one independent chance to react (Kempe, Kleinberg & Tardos, KDD 2003), higher
for an appealing resource and for teachers of the resource's level. A reaction is a repost,
a quote, a reply or a post of one's own with the link; it comes a heavy-tailed delay after
the post it reacts to, moved to an active hour, and happens with the day's activity (weekday,
school holidays: :mod:`app.demo.timing`). Followers
who do not react may like the post. Everyone adopts a resource at most once.

The result is the ground truth: every event with its true parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.demo.timing import settle, thin

__all__ = ["DiffusionShape", "spread"]

_HOUR_NS = 3_600 * 10**9
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class DiffusionShape:
    """How resources spread."""

    start: str = "2026-09-01"  # first day of the period (UTC)
    end: str = "2026-11-20"  # the moment of collection: nothing happens after it
    transmission: float = 0.065  # chance that a follower reacts to a post, at appeal 1
    level_match: float = 2.5  # multiplier for teachers of the resource's level
    spontaneous: float = 80.0  # teachers who find a resource on their own, at appeal 1
    newsletter: float = 30.0  # teachers who post a newsletter's link, at appeal 1
    appeal_spread: float = 0.8  # sigma of the log-normal appeal of resources
    post_spread: float = 1.6  # sigma of the log-normal catchiness of each post (mean 1)
    reactions: dict[str, float] = field(
        default_factory=lambda: {"repost": 0.6, "quote": 0.15, "reply": 0.1, "post": 0.15}
    )
    median_delay_hours: float = 2.0  # median time from a post to a reaction
    delay_sigma: float = 1.6  # log-normal sigma of that delay (heavy tail: bursts)
    like_chance: float = 0.05  # chance that an exposed follower who does not react likes


def spread(
    accounts: pd.DataFrame,
    follows: pd.DataFrame,
    resources: pd.DataFrame,
    campaigns: pd.DataFrame,
    shape: DiffusionShape,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spread every resource; return the adoption events and the likes.

    Parameters
    ----------
    accounts : DataFrame
        ``account``, ``kind``, ``level``, ``platform`` (one row per account).
    follows : DataFrame
        ``follower``, ``followee`` (both on the same platform).
    resources : DataFrame
        ``resource_id``, ``levels`` (set of levels; empty: every level), ``published``.
    campaigns : DataFrame
        ``date`` (UTC), ``channel`` (``newsletter`` or an institution's account),
        ``resource``, ``utm_campaign``.
    shape : DiffusionShape
    rng : numpy.random.Generator

    Returns
    -------
    events : DataFrame
        ``event`` (its row number), ``resource_id``, ``account``, ``kind`` (``post``,
        ``repost``, ``quote``, ``reply``), ``at`` (UTC), ``parent`` (the event reacted to; -1
        for a post nobody prompted), ``target`` (the post a repost, quote or reply is
        attached to: what the parent showed; -1 for a post), ``campaign``
        (utm_campaign of the link, if any), ``origin`` (``spontaneous``, ``campaign`` or
        ``cascade``), ``shown`` (the post the event shows its author's followers: its own,
        or the one it reposted); resource by resource, generation by generation.
    likes : DataFrame
        ``account``, ``target`` (the post liked), ``at``.

    Examples
    --------
    >>> accounts = pd.DataFrame({"account": ["a", "b", "c"], "kind": "person",
    ...                          "level": "collège", "platform": "bluesky"})
    >>> follows = pd.DataFrame({"follower": ["b", "c"], "followee": ["a", "b"]})
    >>> resources = pd.DataFrame({"resource_id": ["r1"], "levels": [set()],
    ...                           "published": [pd.Timestamp("2026-01-01", tz="UTC")]})
    >>> none = pd.DataFrame(columns=["date", "channel", "resource", "utm_campaign"])
    >>> events, likes = spread(accounts, follows, resources, none,
    ...                        DiffusionShape(spontaneous=1, transmission=1.0),
    ...                        np.random.default_rng(0))
    >>> bool((events.loc[events["parent"] >= 0, "at"].to_numpy()
    ...       > events["at"].to_numpy()[events.loc[events["parent"] >= 0, "parent"]]).all())
    True
    """
    names = accounts["account"].to_numpy()
    index = pd.Series(np.arange(len(names)), index=names)
    followers = _followers_by_account(follows, index)
    start, end = pd.Timestamp(shape.start, tz="UTC"), pd.Timestamp(shape.end, tz="UTC")
    appeal = rng.lognormal(0.0, shape.appeal_spread, size=len(resources))
    teachers = np.flatnonzero(accounts["kind"].to_numpy() == "person")
    levels = accounts["level"].to_numpy()
    events, likes = [], []
    for position, resource in enumerate(resources.itertuples(index=False)):
        seeds = _seeds(
            resource, appeal[position], campaigns, teachers, index, start, end, shape, rng
        )
        matched = np.ones(len(names))
        if resource.levels:
            matched[np.isin(levels, list(resource.levels))] = shape.level_match
        chance = np.minimum(shape.transmission * appeal[position] * matched, 0.9)
        found, liked = _cascade(seeds, followers, chance, end, shape, rng)
        found["resource_id"] = resource.resource_id
        events.append(found)
        likes.append(liked)
    return _numbered(events, likes, names)


def _followers_by_account(follows: pd.DataFrame, index: pd.Series) -> tuple[np.ndarray, ...]:
    """Followers of every account as CSR arrays: (offsets, followers)."""
    followee = index.reindex(follows["followee"]).to_numpy()
    follower = index.reindex(follows["follower"]).to_numpy()
    order = np.argsort(followee, kind="stable")
    counts = np.bincount(followee, minlength=len(index))
    return np.concatenate([[0], np.cumsum(counts)]), follower[order]


def _seeds(resource, appeal, campaigns, teachers, index, start, end, shape, rng) -> pd.DataFrame:
    """Posts nobody in the network prompted: spontaneous ones and campaigns'."""
    opens = max(start, resource.published)
    span = (end - opens).total_seconds()
    count = rng.poisson(shape.spontaneous * appeal) if span > 0 else 0
    spontaneous = pd.DataFrame(
        {
            "account": rng.choice(teachers, size=count),
            "at": opens + pd.to_timedelta(rng.random(count) * span, unit="s"),
            "campaign": None,
            "origin": "spontaneous",
        }
    )
    parts = [spontaneous]
    for action in campaigns[campaigns["resource"] == resource.resource_id].itertuples():
        if action.channel == "newsletter":
            count = rng.poisson(shape.newsletter * appeal)
            delays = pd.to_timedelta(rng.exponential(1.0, size=count), unit="D")
            parts.append(
                pd.DataFrame(
                    {
                        "account": rng.choice(teachers, size=count),
                        "at": action.date + delays,
                        "campaign": action.utm_campaign,
                        "origin": "campaign",
                    }
                )
            )
        else:
            parts.append(
                pd.DataFrame(
                    {
                        "account": [index[action.channel]],
                        "at": [action.date],
                        "campaign": action.utm_campaign,
                        "origin": "campaign",
                    }
                )
            )
    seeds = pd.concat(parts, ignore_index=True)
    settled = seeds["origin"].eq("spontaneous") | seeds["campaign"].notna() & seeds["account"].isin(
        teachers
    )
    seeds["at"] = seeds["at"].astype("datetime64[ns, UTC]")
    seeds.loc[settled, "at"] = settle(pd.DatetimeIndex(seeds.loc[settled, "at"]), rng)
    happen = ~settled.to_numpy() | thin(pd.DatetimeIndex(seeds["at"]), rng)
    seeds = seeds[happen & (seeds["at"] < end)].sort_values("at", kind="stable")
    return seeds.drop_duplicates("account").reset_index(drop=True)


def _cascade(seeds, followers, chance, end, shape, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the independent cascade from the seeds, generation by generation."""
    offsets, listed = followers
    adopted = np.zeros(len(chance), dtype=bool)
    adopted[seeds["account"].to_numpy()] = True
    count = len(seeds)
    generations = [
        {
            "account": seeds["account"].to_numpy(),
            "at": seeds["at"].to_numpy(dtype="datetime64[ns]").view(np.int64),
            "kind": np.full(count, "post", dtype=object),
            "parent": np.full(count, -1),
            "target": np.full(count, -1),
            "shown": np.arange(count),
            "campaign": seeds["campaign"].to_numpy(dtype=object),
            "origin": seeds["origin"].to_numpy(dtype=object),
        }
    ]
    likes = []
    frontier = np.arange(count)
    kinds, shares = list(shape.reactions), list(shape.reactions.values())
    while len(frontier):
        current = _concatenated(generations)
        authors = current["account"][frontier]
        exposed, source = _exposures(authors, frontier, offsets, listed)
        draws = rng.random(len(exposed))
        catchy = rng.lognormal(-(shape.post_spread**2) / 2, shape.post_spread, len(frontier))
        boost = np.repeat(catchy, offsets[authors + 1] - offsets[authors])
        react = (draws < np.minimum(chance[exposed] * boost, 0.9)) & ~adopted[exposed]
        like = ~react & (draws > 1 - shape.like_chance)
        likes.append((exposed[like], current["shown"][source[like]], current["at"][source[like]]))
        exposed, source = exposed[react], source[react]
        at = current["at"][source] + _delays(len(exposed), shape, rng)
        first = np.lexsort((at, exposed))
        keep = first[np.diff(exposed[first], prepend=-1) != 0]
        exposed, source = exposed[keep], source[keep]
        settled = settle(pd.DatetimeIndex(at[keep], tz="UTC"), rng)
        at = settled.asi8
        inside = (at < end.value) & thin(settled, rng)
        exposed, source, at = exposed[inside], source[inside], at[inside]
        adopted[exposed] = True
        kind = rng.choice(kinds, size=len(exposed), p=shares).astype(object)
        numbers = np.arange(len(current["at"]), len(current["at"]) + len(exposed))
        target = current["shown"][source]
        generations.append(
            {
                "account": exposed,
                "at": at,
                "kind": kind,
                "parent": source,
                "target": np.where(kind == "post", -1, target),
                "shown": np.where(kind == "repost", target, numbers),
                "campaign": np.full(len(exposed), None, dtype=object),
                "origin": np.full(len(exposed), "cascade", dtype=object),
            }
        )
        frontier = numbers
    events = pd.DataFrame(_concatenated(generations))
    liked = [np.concatenate([np.empty(0, int), *(like[i] for like in likes)]) for i in range(3)]
    return events, _timed_likes(*liked, end=end, shape=shape, rng=rng)


def _exposures(authors, frontier, offsets, listed) -> tuple[np.ndarray, np.ndarray]:
    """Every follower of every author, with the frontier event that exposed it."""
    sizes = offsets[authors + 1] - offsets[authors]
    total = int(sizes.sum())
    starts = np.repeat(offsets[authors] - (np.cumsum(sizes) - sizes), sizes)
    return listed[starts + np.arange(total)], np.repeat(frontier, sizes)


def _delays(count: int, shape: DiffusionShape, rng: np.random.Generator) -> np.ndarray:
    """Heavy-tailed reaction delays, in nanoseconds."""
    hours = rng.lognormal(np.log(shape.median_delay_hours), shape.delay_sigma, count)
    return (hours * _HOUR_NS).astype(np.int64)


def _timed_likes(accounts, targets, after, *, end, shape, rng) -> pd.DataFrame:
    """Likes, each a reaction delay after the post was shown, in an active hour."""
    at = settle(pd.DatetimeIndex(after + _delays(len(after), shape, rng), tz="UTC"), rng)
    likes = pd.DataFrame({"account": accounts, "target": targets, "at": at})
    likes = likes[likes["at"] < end].drop_duplicates(["account", "target"])
    return likes.reset_index(drop=True)


def _concatenated(generations: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([g[key] for g in generations]) for key in generations[0]}


def _numbered(events: list[pd.DataFrame], likes: list[pd.DataFrame], names: np.ndarray):
    """One numbering of every resource's events; account names instead of positions."""
    offset = 0
    for found, liked in zip(events, likes, strict=True):
        for column in ("parent", "target"):
            found[column] = np.where(found[column] >= 0, found[column] + offset, -1)
        found["shown"] += offset
        liked["target"] += offset
        offset += len(found)
    all_events = pd.concat(events, ignore_index=True)
    all_events["account"] = names[all_events["account"].to_numpy()]
    all_events["at"] = pd.to_datetime(all_events["at"], utc=True)
    all_events.insert(0, "event", np.arange(len(all_events)))
    all_likes = pd.concat(likes, ignore_index=True)
    all_likes["account"] = names[all_likes["account"].to_numpy()]
    columns = [
        "event",
        "resource_id",
        "account",
        "kind",
        "at",
        "parent",
        "target",
        "shown",
        "campaign",
        "origin",
    ]
    return all_events[columns], all_likes
