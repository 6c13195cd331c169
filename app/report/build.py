"""The figures of a report over one period, gathered from the store into a plain dict.

Every section reads what the analysis left: take-off episodes, the period figures of
:mod:`graph.store.results.periods` against the previous period, campaign effects, journeys,
the funnel and uptake, the data's coverage and the methods paragraph. Values stay raw (numbers,
times, ``None`` when unknown); :mod:`app.report.html` writes them in a language.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import pandas as pd

from collectors import __version__
from collectors.errors import UserError
from graph.export import methods_text
from graph.periods import PARIS, Period, last_days, parse_period, previous, with_change
from graph.store import Store
from graph.store.results import analyses, usage
from graph.store.results import communities as groups
from graph.store.results.adoptions import AdoptionFilter, daily_adoptions
from graph.store.results.periods import account_figures, newest_adoption, resource_figures
from graph.store.results.resources import journey, takeoff_episodes
from graph.store.results.tables import exported_tables, table_frame
from graph.store.status import store_status

__all__ = ["gather", "headline", "whats_new"]

#: Days "what's new" looks back over when no period is chosen.
NEWS_DAYS = 7

#: Rows shown in each ranked list.
TOP = 10
_CHANGED = ["potential_reach", "structural_virality", "velocity", "adoptions"]


def gather(store: Store, period_text: str, now: datetime | None = None) -> dict:
    """Return the report's figures over the period ``period_text`` names, as of ``now``
    (by default the newest adoption in the store).

    Raises :class:`~collectors.errors.UserError` before any analysis or timed adoption.
    """
    connection = store.connection
    if not analyses.analysed(connection, ["takeoff_episodes", "cascades", "account_roles"]):
        raise UserError("no analysis yet: run `essaim analyze` before `essaim report`")
    now = now or newest_adoption(connection)
    if now is None:
        raise UserError("no adoption with a known time in the store: nothing to report on")
    period = parse_period(period_text, now)
    before = previous(period)
    analysis = analyses.last_analysis(connection)
    parameters = json.loads(analysis["parameters"])
    found = groups.overview(connection)
    resources = _resources(connection, period, before)
    accounts = account_figures(connection, period)
    return {
        "version": __version__,
        "analysis": analysis["finished_at"],
        "period": _span(period),
        "before": _span(before),
        "headline": headline(connection, period),
        "daily": _records(daily_adoptions(connection, _filter(period))),
        "resources": _records(resources),
        "campaigns": _campaigns(connection, period),
        "communities": _communities(accounts),
        "accounts": _accounts(accounts),
        "journeys": _journeys(connection, resources),
        "use": _use(connection, period),
        "quality": _quality(store, period),
        "methods": methods_text(parameters, found["modularity"], found["stability"]),
    }


def whats_new(connection, first: date | None = None, last: date | None = None) -> dict | None:
    """Return what the app's overview opens on: the take-off episodes (:func:`headline`) and
    the resources adopted (ranked as in the report, with their change) over the days from
    ``first`` to ``last``, by default the last :data:`NEWS_DAYS` days of data.

    ``None`` before any analysis or timed adoption.
    """
    if not analyses.analysed(connection, ["takeoff_episodes", "cascades"]):
        return None
    now = newest_adoption(connection)
    if now is None:
        return None
    if first and last:
        period = parse_period(f"{first.isoformat()}..{last.isoformat()}", now)
    else:
        period = last_days(NEWS_DAYS, now)
    return {
        "period": _span(period),
        "headline": headline(connection, period),
        "resources": _resources(connection, period, previous(period)),
    }


def _span(period: Period) -> dict:
    """A period's label, first day and last day (Paris days)."""
    last = period.end - timedelta(days=1)
    return {
        "label": period.label,
        "kind": period.kind,
        "first": period.start.astimezone(PARIS).date(),
        "last": last.astimezone(PARIS).date(),
        "start": period.start,
        "end": period.end,
    }


def _filter(period: Period) -> AdoptionFilter:
    """The adoption filter of ``period`` (its bounds are times: ``end`` is exclusive)."""
    return AdoptionFilter(start=period.start, end=period.end - timedelta(days=1))


def _records(frame: pd.DataFrame) -> list[dict]:
    """``frame``'s rows as dicts, ``None`` for every unknown value."""
    return [{key: _known(value) for key, value in row.items()} for row in frame.to_dict("records")]


def _known(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _within(frame: pd.DataFrame, column: str, period: Period) -> pd.DataFrame:
    if frame.empty or column not in frame:
        return frame.iloc[0:0]
    times = pd.to_datetime(frame[column], utc=True)
    return frame[(times >= period.start) & (times < period.end)]


def headline(connection, period: Period) -> list[dict]:
    """The take-off episodes starting in ``period``, most adoptions first."""
    episodes = _within(takeoff_episodes(connection), "start", period)
    rows = []
    for row in episodes.sort_values(["adoptions", "start"], ascending=[False, True]).itertuples():
        hours = max((row.end - row.start).total_seconds() / 3600, 1.0)
        rows.append(
            {
                "resource_id": row.resource_id,
                "title": _known(row.title),
                "start": row.start,
                "peak": row.peak,
                "hours": hours,
                "adoptions": int(row.adoptions),
                "times_expected": row.adoptions / row.expected if row.expected > 0 else None,
                "cascade_adoptions": int(row.cascade_adoptions),
                "community": _known(row.community_label),
                "community_adopters": int(row.community_adopters),
                "action": _known(row.action),
            }
        )
    return rows


def _resources(connection, period: Period, before: Period) -> pd.DataFrame:
    """The resources adopted in ``period`` with their change against ``before``, ranked by
    potential reach, then structural virality, then velocity (unknown last)."""
    current = resource_figures(connection, period)
    ranked = with_change(
        current,
        resource_figures(connection, before),
        ["resource_id"],
        _CHANGED,
        absent={"adoptions": 0, "velocity": 0},
    )
    ranked = ranked.sort_values(
        ["potential_reach", "structural_virality", "velocity", "resource_id"],
        ascending=[False, False, False, True],
        na_position="last",
    )
    return ranked.reset_index(drop=True)


def _campaigns(connection, period: Period) -> list[dict]:
    """Each campaign action dated in ``period`` (one row per action), with what it brought to
    the courses when usage is loaded."""
    actions = pd.DataFrame(columns=["action", "label", "date", "channel"])
    if "campaign_effects" in exported_tables(connection):
        effects = _within(table_frame(connection, "campaign_effects"), "date", period)
        if "resource" in effects:  # no campaign file: a table of one column
            actions = effects.drop(columns=["resource"]).drop_duplicates("action")
    actions = actions.astype({"action": str})
    uptake = _within(usage.campaign_uptake(connection), "date", period)
    if not uptake.empty:  # newsletters read by the e-mail tool are actions of their own
        brought = uptake[
            [
                "action",
                "label",
                "date",
                "channel",
                "excess_enrolments",
                "excess_low",
                "excess_high",
                "coded_visits",
            ]
        ]
        known = brought[brought["action"].isin(actions["action"])]
        actions = pd.concat(
            [
                actions.merge(known.drop(columns=["label", "date", "channel"]), how="left"),
                brought[~brought["action"].isin(actions["action"])],
            ],
            ignore_index=True,
        )
    if actions.empty:
        return []
    actions["date"] = pd.to_datetime(actions["date"], utc=True)
    return _records(actions.sort_values(["date", "action"]))


def _communities(accounts: pd.DataFrame) -> list[dict]:
    """The communities the period's adopters belong to, most adopters first (by name on
    ties); ``community`` None for adopters outside the sociability graph."""
    if accounts.empty:
        return []
    table = (
        accounts.assign(community=accounts["community"].astype(object))
        .groupby("community", dropna=False)
        .agg(accounts=("account_id", "size"), adoptions=("adoptions", "sum"))
        .reset_index()
        .sort_values(["accounts", "community"], ascending=[False, True], na_position="last")
    )
    return _records(table)


def _accounts(accounts: pd.DataFrame) -> dict:
    """The originators, amplifiers and bridges of the period, TOP of each."""
    columns = ["platform", "label", "is_institution", "originated", "downstream", "bridge"]

    def ranked(rows: pd.DataFrame, by: str) -> list[dict]:
        rows = rows.sort_values([by, "label"], ascending=[False, True]).head(TOP)
        return _records(rows[columns])

    return {
        "originators": ranked(accounts[accounts["originated"] > 0], "originated"),
        "amplifiers": ranked(accounts[accounts["downstream"] > 0], "downstream"),
        "bridges": ranked(accounts[accounts["is_bridge"].astype(bool)], "bridge"),
    }


def _journeys(connection, resources: pd.DataFrame) -> list[dict]:
    """The platforms each of the period's TOP most adopted resources reached, in order."""
    chosen = resources.sort_values(["adoptions", "resource_id"], ascending=[False, True])
    return [
        {
            "resource_id": row.resource_id,
            "title": _known(row.title),
            "steps": _records(journey(connection, row.resource_id)),
        }
        for row in chosen.head(TOP).itertuples()
    ]


def _use(connection, period: Period) -> dict | None:
    """The funnel summed over resources (of the period's ISO week when it is one, else over
    all the data) and the pooled uptake; None without usage data."""
    weekly = period.kind == "week"
    funnel = usage.funnel(connection, None, period.label if weekly else "all")
    uptake = usage.uptake(connection)
    if funnel.empty and uptake.empty:
        return None
    stages = []
    if not funnel.empty:
        summed = funnel.groupby(["step", "stage", "kind"], sort=True)["value"].sum(min_count=1)
        stages = _records(summed.reset_index())
    pooled = uptake[uptake["scope"] == "pooled"] if not uptake.empty else uptake
    return {
        "week": period.label if weekly else None,
        "stages": stages,
        "uptake": _records(pooled.head(1))[0] if len(pooled) else None,
    }


def _quality(store: Store, period: Period) -> dict:
    """The links matched, the collection gaps overlapping ``period``, the incidents and the
    coverage of each source."""
    status = store_status(store)
    gaps = [
        {"source": c["source"], "query": c["query"], "from": g["from"], "to": g["to"]}
        for c in status["coverage"]
        for g in c["gaps"]
        if pd.Timestamp(g["from"]) < period.end and pd.Timestamp(g["to"]) > period.start
    ]
    return {
        "links": status["links"],
        "gaps": gaps,
        "incidents": status["incidents"],
        "coverage": [
            {k: c[k] for k in ("source", "query", "runs", "first", "last")}
            for c in status["coverage"]
        ],
    }
