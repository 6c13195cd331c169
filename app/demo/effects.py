"""How well campaign attribution, campaign effects and take-off episodes match a known truth.

The demo's truth (``events.csv.xz``) gives every adoption its true parent and its origin: a
post a campaign caused (``origin`` ``campaign``, with the campaign's ``utm_campaign``), a
spontaneous one, or a reaction in a cascade. :func:`roots` finds the post each adoption
descends from; :func:`campaign_recovery` compares the adoptions attributed to each action
with those it caused; :func:`episode_ties` says what drove each take-off episode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["campaign_recovery", "episode_ties", "roots"]

_KEY = ["resource_id", "platform", "account_id"]
_HALF = 0.5


def roots(truth: pd.DataFrame) -> pd.Series:
    """The event each event descends from (its own number for a post nobody prompted).

    >>> truth = pd.DataFrame({"event": [0, 1, 2, 3], "parent": [-1, 0, 1, -1]})
    >>> roots(truth).tolist()
    [0, 0, 0, 3]
    """
    position = pd.Series(np.arange(len(truth)), index=truth["event"])
    parent = position.reindex(truth["parent"]).to_numpy()
    root = np.where(np.isnan(parent), np.arange(len(truth)), parent).astype(np.int64)
    while True:  # pointer jumping: each pass halves the distance to the root
        jumped = root[root]
        if np.array_equal(jumped, root):
            break
        root = jumped
    return pd.Series(truth["event"].to_numpy()[root], index=truth.index)


def campaign_recovery(
    attributed: pd.DataFrame,
    truth: pd.DataFrame,
    actions: pd.DataFrame,
    after_days: int = 7,
) -> pd.DataFrame:
    """Per action: the adoptions it caused, those attributed to it, and how many agree.

    Parameters
    ----------
    attributed : DataFrame
        ``action``, ``resource_id``, ``platform``, ``account_id``, as
        :func:`graph.campaigns.driven_adoptions` returns.
    truth : DataFrame
        ``event``, ``parent``, ``resource_id``, ``platform``, ``account_id``, ``at`` (UTC),
        ``origin`` and ``campaign`` (the utm_campaign of a campaign's post).
    actions : DataFrame
        ``action``, ``label``, ``date``, ``utm_campaign`` and ``resources`` (the set of
        resources each targets).
    after_days : int
        The effect window, from the action's day (Paris).

    Returns
    -------
    DataFrame
        ``action``, ``true`` (posts it caused), ``attributed``, ``correct`` (attributed and
        caused), ``precision``, ``recall`` and ``caused_after`` (adoptions of its posts'
        cascades, the posts included, in the effect window).

    Examples
    --------
    The campaign caused a's post, which b reshared; c's unrelated post is attributed too:

    >>> at = pd.Timestamp("2026-09-07 10:00", tz="UTC")
    >>> truth = pd.DataFrame({"event": [0, 1, 2], "parent": [-1, 0, -1],
    ...     "resource_id": "r1", "platform": "bluesky", "account_id": ["a", "b", "c"],
    ...     "at": [at, at, at], "origin": ["campaign", "cascade", "spontaneous"],
    ...     "campaign": ["rentree", None, None]})
    >>> attributed = truth.iloc[[0, 2]].assign(action=2)
    >>> actions = pd.DataFrame({"action": [2], "label": ["2026-09-07 newsletter"],
    ...     "date": [at], "utm_campaign": ["rentree"], "resources": [{"r1"}]})
    >>> row = campaign_recovery(attributed, truth, actions).iloc[0]
    >>> [int(row[column]) for column in ("true", "attributed", "correct", "caused_after")]
    [1, 2, 1, 2]
    >>> float(row["precision"]), float(row["recall"])
    (0.5, 1.0)
    """
    descends = roots(truth)
    rows = []
    for action in actions.itertuples(index=False):
        caused = truth[
            truth["origin"].eq("campaign")
            & truth["campaign"].eq(action.utm_campaign)
            & truth["resource_id"].isin(action.resources)
        ]
        found = attributed[attributed["action"] == action.action]
        correct = len(caused[_KEY].drop_duplicates().merge(found[_KEY].drop_duplicates()))
        day = action.date.tz_convert("Europe/Paris").normalize()
        inside = (truth["at"] >= day) & (truth["at"] < day + pd.Timedelta(days=after_days))
        rows.append(
            {
                "action": action.label,
                "true": len(caused),
                "attributed": len(found),
                "correct": correct,
                "precision": correct / len(found) if len(found) else float("nan"),
                "recall": correct / len(caused) if len(caused) else float("nan"),
                "caused_after": int((descends.isin(caused["event"]) & inside).sum()),
            }
        )
    return pd.DataFrame(rows)


def episode_ties(episodes: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """What truly drove each take-off episode.

    An episode is tied to a campaign when at least half of the true adoptions of its
    resource within it descend from a campaign's post, else to a large cascade when one
    cascade (one post and all that descends from it) brought at least half of them.

    Parameters
    ----------
    episodes : DataFrame
        ``resource_id``, ``start``, ``end`` (UTC), ``action`` (the one the analysis named).
    truth : DataFrame
        ``event``, ``parent``, ``resource_id``, ``at`` (UTC), ``origin``.

    Returns
    -------
    DataFrame
        ``episodes`` with ``true_adoptions``, ``campaign_share``, ``cascade_share`` (the
        largest cascade's) and ``tied`` (``campaign``, ``cascade`` or ``none``).

    Examples
    --------
    >>> at = lambda hour: pd.Timestamp("2026-09-07", tz="UTC") + pd.Timedelta(hours=hour)
    >>> truth = pd.DataFrame({"event": range(5), "parent": [-1, 0, 0, -1, -1],
    ...     "resource_id": "r1", "at": [at(1), at(2), at(3), at(3), at(9)],
    ...     "origin": ["spontaneous", "cascade", "cascade", "spontaneous", "campaign"]})
    >>> episodes = pd.DataFrame({"resource_id": ["r1", "r1"], "start": [at(0), at(9)],
    ...     "end": [at(4), at(10)], "action": [None, "2026-09-07 newsletter"]})
    >>> episode_ties(episodes, truth)[["true_adoptions", "cascade_share", "tied"]]
       true_adoptions  cascade_share      tied
    0               4           0.75   cascade
    1               1           1.00  campaign
    """
    descends = roots(truth)
    campaign_posts = truth.loc[truth["origin"].eq("campaign"), "event"]
    rows = []
    for episode in episodes.itertuples(index=False):
        inside = (
            truth["resource_id"].eq(episode.resource_id)
            & (truth["at"] >= episode.start)
            & (truth["at"] < episode.end)
        )
        families = descends[inside]
        count = len(families)
        campaign = families.isin(campaign_posts).sum() / count if count else 0.0
        cascade = families.value_counts().iat[0] / count if count else 0.0
        tied = "campaign" if campaign >= _HALF else "cascade" if cascade >= _HALF else "none"
        rows.append(
            {"true_adoptions": count, "campaign_share": campaign, "cascade_share": cascade,
             "tied": tied}
        )  # fmt: skip
    columns = ["true_adoptions", "campaign_share", "cascade_share", "tied"]
    return pd.concat([episodes.reset_index(drop=True), pd.DataFrame(rows, columns=columns)], axis=1)
