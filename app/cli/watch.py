"""``essaim watch``: collect, load, analyse and alert on a schedule, unattended for months.

Each cycle runs the configured collections, each in its own process (a failing network or
platform fails that collection only, and an interrupted one is resumed from its checkpoint
at the next cycle), loads every new run, analyses, and alerts on resources newly taking off.
``<data>/watch/state.json`` keeps when the last cycle started, which take-offs were
alerted and which deliveries failed, so that a restarted watch keeps its schedule, never
alerts twice and sends again what did not go through. A damaged state file is set aside and
rebuilt from the alerts file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import duckdb

from app.cli.alerts import Alert, channels, record, recorded, send, takeoffs
from app.cli.analyze import analysis_parameters
from app.cli.console import EXIT_OK, checked_by, err, out, settings_of, warn
from app.cli.loading import configured_resolver, load_into_store
from app.config import Settings
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
    """What a watch remembers across restarts: when the last cycle started, the take-offs
    alerted, and the alerts still to deliver to each channel (``pending``)."""

    def __init__(self, path: Path, settings: Settings):
        self.path = path
        self.last_started: str | None = None
        self.alerted: set[str] = set()
        self.pending: dict[str, list[Alert]] = {}
        if path.exists():
            try:
                self._read()
            except (ValueError, TypeError, KeyError, AttributeError):
                self._rebuild(settings)

    def _read(self) -> None:
        saved = json.loads(self.path.read_text("utf-8"))
        self.last_started = saved.get("last_started")
        if self.last_started is not None:
            datetime.fromisoformat(self.last_started)
        self.alerted = set(saved.get("alerted", []))
        self.pending = {
            channel: [Alert.from_record(record) for record in records]
            for channel, records in saved.get("pending", {}).items()
        }

    def _rebuild(self, settings: Settings) -> None:
        """Set the damaged file aside and start again from the alerts file, saying so."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        self.path.replace(aside)
        self.last_started, self.pending = None, {}
        self.alerted = recorded(settings)
        warn(
            f"{self.path} is damaged; it is kept as {aside.name} and rebuilt from the "
            f"{len(self.alerted)} alert(s) in {settings.alerts_file}, so the next cycle starts "
            "now and deliveries that were still failing are not retried."
        )

    def due(self, every: timedelta) -> datetime:
        if not self.last_started:
            return datetime.now(UTC)
        return datetime.fromisoformat(self.last_started) + every

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        state = {
            "last_started": self.last_started,
            "alerted": sorted(self.alerted),
            "pending": {channel: [asdict(alert) for alert in alerts]
                        for channel, alerts in self.pending.items() if alerts},
        }  # fmt: skip
        partial.write_text(json.dumps(state, indent=1, default=str), "utf-8")
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
    settings = settings_of(context)
    period = interval(every or settings.config.watch.every)
    state = _State(settings.data_dir / "watch" / "state.json", settings)
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
    else:
        new = [alert for alert in alerts if alert.key not in state.alerted]
        for alert in new:
            _say(f"[bold]taking off[/bold]: {alert.sentence()}")
        record(settings, new)
        state.alerted.update(alert.key for alert in new)
        for channel in channels(settings):
            state.pending.setdefault(channel, []).extend(new)
        state.save()
        _say(f"cycle done: {len(new)} new take-off(s)")
    _deliver(settings, state)


def _deliver(settings: Settings, state: _State) -> None:
    """Send each channel the alerts it has not received yet; a failure waits for the next
    cycle. Alerts for a channel no longer configured are dropped."""
    configured = channels(settings)
    for channel in list(state.pending):
        alerts = state.pending.pop(channel)
        if channel not in configured or not alerts:
            continue
        problem = send(settings, channel, alerts)
        if problem:
            state.pending[channel] = alerts
            err.print(f"[yellow]alert[/yellow] {problem}; {len(alerts)} alert(s) will be "
                      "sent again at the next cycle", highlight=False)  # fmt: skip


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
