"""Communication actions and what followed them.

A campaign file is a CSV with one action per line::

    date,channel,resource,utm_campaign,xtor
    2026-09-07,newsletter,parcours-maths,rentree2026,
    2026-09-14 18:00,bluesky,r101,,CS1-42

``date`` is a day or a time in Europe/Paris; ``resource`` a catalogue resource id or a
parcours name (the action then targets every resource of the parcours); ``utm_campaign`` and
``xtor`` (optional) are the campaign parameters its links carry.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from collectors.errors import UserError

__all__ = ["CampaignError", "campaign_effects", "driven_adoptions", "read_campaigns"]

_PARIS = "Europe/Paris"
_REQUIRED = ("date", "channel", "resource")
_DAY = pd.Timedelta(days=1)


class CampaignError(UserError, ValueError):
    """A campaign file that cannot be used: names the file and the line."""


def read_campaigns(
    path: Path, resource_ids: Iterable[str], parcours: Iterable[str]
) -> pd.DataFrame:
    """Read and check a campaign file.

    Returns
    -------
    DataFrame
        ``action`` (line number), ``date`` (UTC), ``channel``, ``resource``,
        ``utm_campaign``, ``xtor``.

    Raises
    ------
    CampaignError
        Missing columns, a date that is not one, a resource the catalogue does not know.
    """
    known = set(resource_ids) | set(parcours)
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = [column for column in _REQUIRED if column not in (reader.fieldnames or [])]
            if missing:
                raise CampaignError(f"{path}: missing column(s) {', '.join(missing)}")
            rows = [_action(path, number, row, known) for number, row in enumerate(reader, 2)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CampaignError(f"{path}: cannot read the campaign file ({error})") from None
    columns = ["action", "date", "channel", "resource", "utm_campaign", "xtor"]
    return pd.DataFrame(rows, columns=columns)


def campaign_effects(
    campaigns: pd.DataFrame,
    adoptions: pd.DataFrame,
    catalogue: pd.DataFrame,
    followers: pd.DataFrame,
    before_days: int = 14,
    after_days: int = 7,
) -> pd.DataFrame:
    """Return what followed each action: the adoptions it drove and the change in rate.

    Parameters
    ----------
    campaigns : DataFrame
        As returned by :func:`read_campaigns`.
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at``, ``campaign`` (JSON of
        the link's campaign parameters).
    catalogue : DataFrame
        ``resource_id``, ``parcours``.
    followers : DataFrame
        ``platform``, ``account_id``, ``followers_count``.
    before_days, after_days : int
        The baseline window before the action and the window after it.

    Returns
    -------
    DataFrame
        Per action: ``direct_adoptions`` (adoptions whose link carries its ``utm_campaign`` or
        ``xtor``), ``direct_potential_reach`` (sum of the follower counts of their accounts),
        ``rate_before`` and ``rate_after`` (adoptions per day of the targeted resources),
        ``lift`` (after / before; NaN without a baseline) and ``days_to_peak`` (days from the
        action to the busiest day of the window after it).

    Examples
    --------
    Two adoptions in the two weeks before, seven in the week after (three on day 2):

    >>> day = lambda d: pd.Timestamp("2026-09-07 09:00", tz="UTC") + pd.Timedelta(days=d)
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": list("abcdefghi"),
    ...     "adopted_at": [day(-10), day(-3), day(0), day(1), day(2), day(2), day(2), day(4),
    ...                    day(6)],
    ...     "campaign": [None, None, '{"utm_campaign": "rentree"}', None, None, None, None,
    ...                  None, None]})
    >>> campaigns = pd.DataFrame({"action": [2], "date": [pd.Timestamp("2026-09-06 22:00",
    ...     tz="UTC")], "channel": ["newsletter"], "resource": ["r1"],
    ...     "utm_campaign": ["rentree"], "xtor": [None]})
    >>> catalogue = pd.DataFrame({"resource_id": ["r1"], "parcours": ["p"]})
    >>> followers = pd.DataFrame({"platform": "bluesky", "account_id": ["c"],
    ...     "followers_count": [40]})
    >>> effects = campaign_effects(campaigns, adoptions, catalogue, followers)
    >>> print(effects[["direct_adoptions", "direct_potential_reach", "rate_before",
    ...     "rate_after", "lift", "days_to_peak"]].to_string(index=False))
     direct_adoptions  direct_potential_reach  rate_before  rate_after  lift  days_to_peak
                    1                      40     0.142857         1.0   7.0             2
    """
    timed = adoptions.dropna(subset=["adopted_at"])
    driven = driven_adoptions(campaigns, adoptions)
    counts = followers.set_index(["platform", "account_id"])["followers_count"]
    rows = []
    for action in campaigns.itertuples(index=False):
        targets = set(catalogue.loc[catalogue["parcours"] == action.resource, "resource_id"])
        targets.add(action.resource)
        direct = driven[driven["action"] == action.action]
        sharers = direct[["platform", "account_id"]].drop_duplicates()
        reach = counts.reindex(pd.MultiIndex.from_frame(sharers)).fillna(0).sum()
        times = timed.loc[timed["resource_id"].isin(targets), "adopted_at"]
        start = action.date
        before = times[(times >= start - before_days * _DAY) & (times < start)]
        after = times[(times >= start) & (times < start + after_days * _DAY)]
        rate_before, rate_after = len(before) / before_days, len(after) / after_days
        per_day = ((after - start) // _DAY).value_counts()
        rows.append(
            {
                "action": action.action,
                "date": start,
                "channel": action.channel,
                "resource": action.resource,
                "direct_adoptions": len(direct),
                "direct_potential_reach": int(reach),
                "rate_before": rate_before,
                "rate_after": rate_after,
                "lift": rate_after / rate_before if rate_before else float("nan"),
                "days_to_peak": int(per_day.idxmax()) if len(per_day) else None,
            }
        )
    return pd.DataFrame(rows)


def driven_adoptions(campaigns: pd.DataFrame, adoptions: pd.DataFrame) -> pd.DataFrame:
    """Return the adoptions whose link carries an action's ``utm_campaign`` or ``xtor``.

    One row per adoption and action, with the action's number in ``action``.
    """
    parameters = adoptions["campaign"].map(_parameters)
    driven = [
        adoptions[parameters.map(lambda found, a=action: _carries(found, a)).astype(bool)].assign(
            action=action.action
        )
        for action in campaigns.itertuples(index=False)
    ]
    if not driven:
        return adoptions.iloc[0:0].assign(action=pd.Series(dtype="int64"))
    return pd.concat(driven, ignore_index=True)


def _action(path: Path, number: int, row: dict, known: set[str]) -> dict:
    where = f"{path}, line {number}"
    text = (row.get("date") or "").strip()
    try:
        date = pd.Timestamp(text)
    except ValueError:
        date = pd.NaT
    if pd.isna(date):
        raise CampaignError(f"{where}: {text!r} is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)")
    date = date.tz_localize(_PARIS) if date.tzinfo is None else date
    resource = (row.get("resource") or "").strip()
    if resource not in known:
        raise CampaignError(f"{where}: {resource!r} is neither a catalogue resource nor a parcours")
    return {
        "action": number,
        "date": date.tz_convert("UTC"),
        "channel": (row.get("channel") or "").strip(),
        "resource": resource,
        "utm_campaign": (row.get("utm_campaign") or "").strip() or None,
        "xtor": (row.get("xtor") or "").strip() or None,
    }


def _parameters(campaign) -> dict:
    if not isinstance(campaign, str):
        return {}
    try:
        found = json.loads(campaign)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _carries(found: dict, action) -> bool:
    return bool(
        (action.utm_campaign and found.get("utm_campaign") == action.utm_campaign)
        or (action.xtor and found.get("xtor") == action.xtor)
    )
