"""Bass-family models of daily adoptions, fitted by maximum likelihood and compared.

Three nested models of the expected new adopters on day d (from the first adoption),
μ_d = m [F(X(d + 1)) − F(X(d))]:

- ``external``: innovation only, F(x) = 1 − e^{−px} (the Bass model with q = 0);
- ``bass``: F(x) = (1 − e^{−(p+q)x}) / (1 + (q/p) e^{−(p+q)x}) (Bass 1969);
- ``generalized bass``: the Bass F of the effort-weighted time
  X(t) = t + Σ_k s_k (1 − e^{−b(t − a_k)}) [t ≥ a_k], i.e. a current effort
  x(t) = 1 + Σ_k s_k b e^{−b(t − a_k)} after each campaign action k at day a_k
  (Bass, Krishnan & Jain 1994, with the exponential shocks of Guseo et al. 2007): action k
  brings diffusion forward by s_k days, spread with decay rate b. In the other two models
  X(t) = t.

Daily counts are Poisson with mean μ_d; the parameters maximise the likelihood (SLSQP on their
logarithms, from the two most likely of a few first guesses) within bounds: m from half to a
thousand times the adopters seen, p from 10⁻⁷ and q from 10⁻⁶ to 10 per day, b from 0.05 to
20 per day, s_k from 10⁻³ to ten times the days observed. Counts of adopters are
overdispersed (bursts), so the dispersion φ = Pearson χ² / (days − parameters) of the richest
model fitted (at least 1) scales the covariance (quasi-Poisson) and the criterion:
QAIC = −2 log L / φ + 2k (Burnham & Anderson 2002, §2.5). The model chosen is the simplest
within 2 of the lowest QAIC.

A fitted parameter at a bound, or whose 95 % interval spans more than a factor of 10, cannot
be read: the fit is ``flagged`` with the reason, never ``fitted``. m at its upper bound or
loose: "no saturation seen yet: m is a lower bound" (the curve has not bent, only m·p is
known, so p is not flagged besides); q on its lower bound: "no imitation detectable"; p, q or
an action's s_k loose: "<p, q or the effect of the action> undetermined"; s_k on its lower
bound: "no effect of <action> detectable". b is not flagged: at its upper bound the effort
is spent within hours, which daily counts cannot resolve further.

References
----------
F. M. Bass, "A new product growth for model consumer durables", Management Science 15(5),
1969. F. M. Bass, T. V. Krishnan, D. C. Jain, "Why the Bass model fits without decision
variables", Marketing Science 13(3), 1994. R. Guseo, A. Dalla Valle, M. Guidolin, "World oil
depletion models: price effects compared with strategic or technological interventions",
Technological Forecasting and Social Change 74(4), 2007. K. P. Burnham, D. R. Anderson,
*Model Selection and Multimodel Inference*, 2nd ed., 2002.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize, special, stats

__all__ = ["MODELS", "ModelFit", "bass_cdf", "choose", "compare_models", "effort_time"]

#: The models, simplest first.
MODELS = ("external", "bass", "generalized bass")
_WIDE = math.log(10.0)  # an interval wider than a factor of 10 (high / low) says nothing
_SIMPLER = 2.0  # a richer model must lower the QAIC by more than this
_STARTS = 2  # optimisations per model, from the first guesses most likely
_STEP = 1e-6  # relative step of the numerical derivatives
_REASONS = {  # a parameter at its bound, and one whose interval is too wide
    "m": ("no saturation seen yet: m is a lower bound",) * 2,
    "p": ("no external influence detectable", "p undetermined"),
    "q": ("no imitation detectable", "q undetermined"),
    "s": ("no effect of {} detectable", "effect of {} undetermined"),
}


def bass_cdf(x, p: float, q: float):
    """The Bass model's share of the market potential adopted by time ``x``.

    >>> round(float(bass_cdf(0.0, 0.03, 0.38)), 6), round(float(bass_cdf(1e3, 0.03, 0.38)), 6)
    (0.0, 1.0)
    """
    decay = np.exp(-(p + q) * np.asarray(x, dtype="float64"))
    return (1 - decay) / (1 + (q / p) * decay)


def effort_time(t, actions: Sequence[float], shifts: Sequence[float], decay: float):
    """The effort-weighted time X(t) of the Generalized Bass Model with exponential shocks.

    X(t) = t + Σ_k s_k (1 − e^{−b(t − a_k)}) for t ≥ a_k: action k at time a_k brings the
    diffusion forward by s_k time units in the end.

    >>> effort_time([0.0, 2.0, 100.0], [1.0], [5.0], 1.0).round(4).tolist()
    [0.0, 5.1606, 105.0]
    """
    t = np.asarray(t, dtype="float64")
    shifted = t.copy()
    for start, shift in zip(actions, shifts, strict=True):
        since = np.maximum(t - start, 0.0)
        shifted += shift * (1 - np.exp(-decay * since))
    return shifted


@dataclass(frozen=True)
class ModelFit:
    """One model fitted to one curve: estimates with 95 % intervals, criterion, or why not."""

    model: str
    status: str  # "fitted", "flagged: <reasons>" or "refused: <reason>"
    points: int  # days
    chosen: bool = False  # the model the data supports best
    m: float = math.nan  # market potential (adopters in the end)
    m_low: float = math.nan
    m_high: float = math.nan
    p: float = math.nan  # coefficient of innovation (external influence) per day
    p_low: float = math.nan
    p_high: float = math.nan
    q: float = math.nan  # coefficient of imitation (word of mouth) per day
    q_low: float = math.nan
    q_high: float = math.nan
    decay: float = math.nan  # b: decay per day of an action's extra effort
    impulses: str | None = None  # per action: days of diffusion it brought forward
    log_likelihood: float = math.nan  # Poisson, of the daily counts
    parameters: int = 0  # k
    dispersion: float = math.nan  # φ, shared by the models of the curve
    qaic: float = math.nan  # −2 log L / φ + 2k
    r2: float = math.nan  # share of the variance of the cumulative curve explained
    peak: float = math.nan  # Bass: ln(q/p)/(p+q) days, 0 when q ≤ p; external: 0; else NaN


@dataclass(frozen=True)
class _Estimate:
    model: str
    names: list[str]
    theta: np.ndarray  # logarithms of the parameters
    at_bound: np.ndarray
    mean: np.ndarray  # μ_d
    log_likelihood: float
    information: np.ndarray  # Fisher information of theta


def compare_models(
    counts,
    actions: Sequence[float] = (),
    labels: Sequence[str] = (),
    min_points: int = 6,
) -> list[ModelFit]:
    """Fit the three models to daily adoption counts and say which the data supports.

    Parameters
    ----------
    counts : array of float
        New adopters on each day from the first adoption (days without adoption included).
    actions : sequence of float
        Days (from the start of day 0, fractions allowed) of the campaign actions aimed at the
        resource; those outside the observed days are left out. No action: the Generalized
        Bass Model is refused.
    labels : sequence of str
        How to name each action in ``impulses``.
    min_points : int
        Fewer days than this, or every adoption on the first day, is refused.

    Returns
    -------
    list of ModelFit
        One per model of :data:`MODELS`, in that order; intervals are
        exp(log θ ± t(0.975, days − k) standard errors), from the Fisher information scaled
        by the dispersion.
    """
    counts = np.asarray(counts, dtype="float64")
    days = len(counts)
    if days < min_points:
        plural = "s" if days != 1 else ""
        refused = f"refused: {days} time point{plural}, at least {min_points} are needed"
        return [ModelFit(model, refused, days) for model in MODELS]
    if counts[1:].sum() == 0:
        refused = "refused: adoption never grows after the first time point"
        return [ModelFit(model, refused, days) for model in MODELS]
    inside = [(a, label) for a, label in zip(actions, labels, strict=True) if 0 <= a < days]
    estimates = [_fit("external", counts, []), _fit("bass", counts, [])]
    if inside:
        estimates.append(_fit("generalized bass", counts, [a for a, _ in inside],
                              start=estimates[1]))  # fmt: skip
    richest = estimates[-1]
    pearson = float(np.sum((counts - richest.mean) ** 2 / richest.mean))
    dispersion = max(1.0, pearson / max(days - len(richest.theta), 1))
    labels = [label for _, label in inside]
    fits = [_summary(e, counts, dispersion, labels) for e in estimates]
    chosen = choose([fit.qaic for fit in fits])
    fits = [replace(fit, chosen=index == chosen) for index, fit in enumerate(fits)]
    if not inside:
        fits.append(ModelFit("generalized bass", "refused: no campaign action in the days "
                             "observed", days))  # fmt: skip
    return fits


def choose(criteria: Sequence[float]) -> int:
    """The model to keep, given the QAIC of models from simplest to richest: the simplest
    within 2 of the lowest (Burnham & Anderson 2002, §2.6: those have substantial support).

    >>> choose([100.0, 98.5, 90.0]), choose([100.0, 98.5, 99.0]), choose([100.0, 97.9])
    (2, 0, 1)
    """
    best = min(criteria)
    return next(index for index, value in enumerate(criteria) if value <= best + _SIMPLER)


def _fit(model: str, counts: np.ndarray, actions: list[float], start=None) -> _Estimate:
    """Maximum likelihood of one model, the best of a few first guesses."""
    days, total = len(counts), counts.sum()
    names = ["m", "p"] + (["q"] if model != "external" else [])
    if model == "generalized bass":
        names += ["decay"] + [f"s{k}" for k in range(len(actions))]
    bounds = {"m": (total / 2, 1_000 * total), "p": (1e-7, 10.0), "q": (1e-6, 10.0),
              "decay": (0.05, 20.0)}  # fmt: skip
    low, high = np.log([bounds.get(name, (1e-3, 10.0 * days)) for name in names]).T

    def mean(theta):
        values = dict(zip(names, np.exp(theta), strict=True))
        p, q = values["p"], values.get("q", 0.0)
        shifts = [values[f"s{k}"] for k in range(len(actions))]
        x = effort_time(np.arange(days + 1.0), actions, shifts, values.get("decay", 1.0))
        share = 1 - np.exp(-p * x) if model == "external" else bass_cdf(x, p, q)
        return np.maximum(values["m"] * np.diff(share), 1e-12)

    def loss(theta):
        mu = mean(theta)
        gradient = _jacobian(mean, theta).T @ (1 - counts / mu)
        return float(np.sum(mu - counts * np.log(mu))), gradient

    guesses = []
    for guess in _guesses(model, names, start):
        guess = np.log(guess)
        guess[0] = np.log(total / np.sum(mean(np.r_[0.0, guess[1:]])))  # m: all seen so far
        guesses.append(np.clip(guess, low, high))
    guesses.sort(key=lambda guess: loss(guess)[0])
    best = None
    for guess in guesses[:_STARTS]:  # from the most likely first guesses only
        found = optimize.minimize(
            loss, guess, jac=True, method="SLSQP", bounds=list(zip(low, high, strict=True)),
            options={"maxiter": 1_000, "ftol": 1e-12},
        )  # fmt: skip
        if best is None or found.fun < best.fun:
            best = found
    theta = best.x
    mu = mean(theta)
    jacobian = _jacobian(mean, theta)
    log_likelihood = float(np.sum(counts * np.log(mu) - mu) - np.sum(special.gammaln(counts + 1)))
    at_bound = (theta - low < 1e-3) | (high - theta < 1e-3)
    return _Estimate(model, names, theta, at_bound, mu, log_likelihood,
                     jacobian.T @ (jacobian / mu[:, None]))  # fmt: skip


def _guesses(model, names, start):
    """First guesses over a few shapes, or from the Bass fit (m is set by the caller)."""
    if model == "external":
        return [[1.0, p] for p in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)]
    if model == "bass":
        shapes = (0.001, 0.01, 0.1)
        return [[1.0, p, q] for p in shapes for q in (0.01, *np.multiply(shapes, 10))]
    values = np.exp(start.theta)
    actions = len(names) - 4
    return [[*values, decay, *[shift] * actions] for decay in (0.5, 3.0) for shift in (1e-3, 3.0)]


def _summary(estimate: _Estimate, counts, dispersion: float, labels: list[str]) -> ModelFit:
    """The estimate as a :class:`ModelFit`: intervals, flags, criterion, R², peak."""
    days, k = len(counts), len(estimate.theta)
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            errors = np.sqrt(np.diag(np.linalg.inv(estimate.information)) * dispersion)
        except np.linalg.LinAlgError:
            errors = np.full(k, math.inf)
        errors = np.where(np.isfinite(errors), errors, math.inf)
        quantile = stats.t.ppf(0.975, max(days - k, 1))
        values = dict(zip(estimate.names, np.exp(estimate.theta), strict=True))
        lows = dict(zip(estimate.names, np.exp(estimate.theta - quantile * errors), strict=True))
        highs = dict(zip(estimate.names, np.exp(estimate.theta + quantile * errors), strict=True))
    wide = dict(zip(estimate.names, 2 * quantile * errors > _WIDE, strict=True))
    bound = dict(zip(estimate.names, estimate.at_bound, strict=True))
    if bound["m"] or wide["m"]:  # no saturation: only m·p is known, said once
        bound["p"] = wide["p"] = False
    reasons = [
        _REASONS[name[0]][not bound[name]].format(labels[int(name[1:])] if name[1:] else "")
        for name in estimate.names
        if name != "decay" and (bound[name] or wide[name])
    ]
    impulses = "; ".join(
        f"{label}: +{values[f's{k}']:.3g} days [{lows[f's{k}']:.3g}–{highs[f's{k}']:.3g}]"
        for k, label in enumerate(labels)
        if f"s{k}" in values
    )
    observed, modelled = np.cumsum(counts), np.cumsum(estimate.mean)
    spread = float(np.sum((observed - observed.mean()) ** 2))
    p, q = values["p"], values.get("q", 0.0)
    peak = {"external": 0.0, "bass": math.log(q / p) / (p + q) if q > p else 0.0}
    return ModelFit(
        estimate.model,
        "flagged: " + "; ".join(reasons) if reasons else "fitted",
        days,
        m=values["m"], m_low=lows["m"], m_high=highs["m"],
        p=p, p_low=lows["p"], p_high=highs["p"],
        q=values.get("q", math.nan), q_low=lows.get("q", math.nan),
        q_high=highs.get("q", math.nan),
        decay=values.get("decay", math.nan),
        impulses=impulses or None,
        log_likelihood=estimate.log_likelihood,
        parameters=k,
        dispersion=dispersion,
        qaic=-2 * estimate.log_likelihood / dispersion + 2 * k,
        r2=1 - float(np.sum((observed - modelled) ** 2)) / spread if spread else math.nan,
        peak=peak.get(estimate.model, math.nan),
    )  # fmt: skip


def _jacobian(function, theta: np.ndarray) -> np.ndarray:
    """Central differences of a vector function of ``theta`` (one column per parameter)."""
    columns = []
    for index in range(len(theta)):
        step = np.zeros_like(theta)
        step[index] = _STEP * max(1.0, abs(theta[index]))
        columns.append((function(theta + step) - function(theta - step)) / (2 * step[index]))
    return np.column_stack(columns)
