"""How well the usage analysis recovers the demo's planted effect and its funnel.

The demo plants ``planted`` enrolments caused per 100 *true* adoptions (:mod:`app.demo.usage`).
The analysis sees only the adoptions collected (a Mastodon reblog of unknown time dated by the
post it shares, :func:`graph.uptake.dated`), so a fit measures enrolments per 100 *collected*
adoptions: the enrolments of the adoptions missed fall on the collected ones that move with
them. When the missed move with the collected (a steady share), that is the **reference**,
planted × true / collected adoptions over the adoptions the fit counts (the days fitted and
the lags' days before them): the value an unbiased fit is centred on, which its interval is
judged against. The planted value, per true adoption, is shown beside it; it lies inside the
interval only where nearly every adoption was collected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["effect_recovery", "funnel_errors"]

_PARIS = "Europe/Paris"
#: The funnel's stages checked, and the truth's column for each.
_STAGES = {"visits": "visits", "enrolments": "enrolments", "completions": "completions"}


def effect_recovery(
    uptake: pd.DataFrame, truth: pd.DataFrame, adoptions: pd.DataFrame, lags: int = 14
) -> pd.DataFrame:
    """Per fit (each resource with a planted effect, and the pooled one): the estimate, its
    interval and whether it holds the reference (planted × true / collected).

    Parameters
    ----------
    uptake : DataFrame
        The analysis' uptake table (``graph.uptake.UPTAKE_COLUMNS``).
    truth : DataFrame
        ``usage-truth.csv``: ``resource_id`` and ``planted_per_100`` (NaN where nothing
        can be enrolled in).
    adoptions : DataFrame
        The true adoptions: ``resource_id`` and ``at`` (UTC).
    lags : int
        The model's longest lag: the fit counts the adoptions from ``lags`` days before its
        first day to its last, and so does ``true``.

    Returns
    -------
    DataFrame
        ``resource`` (``pooled`` for the pooled fit), ``collected`` adoptions (as the fit
        counts them) and ``true`` ones over the same days, ``planted`` (per true adoption),
        ``reference`` (planted × true / collected), ``per_100``, ``low``, ``high``,
        ``covers`` (the reference inside the interval; a bound equal to it holds it; no
        interval, None), ``covers_planted`` and ``placebo`` (``nothing``: its interval holds
        0; ``effect``; None: not measured or not converged).

    Examples
    --------
    >>> at = pd.Timestamp("2026-09-02 10:00", tz="UTC")
    >>> uptake = pd.DataFrame({"scope": ["resource", "pooled"], "resource_id": ["r", None],
    ...     "first_day": "2026-09-01", "last_day": "2026-09-30", "adoptions": [80, 80],
    ...     "per_100": [5.5, 5.5], "per_100_low": [4.9, 4.9], "per_100_high": [6.2, 6.2],
    ...     "placebo_contains_zero": [True, False]})
    >>> truth = pd.DataFrame({"resource_id": ["r"], "planted_per_100": [4.8]})
    >>> true = pd.DataFrame({"resource_id": ["r"] * 100, "at": [at] * 100})
    >>> found = effect_recovery(uptake, truth, true)
    >>> found[["reference", "covers", "covers_planted", "placebo"]].values.tolist()
    [[6.0, True, False, 'nothing'], [6.0, True, False, 'effect']]
    """
    planted = truth.set_index("resource_id")["planted_per_100"].dropna()
    day = adoptions["at"].dt.tz_convert(_PARIS).dt.tz_localize(None).dt.normalize()
    rows = []
    for fit in uptake.itertuples(index=False):
        pooled = fit.scope == "pooled"
        if not pooled and fit.resource_id not in planted.index:
            continue
        first = pd.Timestamp(fit.first_day) - pd.Timedelta(days=lags)
        within = (day >= first) & (day <= pd.Timestamp(fit.last_day))
        mine = adoptions["resource_id"].isin(planted.index if pooled else [fit.resource_id])
        true = int((within & mine).sum())
        effect = float(planted.mean() if pooled else planted[fit.resource_id])
        collected = fit.adoptions
        reference = effect * true / collected if collected else np.nan
        measured = not (pd.isna(fit.per_100_low) or pd.isna(fit.per_100_high))
        zero = fit.placebo_contains_zero
        rows.append(
            {"resource": "pooled" if pooled else fit.resource_id, "collected": collected,
             "true": true, "planted": effect, "reference": reference,
             "per_100": fit.per_100, "low": fit.per_100_low, "high": fit.per_100_high,
             "covers": fit.per_100_low <= reference <= fit.per_100_high if measured else None,
             "covers_planted": fit.per_100_low <= effect <= fit.per_100_high if measured
             else None,
             "placebo": None if pd.isna(zero) else "nothing" if zero else "effect"}
        )  # fmt: skip
    return pd.DataFrame(rows)


def funnel_errors(funnel: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The funnel's counted stages against the truth, per resource over the whole period.

    A stage the funnel leaves unknown (null) for a resource that truly had some is an error of
    -100 %; one it leaves unknown where the truth is 0 too is not compared.

    Parameters
    ----------
    funnel : DataFrame
        The analysis' funnel over the whole period: ``resource_id``, ``stage``, ``value``.
    truth : DataFrame
        ``usage-truth.csv``: ``resource_id``, ``visits``, ``enrolments``, ``completions``.

    Returns
    -------
    DataFrame
        ``resource_id``, ``stage``, ``found``, ``true`` and ``error`` ((found − true) / true;
        NaN when the truth is 0).

    Examples
    --------
    >>> funnel = pd.DataFrame({"resource_id": "r", "stage": ["visits", "enrolments"],
    ...     "value": [90.0, None]})
    >>> truth = pd.DataFrame({"resource_id": ["r"], "visits": [100], "enrolments": [8],
    ...     "completions": [0]})
    >>> funnel_errors(funnel, truth)[["stage", "found", "error"]].values.tolist()
    [['visits', 90.0, -0.1], ['enrolments', 0.0, -1.0]]
    """
    found = funnel[funnel["stage"].isin(_STAGES)].set_index(["resource_id", "stage"])["value"]
    rows = []
    for resource in truth.itertuples(index=False):
        for stage, column in _STAGES.items():
            true = int(getattr(resource, column))
            value = found.get((resource.resource_id, stage))
            if (value is None or pd.isna(value)) and true == 0:
                continue
            value = 0.0 if value is None or pd.isna(value) else float(value)
            error = (value - true) / true if true else np.nan
            rows.append({"resource_id": resource.resource_id, "stage": stage, "found": value,
                         "true": true, "error": error})  # fmt: skip
    return pd.DataFrame(rows, columns=["resource_id", "stage", "found", "true", "error"])
