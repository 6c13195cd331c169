"""``essaim impact``: did the spread bring teachers to the parcours? The funnel, the uptake
model with its placebo, what each campaign action brought, the usage no resource was found
for, and the site-wide usage by channel."""

from __future__ import annotations

import json
import math

import click

from app.cli.analyze import analysis_ready, resources_known
from app.cli.console import EXIT_OK, EXIT_USER_ERROR, out, settings_of, table
from app.cli.translation import _, command, language, ngettext, number, option
from app.web.i18n import phrase
from graph.store import Store

__all__ = ["impact"]


@command("impact")
@option("--resource", "resource_id", help="One catalogue resource [default: all].")
@option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.pass_context
def impact(context: click.Context, resource_id: str | None, as_json: bool) -> int:
    """Print the funnel (audience to completions), enrolments per 100 adoptions with the lag
    profile and the placebo, each campaign action's visits, enrolments and cost per
    enrolment, the course ids or pages no resource matched, and the site-wide usage by channel
    (visits from each social network and campaign code, newsletters' recipients, opens and
    clicks), which no resource's funnel holds."""
    from graph.store.results import usage

    settings = settings_of(context)
    with Store(settings.database, read_only=True) as store:
        connection = store.connection
        if not analysis_ready(connection, ["funnel", "uptake"]):
            return EXIT_USER_ERROR
        if resource_id is not None and not resources_known(connection, [resource_id]):
            return EXIT_USER_ERROR
        found = {
            "funnel": _records(usage.funnel(connection, resource_id)),
            "uptake": _records(usage.uptake(connection, resource_id)),
            "lags": _records(usage.uptake_lags(connection, resource_id)),
            "campaigns": _records(usage.campaign_uptake(connection, resource_id)),
            "unmatched": _records(usage.unmatched_usage(connection)),
            "channels": _records(usage.channel_usage(connection)),
        }
    if as_json:
        out.print_json(json.dumps(found, default=str))
        return EXIT_OK
    if not found["funnel"] and not found["uptake"]:
        out.print(_("No usage was loaded: import learning-platform logs, analytics or "
                    "newsletter reports (`essaim import`), load, then analyse."))  # fmt: skip
        return EXIT_OK
    shown = [{**{key: row[key] for key in ("resource_id", "stage", "kind")},
              "value": _known(row["value"])} for row in found["funnel"]]  # fmt: skip
    out.print(table(_("Funnel over the whole period (unknown: no source gives it)"), shown))
    for row in found["uptake"]:
        out.print(uptake_sentence(row), highlight=False)
    if found["lags"]:
        peak = max(found["lags"], key=lambda row: row["per_100"])
        said = ngettext(
            "Lag profile: largest at {lag} day, {per_100} per 100 adoptions (every lag in --json).",
            "Lag profile: largest at {lag} days, {per_100} per 100 adoptions (every lag in "
            "--json).",
            peak["lag"],
        ).format(lag=peak["lag"], per_100=number(peak["per_100"], ".2f"))
        out.print(said, highlight=False)
    if found["campaigns"]:
        shown = [campaign_row(row) for row in found["campaigns"]]
        out.print(table(_("Campaign actions (enrolments of their resources; every figure in "
                          "--json)"), shown))  # fmt: skip
    if found["unmatched"]:
        out.print(table(_("Usage no catalogue resource matches"), found["unmatched"]))
    if found["channels"]:
        out.print(table(_("Site-wide usage by channel (it names no page: no resource's funnel "
                          "holds it)"), found["channels"]))  # fmt: skip
    return EXIT_OK


def uptake_sentence(row: dict) -> str:
    """One uptake row in a sentence.

    >>> print(uptake_sentence({"scope": "pooled", "resource_id": None, "outcome": "enrolment",
    ...     "per_100": 8.1, "per_100_low": 5.0, "per_100_high": 11.2, "note": None,
    ...     "flag": None, "placebo_per_100": -0.4, "placebo_low": -3.0, "placebo_high": 2.2,
    ...     "placebo_contains_zero": True, "placebo_note": None}))
    All resources: 8.10 enrolments per 100 adoptions (95 % interval 5.00 to 11.20); placebo
    (adoptions moved into the future) -0.40 (-3.00 to 2.20): finds nothing, as it should.
    >>> print(uptake_sentence({"scope": "resource", "resource_id": "r1", "outcome": "visit",
    ...     "per_100": 3.0, "per_100_low": None, "per_100_high": None, "note": None,
    ...     "flag": "did not converge", "placebo_per_100": None, "placebo_low": None,
    ...     "placebo_high": None, "placebo_contains_zero": None, "placebo_note": None}))
    r1: 3.00 visits per 100 adoptions (no interval) [flagged: did not converge]; placebo: not
    measured.
    """
    who = _("All resources") if row["scope"] == "pooled" else row["resource_id"]
    if row["note"]:
        return _("{who}: {note}.").format(who=who, note=_phrase(row["note"]))
    outcomes = {"enrolment": _("enrolments"), "visit": _("visits"),
                "completion": _("completions")}  # fmt: skip
    text = _("{who}: {per_100} {outcomes} per 100 adoptions").format(
        who=who,
        per_100=number(row["per_100"], ".2f"),
        outcomes=outcomes.get(row["outcome"], row["outcome"]),
    )
    if _measured(row["per_100_low"]) and _measured(row["per_100_high"]):
        text += " " + _("(95 % interval {low} to {high})").format(
            low=number(row["per_100_low"], ".2f"), high=number(row["per_100_high"], ".2f")
        )
    else:
        text += " " + _("(no interval)")
    if row["flag"]:
        text += " " + _("[flagged: {flag}]").format(flag=_phrase(row["flag"]))
    placebo = row["placebo_per_100"]
    if not all(map(_measured, (placebo, row["placebo_low"], row["placebo_high"]))):
        note = _phrase(row["placebo_note"]) or _("not measured")
        return text + _("; placebo: {note}.").format(note=note)
    verdict = (_("finds nothing, as it should") if row["placebo_contains_zero"]
               else _("finds an effect: do not trust the estimate"))  # fmt: skip
    return text + _(
        ";\nplacebo (adoptions moved into the future) {placebo} ({low} to {high}): {verdict}."
    ).format(
        placebo=number(placebo, ".2f"),
        low=number(row["placebo_low"], ".2f"),
        high=number(row["placebo_high"], ".2f"),
        verdict=verdict,
    )


def _measured(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def campaign_row(row: dict) -> dict:
    """One campaign action as the table shows it; unknown figures say so.

    >>> campaign_row({"label": "2026-10-05 newsletter", "source": "campaign file",
    ...     "coded_visits": 40.0, "enrolments_in_window": 42.0, "rate_ratio": 4.0,
    ...     "rate_ratio_low": 2.5, "rate_ratio_high": 6.4, "note": None,
    ...     "excess_enrolments": 31.5, "excess_low": 25.2, "excess_high": 35.4, "cost": 630.0,
    ...     "cost_per_enrolment": 20.0, "cost_per_enrolment_low": 17.8,
    ...     "cost_per_enrolment_high": 25.0, "cost_note": None})["cost per enrolment"]
    '20.00 € (17.80 to 25.00)'
    """
    ratio = _phrase(row["note"]) or _interval(
        row, "rate_ratio", "rate_ratio_low", "rate_ratio_high"
    )
    cost = _phrase(row["cost_note"]) or _interval(
        row, "cost_per_enrolment", "cost_per_enrolment_low", "cost_per_enrolment_high", " €"
    )
    return {
        "action": row["label"],
        "source": row["source"],
        "coded visits": _known(row["coded_visits"]),
        "enrolments": _known(row["enrolments_in_window"]),
        "rate ratio (95 %)": ratio,
        "excess enrolments": _("unknown") if row["note"] else _interval(
            row, "excess_enrolments", "excess_low", "excess_high"),
        "cost": _known(row["cost"], " €"),
        "cost per enrolment": cost,
    }  # fmt: skip


def _interval(row: dict, value: str, low: str, high: str, unit: str = "") -> str:
    """A figure (in ``unit``) with its interval; an upper end that is unknown is no bound."""
    if _missing(row[value]):
        return _("unknown")
    low = _("unknown") if _missing(row[low]) else number(row[low], ",.2f")
    high = _("no bound") if _missing(row[high]) else number(row[high], ",.2f")
    return _("{value}{unit} ({low} to {high})").format(
        value=number(row[value], ",.2f"), unit=unit, low=low, high=high
    )


def _known(value, unit: str = "") -> str:
    """A figure, or "unknown" when no source gives it (never 0)."""
    if _missing(value):
        return _("unknown")
    if unit or not float(value).is_integer():
        return number(value, ",.2f") + unit
    return number(value, ",.0f")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _records(frame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso")) if len(frame) else []


def _phrase(value):
    """A note or flag of the analysis in the language in use (as the app writes it)."""
    return phrase(value, language())
