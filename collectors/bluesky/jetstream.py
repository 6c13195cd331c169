"""The Bluesky live collector: Jetstream events matched locally, written in batches.

Jetstream sends every post, repost and like of the network; nothing can be filtered
server-side by content. Posts are kept when one of their links (facets, external embeds, the
media of a quote) points to a tracked domain; reposts and likes are kept when their subject is
a post already known (found earlier in the stream or in earlier runs). Kept events are
written, exactly as received, in batches: one payload per batch, one event per line. After a
disconnection the client reconnects with the ``time_us`` cursor of the last event it handled
and skips what it already saw, so nothing is lost or doubled. An event that cannot be read is
noted in the run and skipped: one odd event never stops the stream.

Events carry no profile labels: the authors known from earlier runs to carry the
``!no-unauthenticated`` self-label are named in each batch's parameters (``opted_out``), and
their posts lose their text as they do when read from the AppView.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import websockets

from collectors.bluesky.parsers import parse_post_view, record_links, reshare
from collectors.parsing import ParseContext, ParseError, guarded, links_to
from collectors.rawrun import Payload, RawRunWriter
from collectors.records import InteractionKind, Record

__all__ = ["JetstreamCollector", "event_key", "last_cursor", "parse_events"]

POST, REPOST, LIKE = "app.bsky.feed.post", "app.bsky.feed.repost", "app.bsky.feed.like"
#: The collections whose records act on a post (their ``subject``), by interaction kind.
_INTERACTIONS: dict[str, InteractionKind] = {REPOST: "repost", LIKE: "like"}
#: What a message that is not a readable event raises while it is handled.
_SHAPE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def _uri(event: dict[str, Any]) -> str:
    commit = event["commit"]
    return f"at://{event['did']}/{commit['collection']}/{commit['rkey']}"


def parse_events(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse a batch of Jetstream events (one JSON event per line) into records; an event that
    cannot be read is left out and counted, the others are kept."""
    opted_out = set(payload.params.get("opted_out") or [])
    records: list[Record] = []
    for line in payload.content().splitlines():
        try:
            records.extend(_event_records(json.loads(line), opted_out, context))
        except (ParseError, *_SHAPE_ERRORS):
            context.ignore("Jetstream events of unknown shape")
    return records


def _event_records(
    event: dict[str, Any], opted_out: set[str], context: ParseContext
) -> list[Record]:
    """The records of one event: a created post, or a repost or like with its time, its
    ``via`` and the account of that ``via`` (see :func:`~collectors.bluesky.parsers.reshare`)."""
    commit, did = event.get("commit"), event.get("did")
    if event.get("kind") != "commit" or not isinstance(commit, dict):
        return []
    collection = commit.get("collection")
    if commit.get("operation") != "create" or collection not in (POST, *_INTERACTIONS):
        return []
    record = commit.get("record")
    if not isinstance(record, dict) or not isinstance(did, str):
        raise ParseError("a created record needs a 'did' and a 'record' object")
    if collection in _INTERACTIONS:
        return [reshare(_INTERACTIONS[collection], did, record, context)]
    # no labels in events: the self-label learnt earlier, so that the text is dropped; else
    # the author's labels are unknown, which leaves the opt-outs known as they are
    author = (
        {"did": did, "labels": [{"val": "!no-unauthenticated"}]}
        if did in opted_out
        else {"did": did}
    )
    view = {"uri": _uri(event), "author": author, "record": record}
    return parse_post_view(view, context, where="event")


class JetstreamCollector:
    """Follow Jetstream, keep the events about tracked resources, write them to ``run``.

    Parameters
    ----------
    url : str
        The ``/subscribe`` websocket URL.
    run : RawRunWriter
        Where batches go.
    domains : iterable of str
        Tracked domains (subdomains included).
    known_posts : iterable of str
        AT-URIs of posts whose reposts and likes are wanted.
    opted_out : iterable of str
        DIDs known, from earlier runs, to carry the ``!no-unauthenticated`` self-label.
    cursor : int, optional
        ``time_us`` to start from (Jetstream replays about 36 hours).
    seen_at_cursor : iterable of str
        :func:`event_key` of the events already handled at ``cursor``.
    batch_size, batch_seconds : int, float
        A batch is written when it holds this many events or is this old.
    """

    def __init__(
        self,
        url: str,
        run: RawRunWriter,
        domains: Iterable[str],
        known_posts: Iterable[str] = (),
        opted_out: Iterable[str] = (),
        *,
        cursor: int | None = None,
        seen_at_cursor: Iterable[str] = (),
        batch_size: int = 100,
        batch_seconds: float = 5.0,
        reconnect_delay: float = 1.0,
    ):
        self.url, self.run = url, run
        self.domains = tuple(domains)
        self.known_posts = set(known_posts)
        self.opted_out = set(opted_out)
        self.cursor = cursor
        self.seen_at_cursor = set(seen_at_cursor)  # events already handled at ``cursor``
        self.batch: list[str] = []
        self.batch_started = time.monotonic()
        self.batch_size, self.batch_seconds = batch_size, batch_seconds
        self.reconnect_delay = reconnect_delay
        self.events = self.kept = self.reconnections = 0

    def subscribe_url(self) -> str:
        params = [("wantedCollections", name) for name in (POST, REPOST, LIKE)]
        if self.cursor is not None:
            params.append(("cursor", str(self.cursor)))
        return f"{self.url}?{urlencode(params)}"

    def wanted(self, event: dict[str, Any]) -> bool:
        commit = event.get("commit") or {}
        record = commit.get("record") or {}
        if event.get("kind") != "commit" or commit.get("operation") != "create":
            return False
        if commit.get("collection") == POST and any(
            links_to(link, self.domains) for link in record_links(record)
        ):
            self.known_posts.add(_uri(event))
            return True
        if commit.get("collection") not in _INTERACTIONS:  # a block's subject is a DID
            return False
        return (record.get("subject") or {}).get("uri") in self.known_posts

    def handle(self, message: str) -> None:
        """Handle one message; one that is not a readable event is noted in the run, skipped."""
        try:
            self.handle_event(json.loads(message), message)
        except _SHAPE_ERRORS as error:
            where = f"event after time_us {self.cursor}"
            self.run.add_incident("error", where, f"unreadable event skipped ({error!r})")

    def handle_event(self, event: dict[str, Any], message: str) -> None:
        """Skip what was seen, keep what is wanted, move the cursor."""
        time_us = event.get("time_us")
        if not isinstance(time_us, int):
            return
        key = event_key(event)
        if self.cursor is not None and (
            time_us < self.cursor or (time_us == self.cursor and key in self.seen_at_cursor)
        ):
            return  # replayed after a reconnection
        if time_us != self.cursor:
            self.cursor, self.seen_at_cursor = time_us, set()
        self.seen_at_cursor.add(key)
        self.events += 1
        if self.wanted(event):
            self.kept += 1
            self.batch.append(message)
        if len(self.batch) >= self.batch_size or self.batch_due():
            self.write_batch()

    def write_batch(self) -> None:
        """Write the pending events as one payload, parse them, flush the run."""
        if not self.batch:
            return
        authors = {json.loads(message).get("did") for message in self.batch}
        opted_out = sorted(authors & self.opted_out)
        payload = self.run.add_payload(
            "\n".join(self.batch),
            url=self.subscribe_url(),
            method="WS",
            params={"opted_out": opted_out} if opted_out else None,
            status=None,
        )
        context = ParseContext(self.run.manifest.source, self.run.run_id, payload.received_at)
        try:
            self.run.add_records(guarded(parse_events)(payload, context))
        except ParseError as error:
            self.run.add_incident("error", f"payload {payload.seq}", str(error))
        self.run.add_ignored(context.ignored)
        self.run.flush()
        self.batch, self.batch_started = [], time.monotonic()

    async def follow(self, stop: asyncio.Event, duration: float | None = None) -> None:
        """Read events until ``stop`` is set or ``duration`` seconds have passed."""
        deadline = None if duration is None else time.monotonic() + duration
        delay = self.reconnect_delay
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                async with websockets.connect(self.subscribe_url(), max_size=None) as socket:
                    delay = self.reconnect_delay
                    while not stop.is_set():
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            break
                        try:
                            message = await asyncio.wait_for(socket.recv(), timeout=_tick(left))
                        except TimeoutError:
                            if self.batch_due():
                                self.write_batch()
                            continue
                        self.handle(message)
            except (OSError, websockets.ConnectionClosed, websockets.InvalidHandshake) as error:
                self.reconnections += 1
                self.run.add_incident("error", self.url, f"disconnected ({error}); reconnecting")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
        self.write_batch()

    def batch_due(self) -> bool:
        return bool(self.batch) and time.monotonic() - self.batch_started >= self.batch_seconds


def _tick(left: float | None) -> float:
    return 1.0 if left is None else max(0.01, min(1.0, left))


def event_key(event: dict[str, Any]) -> str:
    """What tells apart two events sent in the same microsecond."""
    return f"{event.get('did')}/{(event.get('commit') or {}).get('rkey')}/{event.get('kind')}"


def last_cursor(lines: Iterable[bytes]) -> tuple[int | None, set[str]]:
    """The ``time_us`` of the last event in a run's payload lines, and the keys of the events
    kept at that time (to continue after them)."""
    cursor, seen = None, set()
    for line in lines:
        for message in json.loads(line)["body"].splitlines():
            event = json.loads(message)
            if event.get("time_us") != cursor:
                cursor, seen = event.get("time_us"), set()
            seen.add(event_key(event))
    return cursor, seen
