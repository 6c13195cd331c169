"""``essaim analyze`` and ``essaim show``: compute the metrics, then read them."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace

import click

from app.cli.console import EXIT_OK, EXIT_USER_ERROR, err, out, settings_of, table
from app.cli.translation import _, command, group, language, number, option
from app.config import Settings
from graph.store import Store

# graph.analysis (pandas, scipy, igraph) is imported by the commands that need it, so that
# every other command starts quickly.

__all__ = [
    "analysis_parameters",
    "analysis_ready",
    "analyze_command",
    "communities_sentence",
    "resources_known",
    "show",
]


def analysis_parameters(settings: Settings):
    """The analysis parameters the configuration sets."""
    from graph.analysis import AnalysisParameters

    analysis = settings.config.analysis
    return AnalysisParameters(
        rule=analysis.rule,
        window_hours=analysis.window_hours,
        takeoff_multiple=analysis.takeoff_multiple,
        takeoff_cost=analysis.takeoff_cost,
        takeoff_min_adoptions=analysis.takeoff_min_adoptions,
        campaigns=str(settings.campaigns) if settings.campaigns else None,
        before_days=analysis.before_days,
        after_days=analysis.after_days,
        campaign_min_adoptions=analysis.campaign_min_adoptions,
        seed=analysis.seed,
        resolution=analysis.resolution,
        restarts=analysis.restarts,
        min_community_size=analysis.min_community_size,
        bridge_share=analysis.bridge_share,
        institutions=str(settings.institutions) if settings.institutions.exists() else None,
        bass_min_points=analysis.bass_min_points,
        categories_rule=analysis.categories_rule,
    )


@command("analyze")
@option(
    "--rule",
    type=click.Choice(["kernel", "most_recent", "first"]),
    help="Parent inference rule: kernel (most probable), most_recent or first [default: config].",
)
@option("--window-hours", type=click.IntRange(min=1), help="Velocity window in hours.")
@option(
    "--campaigns",
    type=click.Path(exists=True, dir_okay=False),
    help="Campaign CSV (date, channel, resource; utm_source, utm_medium, utm_campaign, xtor, "
    "window_days).",
)
@option("--seed", type=int, help="Seed of community detection [default: config].")
@option(
    "--stability",
    type=click.IntRange(min=2),
    help="Also measure how stable the communities are: mean NMI between the partitions of "
    "this many seeds (the analysis' seed first).",
)
@click.pass_context
def analyze_command(context: click.Context, rule, window_hours, campaigns, seed, stability) -> int:
    """Compute cascades, reach, timelines, campaigns, communities, roles and adoption models.

    Every result table is replaced, and the parameters used are recorded with it.
    """
    from graph.analysis import analyze
    from graph.campaigns import CampaignError
    from graph.store.results import RESULT_TABLES, analyses, communities

    settings = settings_of(context)
    parameters = analysis_parameters(settings)
    chosen = {"rule": rule, "window_hours": window_hours, "campaigns": campaigns, "seed": seed,
              "stability": stability}  # fmt: skip
    parameters = replace(parameters, **{k: v for k, v in chosen.items() if v is not None})
    steps: list[tuple[str, float]] = []

    def step(name: str) -> None:
        steps.append((name, time.perf_counter()))
        status.update(_("Analysing: {step}…").format(step=name))

    with Store(settings.database) as store, err.status(_("Analysing…")) as status:
        try:
            counts = analyze(store, parameters, step)
        except CampaignError as error:
            err.print("[red]" + _("error:") + f"[/red] {error}", highlight=False)
            return EXIT_USER_ERROR
    steps.append(("", time.perf_counter()))
    rows = [{"table": name, "rows": n, "holds": _(RESULT_TABLES[name])}
            for name, n in counts.items()]  # fmt: skip
    out.print(table(_("Result tables"), rows))
    spent = [{"step": name, "seconds": round(end - begin, 2)}
             for (name, begin), (_next, end) in itertools.pairwise(steps)]  # fmt: skip
    out.print(table(_("Time per step"), spent))
    with Store(settings.database, read_only=True) as store:
        methods = analyses.parent_methods(store.connection)
        found = communities.overview(store.connection)
    title = _("How parents were found (unknown_times and no_candidate: attached to the post's "
              "author, with no confidence)")  # fmt: skip
    out.print(table(title, methods.to_dict("records")))
    out.print(
        _(
            "Parent rule [bold]{rule}[/bold], velocity window {hours} h, campaigns: "
            "{campaigns}, community seed {seed}."
        ).format(
            rule=parameters.rule,
            hours=parameters.window_hours,
            campaigns=parameters.campaigns or _("none"),
            seed=parameters.seed,
        ),
        highlight=False,
    )
    out.print(communities_sentence(found), highlight=False)
    return EXIT_OK


def communities_sentence(found: dict) -> str:
    """What an analysis found of communities, in one sentence (``found``: as
    :func:`graph.store.results.communities.overview` returns it).

    >>> print(communities_sentence({"communities": 2, "accounts": 30, "small_groups": 3,
    ...     "min_size": 10, "modularity": 0.41, "stability": 0.9, "seeds": 5}))
    ... # doctest: +NORMALIZE_WHITESPACE
    Communities: 2 of at least 10 accounts (30 accounts), 3 accounts in small groups;
    modularity 0.410; stability 0.900 (mean NMI across 5 seeds).
    """
    stability = (
        _("stability {stability} (mean NMI across {seeds} seeds)").format(
            stability=number(found["stability"], ".3f"), seeds=found["seeds"]
        )
        if found["stability"] is not None
        else _("stability not measured (essaim analyze --stability 5)")
    )
    modularity = found["modularity"]
    return _(
        "Communities: {communities} of at least {min_size} accounts ({accounts} accounts), "
        "{small} accounts in small groups; modularity {modularity}; {stability}."
    ).format(
        communities=number(found["communities"]),
        min_size=found["min_size"],
        accounts=number(found["accounts"]),
        small=number(found["small_groups"]),
        modularity="–" if modularity is None else number(modularity, ".3f"),
        stability=stability,
    )


@group()
def show() -> None:
    """Print what an analysis found."""


@show.command("resource")
@click.argument("resource_id")
@option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@option("--top", default=5, show_default=True, help="Cascades listed.")
@click.pass_context
def show_resource(context: click.Context, resource_id: str, as_json: bool, top: int) -> int:
    """Summarise how RESOURCE_ID spread: adoptions, journey, reach, cascades, campaigns."""
    settings = settings_of(context)
    with Store(settings.database, read_only=True) as store:
        summary = _resource_summary(store, resource_id, top)
    if summary is None:
        return EXIT_USER_ERROR
    if as_json:
        out.print_json(json.dumps(summary, default=str))
        return EXIT_OK
    _print_summary(summary)
    return EXIT_OK


@show.command("communities")
@option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@click.pass_context
def show_communities(context: click.Context, as_json: bool) -> int:
    """List the communities: size, label and what sets each apart; modularity, stability."""
    from graph.store.results import communities

    settings = settings_of(context)
    with Store(settings.database, read_only=True) as store:
        if not analysis_ready(store.connection, ["communities", "account_communities"]):
            return EXIT_USER_ERROR
        found = communities.overview(store.connection)
        rows = _records(communities.communities(store.connection))
    if as_json:
        out.print_json(json.dumps({**found, "list": rows}, default=str))
        return EXIT_OK
    shown = [{key: row[key] for key in ("community", "size", "label")} for row in rows]
    title = _("Communities, largest first, each labelled by its most distinctive terms "
              "(weighted log-odds against the others; all of them in --json)")  # fmt: skip
    out.print(table(title, shown))
    out.print(communities_sentence(found), highlight=False)
    return EXIT_OK


def analysis_ready(connection, tables=()) -> bool:
    """Tell whether an analysis was made and left ``tables``; say what to do if not."""
    from graph.store.results import analyses

    if analyses.analysed(connection, tables):
        return True
    err.print("[red]" + _("error:") + "[/red] " + _("no analysis yet: run `essaim analyze` first."))
    return False


def resources_known(connection, resource_ids) -> bool:
    """Tell whether every resource id is in the catalogue; name those that are not."""
    from graph.store.results import analyses

    known = analyses.catalogue_ids(connection)
    unknown = [resource for resource in resource_ids if resource not in known]
    if unknown:
        message = _(
            "no resource {resources} in the catalogue (`essaim catalogue show` lists them)."
        ).format(resources=", ".join(map(repr, unknown)))
        err.print("[red]" + _("error:") + f"[/red] {message}", highlight=False)
    return not unknown


def _resource_summary(store: Store, resource_id: str, top: int) -> dict | None:
    from graph.store.results import RESULT_TABLES, analyses
    from graph.store.results import resources as r

    connection = store.connection
    if not analysis_ready(connection, RESULT_TABLES) or not resources_known(
        connection, [resource_id]
    ):
        return None
    last = analyses.last_analysis(connection)
    title, parcours = analyses.title_and_parcours(connection, resource_id)
    largest = r.cascades(connection, resource_id, top).drop(columns=["cascade", "started_at"])
    return {
        "resource_id": resource_id,
        "title": title,
        "parcours": parcours,
        "analysis": {
            "finished_at": str(last["finished_at"]),
            "parameters": json.loads(last["parameters"]),
        },
        "adoptions": _records(r.adoptions_by_kind(connection, resource_id)),
        "journey": _records(r.journey(connection, resource_id)),
        "reach": _records(r.reach(connection, resource_id)),
        "cascades": _records(largest),
        "edges": _records(r.edge_methods(connection, resource_id)),
        "communities": _records(r.communities_reached(connection, resource_id)),
        "roles": _records(r.originators_and_amplifiers(connection, resource_id, top)),
        "institutions": _records(r.institutional_share(connection, resource_id)),
        "bass": _records(r.bass_fit(connection, resource_id)),
        "episodes": _records(r.resource_episodes(connection, resource_id)),
        "campaigns": _records(r.campaign_actions(connection, resource_id)),
    }


def _records(frame) -> list[dict]:
    """``frame``'s rows as JSON-ready dicts (times in ISO 8601)."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _print_summary(summary: dict) -> None:
    no_parcours = _("no parcours")
    parameters = summary["analysis"]["parameters"]
    out.print(
        f"[bold]{summary['resource_id']}[/bold] {summary['title'] or ''} "
        f"({summary['parcours'] or no_parcours})",
        highlight=False,
    )
    out.print(
        _("Analysis of {finished_at}, parent rule {rule}.").format(
            finished_at=summary["analysis"]["finished_at"], rule=parameters["rule"]
        ),
        highlight=False,
    )
    if not summary["adoptions"]:
        out.print(_("No adoption of this resource in the data."))
        return
    sections = [
        (_("Adoptions by platform and kind"), "adoptions"),
        (_("Journey across platforms"), "journey"),
        (_("Reach (kind: potential = follower counts summed; range = observed … upper bound)"),
         "reach"),
        (_("Largest cascades (depth, breadth, virality and hours to each depth of the most "
           "probable tree, [90 % interval over trees drawn from the candidates], (share of "
           "those trees reaching the depth, when not all))"), "cascades"),
        (_("How cascade edges were found"), "edges"),
        (_("Communities reached, in order of arrival"), "communities"),
        (_("Originators and amplifiers (adopters started / came through them, [90 % "
           "interval over the drawn trees])"), "roles"),
        (_("Through institutional accounts"), "institutions"),
        (_("Adoption models (per day: p external influence, q imitation, [95 % interval]; "
           "chosen: the model the data supports, by QAIC)"), "bass"),
        (_("Take-off episodes (Kleinberg's burst automaton against the resource's own rate; "
           "the cascade and community that brought the most adoptions, the campaign action "
           "before)"), "episodes"),
        (_("Campaign actions (attributed: links carrying the action's tracking parameters in "
           "its window; rate ratio after/before with its 95 % interval)"), "campaigns"),
    ]  # fmt: skip
    shown = {**summary, "cascades": [_with_intervals(row) for row in summary["cascades"]],
             "campaigns": [_campaign(row) for row in summary["campaigns"]],
             "episodes": [_episode(row) for row in summary["episodes"]],
             "bass": [_model(row) for row in summary["bass"]]}  # fmt: skip
    shown["roles"] = [_with_intervals(row, ("downstream",)) for row in summary["roles"]]
    for title, key in sections:
        if shown[key]:
            out.print(table(title, shown[key]))


def _model(fit: dict) -> dict:
    """An adoption model's row as printed: m, p and q as ``value [low–high]`` with three
    significant figures; days, R² and the peak left to the JSON output.

    >>> _model({"model": "bass", "points": 80, "m": 1918.9, "m_low": 1368.3, "m_high": 2691.1,
    ...     "p": 0.02751, "p_low": 0.0195, "p_high": 0.0388, "q": 1e-06, "q_low": 0.0,
    ...     "q_high": None, "r2": 0.9, "peak_days": 0.0})
    {'model': 'bass', 'm': '1,919 [1,368–2,691]', 'p': '0.0275 [0.0195–0.0388]', 'q': '1e-06 [0–∞]'}
    """
    row = {key: value for key, value in fit.items() if key not in _MODEL_DETAILS}
    for name in ("m", "p", "q"):
        low, high = fit.get(f"{name}_low"), fit.get(f"{name}_high")
        if row.get(name) is not None:  # an infinite bound is null in JSON
            high = "∞" if high is None else _significant(high)
            row[name] = f"{_significant(row[name])} [{_significant(low)}–{high}]"
    return row


_MODEL_DETAILS = {"points", "r2", "peak_days"} | {
    f"{name}_{end}" for name in ("m", "p", "q") for end in ("low", "high")
}


def _significant(value) -> str:
    """Three significant figures, whole numbers from 100 to a million; '–' when unknown.

    >>> _significant(0.0123456), _significant(1234.5), _significant(3.1e24), _significant(None)
    ('0.0123', '1,234', '3.1e+24', '–')
    """
    if value is None:
        return "–"
    return number(value, ",.0f" if 100 <= abs(value) < 1e6 else ".3g")


def _episode(episode: dict) -> dict:
    """A take-off episode as printed: its span, peak, rates and what drove it.

    >>> shown = _episode({"start": "2026-09-21T16:00:00.000Z", "end": "2026-09-23T18:00:00.000Z",
    ...     "peak": "2026-09-21T18:00:00.000Z", "peak_adoptions": 25, "adoptions": 380,
    ...     "adoptions_per_hour": 7.6, "expected_per_hour": 0.98, "cascade_adoptions": 197,
    ...     "community": "@e-inspe.fr · #eINSPE", "community_adopters": 79, "action": None})
    >>> shown["episode (UTC)"], shown["adoptions/hour"], shown["community"]
    ('09-21 16:00 → 09-23 18:00', '7.6 (0.98 expected)', '@e-inspe.fr (79)')
    """
    day = lambda moment: f"{moment[5:10]} {moment[11:16]}"  # noqa: E731
    community = (episode["community"] or "–").split(" · ")[0]
    return {
        _("episode (UTC)"): f"{day(episode['start'])} → {day(episode['end'])}",
        _("peak"): f"{day(episode['peak'])} ({episode['peak_adoptions']})",
        _("adoptions"): episode["adoptions"],
        _("adoptions/hour"): _("{rate} ({expected} expected)").format(
            rate=_figure(episode["adoptions_per_hour"]),
            expected=_figure(episode["expected_per_hour"]),
        ),
        _("largest cascade"): episode["cascade_adoptions"],
        _("community"): f"{community} ({episode['community_adopters']})",
        _("action"): episode["action"] or "",
    }


def _campaign(effect: dict) -> dict:
    """An action's effect as printed: named by its day and channel, rates with their unit.

    >>> shown = _campaign({"label": "2026-09-07 newsletter", "attributed_adoptions": 22,
    ...     "adoptions_per_day_before": 1.0, "adoptions_per_day_after": 6.0,
    ...     "rate_ratio": 6.0, "rate_ratio_low": 0.77, "rate_ratio_high": 46.7, "note": None})
    >>> shown["action"], shown["after"], shown["rate ratio"]
    ('2026-09-07 newsletter', '6 adoptions/day', '6 [0.77–46.7]')
    >>> _campaign({"label": "2026-09-07 newsletter", "attributed_adoptions": 1,
    ...     "adoptions_per_day_before": 0.0, "adoptions_per_day_after": 0.14,
    ...     "rate_ratio": None, "note": "too few adoptions to measure"})["rate ratio"]
    'too few adoptions to measure'
    """
    ratio = effect["note"] or (
        f"{_figure(effect['rate_ratio'])} "
        f"[{_figure(effect['rate_ratio_low'])}–{_figure(effect['rate_ratio_high'])}]"
    )
    return {
        _("action"): effect["label"],
        _("attributed"): effect["attributed_adoptions"],
        _("before"): _("{rate} adoptions/day").format(
            rate=_figure(effect["adoptions_per_day_before"])
        ),
        _("after"): _("{rate} adoptions/day").format(
            rate=_figure(effect["adoptions_per_day_after"])
        ),
        _("rate ratio"): ratio,
    }


def _with_intervals(
    cascade: dict, metrics: tuple[str, ...] = ("depth", "max_breadth", "structural_virality")
) -> dict:
    """A row with each uncertain metric as ``value [low–high]`` (the mean left to the JSON
    output), or the value alone when every sampled tree agrees; the hours to each depth, if
    there, as :func:`app.web.i18n.depth_times` writes them.

    >>> _with_intervals({"size": 9, "depth": 2, "depth_mean": 2.4, "depth_low": 2.0,
    ...     "depth_high": 3.0, "max_breadth": 4, "max_breadth_mean": 4.0,
    ...     "max_breadth_low": 4.0, "max_breadth_high": 4.0, "structural_virality": 1.8,
    ...     "structural_virality_mean": 1.9, "structural_virality_low": 1.75,
    ...     "structural_virality_high": 2.125})
    {'size': 9, 'depth': '2 [2–3]', 'max_breadth': '4', 'structural_virality': '1.8 [1.75–2.12]'}
    >>> _with_intervals({"hours_to_depth": [0.5, None], "hours_to_depth_mean": [0.5, 4.0],
    ...     "hours_to_depth_low": [0.5, 3.0], "hours_to_depth_high": [0.5, 5.0],
    ...     "depth_probability": [1.0, 0.25]}, metrics=())
    {'hours_to_depth': '1: 0.5 · 2: – [3–5] (25%)'}
    """
    from app.web.i18n import depth_times

    row = dict(cascade)
    for metric in metrics:
        row.pop(f"{metric}_mean", None)
        low, high = row.pop(f"{metric}_low", None), row.pop(f"{metric}_high", None)
        value = _figure(row[metric])
        row[metric] = value if low == high else f"{value} [{_figure(low)}–{_figure(high)}]"
    if "hours_to_depth" in row:
        row.pop("hours_to_depth_mean")
        drawn = [row.pop(name) for name in ("hours_to_depth_low", "hours_to_depth_high",
                                            "depth_probability")]  # fmt: skip
        row["hours_to_depth"] = depth_times(row["hours_to_depth"], *drawn, language())
    return row


def _figure(value) -> str:
    """A number with at most two decimals, without trailing zeros; '–' when unknown."""
    if value is None:
        return "–"
    return number(value, ".2f").rstrip("0").rstrip(",.")
