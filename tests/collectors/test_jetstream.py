"""The Jetstream client against a local websocket server that drops the connection."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve

from collectors.bluesky.jetstream import JetstreamCollector
from collectors.rawrun import RawRunWriter, iter_lines
from collectors.records import Interaction, Post, decode_record
from tests.collectors.collecting import essaim, store_counts, write_config

LINK = "https://www.e-inspe.fr/course/view.php?id=101"
T0 = 1_767_225_600_000_000


def post(n, did, time_us, link=None):
    record = {
        "$type": "app.bsky.feed.post",
        "text": f"post {n}",
        "createdAt": "2026-01-01T00:00:00Z",
    }
    if link:
        record["embed"] = {"$type": "app.bsky.embed.external", "external": {"uri": link}}
    commit = {
        "rev": "r",
        "operation": "create",
        "collection": "app.bsky.feed.post",
        "rkey": f"p{n}",
        "record": record,
    }
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


def repost(n, did, time_us, subject):
    record = {
        "$type": "app.bsky.feed.repost",
        "subject": {"uri": subject, "cid": "c"},
        "createdAt": "2026-01-01T00:05:00Z",
    }
    commit = {
        "rev": "r",
        "operation": "create",
        "collection": "app.bsky.feed.repost",
        "rkey": f"r{n}",
        "record": record,
    }
    return {"did": did, "time_us": time_us, "kind": "commit", "commit": commit}


MATCHED = "at://did:plc:ana/app.bsky.feed.post/p1"
EVENTS = [
    post(1, "did:plc:ana", T0 + 1, LINK),  # kept
    post(2, "did:plc:bob", T0 + 2),  # no link: skipped
    {"did": "did:plc:bob", "time_us": T0 + 3, "kind": "identity", "identity": {"handle": "b"}},
    repost(1, "did:plc:chloe", T0 + 4, MATCHED),  # kept: reposts a known post
    repost(2, "did:plc:david", T0 + 4, "at://did:plc:x/app.bsky.feed.post/zz"),  # unknown: skipped
    post(
        3, "did:plc:emma", T0 + 5, "https://sub.reseau-canope.fr/x"
    ),  # kept (the drop comes after it)
    post(4, "did:plc:farid", T0 + 5, "https://example.org/"),  # same time_us, after the drop
    repost(3, "did:plc:gael", T0 + 6, MATCHED),  # kept
    {
        "did": "did:plc:ana",
        "time_us": T0 + 7,
        "kind": "commit",
        "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "p1"},
    },
    post(5, "did:plc:hugo", T0 + 8, LINK),  # kept
]
DROP_AFTER = 6  # the first connection dies after the 6th event


async def run_stream(tmp_path):
    cursors = []

    async def handler(connection):
        query = parse_qs(urlsplit(connection.request.path).query)
        assert query["wantedCollections"] == ["app.bsky.feed.post", "app.bsky.feed.repost"]
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        cursors.append(cursor)
        events = [e for e in EVENTS if cursor is None or e["time_us"] >= cursor]
        for number, event in enumerate(events, start=1):
            await connection.send(json.dumps(event))
            if cursor is None and number == DROP_AFTER:
                await asyncio.sleep(0.05)
                connection.transport.abort()
                return
        await connection.wait_closed()  # stay open

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        with RawRunWriter(tmp_path / "raw", "bluesky-live", "live") as run:
            collector = JetstreamCollector(
                f"ws://127.0.0.1:{port}/subscribe",
                run,
                ["e-inspe.fr", "reseau-canope.fr"],
                batch_size=2,
                reconnect_delay=0.05,
            )
            stop = asyncio.Event()

            async def stop_when_done():
                while collector.cursor != T0 + 8:
                    await asyncio.sleep(0.02)
                stop.set()

            await asyncio.wait_for(asyncio.gather(collector.follow(stop), stop_when_done()), 20)
    return run, collector, cursors


def test_a_dropped_stream_resumes_from_its_cursor_and_yields_every_event_once(tmp_path):
    run, collector, cursors = asyncio.run(run_stream(tmp_path))
    assert cursors == [None, T0 + 5]  # reconnected at the last event handled
    assert collector.reconnections == 1
    kept = []
    records = []
    for _, line in iter_lines(run.path):
        item = json.loads(line)
        if item["type"] == "payload":
            kept += [json.loads(event)["time_us"] for event in item["body"].splitlines()]
            assert item["method"] == "WS"
        else:
            records.append(decode_record(line))
    assert kept == [T0 + 1, T0 + 4, T0 + 5, T0 + 6, T0 + 8]
    posts = {r.post_id for r in records if isinstance(r, Post)}
    assert posts == {
        MATCHED,
        "at://did:plc:emma/app.bsky.feed.post/p3",
        "at://did:plc:hugo/app.bsky.feed.post/p5",
    }
    reposts = [(r.actor_id, r.target_post_id) for r in records if isinstance(r, Interaction)]
    assert reposts == [("did:plc:chloe", MATCHED), ("did:plc:gael", MATCHED)]
    assert gzip.decompress(run.path.read_bytes())  # the run is closed and readable


def test_collect_bluesky_live_then_load_and_resume_from_the_last_event(tmp_path):
    cursors = []
    ready = threading.Event()
    port = []

    async def handler(connection):
        query = parse_qs(urlsplit(connection.request.path).query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        cursors.append(cursor)
        for event in EVENTS:
            if cursor is None or event["time_us"] >= cursor:
                await connection.send(json.dumps(event))
        await connection.wait_closed()

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            await asyncio.sleep(30)

    threading.Thread(target=asyncio.run, args=(main(),), daemon=True).start()
    ready.wait(10)
    config = write_config(tmp_path, "http://unused")
    config.write_text(
        config.read_text().replace(
            "[sources.bluesky]",
            f'[sources.bluesky]\njetstream = "ws://127.0.0.1:{port[0]}/subscribe"',
        )
    )
    live = ("collect", "bluesky-live", "--duration", "2", "--batch-size", "2")
    result = essaim(config, *live)
    assert result.returncode == 0, result.stderr
    assert "10 events read, 5 kept" in result.stdout
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(tmp_path / "data" / "essaim.duckdb")
    assert counts["posts"] == 3 and counts["interactions"] == {"repost": 2}
    resumed = essaim(config, *live, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert cursors == [None, T0 + 8]
    assert "0 events read, 0 kept" in resumed.stdout  # the last event, replayed, is skipped


def test_a_stream_that_never_connects_says_why(tmp_path):
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    config = write_config(tmp_path, "http://unused")
    config.write_text(
        config.read_text().replace(
            "[sources.bluesky]", f'[sources.bluesky]\njetstream = "ws://127.0.0.1:{port}/subscribe"'
        )
    )
    result = essaim(config, "collect", "bluesky-live", "--duration", "1")
    assert result.returncode == 2
    assert "0 events read" in result.stdout and "error: disconnected" in result.stderr
