"""Communication actions: the adoptions each one drove, and the change in rate after it.

A campaign file is a CSV with one action per line::

    date,channel,resource,utm_source,utm_medium,utm_campaign,xtor,window_days
    2026-09-07 10:00,newsletter,parcours-maths,newsletter,email,rentree2026,,7
    2026-09-14,reseau-canope.fr,r101,,,,EREC,

``date`` is a day or a time in Europe/Paris; ``resource`` a catalogue resource id or a
parcours name (the action then targets every resource of the parcours). The other columns
are optional; among them ``cost``, what the action cost in euros (``1200`` or ``1200,50``),
from which :mod:`graph.campaign_uptake` gives a cost per enrolment.

**Attribution.** The tracking parameters a link carries come in families: ``utm_source``
(who sent it), ``utm_medium`` (the kind of channel) and ``utm_campaign`` (which campaign),
as Google Analytics defines them, and ``xtor`` codes of AT Internet (Piano Analytics), as
Réseau Canopé writes them: ``<type>-<campaign>[-…]`` (``EREC-123``: an e-mail campaign). An
action states, in those columns, the values its links carry; an ``xtor`` given as a type
alone (``EREC``) stands for every code of that type. An adoption is attributed to an action
when it adopts a resource the action targets, within ``window_days`` days from the action
(default: the analysis' ``after_days``), and its link carries at least one of the stated
parameters with the stated value and none with another value (values compared without
case). An adoption two actions claim goes to the one with ``utm_campaign`` or a whole
``xtor`` code among its agreeing parameters, then to the one agreeing on more, then to the
latest.

**Effect.** An interrupted time series (Bernal, Cummins & Gasparrini, *Int. J. Epidemiol.*
46(1), 2017, doi:10.1093/ije/dyw098): the daily adoptions of the targeted resources (Paris
days), ``before_days`` days before the action's day and ``after_days`` days from it, are
fitted by a Poisson GLM, log E[y_d] = β₀ + β_weekday(d) + β_h·h_d + δ·after_d, where h_d is
the share of the three French school-holiday zones on holiday. Weekday and holidays enter
only when they vary over the days before. The rate ratio is exp(δ), with a 95 % Wald interval
whose standard error is scaled by the Pearson overdispersion when above 1 (quasi-Poisson).
With fewer than ``min_adoptions`` adoptions before or after, there is no ratio: "too few
adoptions to measure".
"""

from __future__ import annotations

import csv
import functools
import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM
from vacances_scolaires_france import SchoolHolidayDates

from collectors.errors import UserError
from collectors.speech import _, ngettext

__all__ = [
    "FAMILIES",
    "TOO_FEW",
    "CampaignError",
    "campaign_effects",
    "driven_adoptions",
    "holiday_share",
    "rate_ratio",
    "read_campaigns",
    "targets",
]

#: The tracking parameters an action may state, in the order they are reported.
FAMILIES = ("utm_source", "utm_medium", "utm_campaign", "xtor")
#: What an effect says when it has too few adoptions to be measured.
TOO_FEW = "too few adoptions to measure"

_PARIS = "Europe/Paris"
_REQUIRED = ("date", "channel", "resource")
_DAY = pd.Timedelta(days=1)
_Z95 = 1.959963984540054
_ZONES = ("vacances_zone_a", "vacances_zone_b", "vacances_zone_c")


class CampaignError(UserError, ValueError):
    """A campaign file that cannot be used: names the file and the line."""


def read_campaigns(
    path: Path, resource_ids: Iterable[str], parcours: Iterable[str]
) -> pd.DataFrame:
    """Read and check a campaign file.

    Returns
    -------
    DataFrame
        ``action`` (line number), ``label`` (Paris day and channel, with the resource when
        two actions would share it), ``date`` (UTC), ``channel``, ``resource``, one column
        per tracking family (``None`` when not stated), ``window_days`` (``None``: the
        analysis' default) and ``cost`` (euros, NaN when not stated).

    Raises
    ------
    CampaignError
        Missing columns, a date that is not one, a resource the catalogue does not know, a
        window that is not a positive number of days, a cost that is not a number of euros.
    """
    known = set(resource_ids) | set(parcours)
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = [column for column in _REQUIRED if column not in (reader.fieldnames or [])]
            if missing:
                raise CampaignError(
                    ngettext(
                        "{path}: missing column(s) {columns}",
                        "{path}: missing column(s) {columns}",
                        len(missing),
                    ).format(path=path, columns=", ".join(missing))
                )
            rows = [_action(path, number, row, known) for number, row in enumerate(reader, 2)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CampaignError(
            _("{path}: cannot read the campaign file ({error})").format(path=path, error=error)
        ) from None
    columns = ["action", "date", "channel", "resource", *FAMILIES, "window_days", "cost"]
    table = pd.DataFrame(rows, columns=columns).astype({"window_days": "Int64", "cost": float})
    table.insert(1, "label", _labels(table))
    return table


def campaign_effects(
    campaigns: pd.DataFrame,
    adoptions: pd.DataFrame,
    catalogue: pd.DataFrame,
    before_days: int = 14,
    after_days: int = 7,
    min_adoptions: int = 5,
) -> pd.DataFrame:
    """Return what followed each action: the adoptions attributed to it and its rate ratio.

    Parameters
    ----------
    campaigns : DataFrame
        As returned by :func:`read_campaigns`.
    adoptions : DataFrame
        ``resource_id``, ``platform``, ``account_id``, ``adopted_at``, ``campaign`` (JSON of
        the link's tracking parameters).
    catalogue : DataFrame
        ``resource_id``, ``parcours``.
    before_days, after_days : int
        Days of baseline before the action's day, and days from it (the effect window, and
        the attribution window of actions that state none).
    min_adoptions : int
        Fewest adoptions, before and after alike, for a rate ratio.

    Returns
    -------
    DataFrame
        Per action: ``action``, ``label``, ``date``, ``channel``, ``resource``,
        ``attributed_adoptions`` (their reach: :func:`graph.reach.reach` of
        :func:`driven_adoptions` by action), ``adoptions_before`` and ``adoptions_after``
        (of the targeted resources), ``days_before`` and ``days_after`` (days observed),
        ``adoptions_per_day_before`` and ``adoptions_per_day_after``, ``expected_after``
        (adoptions the baseline predicts after), ``rate_ratio`` with ``rate_ratio_low`` and
        ``rate_ratio_high`` (95 %), ``overdispersion``, ``note`` (why there is no ratio) and
        ``days_to_peak`` (from the action's day to the busiest day after it).

    Examples
    --------
    Nine adoptions in the two weeks before, eight in the week after (three on its day 2):

    >>> day = lambda d: pd.Timestamp("2026-09-14 09:00", tz="UTC") + pd.Timedelta(days=d)
    >>> times = [day(d) for d in (-14, -13, -12, -10, -8, -6, -4, -3, -2)]
    >>> times += [day(d) for d in (0, 1, 2, 2, 2, 4, 5, 6)]
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
    ...     "account_id": [f"a{i}" for i in range(17)], "adopted_at": times,
    ...     "campaign": [None] * 9 + ['{"utm_campaign": "rentree"}'] + [None] * 7})
    >>> campaigns = pd.DataFrame({"action": [2], "label": ["2026-09-14 newsletter"],
    ...     "date": [pd.Timestamp("2026-09-14 08:00", tz="UTC")], "channel": ["newsletter"],
    ...     "resource": ["r1"], "utm_source": [None], "utm_medium": [None],
    ...     "utm_campaign": ["rentree"], "xtor": [None], "window_days": [None]})
    >>> catalogue = pd.DataFrame({"resource_id": ["r1"], "parcours": ["p"]})
    >>> effects = campaign_effects(campaigns, adoptions, catalogue)
    >>> effects[["attributed_adoptions", "adoptions_before", "adoptions_after",
    ...     "days_to_peak"]].values.tolist()
    [[1, 9, 8, 2]]
    """
    timed = adoptions.dropna(subset=["adopted_at"])
    driven = driven_adoptions(campaigns, adoptions, catalogue, after_days)
    if timed.empty:
        first_day = last_day = None
    else:
        local = timed["adopted_at"].dt.tz_convert(_PARIS)
        first_day, last_day = _day(local.min()), _day(local.max())
    rows = []
    for action in campaigns.itertuples(index=False):
        direct = driven[driven["action"] == action.action]
        times = timed.loc[timed["resource_id"].isin(targets(action, catalogue)), "adopted_at"]
        days = _daily(times, _day(action.date.tz_convert(_PARIS)), before_days, after_days,
                      first_day, last_day)  # fmt: skip
        effect = rate_ratio(days, min_adoptions)
        after = days[days["after"] == 1]
        rows.append(
            {
                "action": action.action,
                "label": action.label,
                "date": action.date,
                "channel": action.channel,
                "resource": action.resource,
                "attributed_adoptions": len(direct),
                **effect,
                "days_to_peak": int(after["adoptions"].to_numpy().argmax())
                if after["adoptions"].sum()
                else None,
            }
        )
    return pd.DataFrame(rows)


def driven_adoptions(
    campaigns: pd.DataFrame,
    adoptions: pd.DataFrame,
    catalogue: pd.DataFrame,
    window_days: int = 7,
) -> pd.DataFrame:
    """Return the adoptions attributed to an action, each to one (see the module's rules).

    ``window_days`` is the attribution window of actions whose file states none. One row
    per attributed adoption, with the action's number in ``action`` and the parameters that
    agreed in ``matched_on`` (``utm_source+utm_medium``…).

    Examples
    --------
    A newsletter stating its source and medium: a link with its source (and no medium) is
    its, one with another medium is not, and nothing a week later is:

    >>> at = pd.Timestamp("2026-09-07 10:00", tz="UTC")
    >>> adoptions = pd.DataFrame({"resource_id": "r1", "adopted_at": [at, at, at + 8 * _DAY],
    ...     "campaign": ['{"utm_source": "Newsletter"}',
    ...                  '{"utm_source": "newsletter", "utm_medium": "social"}',
    ...                  '{"utm_source": "newsletter"}']})
    >>> campaigns = pd.DataFrame({"action": [2], "date": [at], "resource": ["r1"],
    ...     "utm_source": ["newsletter"], "utm_medium": ["email"], "utm_campaign": [None],
    ...     "xtor": [None], "window_days": [None]})
    >>> catalogue = pd.DataFrame({"resource_id": ["r1"], "parcours": [None]})
    >>> driven_adoptions(campaigns, adoptions, catalogue)[["action", "matched_on"]]
       action  matched_on
    0       2  utm_source
    """
    parameters = adoptions["campaign"].map(_parameters)
    times = adoptions["adopted_at"]
    best: dict[int, tuple] = {}
    for action in campaigns.itertuples(index=False):
        stated = {f: _folded(getattr(action, f, None)) for f in FAMILIES}
        stated = {f: value for f, value in stated.items() if value}
        if not stated:
            continue
        window = _window(action, window_days)
        near = (
            adoptions["resource_id"].isin(targets(action, catalogue))
            & (times >= action.date)
            & (times < action.date + window * _DAY)
        )
        for position in np.flatnonzero(near.to_numpy()):
            agreeing = _agreeing(parameters.iat[position], stated)
            if not agreeing:
                continue
            strong = "utm_campaign" in agreeing or ("xtor" in agreeing and "-" in stated["xtor"])
            rank = (strong, len(agreeing), action.date)
            if position not in best or rank > best[position][0]:
                best[position] = (rank, action.action, "+".join(agreeing))
    positions = sorted(best)
    driven = adoptions.iloc[positions].reset_index(drop=True)
    driven["action"] = pd.Series([best[p][1] for p in positions], dtype="int64")
    driven["matched_on"] = pd.Series([best[p][2] for p in positions], dtype=object)
    return driven


def rate_ratio(days: pd.DataFrame, min_adoptions: int = 5) -> dict:
    """Fit the interrupted time series of one action and return its effect.

    Parameters
    ----------
    days : DataFrame
        One row per day observed: ``adoptions``, ``after`` (0 before the action, 1 from its
        day), ``weekday`` (0 = Monday) and ``holiday`` (share of school zones on holiday,
        NaN when unknown).
    min_adoptions : int
        Fewest adoptions before, and after, for a ratio.

    Returns
    -------
    dict
        ``adoptions_before``, ``adoptions_after``, ``days_before``, ``days_after``,
        ``adoptions_per_day_before``, ``adoptions_per_day_after``, ``expected_after``,
        ``rate_ratio``, ``rate_ratio_low``, ``rate_ratio_high``, ``overdispersion`` and
        ``note`` (``None``, or why there is no ratio).

    Examples
    --------
    Fourteen adoptions over a week, then 42: with a weekday term, the ratio is 42/14.

    >>> days = pd.DataFrame({"adoptions": [2, 1, 3, 2, 2, 1, 3, 6, 5, 7, 6, 6, 5, 7],
    ...     "after": [0] * 7 + [1] * 7, "weekday": list(range(7)) * 2, "holiday": 0.0})
    >>> effect = rate_ratio(days)
    >>> round(effect["rate_ratio"], 6), effect["adoptions_per_day_after"]
    (3.0, 6.0)
    """
    before, after = days[days["after"] == 0], days[days["after"] == 1]
    found = {
        "adoptions_before": int(before["adoptions"].sum()),
        "adoptions_after": int(after["adoptions"].sum()),
        "days_before": len(before),
        "days_after": len(after),
        "adoptions_per_day_before": _per_day(before),
        "adoptions_per_day_after": _per_day(after),
        "expected_after": math.nan,
        "rate_ratio": math.nan,
        "rate_ratio_low": math.nan,
        "rate_ratio_high": math.nan,
        "overdispersion": math.nan,
        "note": None,
    }
    if min(found["adoptions_before"], found["adoptions_after"]) < max(min_adoptions, 1):
        return {**found, "note": TOO_FEW}
    design = _design(days, before)
    fitted = GLM(days["adoptions"].to_numpy(float), design, family=Poisson()).fit()
    residual = max(len(days) - design.shape[1], 1)
    dispersion = max(float(fitted.pearson_chi2) / residual, 1.0)
    step, error = fitted.params["after"], fitted.bse["after"] * math.sqrt(dispersion)
    baseline = design.loc[after.index].assign(after=0.0)
    return {
        **found,
        "expected_after": float(fitted.predict(baseline).sum()),
        "rate_ratio": math.exp(step),
        "rate_ratio_low": math.exp(step - _Z95 * error),
        "rate_ratio_high": math.exp(step + _Z95 * error),
        "overdispersion": dispersion,
    }


def holiday_share(days: pd.DatetimeIndex) -> np.ndarray:
    """Share of the three French school-holiday zones (A, B, C) on holiday on each day;
    NaN for a day the calendar does not cover.

    >>> holiday_share(pd.DatetimeIndex(["2026-10-16", "2026-10-20", "2027-02-13"])).round(3)
    array([0.   , 1.   , 0.667])
    """
    calendar = _calendar()
    shares = []
    for day in days:
        row = calendar.data.get(day.date())  # the calendar lists holidays only
        if not calendar.min_year <= day.year <= calendar.max_year:
            shares.append(math.nan)
        else:
            shares.append(0.0 if row is None else sum(row[zone] for zone in _ZONES) / 3)
    return np.array(shares, dtype=float)


def targets(action, catalogue: pd.DataFrame) -> set[str]:
    """The resources an action targets: its resource, or every resource of its parcours."""
    found = set(catalogue.loc[catalogue["parcours"] == action.resource, "resource_id"])
    return found | {action.resource}


@functools.cache
def _calendar() -> SchoolHolidayDates:
    return SchoolHolidayDates()


def _design(days: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Intercept and step, weekday and holidays when they vary over the days before."""
    design = pd.DataFrame({"const": 1.0, "after": days["after"].astype(float)})
    if before["weekday"].nunique() == 7:
        weekdays = pd.get_dummies(days["weekday"], prefix="weekday", dtype=float)
        design = design.join(weekdays.drop(columns="weekday_0"))
    holiday = days["holiday"]
    if holiday.notna().all() and before["holiday"].nunique() > 1:
        design["holiday"] = holiday
    return design


def _daily(times, action_day, before_days, after_days, first_day, last_day) -> pd.DataFrame:
    """Adoptions per Paris day around the action, within the days the data covers."""
    days = pd.date_range(action_day - pd.Timedelta(days=before_days),
                         action_day + pd.Timedelta(days=after_days - 1), freq="D")  # fmt: skip
    if first_day is not None:
        days = days[(days >= first_day) & (days <= last_day)]
    counted = times.dt.tz_convert(_PARIS).dt.tz_localize(None).dt.normalize().value_counts()
    return pd.DataFrame(
        {
            "adoptions": counted.reindex(days, fill_value=0).to_numpy(),
            "after": (days >= action_day).astype(int),
            "weekday": days.day_of_week,
            "holiday": holiday_share(days),
        }
    )


def _per_day(days: pd.DataFrame) -> float:
    return float(days["adoptions"].sum() / len(days)) if len(days) else math.nan


def _day(moment: pd.Timestamp) -> pd.Timestamp:
    """The Paris calendar day of ``moment`` (a Paris time), as a naive midnight."""
    return moment.tz_localize(None).normalize()


def _window(action, default: int) -> int:
    stated = getattr(action, "window_days", None)
    return default if stated is None or pd.isna(stated) else int(stated)


def _agreeing(found: dict, stated: dict) -> list[str]:
    """The stated parameters ``found`` agrees with; none when it contradicts one."""
    agreeing = []
    for family, value in stated.items():
        carried = _folded(found.get(family))
        if not carried:
            continue
        if family == "xtor" and "-" not in value:
            carried = carried.split("-", 1)[0]
        elif family == "xtor" and carried.startswith(f"{value}-"):
            carried = value
        if carried != value:
            return []
        agreeing.append(family)
    return agreeing


def _folded(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip().casefold() or None


def _labels(table: pd.DataFrame) -> list[str]:
    days = table["date"].dt.tz_convert(_PARIS).dt.strftime("%Y-%m-%d")
    labels = (days + " " + table["channel"]).tolist()
    return [
        f"{label} ({resource})" if labels.count(label) > 1 else label
        for label, resource in zip(labels, table["resource"], strict=True)
    ]


def _action(path: Path, number: int, row: dict, known: set[str]) -> dict:
    text = (row.get("date") or "").strip()
    try:
        date = pd.Timestamp(text)
    except ValueError:
        date = pd.NaT
    if pd.isna(date):
        raise CampaignError(
            _(
                "{path}, line {line}: {text!r} is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)"
            ).format(path=path, line=number, text=text)
        )
    date = date.tz_localize(_PARIS) if date.tzinfo is None else date
    resource = (row.get("resource") or "").strip()
    if resource not in known:
        raise CampaignError(
            _(
                "{path}, line {line}: {resource!r} is neither a catalogue resource nor a parcours"
            ).format(path=path, line=number, resource=resource)
        )
    window = (row.get("window_days") or "").strip()
    if window and not (window.isdigit() and int(window) > 0):
        raise CampaignError(
            _(
                "{path}, line {line}: window_days {window!r} is not a positive number of days"
            ).format(path=path, line=number, window=window)
        )
    cost = (row.get("cost") or "").strip()
    try:
        euros = float(cost.replace(",", ".")) if cost else math.nan
    except ValueError:
        euros = math.nan
    if cost and not 0 <= euros < math.inf:
        raise CampaignError(
            _(
                "{path}, line {line}: cost {cost!r} is not a number of euros (1200 or 1200,50)"
            ).format(path=path, line=number, cost=cost)
        )
    return {
        "action": number,
        "date": date.tz_convert("UTC"),
        "channel": (row.get("channel") or "").strip(),
        "resource": resource,
        **{family: (row.get(family) or "").strip() or None for family in FAMILIES},
        "window_days": int(window) if window else None,
        "cost": euros,
    }


def _parameters(campaign) -> dict:
    if not isinstance(campaign, str):
        return {}
    try:
        found = json.loads(campaign)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
