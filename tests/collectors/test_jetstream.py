"""The Jetstream client against a local websocket server that drops the connection."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve

from collectors.bluesky.jetstream import JetstreamCollector
from collectors.bluesky.live import _earlier_runs
from collectors.rawrun import RawRunWriter, iter_lines
from collectors.records import Account, Interaction, Post, decode_record
from graph.builders import adoption_events, likers
from graph.resources import Catalogue, CatalogueResource, Linker
from graph.store import Store, load_runs
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


def like(n, did, time_us, subject, via=None):
    record = {
        "$type": "app.bsky.feed.like",
        "subject": {"uri": subject, "cid": "c"},
        "createdAt": "2026-01-01T00:10:00Z",
    }
    if via:
        record["via"] = {"uri": via, "cid": "v"}
    commit = {
        "rev": "r",
        "operation": "create",
        "collection": "app.bsky.feed.like",
        "rkey": f"l{n}",
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
        assert query["wantedCollections"] == [
            "app.bsky.feed.post",
            "app.bsky.feed.repost",
            "app.bsky.feed.like",
        ]
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


# --- open schemas and opt-outs (issue 21) ------------------------------------------------------


def with_embed(event, embed):
    event["commit"]["record"]["embed"] = embed
    return event


def with_facet_link(event, link):
    feature = {"$type": "app.bsky.richtext.facet#link", "uri": link}
    event["commit"]["record"]["facets"] = [
        {"index": {"byteStart": 0, "byteEnd": 6}, "features": [feature]}
    ]
    return event


CARD = {"$type": "app.bsky.embed.external", "external": {"uri": LINK}}
ODD = [
    "not json at all",
    json.dumps([1, 2]),
    json.dumps({"did": "did:plc:x", "time_us": T0 + 2, "kind": "commit", "commit": ["create"]}),
    json.dumps(  # a third-party client's media list: the embed is left out, the post kept
        with_embed(
            with_facet_link(post(6, "did:plc:ines", T0 + 3), LINK),
            {
                "$type": "app.bsky.embed.recordWithMedia",
                "media": [CARD],
                "record": {"record": {"uri": MATCHED, "cid": "c"}},
            },
        )
    ),
    json.dumps(with_embed(post(7, "did:plc:jade", T0 + 4), {"media": [CARD]})),  # no link left
    json.dumps(post(1, "did:plc:ana", T0 + 5, LINK)),
    json.dumps(repost(1, "did:plc:chloe", T0 + 6, MATCHED)),
]


async def follow_stream(tmp_path, handler):
    """Follow the Jetstream ``handler`` serves on 127.0.0.1 until the event at T0 + 6."""
    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        with RawRunWriter(tmp_path / "raw", "bluesky-live", "live") as run:
            collector = JetstreamCollector(
                f"ws://127.0.0.1:{port}/subscribe", run, ["e-inspe.fr"], batch_size=10
            )
            stop = asyncio.Event()

            async def stop_when_done():
                while collector.cursor != T0 + 6:
                    await asyncio.sleep(0.02)
                stop.set()

            await asyncio.wait_for(asyncio.gather(collector.follow(stop), stop_when_done()), 20)
    return run, collector


async def run_odd_stream(tmp_path):
    async def handler(connection):
        for message in ODD:
            await connection.send(message)
        await connection.wait_closed()

    return await follow_stream(tmp_path, handler)


def test_unreadable_events_are_noted_and_skipped_and_the_stream_goes_on(tmp_path):
    run, collector = asyncio.run(run_odd_stream(tmp_path))
    assert collector.reconnections == 0
    records = [decode_record(line) for _, line in iter_lines(run.path) if b'"payload"' not in line]
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert set(posts) == {MATCHED, "at://did:plc:ines/app.bsky.feed.post/p6"}
    assert posts["at://did:plc:ines/app.bsky.feed.post/p6"].quote_of == MATCHED
    reposts = [(r.actor_id, r.target_post_id) for r in records if isinstance(r, Interaction)]
    assert ("did:plc:chloe", MATCHED) in reposts
    unreadable = [i for i in run.manifest.incidents if "unreadable event" in i.message]
    assert len(unreadable) == 3  # not JSON, not an object, a commit that is a list
    assert any(i.message == "1 embeds of unknown shape ignored" for i in run.manifest.incidents)


def test_authors_known_to_have_opted_out_lose_their_text_and_reposts_keep_via(tmp_path):
    via = {"uri": "at://did:plc:bob/app.bsky.feed.repost/3lvia", "cid": "bafyvia"}
    shared = repost(2, "did:plc:chloe", T0 + 2, MATCHED)
    shared["commit"]["record"]["via"] = via  # a repost of bob's repost, as the app writes it
    with RawRunWriter(tmp_path / "raw", "bluesky-live", "live") as run:
        collector = JetstreamCollector(
            "ws://127.0.0.1:1/subscribe", run, ["e-inspe.fr"], opted_out={"did:plc:ana"}
        )
        for event in (post(1, "did:plc:ana", T0 + 1, LINK), shared):
            collector.handle(json.dumps(event))
        collector.write_batch()
    lines = [json.loads(line) for _, line in iter_lines(run.path)]
    assert lines[0]["params"] == {"opted_out": ["did:plc:ana"]}  # reparse knows it too
    records = [decode_record(json.dumps(line)) for line in lines[1:]]
    (kept,) = [r for r in records if isinstance(r, Post)]
    assert kept.post_id == MATCHED and kept.text is None
    (account,) = [r for r in records if isinstance(r, Account)]
    assert account.opt_out == ["no-unauthenticated"]
    (shared_again,) = [r for r in records if isinstance(r, Interaction)]
    assert shared_again.via == via["uri"]
    assert shared_again.via_actor_id == "did:plc:bob"  # whose repost chloe saw


def test_a_via_naming_a_handle_or_malformed_gives_no_account_and_the_repost_stays(tmp_path):
    vias = [{"uri": "at://bob.example/app.bsky.feed.repost/3lvia", "cid": "bafyvia"},
            {"uri": "at:/did:plc:bob/app.bsky.feed.repost/3lvia"}, {"uri": ["at://x"]}]  # fmt: skip
    events = [post(1, "did:plc:ana", T0 + 1, LINK)]
    for n, via in enumerate(vias, start=2):
        events.append(repost(n, f"did:plc:r{n}", T0 + n, MATCHED))
        events[-1]["commit"]["record"]["via"] = via
    with RawRunWriter(tmp_path / "raw", "bluesky-live", "live") as run:
        collector = JetstreamCollector("ws://127.0.0.1:1/subscribe", run, ["e-inspe.fr"])
        for event in events:
            collector.handle(json.dumps(event))
        collector.write_batch()
    records = [decode_record(line) for _, line in iter_lines(run.path) if b'"payload"' not in line]
    reposts = [(r.actor_id, r.via, r.via_actor_id) for r in records if isinstance(r, Interaction)]
    assert reposts == [
        ("did:plc:r2", "at://bob.example/app.bsky.feed.repost/3lvia", None),
        ("did:plc:r3", "at:/did:plc:bob/app.bsky.feed.repost/3lvia", None),
        ("did:plc:r4", None, None),
    ]
    assert not run.manifest.incidents  # nothing was unreadable


def test_the_live_collector_learns_opt_outs_from_the_latest_appview_runs(tmp_path):
    at = datetime(2026, 9, 1, tzinfo=UTC)
    common = {"source": "bluesky", "collected_at": at, "platform": "bluesky"}

    def account(did, opted, run_id):
        return Account(**common, run_id=run_id, account_id=did,
                       opt_out=["no-unauthenticated"] if opted else [])  # fmt: skip

    for run_id, opted in (("r1", {"ana": True, "bob": True}), ("r2", {"bob": False})):
        with RawRunWriter(tmp_path, "bluesky", "domain:e-inspe.fr") as run:
            run.add_records([account(f"did:plc:{n}", o, run_id) for n, o in opted.items()])
            run.add_records(
                [Post(**common, run_id=run_id, post_id=MATCHED, author_id="did:plc:ana")]
            )
    known, opted_out = _earlier_runs(tmp_path)
    assert known == {MATCHED}
    assert opted_out == {"did:plc:ana"}  # bob removed the label since


# --- likes (issue 21) --------------------------------------------------------------------------

CHLOE_REPOST = "at://did:plc:chloe/app.bsky.feed.repost/r1"
MALFORMED_LIKE = like(3, "did:plc:emma", T0 + 5, MATCHED)
MALFORMED_LIKE["commit"]["record"]["subject"] = MATCHED  # a bare URI, not a strong ref
LIKES = [
    post(1, "did:plc:ana", T0 + 1, LINK),  # kept: links a tracked domain
    repost(1, "did:plc:chloe", T0 + 2, MATCHED),  # kept
    like(1, "did:plc:bob", T0 + 3, MATCHED, via=CHLOE_REPOST),  # kept: seen through chloe
    like(2, "did:plc:david", T0 + 4, "at://did:plc:x/app.bsky.feed.post/zz"),  # untracked
    MALFORMED_LIKE,  # noted and skipped
    like(4, "did:plc:farid", T0 + 6, MATCHED),  # kept: the stream went on
]


def collect_events(tmp_path, events):
    """Hand ``events`` to a collector tracking e-inspe.fr; return its closed run."""
    with RawRunWriter(tmp_path / "raw", "bluesky-live", "live") as run:
        collector = JetstreamCollector("ws://127.0.0.1:1/subscribe", run, ["e-inspe.fr"])
        for event in events:
            collector.handle(json.dumps(event))
        collector.write_batch()
    return run, collector


def test_likes_of_known_posts_are_kept_with_their_time_and_via(tmp_path):
    run, collector = collect_events(tmp_path, LIKES)
    assert (collector.events, collector.kept) == (6, 4)
    records = [decode_record(line) for _, line in iter_lines(run.path) if b'"payload"' not in line]
    acts = [(r.kind, r.actor_id, r.target_post_id, r.created_at, r.via, r.via_actor_id)
            for r in records if isinstance(r, Interaction)]  # fmt: skip
    at = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    liked_at = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
    assert acts == [
        ("repost", "did:plc:chloe", MATCHED, at, None, None),
        ("like", "did:plc:bob", MATCHED, liked_at, CHLOE_REPOST, "did:plc:chloe"),
        ("like", "did:plc:farid", MATCHED, liked_at, None, None),
    ]
    (incident,) = run.manifest.incidents
    assert incident.message.startswith("unreadable event skipped")
    assert incident.where == f"event after time_us {T0 + 5}"  # the malformed like's own time


def test_the_stream_asks_for_likes_and_a_malformed_one_does_not_stop_it(tmp_path):
    async def handler(connection):
        query = parse_qs(urlsplit(connection.request.path).query)
        if "app.bsky.feed.like" in query["wantedCollections"]:
            for event in LIKES:
                await connection.send(json.dumps(event))
        await connection.wait_closed()

    run, collector = asyncio.run(follow_stream(tmp_path, handler))
    assert (collector.events, collector.kept, collector.reconnections) == (6, 4, 0)
    records = [decode_record(line) for _, line in iter_lines(run.path) if b'"payload"' not in line]
    likers = [r.actor_id for r in records if isinstance(r, Interaction) and r.kind == "like"]
    assert likers == ["did:plc:bob", "did:plc:farid"]


def test_live_likes_are_stored_and_count_as_likers_not_adopters(tmp_path):
    run, _ = collect_events(tmp_path, LIKES)
    course = CatalogueResource(
        "course", "t", "p", "", "", ("e-inspe.fr/course/view.php?id=101",), None, True
    )
    linker = Linker(["e-inspe.fr"], Catalogue([course]))
    with Store(":memory:") as store:
        load_runs(store, [run.manifest_path], linker=linker, pseudonymiser=None)
        stored = store.connection.execute(
            "SELECT kind, actor_id, via, via_actor_id FROM interactions ORDER BY ALL"
        ).fetchall()
        adoptions = adoption_events(store.connection)
        liking = likers(store.connection, adoptions)
    assert stored == [
        ("like", "did:plc:bob", CHLOE_REPOST, "did:plc:chloe"),
        ("like", "did:plc:farid", None, None),
        ("repost", "did:plc:chloe", None, None),
    ]
    adopters = sorted(zip(adoptions["account_id"], adoptions["kind"], strict=True))
    assert adopters == [("did:plc:ana", "original"), ("did:plc:chloe", "repost")]
    assert sorted(liking["account_id"]) == ["did:plc:bob", "did:plc:farid"]
