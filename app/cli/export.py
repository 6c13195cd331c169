"""``essaim export``: every metrics table and graph of the last analysis, for other tools.

Layout of an export folder::

    METHODS.md                       the methods paragraph, French and English
    tables/<table>.csv, .parquet     every result table, plus accounts and resources
    graphs/sociability.gexf, .graphml, .json
    graphs/cascades/<resource>.gexf, .graphml, .json   its cascade trees (dynamic GEXF)
    graphs/cascades/index.json       which file holds which resource

and beside each file its ``.meta.json`` sidecar. A resource's files are named by
:func:`graph.export.file_stem`. The export is written to a temporary folder beside ``--out``
and put in its place once complete, so a failure leaves nothing behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
from rich.markup import escape

from app.cli.analyze import analysis_ready, resources_known
from app.cli.console import EXIT_OK, EXIT_USER_ERROR, err, out, settings_of, table
from app.cli.translation import _, command, option
from graph.networks import cascade_forest, provenance_of, sociability_network
from graph.store import Store

__all__ = ["export"]

GRAPH_FORMATS = ("gexf", "graphml", "json")


@command("export")
@option("--out", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write [default: <data>/exports/<date and time>].")  # fmt: skip
@option(
    "--force",
    is_flag=True,
    help="Replace --out if it holds an earlier export (once the new one is written).",
)
@option("--tables/--no-tables", default=True, show_default=True, help="CSV and Parquet.")
@option("--csv-protection/--no-csv-protection", default=True, show_default=True,
              help="Put ' before CSV text cells starting with = + - @, a tab or a carriage "
              "return, so that spreadsheets do not run them as formulas; turn it off for R, "
              "pandas and other tools reading CSV as data (Parquet is never changed).")  # fmt: skip
@option("--excel", is_flag=True,
              help="CSV for French spreadsheets: UTF-8 with a byte-order mark, ; between "
              "columns, a decimal comma.")  # fmt: skip
@option("--graphs/--no-graphs", default=True, show_default=True,
              help="GEXF 1.3, GraphML and JSON graphs.")  # fmt: skip
@option("--resource", "resources", multiple=True,
              help="Export the cascades of this resource only (repeatable).")  # fmt: skip
@option("--min-cascade-size", default=2, show_default=True, type=click.IntRange(min=1),
              help="Smaller cascades are left out of the cascade graphs.")  # fmt: skip
@click.pass_context
def export(
    context: click.Context, folder, force, tables, csv_protection, excel, graphs, resources,
    min_cascade_size,
) -> int:  # fmt: skip
    """Write the last analysis' tables and graphs, each with a .meta.json sidecar."""
    settings = settings_of(context)
    with Store(settings.database, read_only=True) as store:
        connection = store.connection
        if not analysis_ready(connection) or not resources_known(connection, resources):
            return EXIT_USER_ERROR
        folder = folder or settings.data_dir / "exports" / datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = folder.resolve()  # "." or a link: the real folder, renamed in its own parent
        refusal = _refusal(folder, force)
        if refusal:
            err.print("[red]" + _("error:") + f"[/red] {escape(refusal)}", highlight=False)
            return EXIT_USER_ERROR
        from graph.export import write_file

        provenance = provenance_of(connection)
        with _staged(folder) as staging:
            write_file(staging / "METHODS.md", _methods_markdown(provenance).encode("utf-8"))
            written = []
            if tables:
                written += _tables(connection, staging / "tables", provenance, csv_protection,
                                   excel)  # fmt: skip
            if graphs:
                written += _graphs(connection, staging / "graphs", provenance, resources,
                                   min_cascade_size)  # fmt: skip
    out.print(table(_("Exported to {folder}").format(folder=escape(str(folder))), written))
    out.print(_("Each file has a .meta.json sidecar; METHODS.md says how the numbers were made."))
    return EXIT_OK


def _refusal(folder: Path, force: bool) -> str | None:
    """Why an export may not go to ``folder``, or None if it may.

    A non-empty folder is replaced only with ``force``, and only if it holds an earlier
    export: ``--force`` must never delete a folder of other files.
    """
    if not folder.exists() or not any(folder.iterdir()):
        return None
    if not force:
        return _(
            "{folder} is not empty: choose another --out folder, or add --force to replace it."
        ).format(folder=folder)
    if not (folder / "METHODS.md").is_file():
        return _(
            "{folder} does not hold an earlier export (it has no METHODS.md), so --force will "
            "not replace it: choose another --out folder."
        ).format(folder=folder)
    return None


@contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary folder beside ``folder``, put in its place once the block wrote it whole.

    The folder already there (empty, or an earlier export) is replaced only then. On any
    error the temporary folder is removed and ``folder`` left as it was; a disk error names
    the file as it would have been in ``folder``.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial",
                                    dir=folder.parent))  # fmt: skip
    try:
        yield staging
        _replace(folder, staging)
    except OSError as error:
        where = str(error.filename or staging).replace(str(staging), str(folder), 1)
        raise OSError(error.errno, error.strerror, where) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(folder: Path, new: Path) -> None:
    """Put the folder ``new`` in the place of ``folder`` (both in the same parent folder)."""
    if not folder.exists():
        new.rename(folder)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
    folder.rename(old / folder.name)
    new.rename(folder)
    shutil.rmtree(old)


def _tables(connection, folder: Path, provenance: dict, protected: bool, excel: bool) -> list:
    from graph.export import FORMULA_STARTS, write_sidecar
    from graph.store.results import RESULT_TABLES, tables

    folder.mkdir(parents=True, exist_ok=True)
    holds = {**RESULT_TABLES, "accounts": "accounts (pseudonymised unless allow-listed)",
             "resources": "the catalogue of resources",
             "links": "the links of posts: each URL as stored, its key, the resource it "
             "matches and why (or why not)"}  # fmt: skip
    protect = "".join(FORMULA_STARTS) if protected else ""
    written = []
    for name in tables.exported_tables(connection):
        rows = tables.table_rows(connection, name)
        about = {"holds": holds[name], "rows": rows}
        csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
        if excel:
            _write_excel_csv(tables.table_frame(connection, name, protect), csv)
        else:
            tables.write_csv(connection, name, csv, protect)
        write_sidecar(csv, provenance, {**about, "formula_protection": protected,
                                        "excel": excel})  # fmt: skip
        metadata = json.dumps({**provenance, **about}, ensure_ascii=False, default=str)
        tables.write_parquet(connection, name, parquet, metadata)
        write_sidecar(parquet, provenance, about)
        written.append({"file": f"tables/{name}.csv, .parquet", "rows or nodes": rows})
    return written


def _write_excel_csv(frame, path: Path) -> None:
    """Write ``frame`` as French spreadsheets read a CSV: ``;``, decimal comma, a BOM."""
    try:
        frame.to_csv(path, sep=";", decimal=",", encoding="utf-8-sig", index=False)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from error


def _graphs(connection, folder: Path, provenance, resources, min_size) -> list[dict]:
    from graph.export import file_stem, write_file, write_sidecar
    from graph.store.results.tables import cascaded_resources

    social = sociability_network(connection)
    _save(social, folder / "sociability", provenance,
          {"holds": "the sociability graph: accounts, their communities and roles"})  # fmt: skip
    written = [_row("graphs/sociability", social)]
    wanted = list(resources) or cascaded_resources(connection, min_size)
    index = []
    for resource in wanted:
        stem = file_stem(resource)
        forest = cascade_forest(connection, resource, min_size)
        holds = f"the cascade trees of {resource} (size ≥ {min_size}), nodes timed by adoption"
        _save(forest, folder / "cascades" / stem, provenance,
              {"holds": holds, "resource_id": resource})  # fmt: skip
        written.append(_row(f"graphs/cascades/{stem}", forest))
        index.append({"resource_id": resource,
                      "files": [f"{stem}.{extension}" for extension in GRAPH_FORMATS]})  # fmt: skip
    if index:
        path = folder / "cascades" / "index.json"
        write_file(path, json.dumps(index, ensure_ascii=False, indent=2).encode("utf-8"))
        write_sidecar(path, provenance, {"holds": "the files of each resource's cascades"})
    return written


def _save(graph, stem: Path, provenance: dict, about: dict) -> None:
    """Write ``graph`` as ``<stem>.gexf``, ``.graphml`` and ``.json``, each with its sidecar."""
    from graph.export import write_gexf, write_graphml, write_json, write_sidecar

    stem.parent.mkdir(parents=True, exist_ok=True)
    about = {**about, "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    writers = {"gexf": lambda g, p: write_gexf(g, p, description=about["holds"]),
               "graphml": write_graphml, "json": write_json}  # fmt: skip
    for extension in GRAPH_FORMATS:
        path = stem.with_name(f"{stem.name}.{extension}")
        writers[extension](graph, path)
        write_sidecar(path, provenance, about)


def _row(stem: str, graph) -> dict:
    return {"file": f"{stem}.gexf, .graphml, .json", "rows or nodes": graph.number_of_nodes()}


def _methods_markdown(provenance: dict) -> str:
    analysis = provenance["analysis"]
    return (
        f"# Méthodes / Methods\n\nessaim {provenance['essaim_version']}, analysis "
        f"{analysis['analysis_id']} ({analysis['finished_at']}), parameters "
        f"`{json.dumps(analysis['parameters'])}`, {len(provenance['source_runs'])} source "
        f"run(s).\n\n## Français\n\n{provenance['methods']['fr']}\n\n"
        f"## English\n\n{provenance['methods']['en']}\n"
    )
