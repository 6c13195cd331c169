"""``essaim watch``: collect, load, analyse and alert on a schedule, unattended for months.

Each cycle runs the configured collections, each in its own process (a failing network or
platform fails that collection only, and an interrupted one is resumed from its checkpoint
at the next cycle), loads every new run, analyses, and alerts on resources newly taking off.
``<data>/watch/state.json`` keeps when the last cycle started and which take-offs were
alerted, so that a restarted watch keeps its schedule and never alerts twice.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import duckdb

from app.alerts import deliver, takeoffs
from app.analyze import analysis_parameters
from app.config import Settings
from app.console import EXIT_OK, checked_by, err, out
from app.loading import configured_resolver, load_into_store
from collectors.checkpoint import resumable_run
from collectors.rawrun import RawRunError, find_runs
from graph.campaigns import CampaignError
from graph.store import Store, StoreError

__all__ = ["interval", "watch"]

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def interval(text: str) -> timedelta:
    """A duration such as "30m", "1h" or "1d".

    >>> interval("90m"), interval("1d")
    (datetime.timedelta(seconds=5400), datetime.timedelta(days=1))
    """
    match = re.fullmatch(r"([1-9][0-9]*)([smhd])", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 30m, 1h or 1d")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


class _State:
    """What a watch remembers across restarts."""

    def __init__(self, path: Path):
        self.path = path
        saved = json.loads(path.read_text("utf-8")) if path.exists() else {}
        self.last_started = saved.get("last_started")
        self.alerted: set[str] = set(saved.get("alerted", []))

    def due(self, every: timedelta) -> datetime:
        if not self.last_started:
            return datetime.now(UTC)
        return datetime.fromisoformat(self.last_started) + every

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        state = {"last_started": self.last_started, "alerted": sorted(self.alerted)}
        partial.write_text(json.dumps(state, indent=1), "utf-8")
        partial.replace(self.path)


@click.command()
@click.option(
    "--every", callback=checked_by(interval), help="Time between cycles [default: watch.every]."
)
@click.option("--cycles", type=click.IntRange(min=1), help="Stop after this many cycles.")
@click.pass_context
def watch(context: click.Context, every: str | None, cycles: int | None) -> int:
    """Run the configured collections, load, analyse and alert, again and again.

    Collections are listed in [watch] collections of essaim.toml; alerts go to a file, a
    webhook and e-mail ([watch.alerts]). Stop with Ctrl-C; started again, the watch keeps its
    schedule and resumes interrupted collections.
    """
    settings = context.find_root().obj()
    period = interval(every or settings.config.watch.every)
    state = _State(settings.data_dir / "watch" / "state.json")
    done = 0
    while cycles is None or done < cycles:
        wait = (state.due(period) - datetime.now(UTC)).total_seconds()
        if wait > 0:
            _say(
                f"next cycle at {datetime.now(UTC) + timedelta(seconds=wait):%Y-%m-%d %H:%M:%S} UTC"
            )
            time.sleep(wait)
        state.last_started = datetime.now(UTC).isoformat()
        state.save()
        _cycle(settings, state)
        state.save()
        done += 1
    return EXIT_OK


def _say(message: str) -> None:
    out.print(f"[dim]{datetime.now(UTC):%Y-%m-%d %H:%M:%S}[/dim] {message}", highlight=False)


def _cycle(settings: Settings, state: _State) -> None:
    for arguments in settings.config.watch.collections:
        _collect(settings, arguments)
    try:
        report = load_into_store(
            settings, find_runs(settings.raw_dir), no_pseudonymise=False,
            resolver=configured_resolver(settings),
        )  # fmt: skip
        _say(f"loaded {len(report.with_status('loaded'))} run(s), {report.records:,} records")
        for rejected in report.with_status("rejected"):
            err.print(f"rejected {rejected.run_id}: {rejected.message}", highlight=False)
        alerts = _analyse(settings)
    except (StoreError, RawRunError, CampaignError, OSError, duckdb.Error) as error:
        err.print(f"[red]cycle stopped:[/red] {error}", highlight=False)
        return
    new = [alert for alert in alerts if alert.key not in state.alerted]
    for alert in new:
        _say(f"[bold]taking off[/bold]: {alert.sentence()}")
    for problem in deliver(settings, new):
        err.print(f"[yellow]alert[/yellow] {problem}", highlight=False)
    state.alerted.update(alert.key for alert in new)
    _say(f"cycle done: {len(new)} new take-off(s)")


def _collect(settings: Settings, arguments: list[str]) -> None:
    """Run ``essaim collect ARGUMENTS`` in a process of its own, resuming if it was cut."""
    if not arguments:
        return
    interrupted = resumable_run(settings.raw_dir, arguments[0])
    if interrupted is not None and interrupted.status == "interrupted":
        arguments = [arguments[0], "--resume"]
    command = [sys.executable, "-m", "app", "--data", str(settings.data_dir)]
    if settings.config_path:
        command += ["--config", str(settings.config_path)]
    _say(f"collect {' '.join(arguments)}")
    finished = subprocess.run([*command, "collect", *arguments], stdin=subprocess.DEVNULL)
    if finished.returncode == 2:
        err.print(f"[yellow]collect {arguments[0]}: some pages failed[/yellow]; the next cycle "
                  "collects again")  # fmt: skip
    elif finished.returncode != 0:
        err.print(f"[yellow]collect {arguments[0]} failed[/yellow] (exit code "
                  f"{finished.returncode}); the next cycle tries again")  # fmt: skip


def _analyse(settings: Settings):
    from graph.analysis import analyze

    parameters = analysis_parameters(settings)
    with Store(settings.database) as store:
        analyze(store, parameters)
        return takeoffs(store, parameters.window_hours)
