"""What each communication action brought to the parcours: its campaign-coded visits, the
enrolments of its resources, the change in their daily rate after it, and its cost per
enrolment.

**Actions** are the campaign file's (:func:`graph.campaigns.read_campaigns`) and the
newsletters the usage holds (rows of a ``newsletter:<id>`` channel, from Brevo or Mailchimp
reports). A newsletter is an action sent at its sending time (its rows' ``occurred_at``),
named by its title, with its audience (``recipient`` rows), opens and clicks (the rows
without a link), targeting the catalogue resources its clicked links lead to (as
:func:`graph.usage.resource_usage` maps them); it states no code and no cost. A newsletter
the campaign file lists too appears twice, once as each source gives it.

**Counts.** Over an action's window (``window_days`` Paris days from its day, by default
``after_days``):

- ``coded_visits``: the visits whose campaign code (usage channel ``campaign:<code>``:
  Matomo's campaign names, Piano's ``xtor`` codes) is the action's: its ``utm_campaign``, or
  its ``xtor`` code or a code that extends it (``EREC`` stands for ``EREC-123``, as in the
  attribution of :mod:`graph.campaigns`), compared without case;
- ``enrolments_in_window``: the enrolments of its resources.

Each is null when no usage of its kind covers a day of the window, coded visits also when the
action states no code and enrolments when it targets no catalogue resource: unknown, not 0.

**Effect.** The interrupted time series of :func:`graph.campaigns.rate_ratio` applied to the
daily enrolments of the action's resources, ``before_days`` days before its day and
``after_days`` days from it, within the days the enrolment data covers: the rate ratio RR
with its 95 % interval. The excess enrolments are those observed after the action less those
its baseline expects, E = O − Ô₀. The step term makes the fitted enrolments after the action
sum to the observed ones (the score equation of a canonical-link GLM), so Ô₀ = O/RR and
E = O·(1 − 1/RR); its interval, O·(1 − 1/RR_low) to O·(1 − 1/RR_high), carries the
uncertainty of the ratio, O taken as given. With fewer than ``min_enrolments`` enrolments
before or after there is no ratio: "too few enrolments to measure".

**Cost.** The cost per enrolment is cost / E, with the interval cost / E_high to cost / E_low
(no upper end, null, when E_low ≤ 0); it is null, with its reason in ``cost_note``, when the
campaign file gives no cost, when E is unknown and when E ≤ 0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graph.campaigns import TOO_FEW, holiday_share, rate_ratio, targets

__all__ = ["CAMPAIGN_UPTAKE_COLUMNS", "campaign_uptake"]

#: The columns of the campaign uptake table.
CAMPAIGN_UPTAKE_COLUMNS = [
    "action", "source", "label", "date", "channel", "resources", "window_days", "recipients",
    "opens", "clicks", "resource_clicks", "codes", "coded_visits", "enrolments_in_window",
    "enrolments_before", "enrolments_after", "days_before", "days_after", "expected_after",
    "rate_ratio", "rate_ratio_low", "rate_ratio_high", "overdispersion", "excess_enrolments",
    "excess_low", "excess_high", "note", "cost", "cost_per_enrolment", "cost_per_enrolment_low",
    "cost_per_enrolment_high", "cost_note",
]  # fmt: skip
_TEXT = {"action", "source", "label", "channel", "resources", "codes", "note", "cost_note"}

_PARIS = "Europe/Paris"
_DAY = pd.Timedelta(days=1)
_EFFECT = {"adoptions_before": "enrolments_before", "adoptions_after": "enrolments_after",
           "days_before": "days_before", "days_after": "days_after",
           "expected_after": "expected_after", "rate_ratio": "rate_ratio",
           "rate_ratio_low": "rate_ratio_low", "rate_ratio_high": "rate_ratio_high",
           "overdispersion": "overdispersion"}  # fmt: skip


def campaign_uptake(
    campaigns: pd.DataFrame | None,
    usage: pd.DataFrame,
    daily: pd.DataFrame,
    spans: pd.DataFrame,
    catalogue: pd.DataFrame,
    before_days: int = 14,
    after_days: int = 7,
    min_enrolments: int = 5,
) -> pd.DataFrame:
    """Return, per action of the campaign file and per newsletter, what it brought.

    Parameters
    ----------
    campaigns : DataFrame or None
        As :func:`graph.campaigns.read_campaigns` returns them (``cost`` optional).
    usage : DataFrame
        The store's usage rows (:data:`graph.usage.USAGE_COLUMNS`).
    daily, spans : DataFrame
        :func:`graph.usage.resource_usage`'s daily usage per resource and
        :func:`graph.usage.kind_spans` of ``usage``.
    catalogue : DataFrame
        ``resource_id``, ``parcours``.
    before_days, after_days : int
        Days of baseline before the action's day, and days from it (the effect window, and the
        window of actions that state none).
    min_enrolments : int
        Fewest enrolments, before and after alike, for a rate ratio.

    Returns
    -------
    DataFrame
        :data:`CAMPAIGN_UPTAKE_COLUMNS`, one row per action (see the module): ``action`` (the
        file's line number, or the newsletter's channel), ``source`` (``campaign file`` or the
        e-mail tool), ``resources`` (comma-separated), the newsletter's ``recipients``,
        ``opens``, ``clicks`` and ``resource_clicks`` (on links to its resources), the
        ``codes`` of its coded visits, the rate ratio's figures with ``note`` (why there is
        none), the excess enrolments with their interval, the cost per enrolment with its
        interval and ``cost_note``.

    Examples
    --------
    A newsletter of 1,000 recipients sent on 5 October 2026, 8 of whose clicks went to r1;
    r1 had 21 enrolments in the two weeks before (1.5 a day) and six a day in the week from
    that day: a rate ratio of 6/1.5 = 4, and 42 − 42/4 = 31.5 enrolments more than the
    baseline expects:

    >>> days = pd.date_range("2026-09-21", "2026-10-11").date
    >>> daily = pd.DataFrame({"resource_id": "r1", "day": days, "kind": "enrolment",
    ...     "channel": None, "count": [1, 2] * 7 + [6] * 7})
    >>> sent = pd.Timestamp("2026-10-05 08:00", tz="UTC")
    >>> usage = pd.DataFrame({"site": "brevo", "day": sent.date(),
    ...     "kind": ["recipient", "open", "click", "click"], "count": [1000, 300, 20, 8],
    ...     "url": [None, None, None, "https://www.e-inspe.fr/r1"],
    ...     "channel": "newsletter:42", "occurred_at": sent, "title": "Rentrée"})
    >>> clicks = daily.iloc[:1].assign(day=sent.date(), kind="click", channel="newsletter:42",
    ...     count=8)
    >>> spans = pd.DataFrame({"figure": ["enrolment"], "first_day": [days[0]],
    ...     "last_day": [days[-1]]})
    >>> catalogue = pd.DataFrame({"resource_id": ["r1"], "parcours": [None]})
    >>> row = campaign_uptake(None, usage, pd.concat([daily, clicks]), spans, catalogue).iloc[0]
    >>> row["label"], int(row["recipients"]), int(row["resource_clicks"])
    ('2026-10-05 Rentrée', 1000, 8)
    >>> [float(row[name].round(6)) for name in ("rate_ratio", "excess_enrolments")]
    [4.0, 31.5]
    >>> row["cost_note"]
    'no cost in the campaign file'
    """
    daily = daily.assign(day=pd.to_datetime(daily["day"]))
    enrolments = daily[daily["kind"] == "enrolment"]
    covered = {
        row.figure: (pd.Timestamp(row.first_day), pd.Timestamp(row.last_day))
        for row in spans.itertuples(index=False)
    }
    coded = usage[(usage["kind"] == "visit")
                  & usage["channel"].fillna("").str.startswith("campaign:")]  # fmt: skip
    coded = coded.assign(day=pd.to_datetime(coded["day"]), code=coded["channel"].str[9:])
    actions = _file_actions(campaigns, catalogue, after_days)
    actions += _newsletter_actions(usage, daily, after_days)
    rows = []
    for action in actions:
        start = action["date"].tz_convert(_PARIS).tz_localize(None).normalize()
        end = start + (action["window_days"] - 1) * _DAY
        mine = enrolments[enrolments["resource_id"].isin(action["targets"])]
        stated = action["stated"]
        codes = {code for code in coded["code"].unique() if _is_code_of(code, **stated)}
        visits = coded[coded["code"].isin(codes).to_numpy()]
        visits = visits[(visits["day"] >= start) & (visits["day"] <= end)]
        found = {key: action[key] for key in CAMPAIGN_UPTAKE_COLUMNS if key in action}
        found["codes"] = ", ".join(sorted(set(visits["code"]))) or None
        found["coded_visits"] = (
            _counted(visits, start, end, covered.get("visit:campaign"))
            if any(stated.values())
            else math.nan
        )
        found["enrolments_in_window"] = (
            _counted(mine[(mine["day"] >= start) & (mine["day"] <= end)], start, end,
                     covered.get("enrolment"))
            if action["targets"]
            else math.nan
        )  # fmt: skip
        effect = _effect(action["targets"], mine, start, covered.get("enrolment"),
                         before_days, after_days, min_enrolments)  # fmt: skip
        rows.append({**found, **effect, **_cost(found["cost"], effect)})
    table = pd.DataFrame(rows, columns=CAMPAIGN_UPTAKE_COLUMNS)
    types = {c: object if c in _TEXT else float for c in CAMPAIGN_UPTAKE_COLUMNS}
    types.update(date="datetime64[ns, UTC]", window_days="int64")
    return table.astype(types)


def _newsletter_actions(usage: pd.DataFrame, daily: pd.DataFrame, window_days: int) -> list[dict]:
    """The newsletters of ``usage`` as actions (see the module), in the order of their
    channels; ``daily`` (days as times) gives the resources their clicked links lead to."""
    letters = usage[usage["channel"].fillna("").str.startswith("newsletter:")]
    actions = []
    for channel, rows in letters.groupby("channel", sort=True):
        sent = pd.to_datetime(rows["occurred_at"], utc=True).min()
        if pd.isna(sent):
            sent = pd.Timestamp(min(rows["day"])).tz_localize(_PARIS).tz_convert("UTC")
        title = rows["title"].dropna()
        title = title.iloc[0] if len(title) else channel
        whole = rows[rows["url"].isna()]
        links = rows[(rows["kind"] == "click") & rows["url"].notna()]
        clicked = daily[(daily["kind"] == "click") & (daily["channel"] == channel)]
        day = sent.tz_convert(_PARIS).strftime("%Y-%m-%d")
        actions.append(
            {
                "action": channel,
                "source": str(rows["site"].iloc[0]),
                "label": f"{day} {title}",
                "date": sent,
                "channel": "newsletter",
                "resources": ", ".join(sorted(set(clicked["resource_id"]))) or None,
                "targets": set(clicked["resource_id"]),
                "window_days": window_days,
                "stated": {"utm_campaign": None, "xtor": None},
                "recipients": _total(whole, "recipient"),
                "opens": _total(whole, "open"),
                "clicks": _total(whole, "click"),
                "resource_clicks": float(clicked["count"].sum()) if len(links) else math.nan,
                "cost": math.nan,
            }
        )
    return actions


def _file_actions(campaigns, catalogue, after_days) -> list[dict]:
    if campaigns is None:
        return []
    actions = []
    for action in campaigns.itertuples(index=False):
        found = targets(action, catalogue) & set(catalogue["resource_id"])
        window = action.window_days
        actions.append(
            {
                "action": str(action.action),
                "source": "campaign file",
                "label": action.label,
                "date": action.date,
                "channel": action.channel,
                "resources": ", ".join(sorted(found)) or None,
                "targets": found,
                "window_days": after_days if window is None or pd.isna(window) else int(window),
                "stated": {
                    "utm_campaign": _folded(action.utm_campaign),
                    "xtor": _folded(action.xtor),
                },
                "recipients": math.nan,
                "opens": math.nan,
                "clicks": math.nan,
                "resource_clicks": math.nan,
                "cost": float(getattr(action, "cost", math.nan)),
            }
        )
    return actions


def _is_code_of(code: str, utm_campaign: str | None, xtor: str | None) -> bool:
    """Whether a visit's campaign code is the action's (see the module; stated values folded)."""
    code = code.strip().casefold()
    return code == utm_campaign or (
        xtor is not None and (code == xtor or code.startswith(f"{xtor}-"))
    )


def _counted(rows: pd.DataFrame, start, end, span) -> float:
    """The count of ``rows`` (of the days from ``start`` to ``end``); NaN when the data's
    ``span`` does not meet those days."""
    if span is None or span[0] > end or span[1] < start:
        return math.nan
    return float(rows["count"].sum())


def _effect(resources, enrolments, start, span, before_days, after_days, minimum) -> dict:
    """The rate ratio of the resources' daily enrolments around ``start``, and its excess."""
    empty = dict.fromkeys([*_EFFECT.values(), "excess_enrolments", "excess_low", "excess_high"],
                          math.nan)  # fmt: skip
    if not resources:
        return {**empty, "note": "its links lead to no catalogue resource"}
    if span is None:
        return {**empty, "note": "no enrolments loaded"}
    days = pd.date_range(start - before_days * _DAY, start + (after_days - 1) * _DAY, freq="D")
    days = days[(days >= span[0]) & (days <= span[1])]
    counts = enrolments.groupby("day")["count"].sum().reindex(days, fill_value=0)
    series = pd.DataFrame(
        {
            "adoptions": counts.to_numpy(),
            "after": (days >= start).astype(int),
            "weekday": days.day_of_week,
            "holiday": holiday_share(days),
        }
    )
    fitted = rate_ratio(series, minimum)
    effect = {name: fitted[key] for key, name in _EFFECT.items()}
    observed, ratios = (
        effect["enrolments_after"],
        np.array([fitted["rate_ratio"], fitted["rate_ratio_low"], fitted["rate_ratio_high"]]),
    )
    excess = observed * (1 - 1 / ratios)
    note = "too few enrolments to measure" if fitted["note"] == TOO_FEW else fitted["note"]
    return {**effect, "excess_enrolments": excess[0], "excess_low": excess[1],
            "excess_high": excess[2], "note": note}  # fmt: skip


def _cost(cost: float, effect: dict) -> dict:
    """The cost per enrolment with its interval, or why there is none."""
    found = dict.fromkeys(["cost_per_enrolment", "cost_per_enrolment_low",
                           "cost_per_enrolment_high"], math.nan)  # fmt: skip
    excess, low, high = effect["excess_enrolments"], effect["excess_low"], effect["excess_high"]
    if math.isnan(cost):
        return {**found, "cost_note": "no cost in the campaign file"}
    if math.isnan(excess):
        return {**found, "cost_note": "excess enrolments unknown"}
    if excess <= 0:
        return {**found, "cost_note": "no excess enrolments"}
    return {
        "cost_per_enrolment": cost / excess,
        "cost_per_enrolment_low": cost / high,
        "cost_per_enrolment_high": cost / low if low > 0 else math.nan,
        "cost_note": None,
    }


def _total(rows: pd.DataFrame, kind: str) -> float:
    chosen = rows[rows["kind"] == kind]
    return float(chosen["count"].sum()) if len(chosen) else math.nan


def _folded(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip().casefold() or None
