"""``essaim analyze`` and ``essaim show``: compute the metrics, then read them."""

from __future__ import annotations

import json
from dataclasses import replace

import click

from app.cli.console import EXIT_OK, EXIT_USER_ERROR, err, out, settings_of, table
from app.config import Settings
from graph.store import Store
from graph.store import queries as q

# graph.analysis (pandas, scipy, igraph) is imported by the commands that need it, so that
# every other command starts quickly.

__all__ = ["analysis_parameters", "analysis_ready", "analyze_command", "resources_known", "show"]


def analysis_parameters(settings: Settings):
    """The analysis parameters the configuration sets."""
    from graph.analysis import AnalysisParameters

    analysis = settings.config.analysis
    return AnalysisParameters(
        rule=analysis.rule,
        window_hours=analysis.window_hours,
        takeoff_multiple=analysis.takeoff_multiple,
        takeoff_min_adoptions=analysis.takeoff_min_adoptions,
        campaigns=str(settings.campaigns) if settings.campaigns else None,
        before_days=analysis.before_days,
        after_days=analysis.after_days,
        seed=analysis.seed,
        resolution=analysis.resolution,
        restarts=analysis.restarts,
        institutions=str(settings.institutions) if settings.institutions.exists() else None,
        bass_min_points=analysis.bass_min_points,
    )


@click.command("analyze")
@click.option(
    "--rule",
    type=click.Choice(["most_recent", "first"]),
    help="Parent inference rule [default: config].",
)
@click.option("--window-hours", type=click.IntRange(min=1), help="Velocity window in hours.")
@click.option(
    "--campaigns",
    type=click.Path(exists=True, dir_okay=False),
    help="Campaign CSV (date, channel, resource, utm_campaign, xtor).",
)
@click.option("--seed", type=int, help="Seed of community detection [default: config].")
@click.pass_context
def analyze_command(context: click.Context, rule, window_hours, campaigns, seed) -> int:
    """Compute cascades, reach, timelines, campaigns, communities, roles and adoption models.

    Every result table is replaced, and the parameters used are recorded with it.
    """
    from graph.analysis import analyze
    from graph.campaigns import CampaignError
    from graph.store.results import RESULT_TABLES

    settings = settings_of(context)
    parameters = analysis_parameters(settings)
    chosen = {"rule": rule, "window_hours": window_hours, "campaigns": campaigns, "seed": seed}
    parameters = replace(parameters, **{k: v for k, v in chosen.items() if v is not None})
    with Store(settings.database) as store, err.status("Analysing…") as status:
        try:
            counts = analyze(store, parameters, lambda name: status.update(f"Analysing: {name}…"))
        except CampaignError as error:
            err.print(f"[red]error:[/red] {error}", highlight=False)
            return EXIT_USER_ERROR
    rows = [{"table": name, "rows": n, "holds": RESULT_TABLES[name]} for name, n in counts.items()]
    out.print(table("Result tables", rows))
    out.print(
        f"Parent rule [bold]{parameters.rule}[/bold], velocity window "
        f"{parameters.window_hours} h, campaigns: {parameters.campaigns or 'none'}, "
        f"community seed {parameters.seed}.",
        highlight=False,
    )
    return EXIT_OK


@click.group()
def show() -> None:
    """Print what an analysis found."""


@show.command("resource")
@click.argument("resource_id")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--top", default=5, show_default=True, help="Cascades listed.")
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


def analysis_ready(connection, tables=()) -> bool:
    """Tell whether an analysis was made and left ``tables``; say what to do if not."""
    present = {name for (name,) in connection.execute("SHOW TABLES").fetchall()}
    analysed = connection.execute("SELECT count(*) FROM analyses").fetchone()[0] > 0
    if analysed and set(tables) <= present:
        return True
    err.print("[red]error:[/red] no analysis yet: run `essaim analyze` first.")
    return False


def resources_known(connection, resource_ids) -> bool:
    """Tell whether every resource id is in the catalogue; name those that are not."""
    known = {row[0] for row in connection.execute("SELECT resource_id FROM catalogue").fetchall()}
    unknown = [resource for resource in resource_ids if resource not in known]
    if unknown:
        err.print(
            f"[red]error:[/red] no resource {', '.join(map(repr, unknown))} in the catalogue "
            "(`essaim catalogue show` lists them).",
            highlight=False,
        )
    return not unknown


def _resource_summary(store: Store, resource_id: str, top: int) -> dict | None:
    from graph.store.results import RESULT_TABLES

    connection = store.connection
    if not analysis_ready(connection, RESULT_TABLES) or not resources_known(
        connection, [resource_id]
    ):
        return None
    analysis = connection.execute(q.SELECT_LAST_ANALYSIS).df()
    catalogue = connection.execute(
        "SELECT title, parcours FROM catalogue WHERE resource_id = ?", [resource_id]
    ).fetchone()

    def rows(sql: str) -> list[dict]:
        frame = connection.execute(sql, [resource_id] * sql.count("?")).df()
        return json.loads(frame.to_json(orient="records", date_format="iso"))

    last = analysis.iloc[0]
    return {
        "resource_id": resource_id,
        "title": catalogue[0],
        "parcours": catalogue[1],
        "analysis": {
            "finished_at": str(last["finished_at"]),
            "parameters": json.loads(last["parameters"]),
        },
        "adoptions": rows(
            "SELECT platform, kind, count(*) AS adoptions FROM adoptions "
            "WHERE resource_id = ? GROUP BY ALL ORDER BY ALL"
        ),
        "journey": rows(
            "SELECT step, platform, first_seen_at, hours_after_first, adopters, cascades "
            "FROM journeys WHERE resource_id = ? ORDER BY step"
        ),
        "reach": rows(
            "SELECT figure, kind, value, low, high, coverage FROM reach "
            "WHERE resource_id = ? ORDER BY figure"
        ),
        "cascades": rows(
            "SELECT platform, size, depth, max_breadth, structural_virality, lifetime_hours, "
            "half_life_hours, observed_share FROM cascades WHERE resource_id = ? "
            f"ORDER BY size DESC, started_at LIMIT {int(top)}"
        ),
        "edges": rows(
            "SELECT t.method, count(*) AS edges FROM cascade_trees t "
            "JOIN (SELECT DISTINCT cascade FROM adoptions WHERE resource_id = ?) USING (cascade)"
            " WHERE t.method <> 'root' GROUP BY ALL ORDER BY ALL"
        ),
        "communities": rows(
            "SELECT r.community, c.label, r.adopters, r.share, r.arrived_at, r.bridge "
            "FROM resource_communities r JOIN communities c USING (community) "
            "WHERE r.resource_id = ? ORDER BY r.arrived_at"
        ),
        "roles": rows(
            "SELECT r.platform, coalesce(a.handle, r.account_id) AS account, "
            "r.cascades_started, r.started_reach, r.downstream, r.originator, r.amplifier "
            f"FROM resource_roles r LEFT JOIN {q.NAMED_HANDLES} a USING (platform, account_id) "
            "WHERE r.resource_id = ? AND (r.originator OR r.amplifier) "
            f"ORDER BY r.started_reach + r.downstream DESC, account LIMIT {int(top)}"
        ),
        "institutions": rows(
            "SELECT adopters, institutional_adopters, adopters_through_institutions, "
            "share_through_institutions, institutional_reach_share "
            "FROM institutional_share WHERE resource_id = ?"
        ),
        "bass": rows(
            "SELECT status, points, m, p, q, r2, peak AS peak_days FROM bass_fits "
            "WHERE resource_id = ?"
        ),
        "velocity": rows(
            "SELECT hour, velocity, baseline, taking_off FROM velocity "
            "WHERE resource_id = ? ORDER BY hour DESC LIMIT 1"
        ),
        "campaigns": rows(
            "SELECT * EXCLUDE (resource) FROM campaign_effects WHERE action IN "
            "(SELECT action FROM campaign_effects WHERE resource = ? OR resource IN "
            "(SELECT parcours FROM catalogue WHERE resource_id = ?)) ORDER BY date"
        )
        if "resource" in _columns(connection, "campaign_effects")
        else [],
    }


def _columns(connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info('{table}')").fetchall()}


def _print_summary(summary: dict) -> None:
    parameters = summary["analysis"]["parameters"]
    out.print(
        f"[bold]{summary['resource_id']}[/bold] {summary['title'] or ''} "
        f"({summary['parcours'] or 'no parcours'})",
        highlight=False,
    )
    out.print(
        f"Analysis of {summary['analysis']['finished_at']}, parent rule {parameters['rule']}.",
        highlight=False,
    )
    if not summary["adoptions"]:
        out.print("No adoption of this resource in the data.")
        return
    sections = [
        ("Adoptions by platform and kind", "adoptions"),
        ("Journey across platforms", "journey"),
        ("Reach (kind: potential = follower counts summed; range = observed … upper bound)",
         "reach"),
        ("Largest cascades", "cascades"),
        ("How cascade edges were found", "edges"),
        ("Communities reached, in order of arrival", "communities"),
        ("Originators and amplifiers (adopters started / came through them)", "roles"),
        ("Through institutional accounts", "institutions"),
        ("Bass model (per day: p innovation, q imitation)", "bass"),
        ("Velocity at the last hour (adoptions per hour)", "velocity"),
        ("Campaign actions", "campaigns"),
    ]  # fmt: skip
    for title, key in sections:
        if summary[key]:
            out.print(table(title, summary[key]))
