"""Adoption over time: Bass-family models, adopter categories, time to adoption per community.

Each account counts once per resource, at its first adoption; times are measured from the
resource's first adoption anywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collectors.speech import _
from graph.bass import ModelFit, compare_models

__all__ = ["CATEGORIES", "adopter_categories", "adoption_delays", "bass_fits", "campaign_impulses"]

#: Rogers' adopter categories, earliest first.
CATEGORIES = ("innovator", "early adopter", "early majority", "late majority", "laggard")
_DAY = pd.Timedelta(days=1)
_HOUR = pd.Timedelta(hours=1)


def bass_fits(
    adoptions: pd.DataFrame, actions: pd.DataFrame | None = None, min_points: int = 6
) -> pd.DataFrame:
    """Fit the models of :mod:`graph.bass` to each resource's daily adopters and compare them.

    Day d counts the adopters between d and d + 1 days after the resource's first adoption,
    for every day up to the last adoption (days without adoption included); rates are per day.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at`` (NaT rows are left out).
    actions : DataFrame, optional
        The campaign actions aimed at each resource: ``resource_id``, ``date`` (UTC) and
        ``label``; the effort impulses of the Generalized Bass Model.

    Returns
    -------
    DataFrame
        ``resource_id``, ``adopters`` and the fields of :class:`graph.bass.ModelFit` (``peak``
        in days), one row per resource and model.
    """
    if actions is None:
        actions = pd.DataFrame({"resource_id": [], "date": [], "label": []})
    rows = []
    for resource, first in _first_adoptions(adoptions).groupby("resource_id", sort=True):
        start = first["adopted_at"].min()
        days = ((first["adopted_at"] - start) // _DAY).astype("int64")
        aimed = actions[actions["resource_id"] == resource].sort_values("date")
        offsets = ((aimed["date"] - start) / _DAY).tolist() if len(aimed) else []
        fits = compare_models(
            np.bincount(days.to_numpy()), offsets, aimed["label"].tolist(), min_points
        )
        rows += [{"resource_id": resource, "adopters": len(first), **fit.__dict__} for fit in fits]
    columns = ["resource_id", "adopters", *ModelFit.__dataclass_fields__]
    return pd.DataFrame(rows, columns=columns)


def campaign_impulses(campaigns: pd.DataFrame | None, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Each campaign action as an effort impulse on every resource it targets.

    Parameters
    ----------
    campaigns : DataFrame or None
        ``date`` (UTC), ``channel`` and ``resource`` (a resource id or a parcours), as
        :func:`graph.campaigns.read_campaigns` returns them.
    catalogue : DataFrame
        ``resource_id``, ``parcours``.

    Returns
    -------
    DataFrame
        ``resource_id``, ``date`` and ``label`` (the action's day in Paris and its channel).

    Examples
    --------
    >>> campaigns = pd.DataFrame({"date": [pd.Timestamp("2026-09-06 22:30", tz="UTC")],
    ...     "channel": ["newsletter"], "resource": ["maths"]})
    >>> catalogue = pd.DataFrame({"resource_id": ["r1", "r2", "r3"],
    ...     "parcours": ["maths", "maths", None]})
    >>> campaign_impulses(campaigns, catalogue)[["resource_id", "label"]].values.tolist()
    [['r1', '2026-09-07 newsletter'], ['r2', '2026-09-07 newsletter']]
    """
    columns = ["resource_id", "date", "label"]
    if campaigns is None or campaigns.empty:
        return pd.DataFrame({column: [] for column in columns})
    aimed = campaigns.merge(catalogue, left_on="resource", right_on="parcours", how="left")
    aimed["resource_id"] = aimed["resource_id"].fillna(aimed["resource"])
    day = aimed["date"].dt.tz_convert("Europe/Paris").dt.strftime("%Y-%m-%d")
    aimed["label"] = day + " " + aimed["channel"]
    return aimed[columns].drop_duplicates(ignore_index=True)


def adopter_categories(adoptions: pd.DataFrame, rule: str = "shares") -> pd.DataFrame:
    """Place each adopter of each resource in one of Rogers' five categories.

    Rogers defines the categories by their shares of the adopters, in order of adoption:
    2.5 % innovators, 13.5 % early adopters, 34 % early majority, 34 % late majority, 16 %
    laggards (the areas of the normal curve cut at t̄ − 2σ, t̄ − σ, t̄ and t̄ + σ).

    - ``rule="shares"`` (default) keeps the shares: an adopter's rank is the share of the
      resource's adopters who adopted before it plus half the share of those who adopted at
      the same time, itself included (the mid-rank percentile); ranks below 2.5 % are
      innovators, then below 16 %, 50 % and 84 %. Adopters at the same time share a rank, so
      they fall in the same category.
    - ``rule="sigma"`` cuts the times t (hours from the resource's first adoption) themselves
      at t̄ − 2σ, t̄ − σ, t̄ and t̄ + σ (mean and standard deviation over the resource's
      adopters). On right-skewed, bursty times nobody may fall below t̄ − 2σ.

    With fewer than two distinct adoption times the category is undefined (null).

    Returns
    -------
    DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at``, ``hours`` and
        ``category``.

    Examples
    --------
    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> hours = [0, 40, 45, 50, 52, 55, 60, 70, 100, 100]  # mean 57.2, σ ≈ 27.6
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": list("abcdefghij"), "adopted_at": [at(h) for h in hours]})
    >>> adopter_categories(adoptions, "sigma")["category"].tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    ['innovator', 'early majority', 'early majority', 'early majority', 'early majority',
     'early majority', 'late majority', 'late majority', 'laggard', 'laggard']
    >>> adopter_categories(adoptions)["category"].tolist()  # ranks 5 %, 15 %, 25 %, … 90 %
    ... # doctest: +NORMALIZE_WHITESPACE
    ['early adopter', 'early adopter', 'early majority', 'early majority', 'early majority',
     'late majority', 'late majority', 'late majority', 'laggard', 'laggard']

    References
    ----------
    E. M. Rogers, *Diffusion of Innovations*, 5th ed., Free Press, 2003, ch. 7, "Adopter
    categorization on the basis of innovativeness" (figure 7-3). T. W. Valente, *Network
    Models of the Diffusion of Innovations*, Hampton Press, 1995.
    """
    if rule not in ("shares", "sigma"):
        raise ValueError(_("unknown rule {rule!r}: shares or sigma").format(rule=rule))
    first = _first_adoptions(adoptions)
    groups = first.groupby("resource_id")["hours"]
    if rule == "shares":
        before, through = groups.rank(method="min") - 1, groups.rank(method="max")
        score = ((before + through) / 2 / groups.transform("size")).to_numpy()
        cuts = [0.025, 0.16, 0.5, 0.84]
    else:
        mean, deviation = groups.transform("mean"), groups.transform(lambda h: h.std(ddof=0))
        score = ((first["hours"] - mean) / deviation).to_numpy()
        cuts = [-2, -1, 0, 1]
    undefined = (groups.transform("nunique") < 2).to_numpy()
    category = np.asarray(CATEGORIES, dtype=object)[np.digitize(score, cuts)]
    first["category"] = np.where(undefined, None, category)
    return first[["resource_id", "platform", "account_id", "adopted_at", "hours", "category"]]


def adoption_delays(adoptions: pd.DataFrame, memberships: pd.DataFrame) -> pd.DataFrame:
    """Return, per resource and community, how long after the first adoption its members came.

    Returns
    -------
    DataFrame
        ``resource_id``, ``community``, ``adopters``, ``first_hours``, ``median_hours`` and
        ``mean_hours`` (hours from the resource's first adoption anywhere).

    Examples
    --------
    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": list("abcd"), "adopted_at": [at(0), at(2), at(10), at(30)]})
    >>> memberships = pd.DataFrame({"platform": "bluesky", "account_id": list("abcd"),
    ...     "community": [0, 0, 1, 1]})
    >>> adoption_delays(adoptions, memberships)[["community", "first_hours", "median_hours"]]
       community  first_hours  median_hours
    0          0          0.0           1.0
    1          1         10.0          20.0
    """
    first = _first_adoptions(adoptions)
    placed = first.merge(memberships, on=["platform", "account_id"])
    return placed.groupby(["resource_id", "community"], as_index=False).agg(
        adopters=("account_id", "size"),
        first_hours=("hours", "min"),
        median_hours=("hours", "median"),
        mean_hours=("hours", "mean"),
    )


def _first_adoptions(adoptions: pd.DataFrame) -> pd.DataFrame:
    """Each account's first timed adoption of each resource, in order of time (ties in the
    order given), with the ``hours`` since the resource's first adoption."""
    keys = ["resource_id", "platform", "account_id"]
    timed = adoptions.loc[adoptions["adopted_at"].notna(), [*keys, "adopted_at"]]
    first = timed.sort_values("adopted_at", kind="stable").drop_duplicates(keys)
    start = first.groupby("resource_id")["adopted_at"].transform("min")
    first["hours"] = (first["adopted_at"] - start) / _HOUR
    return first.reset_index(drop=True)
