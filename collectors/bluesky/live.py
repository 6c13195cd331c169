"""A live Bluesky collection: Jetstream followed into one raw run until stopped."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from collectors.bluesky.jetstream import JetstreamCollector, last_cursor
from collectors.checkpoint import runs_of, salvage_unfinished
from collectors.errors import NotFound
from collectors.rawrun import PAYLOAD_PREFIX, RawRunWriter, iter_lines, run_paths
from collectors.records import decode_record
from collectors.sources import Request, StreamOutcome
from collectors.speech import _

__all__ = ["follow_live"]


def follow_live(request: Request) -> StreamOutcome:
    """Follow Jetstream for posts linking to tracked domains and reposts and likes of known
    posts, until Ctrl-C (or ``--duration`` seconds); with ``--resume``, from the last event of
    the previous live run."""
    raw_dir, given = request.raw_dir, request.given
    cursor, seen = None, set()
    if given["resume"]:
        salvage_unfinished(raw_dir, "bluesky-live")
        runs = runs_of(raw_dir, "bluesky-live")
        if not runs:
            raise NotFound(_("no bluesky-live run to resume in {folder}").format(folder=raw_dir))
        lines = iter_lines(run_paths(raw_dir, "bluesky-live", runs[-1].run_id)[0])
        cursor, seen = last_cursor(line for _, line in lines if line.startswith(PAYLOAD_PREFIX))
    url = request.section.jetstream
    query = f"links to {', '.join(request.domains)}"
    known_posts, opted_out = _earlier_runs(raw_dir)
    with RawRunWriter(raw_dir, "bluesky-live", query, {"url": url, "cursor": cursor}) as run:
        collector = JetstreamCollector(
            url,
            run,
            request.domains,
            known_posts,
            opted_out,
            cursor=cursor,
            seen_at_cursor=seen,
            batch_size=given["batch_size"],
        )
        asyncio.run(_follow(collector, given["duration"]))
    failed = collector.events == 0 and collector.reconnections
    return StreamOutcome(
        run_id=run.run_id,
        events=collector.events,
        kept=collector.kept,
        reconnections=collector.reconnections,
        error=run.manifest.incidents[-1].message if failed else None,
    )


async def _follow(collector: JetstreamCollector, duration: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop.set)
    await collector.follow(stop, duration)


def _earlier_runs(raw_dir: Path) -> tuple[set[str], set[str]]:
    """From the earlier Bluesky runs: the AT-URIs of their posts, whose reposts and likes the
    live stream keeps, and the accounts last seen (by the AppView, which shows labels) with the
    ``!no-unauthenticated`` self-label, whose texts it does not keep."""
    known: set[str] = set()
    labelled: dict[str, bool] = {}
    for run in runs_of(raw_dir, "bluesky", "bluesky-live"):
        for _number, line in iter_lines(run_paths(raw_dir, run.source, run.run_id)[0]):
            if line.startswith(b'{"type":"post"'):
                known.add(decode_record(line).post_id)
            elif run.source == "bluesky" and line.startswith(b'{"type":"account"'):
                account = decode_record(line)
                if account.opt_out is not None:
                    labelled[account.account_id] = "no-unauthenticated" in account.opt_out
    return known, {did for did, opted in labelled.items() if opted}
