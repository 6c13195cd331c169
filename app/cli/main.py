"""The ``essaim`` command line (exit codes: see :mod:`app.cli.console`)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import duckdb
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.cli.analyze import analyze_command, show
from app.cli.catalogue import from_moodle, from_sitemap
from app.cli.collect import collect
from app.cli.console import (
    EXIT_BUG,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USER_ERROR,
    cell,
    err,
    explain_io_error,
    explain_os_error,
    out,
    settings_of,
    table,
)
from app.cli.credentials import credentials
from app.cli.demo import demo
from app.cli.export import export
from app.cli.impact import impact
from app.cli.importing import import_command
from app.cli.loading import (
    configured_resolver,
    linker_for,
    load_into_store,
    pseudonymiser_for,
    sync_catalogue,
)
from app.cli.privacy import forget, privacy_report_command, prune
from app.cli.rank import rank
from app.cli.report import report
from app.cli.serve import app_command
from app.cli.translation import (
    LANGUAGES,
    Option,
    RootGroup,
    _,
    ngettext,
    number,
    option,
)
from app.cli.watch import watch
from app.cli.whatif import whatif
from app.config import CONFIG_NAME, TEMPLATE, Settings, load_settings
from collectors import __version__
from collectors.errors import UserError
from collectors.rawrun import RawRunError, copy_run, find_runs
from collectors.reparse import reparse_run
from graph.privacy.store import KEEP_TEXT
from graph.resources import read_catalogue
from graph.store import RunResult, Store
from graph.store.status import store_status

__all__ = ["cli", "main"]

#: Where to report a bug.
ISSUES = "https://github.com/essaim/essaim/issues"


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Configuration file [default: $ESSAIM_CONFIG, else ./{CONFIG_NAME} if present].",
)
@option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory [default: $ESSAIM_DATA, else data_dir in the configuration].",
)
@option(
    "--debug",
    is_flag=True,
    envvar="ESSAIM_DEBUG",
    help="Show the traceback of an unexpected error (a bug) [or ESSAIM_DEBUG=1].",
)
@option(
    "--lang",
    type=click.Choice(LANGUAGES),
    help="Language of messages and help [default: $ESSAIM_LANG, else French if the locale "
    "is French, else English].",
)
@click.version_option(__version__, prog_name="essaim", cls=Option)
@click.pass_context
def cli(
    context: click.Context,
    config_path: Path | None,
    data_dir: Path | None,
    debug: bool,
    lang: str | None,
) -> None:
    """essaim: how teacher-training resources spread.

    Collect public traces into raw runs, load them into one DuckDB database
    (pseudonymised by default), match links to the e-INSPÉ catalogue, then analyse.
    """
    loaded: list[Settings] = []

    def settings() -> Settings:
        if not loaded:
            loaded.append(load_settings(config_path, data_dir))
        return loaded[0]

    context.obj = settings


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Progress]:
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as progress:
        progress.add_task(description, total=total)
        yield progress


def _manifests_in(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob("*.manifest.json")))
        elif path.name.endswith(".manifest.json"):
            found.append(path)
        elif path.name.endswith(".jsonl.gz"):
            found.append(path.with_name(path.name.removesuffix(".jsonl.gz") + ".manifest.json"))
        else:
            raise click.BadParameter(
                _("{path} is not a run (.manifest.json or .jsonl.gz)").format(path=path)
            )
    return found


@cli.command()
@option("--force", is_flag=True, help="Overwrite an existing configuration file.")
@click.pass_context
def init(context: click.Context, force: bool) -> None:
    """Write a commented essaim.toml and create the data directory (readable by its owner
    only) and database."""
    target = context.find_root().params["config_path"] or Path(CONFIG_NAME)
    if target.exists() and not force:
        raise click.ClickException(
            _("{target} exists already (use --force to overwrite it)").format(target=target)
        )
    target.write_text(TEMPLATE, encoding="utf-8")
    settings = load_settings(target, context.find_root().params["data_dir"])
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the owner's only
    settings.raw_dir.mkdir(exist_ok=True)
    with Store(settings.database):
        pass
    out.print(
        _("Wrote {target}; data directory {data} is ready.").format(
            target=target, data=settings.data_dir
        )
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@option(
    "--no-pseudonymise",
    is_flag=True,
    help="Keep real identifiers (only with a legal basis; recorded with every run loaded).",
)
@option(
    "--keep-text",
    type=click.Choice(KEEP_TEXT),
    help="What to keep of post texts [default: privacy.keep_text, excerpt].",
)
@option("--offline", is_flag=True, help="Do not resolve shortened links over the network.")
@click.pass_context
def load(
    context: click.Context,
    paths: tuple[Path, ...],
    no_pseudonymise: bool,
    keep_text: str | None,
    offline: bool,
):
    """Load new raw runs into the database.

    Without PATHS, loads every run under <data>/raw. PATHS may be run files or folders
    holding runs kept elsewhere: they are first copied into <data>/raw (raw data is kept).
    Runs already loaded are skipped, so loading twice changes nothing. Accounts erased with
    `essaim forget` are left out, and the configured retention is applied afterwards.
    """
    settings = settings_of(context)
    manifests, rejected = find_runs(settings.raw_dir), []
    if paths:
        manifests = []
        for manifest in _manifests_in(paths):
            try:
                manifests.append(copy_run(manifest, settings.raw_dir))
            except RawRunError as error:
                rejected.append(RunResult(manifest.name, "rejected", message=str(error)))
    with _progress(_("Loading runs"), len(manifests)) as progress:
        report = load_into_store(
            settings,
            manifests,
            no_pseudonymise=no_pseudonymise,
            resolver=None if offline else configured_resolver(settings),
            keep_text=keep_text,
            progress=lambda _: progress.advance(progress.task_ids[0]),
        )
    loaded, skipped = report.with_status("loaded"), report.with_status("skipped")
    out.print(
        ngettext(
            "Loaded {loaded} run, {records} records; {skipped} already loaded.",
            "Loaded {loaded} runs, {records} records; {skipped} already loaded.",
            len(loaded),
        ).format(loaded=len(loaded), records=number(report.records), skipped=len(skipped))
    )
    for result in loaded:
        if result.message:
            note = "[yellow]" + _("Note") + f"[/yellow] {result.run_id}: {result.message}"
            err.print(note, highlight=False)
    rejected += report.with_status("rejected")
    for result in rejected:
        err.print(
            "[red]" + _("Rejected") + f"[/red] {result.run_id}: {result.message}", highlight=False
        )
    return EXIT_PARTIAL if rejected else EXIT_OK


@cli.command()
@option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@option("--limit", default=20, show_default=True, help="Rows per list of links.")
@click.pass_context
def status(context: click.Context, as_json: bool, limit: int) -> None:
    """Show runs, record counts, link matching and data coverage."""
    settings = settings_of(context)
    with Store(settings.database, read_only=True) as store:
        report = store_status(store, limit)
    report["data_dir"] = str(settings.data_dir)
    report["catalogue"] = str(settings.catalogue)
    if as_json:
        out.print_json(json.dumps(report, default=str))
        return
    pseudonymisation = report["pseudonymisation"] or _("not set yet")
    heads = {"data": _("Data"), "pseudonymisation": _("pseudonymisation"),
             "catalogue": _("catalogue")}  # fmt: skip
    out.print(
        f"[bold]{heads['data']}[/bold] {settings.data_dir}  "
        f"[bold]{heads['pseudonymisation']}[/bold] {pseudonymisation}  "
        f"[bold]{heads['catalogue']}[/bold] {settings.catalogue}",
        highlight=False,
    )
    out.print(table(_("Runs"), report["runs"]))
    out.print(table(_("Records by source and platform"), report["records"]))
    links = {name: number(value) for name, value in report["links"].items()}
    out.print(
        "[bold]"
        + _("Links")
        + "[/bold] "
        + _(
            "{links} found, {tracked} to tracked domains, {matched} matched to {resources} "
            "catalogue resources."
        ).format(**links)
    )
    if report["unmatched_links"]:
        out.print(table(_("Tracked links that match no resource"), report["unmatched_links"]))
    if report["unresolved_shortened_links"]:
        out.print(table(_("Shortened links not resolved"), report["unresolved_shortened_links"]))
    coverage = [
        {**c, "gaps": ", ".join(f"{cell(g['from'])} → {cell(g['to'])}" for g in c["gaps"])}
        for c in report["coverage"]
    ]
    out.print(table(_("Coverage by source and query"), coverage))
    if report["incidents"]:
        title = _("Incidents (errors, rate-limit waits, failed pages)")
        out.print(table(title, report["incidents"]))
    else:
        out.print(_("No incidents recorded (errors, rate-limit waits, failed pages)."))


@cli.group()
def catalogue() -> None:
    """Show, check, build or replace the catalogue of tracked resources."""


@catalogue.command("show")
@click.pass_context
def catalogue_show(context: click.Context) -> None:
    """List the resources of the catalogue in use."""
    settings = settings_of(context)
    resources = read_catalogue(settings.catalogue).resources
    rows = [
        {
            "resource_id": r.resource_id,
            "title": r.title,
            "parcours": r.parcours,
            "url_patterns": " ".join(r.url_patterns),
            "illustrative": _("yes") if r.illustrative else "",
        }
        for r in resources
    ]
    count = ngettext("{n} resource", "{n} resources", len(rows)).format(n=len(rows))
    out.print(table(f"{settings.catalogue} ({count})", rows))


@catalogue.command("validate")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def catalogue_validate(context: click.Context, file: Path | None) -> None:
    """Check a catalogue CSV (by default the one in use)."""
    path = file or settings_of(context).catalogue
    resources = read_catalogue(path).resources
    illustrative = sum(r.illustrative for r in resources)
    out.print(
        ngettext(
            "{path}: {n} resource, {illustrative} illustrative; valid.",
            "{path}: {n} resources, {illustrative} illustrative; valid.",
            len(resources),
        ).format(path=path, n=len(resources), illustrative=illustrative)
    )


@catalogue.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--offline", is_flag=True, help="Do not resolve shortened links over the network.")
@click.pass_context
def catalogue_import(context: click.Context, file: Path, offline: bool) -> None:
    """Use FILE as the catalogue from now on, and match every stored link against it."""
    settings = settings_of(context)
    read_catalogue(file)
    if settings.configured_catalogue is not None:
        raise click.ClickException(
            _("tracking.catalogue in {config} names the catalogue; edit it there").format(
                config=settings.config_path
            )
        )
    target = settings.data_dir / "catalogue.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(file.read_bytes())
    with Store(settings.database) as store:
        sync_catalogue(
            store,
            settings,
            linker_for(settings, None if offline else configured_resolver(settings)),
            pseudonymiser_for(settings, store, no_pseudonymise=False),
        )
    out.print(_("{file} is now the catalogue ({target}).").format(file=file, target=target))


catalogue.add_command(from_moodle)
catalogue.add_command(from_sitemap)


@cli.command()
@click.argument("run_id")
@option("--offline", is_flag=True, help="Do not resolve shortened links over the network.")
@click.pass_context
def reparse(context: click.Context, run_id: str, offline: bool) -> int:
    """Parse the stored payloads of RUN_ID again with the current parsers, and load the result.

    The new run replaces the records RUN_ID contributed; the original files are untouched.
    """
    settings = settings_of(context)
    with _progress(_("Re-parsing {run_id}").format(run_id=run_id), None):
        manifest = reparse_run(settings.raw_dir, run_id)
    out.print(_("Wrote run {run_id} ({counts}).").format(run_id=manifest.run_id,
                                                         counts=manifest.counts))  # fmt: skip
    for incident in manifest.incidents:
        err.print(f"[yellow]{incident.where}[/yellow]: {incident.message}", highlight=False)
    code = context.invoke(load, paths=(), no_pseudonymise=False, keep_text=None, offline=offline)
    return EXIT_PARTIAL if manifest.incidents else code


cli.add_command(collect)
cli.add_command(import_command)
cli.add_command(analyze_command)
cli.add_command(show)
cli.add_command(whatif)
cli.add_command(impact)
cli.add_command(export)
cli.add_command(demo)
cli.add_command(app_command)
cli.add_command(prune)
cli.add_command(forget)
cli.add_command(privacy_report_command)
cli.add_command(credentials)
cli.add_command(watch)
cli.add_command(rank)
cli.add_command(report)


def main(arguments: list[str] | None = None) -> None:
    """Entry point of the ``essaim`` console script."""
    os.umask(0o077)  # what essaim writes (data, raw runs, exports) is its owner's only
    arguments = sys.argv[1:] if arguments is None else arguments
    debug = False
    try:
        with cli.make_context("essaim", list(arguments)) as context:
            debug = context.params["debug"]
            code = cli.invoke(context)
    except click.exceptions.Exit as done:  # --help, --version
        code = done.exit_code
    except click.ClickException as error:
        error.show()
        # a wrong option or argument is a user error too (click would exit with 2)
        code = EXIT_USER_ERROR if isinstance(error, click.UsageError) else error.exit_code
    except click.exceptions.Abort:
        err.print(_("Aborted."))
        code = EXIT_USER_ERROR
    except duckdb.Error as error:  # the file could not be written or read
        err.print("[red]" + _("error:") + f"[/red] {explain_io_error(error)}", highlight=False)
        code = EXIT_USER_ERROR
    except (UserError, OSError) as error:
        failed_file = isinstance(error, OSError) and error.errno
        message = explain_os_error(error) if failed_file else str(error)
        err.print("[red]" + _("error:") + f"[/red] {message}", highlight=False)
        code = EXIT_USER_ERROR
    except Exception as error:
        if debug:
            raise
        bug = _(
            "essaim stopped on an unexpected {kind} ({error}), which is a bug: please run the "
            "command again with --debug and report the traceback at {issues}."
        ).format(kind=type(error).__name__, error=error, issues=ISSUES)
        err.print("[red]" + _("error:") + f"[/red] {bug}", highlight=False)
        code = EXIT_BUG
    sys.exit(code if isinstance(code, int) else EXIT_OK)
