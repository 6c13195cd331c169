"""``essaim watch``: collect, load, analyse and alert on a schedule, unattended for months.

Each cycle runs the configured collections, each in its own process (a failing network or
platform fails that collection only, and an interrupted one is resumed from its checkpoint
at the next cycle), loads every new run, analyses, and alerts on resources newly taking off.
``<data>/watch/state.json`` keeps when the last cycle started, where its data ended, the
take-off episodes seen and alerted and which deliveries failed, so that a restarted watch
keeps its schedule, never alerts twice and sends again what did not go through. The first
cycle records the episodes it finds as its baseline and alerts none of them; later cycles
alert an episode seen for the first time that goes on after the previous cycle's data ended.
With ``[watch] report``, each period's report is sent once it has ended
(:mod:`app.report.send`). A damaged state file is set aside and rebuilt from the alerts file
(the next cycle is then a baseline again).
"""

from __future__ import annotations

import json
import os
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
from app.cli.translation import _, command, language, ngettext, number, option
from app.config import Settings
from app.report.send import send_due
from collectors.checkpoint import resumable_run
from collectors.rawrun import RawRunError, find_runs
from graph.campaigns import CampaignError
from graph.store import Store, StoreError
from graph.store.results.resources import analysed_until

__all__ = ["interval", "watch"]

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def interval(text: str) -> timedelta:
    """A duration such as "30m", "1h" or "1d".

    >>> interval("90m"), interval("1d")
    (datetime.timedelta(seconds=5400), datetime.timedelta(days=1))
    """
    match = re.fullmatch(r"([1-9][0-9]*)([smhd])", text.strip())
    if not match:
        raise ValueError(
            _("{text} is not a duration such as 30m, 1h or 1d").format(text=repr(text))
        )
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


class _State:
    """What a watch remembers across restarts: when the last cycle started, where its data
    ended (``horizon``), the take-off episodes seen (``known``: resource, start, end) and
    alerted, and the alerts still to deliver to each channel (``pending``)."""

    def __init__(self, path: Path, settings: Settings):
        self.path = path
        self.last_started: str | None = None
        self.horizon: datetime | None = None
        self.known: list[tuple[str, datetime, datetime]] = []
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
        horizon = saved.get("horizon")
        self.horizon = datetime.fromisoformat(horizon) if horizon else None
        self.known = [(resource, datetime.fromisoformat(start), datetime.fromisoformat(end))
                      for resource, start, end in saved.get("known", [])]  # fmt: skip
        self.alerted = set(saved.get("alerted", []))
        self.pending = {
            channel: [Alert.from_record(record) for record in records]
            for channel, records in saved.get("pending", {}).items()
        }

    def _rebuild(self, settings: Settings) -> None:
        """Set the damaged file aside and start again from the alerts file, saying so."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
        self.path.replace(aside)
        self.last_started, self.horizon, self.pending = None, None, {}
        alerts = recorded(settings)
        self.alerted = {alert.key for alert in alerts}
        self.known = [(a.resource_id, a.since, a.until or a.since) for a in alerts]
        said = ngettext(
            "{path} is damaged; it is kept as {aside} and rebuilt from the {n} alert in "
            "{alerts}, so the next cycle starts now and deliveries that were still failing are "
            "not retried.",
            "{path} is damaged; it is kept as {aside} and rebuilt from the {n} alerts in "
            "{alerts}, so the next cycle starts now and deliveries that were still failing are "
            "not retried.",
            len(self.alerted),
        )
        warn(said.format(path=self.path, aside=aside.name, n=len(self.alerted),
                         alerts=settings.alerts_file))  # fmt: skip

    def news(self, episodes: list[Alert], horizon: datetime | None) -> list[Alert]:
        """The episodes to alert, and remember them all with where the data now ends.

        None at the first cycle (no horizon yet): what it finds is the baseline. Later, an
        episode overlapping none seen before (of the same resource) and ending after the
        previous horizon.
        """
        fresh = [
            episode
            for episode in episodes
            if self.horizon is not None
            and episode.until is not None
            and episode.until > self.horizon
            and episode.key not in self.alerted
            and not any(_overlap(episode, known) for known in self.known)
        ]
        seen = [(e.resource_id, e.since, e.until or e.since) for e in episodes]
        self.known = seen + [k for k in self.known if not any(_overlap(e, k) for e in episodes)]
        self.horizon = horizon or self.horizon
        return fresh

    def due(self, every: timedelta) -> datetime:
        if not self.last_started:
            return datetime.now(UTC)
        return datetime.fromisoformat(self.last_started) + every

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        state = {
            "last_started": self.last_started,
            "horizon": self.horizon.isoformat() if self.horizon else None,
            "known": [[resource, start.isoformat(), end.isoformat()]
                      for resource, start, end in self.known],
            "alerted": sorted(self.alerted),
            "pending": {channel: [asdict(alert) for alert in alerts]
                        for channel, alerts in self.pending.items() if alerts},
        }  # fmt: skip
        partial.write_text(json.dumps(state, indent=1, default=str), "utf-8")
        partial.replace(self.path)


@command()
@option(
    "--every", callback=checked_by(interval), help="Time between cycles [default: watch.every]."
)
@option("--cycles", type=click.IntRange(min=1), help="Stop after this many cycles.")
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
            then = datetime.now(UTC) + timedelta(seconds=wait)
            _say(_("next cycle at {time} UTC").format(time=f"{then:%Y-%m-%d %H:%M:%S}"))
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
        loaded = len(report.with_status("loaded"))
        said = ngettext("loaded {n} run, {records} records", "loaded {n} runs, {records} records",
                        loaded)  # fmt: skip
        _say(said.format(n=loaded, records=number(report.records)))
        for rejected in report.with_status("rejected"):
            said = _("rejected {run}: {reason}").format(
                run=rejected.run_id, reason=rejected.message
            )
            err.print(said, highlight=False)
        episodes, horizon = _analyse(settings)
    except (StoreError, RawRunError, CampaignError, OSError, duckdb.Error) as error:
        err.print("[red]" + _("cycle stopped:") + f"[/red] {error}", highlight=False)
    else:
        first = state.horizon is None
        new = state.news(episodes, horizon)
        if first:
            said = ngettext(
                "first cycle: {n} take-off episode in the data recorded as the baseline, none "
                "alerted",
                "first cycle: {n} take-off episodes in the data recorded as the baseline, none "
                "alerted",
                len(episodes),
            )
            _say(said.format(n=len(episodes)))
        for alert in new:
            _say("[bold]" + _("taking off") + f"[/bold]: {alert.sentence()}")
        record(settings, new)
        state.alerted.update(alert.key for alert in new)
        for channel in channels(settings):
            state.pending.setdefault(channel, []).extend(new)
        state.save()
        said = ngettext("cycle done: {n} new take-off", "cycle done: {n} new take-offs", len(new))
        _say(said.format(n=len(new)))
    _deliver(settings, state)
    sent = send_due(settings)
    if sent:
        _say(sent)


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
            again = ngettext("{problem}; {n} alert will be sent again at the next cycle",
                             "{problem}; {n} alerts will be sent again at the next cycle",
                             len(alerts)).format(problem=problem, n=len(alerts))  # fmt: skip
            err.print("[yellow]" + _("alert") + f"[/yellow] {again}", highlight=False)


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
    environment = {**os.environ, "ESSAIM_LANG": language()}  # the collection speaks as we do
    finished = subprocess.run([*command, "collect", *arguments], stdin=subprocess.DEVNULL,
                              env=environment)  # fmt: skip
    if finished.returncode == 2:
        failed = _("collect {source}: some pages failed").format(source=arguments[0])
        again = _("; the next cycle collects again")
        err.print(f"[yellow]{failed}[/yellow]{again}")
    elif finished.returncode != 0:
        failed = _("collect {source} failed").format(source=arguments[0])
        again = _("(exit code {code}); the next cycle tries again").format(code=finished.returncode)
        err.print(f"[yellow]{failed}[/yellow] {again}")


def _analyse(settings: Settings) -> tuple[list[Alert], datetime | None]:
    """Analyse; return the take-off episodes and where the data ends."""
    from graph.analysis import analyze

    with Store(settings.database) as store:
        analyze(store, analysis_parameters(settings))
        return takeoffs(store), analysed_until(store.connection)


def _overlap(episode: Alert, known: tuple[str, datetime, datetime]) -> bool:
    resource, start, end = known
    until = episode.until or episode.since
    return episode.resource_id == resource and episode.since <= end and start <= until
