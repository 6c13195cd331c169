"""Real Jetstream events (tests/fixtures/real/bluesky-live/) through the bluesky-live parser.

Both files hold events the public jetstream2.us-west.bsky.network sent unfiltered, as Alex
Sayers pasted them into the slides of his talk on jetrelay (asayers/jetrelay, MIT): one
event per line, as the collector writes a batch. Every expected value was read by hand from
the lines (DIDs, rkeys, subjects, createdAt), never from the parser's output.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.bluesky.jetstream import JetstreamCollector, last_cursor
from collectors.parsing import ParseContext
from collectors.rawrun import Payload
from collectors.records import Account, Interaction, Post
from collectors.registry import parser_for

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "bluesky-live"
READ_AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
SUBSCRIBE = "wss://jetstream2.us-west.bsky.network/subscribe"
WEBSOCAT = "jetrelay-websocat-2026-01-03.jsonl"
FRAMES = "jetrelay-frames-2025-11-21.jsonl"
#: The post liked on line 3 of WEBSOCAT.
LIKED = "at://did:plc:ecjyiwkyae3k3d46iy7d6u3h/app.bsky.feed.post/3mbid4je65s2y"


def parse_batch(name: str, **params):
    """Parse a file as one batch payload of a live run, as the collector writes it."""
    payload = Payload(
        seq=1,
        received_at=READ_AT,
        url=SUBSCRIBE,
        status=None,
        headers={},
        body=(REAL / name).read_text(encoding="utf-8"),
        params=params,
    )
    context = ParseContext("bluesky-live", "conformance", READ_AT)
    records = parser_for("bluesky-live")(payload, context)
    found: dict[type, list] = {Post: [], Account: [], Interaction: []}
    for record in records:
        found[type(record)].append(record)
    return found, context


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class TestWebsocatSession:
    """Eight events of 2026-01-03 02:57:45 UTC: a block, a post, three likes, a post
    deletion, a follow, a repost."""

    @pytest.fixture(scope="class")
    @classmethod
    def parsed(cls):
        return parse_batch(WEBSOCAT)

    def test_every_line_is_read(self, parsed):
        _, context = parsed
        assert not context.ignored  # block, follow and delete are left out, not refused

    def test_the_one_created_post(self, parsed):
        found, _ = parsed
        (post,) = found[Post]
        assert post.platform == "bluesky"
        assert (
            post.post_id == "at://did:plc:g6ifxgrzi22eaemi4lc5pyr2/app.bsky.feed.post/3mbifys26vc2z"
        )
        assert post.author_id == "did:plc:g6ifxgrzi22eaemi4lc5pyr2"
        assert post.url == (
            "https://bsky.app/profile/did:plc:g6ifxgrzi22eaemi4lc5pyr2/post/3mbifys26vc2z"
        )
        assert post.created_at == at("2026-01-03T02:57:45.138Z")
        assert post.text.startswith("#Cavs beat the Nuggets 113-108 to win their third")
        assert post.text.endswith("as many as 11 in the second half.")
        assert post.language == "en"
        assert post.community.hashtags == ["cavs"]  # its one tag facet, "Cavs"
        assert post.links == []  # a tag facet is no link
        assert (post.reply_to, post.quote_of, post.repost_of) == (None, None, None)
        assert [a.account_id for a in found[Account]] == ["did:plc:g6ifxgrzi22eaemi4lc5pyr2"]

    def test_likes_and_the_repost_with_their_subjects_and_times(self, parsed):
        found, _ = parsed
        acts = sorted(
            (i.kind, i.actor_id, i.target_post_id, i.created_at, i.via) for i in found[Interaction]
        )
        assert acts == [
            (
                "like",
                "did:plc:22w4xuatznlr2a65xslrqebv",
                "at://did:plc:dtwphuxvtvimwtra5yh4ujt4/app.bsky.feed.post/3mbiehajoke2p",
                at("2026-01-03T02:57:44.882Z"),
                None,
            ),
            (
                "like",
                "did:plc:73dynrh5cyibgfjskeudlwog",
                "at://did:plc:fn5kv3xek2gi5tcjpxbiqs36/app.bsky.feed.post/3mbi5vkfugc2r",
                at("2026-01-03T02:57:46.163Z"),
                None,
            ),
            (
                "like",
                "did:plc:r3xe3qev4vc55rsvfndqiuol",
                "at://did:plc:ecjyiwkyae3k3d46iy7d6u3h/app.bsky.feed.post/3mbid4je65s2y",
                at("2026-01-03T02:57:45.129Z"),
                None,
            ),
            (
                "repost",
                "did:plc:jbqihdeo2viegbvjp7kq57xs",
                "at://did:plc:7umb3asmcopiogfmpuxbhbbl/app.bsky.feed.post/3mbifjbmmys2s",
                at("2026-01-03T02:57:44.936Z"),
                None,
            ),
        ]

    def test_the_collector_keeps_a_like_of_a_known_post_only(self):
        collector = JetstreamCollector(SUBSCRIBE, None, ["bsky.app"], known_posts=[LIKED])
        events = [json.loads(line) for line in (REAL / WEBSOCAT).read_text().splitlines()]
        # what the collector subscribes to (wantedCollections): posts, reposts, likes
        subscribed = [
            (n, event)
            for n, event in enumerate(events, 1)
            if event["commit"]["collection"].startswith("app.bsky.feed.")
        ]
        assert [n for n, _ in subscribed] == [2, 3, 4, 5, 6, 8]
        kept = [n for n, event in subscribed if collector.wanted(event)]
        assert kept == [3]  # the like of r3xe3qev…; the post links nowhere, 4 is a delete

    def test_a_block_or_follow_is_not_wanted(self):
        collector = JetstreamCollector(SUBSCRIBE, None, ["bsky.app"], known_posts=[LIKED])
        events = [json.loads(line) for line in (REAL / WEBSOCAT).read_text().splitlines()]
        block, follow = events[0], events[6]
        assert block["commit"]["record"]["subject"] == "did:plc:j74bmy3c7ls2u4mgl6xegder"
        assert follow["commit"]["record"]["subject"] == "did:plc:bggek3ttucom3nj5ufe2ocu5"
        assert not collector.wanted(block)
        assert not collector.wanted(follow)

    def test_a_resumed_run_starts_after_the_last_event(self):
        body = (REAL / WEBSOCAT).read_text(encoding="utf-8")
        line = json.dumps({"type": "payload", "body": body}).encode()
        cursor, seen = last_cursor([line])
        assert cursor == 1767409065355523
        assert seen == {"did:plc:jbqihdeo2viegbvjp7kq57xs/3mbifyrvp7m2q/commit"}


class TestFramesWithVia:
    """Seven frames of 2025-11-21 01:50:21 UTC: four likes (one saw its post through a
    repost, ``via``), a post with two images, a follow, a repost."""

    POST = "at://did:plc:nutrikdii7qo6xbb52mdlyf2/app.bsky.feed.post/3m64666fhis2e"

    @pytest.fixture(scope="class")
    @classmethod
    def parsed(cls):
        return parse_batch(FRAMES)

    def test_the_post_with_images_has_no_link(self, parsed):
        found, context = parsed
        assert not context.ignored
        (post,) = found[Post]
        assert post.post_id == self.POST
        assert post.author_id == "did:plc:nutrikdii7qo6xbb52mdlyf2"
        assert post.created_at == at("2025-11-21T01:50:04.166Z")  # createdAt, not time_us
        assert post.text == "乗った！"
        assert post.language == "ja"
        assert post.links == []  # two image blobs, no URL
        assert post.community.hashtags == []

    def test_the_like_seen_through_a_repost_names_that_repost_and_its_author(self, parsed):
        found, _ = parsed
        by_actor = {i.actor_id: i for i in found[Interaction]}
        assert len(by_actor) == len(found[Interaction]) == 5
        via = by_actor["did:plc:5segm472sboj3bznepzusiot"]
        assert via.kind == "like"
        assert via.target_post_id == (
            "at://did:plc:lrw4cnptopspeg5tthztcliw/app.bsky.feed.post/3m63g7tcnva2e"
        )
        assert via.via == "at://did:plc:rrfwruhud4ovela3oe6isre5/app.bsky.feed.repost/3m644ru253n25"
        assert via.via_actor_id == "did:plc:rrfwruhud4ovela3oe6isre5"
        assert via.created_at == at("2025-11-21T01:50:20.918Z")
        others = sorted(
            (i.kind, a, i.target_post_id, i.via) for a, i in by_actor.items() if i is not via
        )
        assert others == [
            (
                "like",
                "did:plc:5rg4sbiiiesfe563zzqumetx",
                "at://did:plc:o7ozygoaxci2djvrazhdmgds/app.bsky.feed.post/3m6466aia7s2u",
                None,
            ),
            (
                "like",
                "did:plc:cp4mjijntnhh27pdtqi7hucg",
                "at://did:plc:pbtde2womj2b6sbmt2usuzyw/app.bsky.feed.post/3m63rrmcryk2e",
                None,
            ),
            (
                "like",
                "did:plc:htmhzec2p7aru5juw43732am",
                "at://did:plc:upogmzimjos5wbp4y5dkzt7x/app.bsky.feed.post/3m5zzb6nms22o",
                None,
            ),
            (
                "repost",
                "did:plc:bgickkrqnnv7nyfh6ylbkxwb",
                "at://did:plc:t5g4e7slz7mc56xlbcpobdvf/app.bsky.feed.post/3m63av4qtae2m",
                None,
            ),
        ]

    def test_an_opted_out_author_loses_the_text_not_the_post(self):
        found, _ = parse_batch(FRAMES, opted_out=["did:plc:nutrikdii7qo6xbb52mdlyf2"])
        (post,) = found[Post]
        assert post.post_id == self.POST
        assert post.text is None
        assert post.language == "ja"
