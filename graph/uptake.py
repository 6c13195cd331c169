"""Does diffusion precede use? Daily enrolments (or visits) regressed on the adoptions of the
days before, per resource and pooled, with a placebo.

**Model.** A distributed-lag Poisson regression (Schwartz, *Epidemiology* 11(3), 2000, for
the lags) in which the use caused by the adoptions adds to an organic baseline: on Paris day
t, the count y_t is Poisson with mean

    μ_t = exp(β_weekday(t) + β_h·h_t) + Σ_{l=0}^{L} γ_l·a_{t−l},

where a_t is the resource's adoptions that day (every kind, as the ``adoptions`` table holds
them), h_t the share of French school-holiday zones on holiday
(:func:`graph.campaigns.holiday_share`; the term enters when it is known and varies) and
L = 14 days; the lag profile γ_l is a cubic polynomial in l (Almon's distributed lag,
*Econometrica* 33(1), 1965), four coefficients rather than fifteen. Pooled, resources are
stacked and the baseline gets a term per resource (exp(α_r + β_weekday(t) + β_h·h_t)); the
γ are shared. The baseline is multiplicative (the
weekly and school rhythms scale organic use, as in the campaigns' interrupted time series)
and the excess additive, an additive-multiplicative rate model (Lin and Ying, *Ann. Stat.*
23(5), 1995): each adoption adds γ_l expected uses l days later whatever the baseline, so

    **per_100 = 100·Σ_l γ_l is the expected number of enrolments caused per 100 adoptions**
    (those that happen within L days of the adoption),

exactly the effect the demo plants. An identity-link Poisson GLM would give the same
estimand, but its additive weekday terms can make the mean negative on quiet days; here it
stays positive. The parameters are fitted by maximum likelihood (Fisher scoring, steps halved
to keep every mean positive and the likelihood rising); the 95 % Wald intervals use the
inverse Fisher information, scaled by the Pearson dispersion χ²/(n − p) when above 1
(quasi-Poisson); per_100's by the variance of the sum, 1ᵀΣ_γ1.

**Placebo.** The same model with the adoption series moved ``shift`` days into the future
(day t is paired with the adoptions of days t + shift − l, which come after its use and
cannot have caused it), fitted over the days whose future adoptions were observed; the real
lags stay in the model beside these leads, as in a test of leads (Angrist and Pischke,
*Mostly Harmless Econometrics*, 2009, § 5.2.1), so that the leads do not borrow the real
effect through their chance correlation with the real adoptions (adoptions come in bursts).
The placebo's figure is 100·Σ of the leads' coefficients; its interval should contain 0,
and when it does not, the main estimate is not to be trusted (adoptions and use share a
trend the baseline misses).

**Refusals.** Fewer than ``min_adoptions`` adoptions or ``min_outcomes`` uses over the days
fitted, or fewer than ``min_days`` days, give no estimate but a note ("too few … to
measure"); a fit that does not converge, or whose mean touches 0 (a bound of the model), is
flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from graph.campaigns import holiday_share

__all__ = ["LAG_COLUMNS", "UPTAKE_COLUMNS", "Fit", "fit_uptake", "lag_basis", "uptake"]

#: The columns of the uptake table.
UPTAKE_COLUMNS = [
    "scope", "resource_id", "outcome", "first_day", "last_day", "days", "adoptions",
    "outcomes", "per_100", "per_100_low", "per_100_high", "overdispersion", "converged",
    "flag", "note", "placebo_shift_days", "placebo_days", "placebo_per_100", "placebo_low",
    "placebo_high", "placebo_contains_zero", "placebo_note",
]  # fmt: skip
#: The columns of the lag profile.
LAG_COLUMNS = ["scope", "resource_id", "outcome", "lag", "per_100", "per_100_low", "per_100_high"]

_PARIS = "Europe/Paris"
_Z95 = 1.959963984540054
_PLURAL = {"enrolment": "enrolments", "visit": "visits", "completion": "completions",
           "view": "views"}  # fmt: skip


@dataclass(frozen=True)
class Fit:
    """One fit of the distributed-lag model: the lag coefficients (uses per adoption) with
    their covariance, the dispersion and how the fit ended (``flag``: ``None``, or what went
    wrong)."""

    gamma: np.ndarray
    covariance: np.ndarray
    overdispersion: float
    converged: bool
    flag: str | None

    def part(self, chosen: slice) -> Fit:
        """The same fit reduced to the coefficients ``chosen``."""
        return Fit(self.gamma[chosen], self.covariance[chosen, chosen], self.overdispersion,
                   self.converged, self.flag)  # fmt: skip

    def per_100(self) -> tuple[float, float, float]:
        """100·Σγ with its 95 % interval."""
        total = float(self.gamma.sum())
        error = math.sqrt(max(float(self.covariance.sum()), 0.0))
        return 100 * total, 100 * (total - _Z95 * error), 100 * (total + _Z95 * error)


def uptake(
    adoptions: pd.DataFrame,
    daily: pd.DataFrame,
    spans: pd.DataFrame,
    outcome: str = "enrolment",
    lags: int = 14,
    shift: int = 30,
    min_adoptions: int = 20,
    min_outcomes: int = 20,
    min_days: int = 42,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Estimate the uses caused per 100 adoptions, per resource and pooled.

    Parameters
    ----------
    adoptions : DataFrame
        ``resource_id`` and ``adopted_at`` (UTC; unknown times are left out).
    daily : DataFrame
        Daily usage per resource (:func:`graph.usage.resource_usage`): ``resource_id``,
        ``day``, ``kind``, ``count``.
    spans : DataFrame
        :func:`graph.usage.kind_spans`: the days fitted are those the ``outcome`` kind's
        data covers (a resource with no use on a covered day had none).
    outcome : str
        The usage kind counted: ``"enrolment"``, or ``"visit"``.
    lags, shift : int
        The longest lag, in days; how far the placebo moves the adoptions into the future.
    min_adoptions, min_outcomes, min_days : int
        Below these, no estimate.

    Returns
    -------
    summary : DataFrame
        :data:`UPTAKE_COLUMNS`, one row per resource having adoptions or uses (``scope``
        ``"resource"``) and one pooled (``scope`` ``"pooled"``, ``resource_id`` null).
        ``per_100`` and its interval are null when ``note`` says why; ``converged`` and
        ``flag`` say how the fit ended; the placebo's figures likewise, with
        ``placebo_contains_zero``.
    lags : DataFrame
        :data:`LAG_COLUMNS`: the lag profile, 100·γ_l with its 95 % interval, of each fit.
    """
    span = spans[spans["figure"] == outcome]
    used = daily[daily["kind"] == outcome]
    timed = adoptions.dropna(subset=["adopted_at"])
    adopted_days = timed["adopted_at"].dt.tz_convert(_PARIS).dt.tz_localize(None).dt.normalize()
    per_day = timed.assign(day=adopted_days.to_numpy()).groupby(["resource_id", "day"]).size()
    if span.empty:
        row = _row("pooled", None, outcome, None, f"no {_PLURAL.get(outcome, outcome)} imported")
        return _frame([row], UPTAKE_COLUMNS), _frame([], LAG_COLUMNS)
    first = pd.Timestamp(span["first_day"].iloc[0])
    last = pd.Timestamp(span["last_day"].iloc[0])
    days = pd.date_range(first, last, freq="D")
    last_adopted = adopted_days.max() if len(adopted_days) else first - pd.Timedelta(days=1)
    placebo_days = days[days + pd.Timedelta(days=shift) <= last_adopted]
    counts = used.assign(day=pd.to_datetime(used["day"])).groupby(["resource_id", "day"])["count"]
    counts = counts.sum()
    resources = sorted(
        set(per_day.index.get_level_values(0)) | set(counts.index.get_level_values(0))
    )
    series = {r: _series(r, per_day, counts, days, lags, shift) for r in resources}
    limits = (min_adoptions, min_outcomes, min_days)
    rows, profiles = [], []
    for resource in resources:
        row, profile = _measure("resource", resource, outcome, [series[resource]], days,
                                placebo_days, lags, shift, limits)  # fmt: skip
        rows.append(row)
        profiles.extend(profile)
    stacked = [series[r] for r in resources if series[r].outcomes.sum() > 0]
    row, profile = _measure("pooled", None, outcome, stacked, days, placebo_days, lags, shift,
                            limits)  # fmt: skip
    rows.append(row)
    profiles.extend(profile)
    return _frame(rows, UPTAKE_COLUMNS), _frame(profiles, LAG_COLUMNS)


def fit_uptake(
    outcomes: list[np.ndarray],
    lagged: list[np.ndarray],
    baseline: np.ndarray,
    basis: np.ndarray | None = None,
) -> Fit:
    """Fit μ = exp(Xβ) + Aγ, γ = Bδ, by maximum likelihood over stacked series.

    ``outcomes`` are each series' daily counts, ``lagged`` each its days × (L + 1) matrix of
    adoptions at lags 0…L, ``baseline`` the stacked baseline terms X (a column per series
    when several are stacked, weekday and holiday terms), ``basis`` B the (L + 1) × d lag
    basis (default: the identity, a free coefficient per lag). The fit's γ and covariance
    are per lag.

    Examples
    --------
    Thirty days alternating one and five adoptions, and uses exactly 2 + 0.5·adoptions:

    >>> a = np.tile([1.0, 5.0], 15)
    >>> y = 2 + 0.5 * a
    >>> fit = fit_uptake([y], [a[:, None]], np.ones((30, 1)))
    >>> round(fit.per_100()[0], 6), fit.flag
    (50.0, None)
    """
    y = np.concatenate(outcomes)
    basis = np.eye(lagged[0].shape[1]) if basis is None else basis
    lagged_all = np.vstack(lagged) @ basis
    start = sm.GLM(y, baseline, family=sm.families.Poisson()).fit()
    theta = np.r_[np.asarray(start.params), np.zeros(lagged_all.shape[1])]
    k = baseline.shape[1]

    def organic(parameters):
        return np.exp(np.clip(baseline @ parameters[:k], -50, 50))

    def mean(parameters):
        return organic(parameters) + lagged_all @ parameters[k:]

    def loglik(mu):
        return float(np.sum(y * np.log(mu) - mu)) if np.all(mu > 0) else -math.inf

    mu = mean(theta)
    current, converged, flag = loglik(mu), False, None
    for _ in range(200):
        jacobian = np.hstack([organic(theta)[:, None] * baseline, lagged_all])
        information = jacobian.T @ (jacobian / mu[:, None])
        try:
            step = np.linalg.solve(information, jacobian.T @ (y / mu - 1))
        except np.linalg.LinAlgError:
            flag = "singular: the adoptions at some lags cannot be told apart"
            break
        for _halving in range(40):
            candidate = theta + step
            found = loglik(mean(candidate))
            if found >= current - 1e-12:
                break
            step = step / 2
        else:
            break
        theta, mu, previous, current = candidate, mean(candidate), current, found
        if abs(current - previous) < 1e-10 * (1 + abs(current)) and np.max(np.abs(step)) < 1e-7:
            converged = True
            break
    if not converged and flag is None:
        flag = "did not converge"
    if mu.min() < 1e-6:
        flag = "on a bound: the fitted mean reaches 0"
    jacobian = np.hstack([organic(theta)[:, None] * baseline, lagged_all])
    information = jacobian.T @ (jacobian / mu[:, None])
    freedom = max(len(y) - len(theta), 1)
    dispersion = max(float(np.sum((y - mu) ** 2 / mu)) / freedom, 1.0)
    try:
        covariance = basis @ np.linalg.inv(information)[k:, k:] @ basis.T * dispersion
    except np.linalg.LinAlgError:
        covariance = np.full((len(basis),) * 2, math.nan)
        flag = flag or "singular: the adoptions at some lags cannot be told apart"
    return Fit(basis @ theta[k:], covariance, dispersion, converged, flag)


@dataclass(frozen=True)
class _Series:
    outcomes: np.ndarray  # uses per day fitted
    lagged: np.ndarray  # adoptions at lags 0…L of each day
    leading: np.ndarray  # adoptions at lags 0…L of day + shift


def _series(resource, per_day, counts, days, lags, shift) -> _Series:
    adopted = per_day.get(resource, pd.Series(dtype="int64"))
    used = counts.get(resource, pd.Series(dtype="int64"))
    reach = pd.date_range(days[0] - pd.Timedelta(days=lags), days[-1] + pd.Timedelta(days=shift))
    a = adopted.reindex(reach, fill_value=0).to_numpy(float)
    index = np.arange(len(days))[:, None] + lags - np.arange(lags + 1)[None, :]
    return _Series(used.reindex(days, fill_value=0).to_numpy(float), a[index], a[index + shift])


def _measure(scope, resource, outcome, stacked, days, placebo_days, lags, shift, limits):
    """The row and lag profile of one fit (and its placebo)."""
    min_adoptions, min_outcomes, min_days = limits
    row = _row(scope, resource, outcome, days, None)
    row["placebo_shift_days"] = shift
    adoptions = sum(float(s.lagged[:, 0].sum()) for s in stacked)
    window = sum(float(s.lagged[0, 1:].sum()) for s in stacked) + adoptions
    uses = sum(float(s.outcomes.sum()) for s in stacked)
    row.update(days=len(days), adoptions=int(window), outcomes=int(uses))
    plural = _PLURAL.get(outcome, outcome)
    note = (
        "too few days to measure" if len(days) < min_days
        else "too few adoptions to measure" if window < min_adoptions
        else f"too few {plural} to measure" if uses < min_outcomes
        else None
    )  # fmt: skip
    if note:
        row["note"] = row["placebo_note"] = note
        return row, []
    fit = fit_uptake([s.outcomes for s in stacked], [s.lagged for s in stacked],
                     _baseline(days, len(stacked)), lag_basis(lags))  # fmt: skip
    row.update(zip(["per_100", "per_100_low", "per_100_high"], fit.per_100(), strict=True))
    row.update(overdispersion=fit.overdispersion, converged=fit.converged, flag=fit.flag)
    errors = np.sqrt(np.clip(np.diag(fit.covariance), 0, None))
    profile = [
        {"scope": scope, "resource_id": resource, "outcome": outcome, "lag": lag,
         "per_100": 100 * g, "per_100_low": 100 * (g - _Z95 * e),
         "per_100_high": 100 * (g + _Z95 * e)}
        for lag, (g, e) in enumerate(zip(fit.gamma, errors, strict=True))
    ]  # fmt: skip
    row["placebo_days"] = len(placebo_days)
    if len(placebo_days) < min_days:
        row["placebo_note"] = "too few days to measure"
        return row, profile
    kept = len(placebo_days)
    if sum(float(s.leading[:kept, 0].sum()) for s in stacked) < min_adoptions:
        row["placebo_note"] = "too few adoptions to measure"
        return row, profile
    both = [np.hstack([s.lagged[:kept], s.leading[:kept]]) for s in stacked]
    basis = lag_basis(lags)
    blocks = np.block([[basis, np.zeros_like(basis)], [np.zeros_like(basis), basis]])
    placebo = fit_uptake([s.outcomes[:kept] for s in stacked], both,
                         _baseline(placebo_days, len(stacked)), blocks)  # fmt: skip
    placebo = placebo.part(slice(lags + 1, None))
    value, low, high = placebo.per_100()
    row.update(placebo_per_100=value, placebo_low=low, placebo_high=high,
               placebo_contains_zero=bool(low <= 0 <= high), placebo_note=placebo.flag)  # fmt: skip
    return row, profile


def lag_basis(lags: int, degree: int = 3) -> np.ndarray:
    """The polynomial lag basis (Almon): column j is (l / L)^j for lags l = 0…L.

    >>> lag_basis(2, 1).tolist()
    [[1.0, 0.0], [1.0, 0.5], [1.0, 1.0]]
    """
    return np.vander(np.arange(lags + 1) / lags, degree + 1, increasing=True)


def _baseline(days: pd.DatetimeIndex, series: int) -> np.ndarray:
    """The baseline terms of ``series`` stacked series over ``days``: one level per series
    (per weekday when there is one series), weekdays relative to Monday, holidays when
    known and varying."""
    weekday = np.tile(days.day_of_week.to_numpy(), series)
    present = sorted(set(weekday))
    columns = [np.repeat(np.eye(series), len(days), axis=0)] if series > 1 else []
    levels = present[1:] if series > 1 else present
    columns.append(np.column_stack([(weekday == d).astype(float) for d in levels]))
    holiday = holiday_share(days)
    if not np.isnan(holiday).any() and np.ptp(holiday) > 0:
        columns.append(np.tile(holiday, series)[:, None])
    return np.hstack(columns)


def _row(scope, resource, outcome, days, note) -> dict:
    row = dict.fromkeys(UPTAKE_COLUMNS)
    row.update(scope=scope, resource_id=resource, outcome=outcome, note=note)
    if days is not None and len(days):
        row.update(first_day=days[0].date(), last_day=days[-1].date())
    return row


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    floats = [c for c in columns if "per_100" in c or c.endswith(("_low", "_high"))]
    frame[floats + (["overdispersion"] if "overdispersion" in columns else [])] = frame[
        floats + (["overdispersion"] if "overdispersion" in columns else [])
    ].astype("float64")
    for column in ("days", "adoptions", "outcomes", "placebo_days", "placebo_shift_days", "lag"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    for column in ("converged", "placebo_contains_zero"):
        if column in frame:
            frame[column] = frame[column].astype("boolean")
    return frame
