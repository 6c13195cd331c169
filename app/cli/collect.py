"""``essaim collect <source>``: run a collector into a new raw run.

One command per source that collects, built from the descriptors in the sources' folders
(see :mod:`collectors.sources`).
"""

from __future__ import annotations

import inspect
from functools import partial
from pathlib import Path

import click

from app.cli import translation
from app.cli.console import EXIT_OK, EXIT_PARTIAL, EXIT_USER_ERROR, err, out, settings_of
from app.cli.translation import _, group, ngettext, number
from app.config import Settings
from collectors.checkpoint import resumable_run
from collectors.engine import CollectOutcome, engine_settings
from collectors.engine import collect as run_collection
from collectors.records import Run
from collectors.registry import sources
from collectors.sources import Option, OptionError, Request, Source, StreamOutcome
from graph.resources import read_catalogue

__all__ = ["collect"]

_FIVE_MINUTES = 300.0


@group()
def collect() -> None:
    """Collect public traces into a new raw run (then: essaim load).

    Every collection can be stopped (Ctrl-C) and finished later with --resume.
    """


def _click_option(option: Option) -> translation.Option:
    kind = (
        click.Path(exists=True, dir_okay=False, path_type=Path)
        if option.kind is Path
        else (click.Choice(option.choices) if option.choices else option.kind)
    )
    if option.flag:
        return translation.Option([option.name, option.key], is_flag=True, help=option.help)
    return translation.Option(
        [option.name, option.key],
        type=kind,
        multiple=option.multiple,
        default=option.default,
        show_default=option.default is not None,
        help=option.help,
    )


def _command(source: Source) -> click.Command:
    """The ``collect`` command of a source."""
    options = [_click_option(option) for option in source.cli]
    options.append(translation.Option(["--resume"], is_flag=True, help=source.resume_help))
    if source.spider is not None:
        verbose = translation.Option(["--verbose"], is_flag=True, help="Log every request.")
        options.append(verbose)

    @click.pass_context
    def run(context: click.Context, **given) -> int:
        settings = settings_of(context)
        request = Request(
            source=source.name,
            given=given,
            section=getattr(settings.config.sources, source.section) if source.section else None,
            domains=list(settings.config.tracking.domains),
            catalogue_urls=partial(_catalogue_urls, settings),
            raw_dir=settings.raw_dir,
            say=err.print,
        )
        try:
            if source.stream is not None:
                return _report_stream(source.stream(request))
            return _collect(source, settings, request)
        except OptionError as error:
            raise click.BadParameter(str(error), param_hint=error.option) from None

    return translation.Command(
        source.name, callback=run, params=options, help=inspect.cleandoc(source.help)
    )


def _collect(source: Source, settings: Settings, request: Request) -> int:
    """Run a source's spider into a new raw run (or finish the last one), and report."""
    arguments = source.credentials() if source.credentials else {}
    previous = _to_resume(settings, source.name) if request.given["resume"] else None
    wanted = source.options(**previous.parameters) if previous else source.choose(request)
    hosts = source.hosts(wanted, request.section)
    outcome = run_collection(
        source.spider,
        settings.raw_dir,
        query=wanted.query(),
        parameters=wanted.parameters(),
        settings=_engine(settings, hosts, request.given["verbose"]),
        resume=previous,
        options=wanted,
        **arguments,
    )
    return _report(outcome)


def _engine(settings: Settings, hosts: dict[str, int], verbose: bool) -> dict:
    """Scrapy settings from the ``[collect]`` section; ``hosts`` maps host -> requests/5 min."""
    options = settings.config.collect
    return engine_settings(
        contact=options.contact,
        rate_limits={host: (limit, _FIVE_MINUTES) for host, limit in hosts.items()},
        timeout=options.timeout,
        max_retries=options.max_retries,
        backoff=options.backoff,
        max_wait=options.max_wait,
        verbose=verbose,
    )


def _to_resume(settings: Settings, source: str) -> Run:
    previous = resumable_run(settings.raw_dir, source)
    if previous is None:
        raise click.ClickException(
            _("no unfinished {source} run to resume in {folder}").format(
                source=source, folder=settings.raw_dir
            )
        )
    out.print(
        _("Resuming run {run_id} ({status}).").format(
            run_id=previous.run_id, status=previous.status
        )
    )
    return previous


def _report(outcome: CollectOutcome) -> int:
    """Say how the run ended, what failed, and what to do next; return the exit code."""
    run = outcome.run
    counts = ", ".join(f"{number(n)} {kind}" for kind, n in run.counts.items()) or _("nothing")
    out.print(
        _("Run {run_id} ({status}): {counts}.").format(
            run_id=run.run_id, status=run.status, counts=counts
        ),
        highlight=False,
    )
    failed = [incident for incident in run.incidents if incident.kind == "failed-page"]
    for incident in failed[:10]:
        err.print(
            "[red]" + _("failed") + f"[/red] {incident.where}: {incident.message}", highlight=False
        )
    if len(failed) > 10:
        err.print(
            _("… and {n} more failed pages (see the run manifest).").format(n=len(failed) - 10)
        )
    unreadable = [i for i in run.incidents if i.kind == "error" and i.where.startswith("payload")]
    for incident in unreadable[:10]:
        err.print(
            "[yellow]" + _("not parsed") + f"[/yellow] {incident.where}: {incident.message} "
            "" + _("(kept in the run)"),
            highlight=False,
        )
    if len(unreadable) > 10:
        more = len(unreadable) - 10
        err.print(_("… and {n} more payloads not parsed (see the manifest).").format(n=more))
    for incident in run.incidents:
        if incident.kind == "error" and not incident.where.startswith("payload"):
            said = "[red]" + _("error") + f"[/red] {incident.where}: {incident.message}"
            err.print(said, highlight=False)
        elif incident.kind in ("ignored", "note"):
            said = "[yellow]" + _("note") + f"[/yellow] {incident.where}: {incident.message}"
            err.print(said, highlight=False)
    waits = [incident for incident in run.incidents if incident.kind == "rate-limit"]
    if waits:
        total = sum(incident.wait_seconds or 0 for incident in waits)
        err.print(
            ngettext(
                "Waited {seconds} s for rate limits ({n} time).",
                "Waited {seconds} s for rate limits ({n} times).",
                len(waits),
            ).format(seconds=number(total, ",.0f"), n=len(waits))
        )
    forbidden = outcome.stats.get("essaim/robots_forbidden", 0)
    if forbidden:
        err.print(
            _("{n} pages left out: the site's robots.txt forbids them.").format(n=number(forbidden))
        )
    over_budget = outcome.stats.get("essaim/over_page_budget", 0)
    if over_budget:
        err.print(
            _("{n} pages not read: the --max-pages budget was reached.").format(
                n=number(over_budget)
            )
        )
    if outcome.fatal:
        err.print("[red]" + _("error:") + f"[/red] {outcome.fatal}", highlight=False)
    if run.status != "complete":
        later = _("Finish it later with: essaim collect {source} --resume")
        err.print(later.format(source=run.source), highlight=False)
    else:
        out.print(_("Next: essaim load"))
    if outcome.fatal:
        return EXIT_USER_ERROR
    return EXIT_OK if run.status == "complete" else EXIT_PARTIAL


def _report_stream(outcome: StreamOutcome) -> int:
    """Say how a streaming collection ended; return the exit code."""
    out.print(
        _(
            "Run {run_id}: {events} events read, {kept} kept, {reconnections} reconnections. "
            "Next: essaim load"
        ).format(
            run_id=outcome.run_id,
            events=number(outcome.events),
            kept=number(outcome.kept),
            reconnections=outcome.reconnections,
        ),
        highlight=False,
    )
    if outcome.error:
        err.print("[red]" + _("error:") + f"[/red] {outcome.error}", highlight=False)
        return EXIT_PARTIAL
    return EXIT_OK


def _catalogue_urls(settings: Settings) -> list[str]:
    """The exact URLs of the catalogue (patterns ending in ``*`` are left to domain search)."""
    catalogue = read_catalogue(settings.catalogue)
    return sorted({p for r in catalogue.resources for p in r.url_patterns if not p.endswith("*")})


for _source in sources().values():
    if _source.collects:
        collect.add_command(_command(_source))
