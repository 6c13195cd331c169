"""YouTube: parsing API answers, and ``essaim collect youtube`` over real HTTP.

Expected values are read off the fixture API by hand (tests/fixtures/youtube_api.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.demo.replay import ReplayServer, Reply
from collectors.parsing import ParseContext
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Interaction, Post
from collectors.youtube.parsers import parse_payload
from tests.collectors.collecting import environment, essaim, store_counts, write_config
from tests.fixtures import youtube_api as api

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
DOMAINS = ["e-inspe.fr", "reseau-canope.fr"]
KEY = {"ESSAIM_YOUTUBE_API_KEY": "AIza-test-key"}


def parse(method, data):
    stored = Payload(
        seq=5,
        received_at=READ_AT,
        url=f"https://www.googleapis.com/youtube/v3/{method}",
        status=200,
        params={"domains": DOMAINS},
        body=json.dumps(data),
    )
    return parse_payload(stored, ParseContext("youtube", "r", READ_AT))


def test_only_videos_linking_a_tracked_domain_are_kept():
    records = parse("videos", api.VIDEOS_1)
    (video,) = [r for r in records if isinstance(r, Post)]
    assert video.post_id == "v1" and video.author_id == "UCv1"
    assert video.links == [api.COURSE.format(103)]  # "(inscription libre)" is not part of it
    assert (video.engagement.views, video.engagement.likes, video.engagement.replies) == (
        15230,
        41,
        3,
    )
    assert video.url == "https://www.youtube.com/watch?v=v1"
    assert video.community.hashtags == ["formation", "inspe"]


def test_comments_linking_a_domain_answer_their_video_or_comment():
    records = parse("commentThreads", api.THREADS_1)
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert sorted(posts) == ["c1", "c1.r1"]  # "Super." and c2 hold no link
    assert posts["c1"].reply_to == "v1" and posts["c1.r1"].reply_to == "c1"
    assert posts["c1"].links == [api.COURSE.format(104)]
    acts = {(r.actor_id, r.target_post_id) for r in records if isinstance(r, Interaction)}
    assert acts == {("UCana", "v1"), ("UCben", "c1")}


def test_channels_give_subscribers_unless_hidden():
    followers = {
        r.account_id: r.followers_count
        for r in parse("channels", api.CHANNELS)
        if isinstance(r, Account)
    }
    assert followers == {"UCv1": 12_400, "UCv3": None}


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def collect(tmp_path, env):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    return config, essaim(
        config, "collect", "youtube", "--query", "parcours e-INSPÉ", env=environment(**env)
    )


def test_without_a_key_the_message_says_what_is_needed(tmp_path):
    _, result = collect(tmp_path, {})
    assert result.returncode == 1 and "ESSAIM_YOUTUBE_API_KEY" in result.stderr


def test_search_videos_comments_and_channels_over_http(tmp_path, server):
    api.serve(server, "parcours e-INSPÉ")
    config = write_config(tmp_path, server.url)
    result = essaim(
        config, "collect", "youtube", "--query", "parcours e-INSPÉ", env=environment(**KEY)
    )
    assert result.returncode == 0, result.stderr
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    assert manifest.status == "complete"  # comments turned off on v3: a normal answer
    assert server.count(f"{api.API}/videos") == 2  # v1 found twice, asked once
    assert server.count(f"{api.API}/commentThreads?part=snippet%2Creplies&videoId=v2") == 0
    assert all("AIza" not in target for _, target, _, _ in server.requests)  # key: a header
    assert all(h.get("X-Goog-Api-Key") == "AIza-test-key" for _, _, h, _ in server.requests)
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(tmp_path / "data" / "essaim.duckdb")
    assert counts["posts"] == 5  # v1, v3, c1, c1.r1, c3 (anonymous author)
    assert counts["interactions"] == {"reply": 3}
    assert counts["accounts"] == 4  # UCv1, UCv3, UCana, UCben


def test_an_exhausted_quota_stops_with_a_clear_message(tmp_path, server):
    server.add(
        f"{api.API}/search",
        {"part": "snippet", "type": "video", "maxResults": 50, "q": "e-inspe.fr"},
        Reply(api.QUOTA, status=403),
    )
    config = write_config(tmp_path, server.url)
    result = essaim(config, "collect", "youtube", "--query", "x", env=environment(**KEY))
    assert result.returncode == 1
    assert "the YouTube API quota of the day is used up" in result.stderr
