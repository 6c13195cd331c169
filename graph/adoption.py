"""Adoption over time: the Bass model, adopter categories, time to adoption per community.

Each account counts once per resource, at its first adoption; times are measured from the
resource's first adoption anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = [
    "CATEGORIES",
    "BassFit",
    "adopter_categories",
    "adoption_delays",
    "bass_curve",
    "bass_fits",
    "fit_bass",
]

#: Rogers' adopter categories, earliest first.
CATEGORIES = ("innovator", "early adopter", "early majority", "late majority", "laggard")
_DAY = pd.Timedelta(days=1)
_HOUR = pd.Timedelta(hours=1)
_GOOD_FIT = 0.01  # residuals below 1 % of the variance (R² ≥ 0.99): no other first guess
_STARTS = [(0.03, 0.38), (0.01, 0.1), (0.1, 0.9), (0.3, 0.01)]  # (p, q) first guesses


def bass_curve(t, m: float, p: float, q: float):
    """Cumulative adopters of the Bass model at times ``t``.

    N(t) = m (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}).

    >>> round(float(bass_curve(0.0, 100, 0.03, 0.38)), 6)
    0.0
    >>> round(float(bass_curve(1e6, 100, 0.03, 0.38)), 6)
    100.0
    """
    decay = np.exp(-(p + q) * np.asarray(t, dtype="float64"))
    return m * (1 - decay) / (1 + (q / p) * decay)


@dataclass(frozen=True)
class BassFit:
    """A Bass fit: parameters with 95 % intervals, fit quality, or why there is none."""

    status: str  # "fitted" or "refused: <reason>"
    points: int
    m: float = math.nan  # market potential (adopters in the end)
    p: float = math.nan  # coefficient of innovation (external influence) per time unit
    q: float = math.nan  # coefficient of imitation (word of mouth) per time unit
    m_low: float = math.nan
    m_high: float = math.nan
    p_low: float = math.nan
    p_high: float = math.nan
    q_low: float = math.nan
    q_high: float = math.nan
    r2: float = math.nan  # share of the variance of N(t) the curve explains
    peak: float = math.nan  # time of the adoption peak, ln(q/p)/(p+q), 0 when q ≤ p


def fit_bass(t, cumulative, min_points: int = 6) -> BassFit:
    """Fit the Bass model to cumulative adoption counts by bounded non-linear least squares.

    Parameters
    ----------
    t : array of float
        Observation times (from the first adoption, in any unit; p and q are per that unit).
    cumulative : array of float
        Cumulative adopters at each time.
    min_points : int
        Fewer observation times than this, or a curve that never grows after its first
        point, is refused rather than fitted.

    Returns
    -------
    BassFit
        Intervals are the estimate ± t(0.975, points − 3) standard errors from the
        covariance of the fit; NaN when it cannot be estimated.

    Examples
    --------
    >>> t = np.arange(1, 41)
    >>> fit = fit_bass(t, bass_curve(t, 500, 0.01, 0.3))
    >>> round(fit.m), round(fit.p, 4), round(fit.q, 4), fit.r2 > 0.999999
    (500, 0.01, 0.3, True)
    >>> fit_bass([1, 2, 3], [1, 2, 3]).status
    'refused: 3 time points, at least 6 are needed'

    References
    ----------
    F. M. Bass, "A new product growth for model consumer durables", Management Science
    15(5), 1969.
    """
    t = np.asarray(t, dtype="float64")
    cumulative = np.asarray(cumulative, dtype="float64")
    points = len(t)
    if points < min_points:
        plural = "s" if points != 1 else ""
        reason = f"refused: {points} time point{plural}, at least {min_points} are needed"
        return BassFit(reason, points)
    if cumulative[-1] <= cumulative[0]:
        return BassFit("refused: adoption never grows after the first time point", points)
    final = cumulative[-1]
    bounds = ([final, 1e-7, 0.0], [100 * final, 1.0, 10.0])
    spread = float(np.sum((cumulative - cumulative.mean()) ** 2))
    best = None
    for p0, q0 in _STARTS:  # the next first guess only when the fit is poor
        try:
            values, covariance = optimize.curve_fit(
                bass_curve, t, cumulative, p0=[1.2 * final, p0, q0], bounds=bounds,
                maxfev=20_000,
            )  # fmt: skip
        except (RuntimeError, ValueError):
            continue
        residuals = float(np.sum((cumulative - bass_curve(t, *values)) ** 2))
        if best is None or residuals < best[0]:
            best = (residuals, values, covariance)
        if spread > 0 and residuals <= _GOOD_FIT * spread:
            break
    if best is None:
        return BassFit("refused: the least-squares fit did not converge", points)
    residuals, (m, p, q), covariance = best
    with np.errstate(invalid="ignore"):
        errors = np.sqrt(np.diag(covariance)) * stats.t.ppf(0.975, points - 3)
    errors = np.where(np.isfinite(errors), errors, math.nan)
    return BassFit(
        "fitted", points, float(m), float(p), float(q),
        float(m - errors[0]), float(m + errors[0]),
        float(p - errors[1]), float(p + errors[1]),
        float(q - errors[2]), float(q + errors[2]),
        1 - residuals / spread if spread > 0 else math.nan,
        math.log(q / p) / (p + q) if q > p else 0.0,
    )  # fmt: skip


def bass_fits(adoptions: pd.DataFrame, min_points: int = 6) -> pd.DataFrame:
    """Fit the Bass model to each resource's daily cumulative adopters.

    Time is in days from the resource's first adoption; N(d + 1) counts the adopters by the
    end of day d, for every day from the first adoption to the last (days without adoption
    included). p, q and the peak are therefore per day.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at`` (NaT rows are left out).

    Returns
    -------
    DataFrame
        ``resource_id``, ``adopters`` and the fields of :class:`BassFit` (``peak`` in days).
    """
    rows = []
    for resource, first in _first_adoptions(adoptions).groupby("resource_id", sort=True):
        days = ((first["adopted_at"] - first["adopted_at"].min()) // _DAY).astype("int64")
        daily = np.bincount(days.to_numpy())
        fit = fit_bass(np.arange(1, len(daily) + 1), np.cumsum(daily), min_points)
        rows.append({"resource_id": resource, "adopters": len(first), **fit.__dict__})
    columns = ["resource_id", "adopters", *BassFit.__dataclass_fields__]
    return pd.DataFrame(rows, columns=columns)


def adopter_categories(adoptions: pd.DataFrame) -> pd.DataFrame:
    """Place each adopter of each resource in one of Rogers' five categories.

    With t the hours from the resource's first adoption, t̄ their mean and σ their standard
    deviation over the resource's adopters: innovator t < t̄ − 2σ, early adopter
    t̄ − 2σ ≤ t < t̄ − σ, early majority t̄ − σ ≤ t < t̄, late majority t̄ ≤ t < t̄ + σ,
    laggard t ≥ t̄ + σ. With fewer than two adopters or σ = 0 the category is undefined (null).

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
    >>> adopter_categories(adoptions)["category"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['innovator', 'early majority', 'early majority', 'early majority', 'early majority',
     'early majority', 'late majority', 'late majority', 'laggard', 'laggard']

    References
    ----------
    E. M. Rogers, *Diffusion of Innovations*, 5th ed., 2003, ch. 7. T. W. Valente, *Network
    Models of the Diffusion of Innovations*, 1995.
    """
    first = _first_adoptions(adoptions)
    groups = first.groupby("resource_id")["hours"]
    mean, deviation = groups.transform("mean"), groups.transform(lambda h: h.std(ddof=0))
    score = ((first["hours"] - mean) / deviation.where(deviation > 0)).to_numpy()
    index = np.digitize(score, [-2, -1, 0, 1])
    first["category"] = np.where(np.isnan(score), None, np.asarray(CATEGORIES)[index])
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
    """Each account's first timed adoption of each resource, in order of time, with the
    ``hours`` since the resource's first adoption."""
    timed = adoptions.dropna(subset=["adopted_at"]).reset_index(drop=True)
    keys = ["resource_id", "platform", "account_id"]
    first = timed.loc[timed.groupby(keys, sort=False)["adopted_at"].idxmin()]
    first = first.sort_values("adopted_at", kind="stable")[[*keys, "adopted_at"]]
    start = first.groupby("resource_id")["adopted_at"].transform("min")
    first["hours"] = (first["adopted_at"] - start) / _HOUR
    return first.reset_index(drop=True)
