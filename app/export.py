"""``essaim export``: every metrics table and graph of the last analysis, for other tools.

Layout of an export folder::

    METHODS.md                       the methods paragraph, French and English
    tables/<table>.csv, .parquet     every result table, plus accounts and resources
    graphs/sociability.gexf, .graphml, .json
    graphs/cascades/<resource>.gexf, .graphml, .json   its cascade trees (dynamic GEXF)

and beside each file its ``.meta.json`` sidecar.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import click

from app.analyze import analysis_ready, resources_known
from app.config import Settings
from app.console import EXIT_OK, EXIT_USER_ERROR, out, table
from collectors import __version__
from graph.store import Store
from graph.store import queries as q

__all__ = ["cascade_forest", "export", "provenance_of", "sociability_network"]

#: Store tables exported besides the analysis results (no post text, no opt-out flags).
EXTRA_TABLES = {
    "accounts": "SELECT DISTINCT platform, account_id, named, handle, display_name, "
    "followers_count, following_count, kind FROM accounts ORDER BY platform, account_id",
    "resources": "SELECT * FROM catalogue ORDER BY resource_id",
}


@click.command("export")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [default: <data>/exports/<date and time>].")  # fmt: skip
@click.option("--tables/--no-tables", default=True, show_default=True, help="CSV and Parquet.")
@click.option("--graphs/--no-graphs", default=True, show_default=True,
              help="GEXF 1.3, GraphML and JSON graphs.")  # fmt: skip
@click.option("--resource", "resources", multiple=True,
              help="Export the cascades of this resource only (repeatable).")  # fmt: skip
@click.option("--min-cascade-size", default=2, show_default=True, type=click.IntRange(min=1),
              help="Smaller cascades are left out of the cascade graphs.")  # fmt: skip
@click.pass_context
def export(context: click.Context, folder, tables, graphs, resources, min_cascade_size) -> int:
    """Write the last analysis' tables and graphs, each with a .meta.json sidecar."""
    settings: Settings = context.find_root().obj()
    with Store(settings.database, read_only=True) as store:
        connection = store.connection
        if not analysis_ready(connection) or not resources_known(connection, resources):
            return EXIT_USER_ERROR
        folder = folder or settings.data_dir / "exports" / datetime.now().strftime("%Y%m%d-%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        provenance = provenance_of(connection)
        (folder / "METHODS.md").write_text(_methods_markdown(provenance), encoding="utf-8")
        written = []
        if tables:
            written += _tables(connection, folder / "tables", provenance)
        if graphs:
            written += _graphs(connection, folder / "graphs", provenance, resources,
                               min_cascade_size)  # fmt: skip
    out.print(table(f"Exported to {folder}", written))
    out.print("Each file has a .meta.json sidecar; METHODS.md says how the numbers were made.")
    return EXIT_OK


def provenance_of(connection) -> dict:
    """What every exported file's sidecar says: version, last analysis, source runs, methods."""
    from graph.export import methods_text

    analysis = connection.execute(q.SELECT_LAST_ANALYSIS).df().iloc[0]
    parameters = json.loads(analysis["parameters"])
    modularity = connection.execute("SELECT any_value(modularity) FROM communities").fetchone()[0]
    runs = connection.execute(
        "SELECT run_id, source, query, file_sha256, records_loaded FROM runs "
        "WHERE superseded_by IS NULL ORDER BY run_id"
    ).df()
    return {
        "essaim_version": __version__,
        "analysis": {
            "analysis_id": analysis["analysis_id"],
            "finished_at": str(analysis["finished_at"]),
            "essaim_version": analysis["essaim_version"],
            "parameters": parameters,
        },
        "source_runs": json.loads(runs.to_json(orient="records")),
        "methods": methods_text(parameters, modularity),
    }


def _tables(connection, folder: Path, provenance: dict) -> list[dict]:
    from graph.analysis import RESULT_TABLES
    from graph.export import write_sidecar

    folder.mkdir(parents=True, exist_ok=True)
    present = {name for (name,) in connection.execute("SHOW TABLES").fetchall()}
    queries = {name: f"SELECT * FROM {name}" for name in RESULT_TABLES if name in present}
    queries |= EXTRA_TABLES
    holds = {**RESULT_TABLES, "accounts": "accounts (pseudonymised unless allow-listed)",
             "resources": "the catalogue of resources"}  # fmt: skip
    written = []
    for name, query in queries.items():
        rows = connection.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
        for extension, options in (("csv", "FORMAT csv, HEADER"), ("parquet", "FORMAT parquet")):
            path = folder / f"{name}.{extension}"
            connection.execute(f"COPY ({query}) TO '{_quoted(path)}' ({options})")
            write_sidecar(path, provenance, {"holds": holds[name], "rows": rows})
        written.append({"file": f"tables/{name}.csv, .parquet", "rows or nodes": rows})
    return written


def _graphs(connection, folder: Path, provenance, resources, min_size) -> list[dict]:
    from graph.export import write_gexf, write_graphml, write_json, write_sidecar

    def save(graph, path: Path, holds: str) -> dict:
        path.parent.mkdir(parents=True, exist_ok=True)
        about = {"holds": holds, "nodes": graph.number_of_nodes(),
                 "edges": graph.number_of_edges()}  # fmt: skip
        write_gexf(graph, path.with_suffix(".gexf"), description=holds)
        write_graphml(graph, path.with_suffix(".graphml"))
        write_json(graph, path.with_suffix(".json"))
        for extension in ("gexf", "graphml", "json"):
            write_sidecar(path.with_suffix(f".{extension}"), provenance, about)
        name = path.relative_to(folder.parent)
        return {"file": f"{name}.gexf, .graphml, .json", "rows or nodes": about["nodes"]}

    written = [save(sociability_network(connection), folder / "sociability",
                    "the sociability graph: accounts, their communities and roles")]  # fmt: skip
    wanted = list(resources) or [
        resource for (resource,) in connection.execute(
            "SELECT DISTINCT resource_id FROM cascades WHERE size >= ? ORDER BY ALL", [min_size]
        ).fetchall()
    ]  # fmt: skip
    for resource in wanted:
        forest = cascade_forest(connection, resource, min_size)
        holds = f"the cascade trees of {resource} (size ≥ {min_size}), nodes timed by adoption"
        written.append(save(forest, folder / "cascades" / _file_name(resource), holds))
    return written


def sociability_network(connection):
    """The analysed sociability graph (networkx), accounts with their communities and roles."""
    import networkx as nx

    from graph.builders import sociability_graph
    from graph.frames import fetch_frame

    graph = nx.DiGraph()
    nodes = connection.execute(
        "SELECT r.platform || ':' || r.account_id AS id, "
        "coalesce(a.handle, r.account_id) AS label, r.* EXCLUDE (betweenness_method) "
        f"FROM account_roles r LEFT JOIN {q.NAMED_HANDLES} a USING (platform, account_id)"
    ).df()
    for row in nodes.to_dict(orient="records"):
        graph.add_node(row.pop("id"), **row)
    stored = fetch_frame(connection, "SELECT * FROM sociability_edges")  # as analysed
    social = sociability_graph(stored)
    names = social.vs["name"]
    for edge in social.es:
        graph.add_edge(names[edge.source], names[edge.target], **edge.attributes())
    return graph


def cascade_forest(connection, resource: str, min_size: int = 1):
    """The cascade trees of ``resource`` of at least ``min_size`` adopters (networkx)."""
    import networkx as nx

    trees = connection.execute(
        "SELECT t.cascade, t.platform, t.account_id, t.parent_id, t.kind, t.method, "
        "t.adopted_at, coalesce(a.handle, t.account_id) AS label FROM cascade_trees t "
        f"JOIN cascades c ON c.cascade = t.cascade LEFT JOIN {q.NAMED_HANDLES} a "
        "ON a.platform = t.platform AND a.account_id = t.account_id "
        "WHERE c.resource_id = ? AND c.size >= ? ORDER BY t.cascade, t.adopted_at NULLS LAST",
        [resource, min_size],
    ).df()
    graph = nx.DiGraph()
    for row in trees.to_dict(orient="records"):
        node = f"{row['cascade']}|{row['account_id']}"
        graph.add_node(node, label=row["label"], cascade=row["cascade"],
                       platform=row["platform"], account_id=row["account_id"], kind=row["kind"],
                       method=row["method"], start=row["adopted_at"])  # fmt: skip
        if isinstance(row["parent_id"], str):
            graph.add_edge(f"{row['cascade']}|{row['parent_id']}", node, method=row["method"])
    return graph


def _methods_markdown(provenance: dict) -> str:
    analysis = provenance["analysis"]
    return (
        f"# Méthodes / Methods\n\nessaim {provenance['essaim_version']}, analysis "
        f"{analysis['analysis_id']} ({analysis['finished_at']}), parameters "
        f"`{json.dumps(analysis['parameters'])}`, {len(provenance['source_runs'])} source "
        f"run(s).\n\n## Français\n\n{provenance['methods']['fr']}\n\n"
        f"## English\n\n{provenance['methods']['en']}\n"
    )


def _file_name(resource: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", resource)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
