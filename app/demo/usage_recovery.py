"""How well the usage analysis recovers the demo's planted effect and its funnel.

The demo plants ``planted`` enrolments caused per 100 true adoptions (:mod:`app.demo.usage`).
The analysis sees only the adoptions collected, so a fit measures enrolments per 100
*collected* adoptions: when a share of the adoptions was missed, the effect it can recover is
the planted one times true / collected adoptions over the days fitted. Both are compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["effect_recovery", "funnel_errors"]

_PARIS = "Europe/Paris"
#: The funnel's stages checked, and the truth's column for each.
_STAGES = {"visits": "visits", "enrolments": "enrolments", "completions": "completions"}


def effect_recovery(
    uptake: pd.DataFrame, truth: pd.DataFrame, adoptions: pd.DataFrame
) -> pd.DataFrame:
    """Per fit (each resource with a planted effect, and the pooled one): the estimate, its
    interval and whether it holds the planted effect, per true and per collected adoption.

    Parameters
    ----------
    uptake : DataFrame
        The analysis' uptake table (``graph.uptake.UPTAKE_COLUMNS``).
    truth : DataFrame
        ``usage-truth.csv``: ``resource_id`` and ``planted_per_100`` (NaN where nothing
        can be enrolled in).
    adoptions : DataFrame
        The true adoptions: ``resource_id`` and ``at`` (UTC).

    Returns
    -------
    DataFrame
        ``resource`` (``pooled`` for the pooled fit), ``collected`` and ``true`` adoptions over
        the days fitted, ``planted``, ``recoverable`` (planted × true / collected),
        ``per_100``, ``low``, ``high``, ``covers`` (the planted effect inside the interval),
        ``covers_recoverable`` and ``placebo_zero`` (the placebo's interval holds 0).

    Examples
    --------
    >>> at = pd.Timestamp("2026-09-02 10:00", tz="UTC")
    >>> uptake = pd.DataFrame({"scope": ["resource", "pooled"], "resource_id": ["r", None],
    ...     "first_day": "2026-09-01", "last_day": "2026-09-30", "adoptions": [80, 80],
    ...     "per_100": [5.5, 5.5], "per_100_low": [4.9, 4.9], "per_100_high": [6.2, 6.2],
    ...     "placebo_contains_zero": [True, True]})
    >>> truth = pd.DataFrame({"resource_id": ["r"], "planted_per_100": [4.8]})
    >>> true = pd.DataFrame({"resource_id": ["r"] * 100, "at": [at] * 100})
    >>> row = effect_recovery(uptake, truth, true).iloc[0]
    >>> float(row["recoverable"]), bool(row["covers"]), bool(row["covers_recoverable"])
    (6.0, False, True)
    """
    planted = truth.set_index("resource_id")["planted_per_100"].dropna()
    day = adoptions["at"].dt.tz_convert(_PARIS).dt.tz_localize(None).dt.normalize()
    rows = []
    for fit in uptake.itertuples(index=False):
        pooled = fit.scope == "pooled"
        if not pooled and fit.resource_id not in planted.index:
            continue
        within = (day >= pd.Timestamp(fit.first_day)) & (day <= pd.Timestamp(fit.last_day))
        mine = adoptions["resource_id"].isin(planted.index if pooled else [fit.resource_id])
        true = int((within & mine).sum())
        effect = float(planted.mean() if pooled else planted[fit.resource_id])
        collected = fit.adoptions
        recoverable = effect * true / collected if collected else np.nan
        rows.append(
            {"resource": "pooled" if pooled else fit.resource_id, "collected": collected,
             "true": true, "planted": effect, "recoverable": recoverable,
             "per_100": fit.per_100, "low": fit.per_100_low, "high": fit.per_100_high,
             "covers": fit.per_100_low <= effect <= fit.per_100_high,
             "covers_recoverable": fit.per_100_low <= recoverable <= fit.per_100_high,
             "placebo_zero": fit.placebo_contains_zero}
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
