"""YouTube: parsing API answers, and ``essaim collect youtube`` over real HTTP.

Expected values are read off the fixture API by hand (tests/fixtures/youtube_api.py) and
off answers recorded from the real API (tests/fixtures/real/youtube, with their sources).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import scrapy
from scrapy.http import TextResponse

from app.demo.replay import ReplayServer, Reply
from collectors.parsing import ParseContext
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Interaction, Post
from collectors.youtube.parsers import hashtags, parse_payload
from collectors.youtube.spider import YoutubeOptions, YoutubeSpider
from tests.collectors.collecting import environment, essaim, store_counts, write_config
from tests.fixtures import youtube_api as api

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
DOMAINS = ["e-inspe.fr", "reseau-canope.fr"]
KEY = {"ESSAIM_YOUTUBE_API_KEY": "AIza-test-key"}
REAL = Path(__file__).parents[1] / "fixtures" / "real" / "youtube"


def real(name: str):
    return json.loads((REAL / f"{name}.json").read_text())


def parse(method, data, domains=DOMAINS, context=None, **note):
    stored = Payload(
        seq=5,
        received_at=READ_AT,
        url=f"https://www.googleapis.com/youtube/v3/{method}",
        status=200,
        params={"domains": domains, **note},
        body=json.dumps(data),
    )
    return parse_payload(stored, context or ParseContext("youtube", "r", READ_AT))


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


def test_hashtags_are_written_in_the_text_not_the_uploaders_keyword_tags():
    (video,) = [r for r in parse("videos", api.VIDEOS_1) if isinstance(r, Post)]
    assert video.community.hashtags == ["pe2026", "shorts"]  # tags: Formation, INSPE
    recorded = real("videos_info_multi")  # D-lhorsDlUQ: 20 keyword tags, no hashtag
    (kept,) = [r for r in parse("videos", recorded, ["goo.gle"]) if isinstance(r, Post)]
    assert kept.post_id == "D-lhorsDlUQ" and kept.community.hashtags == []
    nfl = recorded["items"][1]["snippet"]
    assert hashtags(f"{nfl['title']}\n\n{nfl['description']}") == [
        "nfl100",
        "nfl",
        "nflthrowback",
        "nflhistory",
        "football",
        "americanfootball",
        "nflvault",
    ]
    assert hashtags("It&#39;s https://e-inspe.fr/#plan C#") == []


def test_accounts_are_named_from_channel_titles_and_comment_authors():
    channels = [r for r in parse("videos", api.VIDEOS_1) if isinstance(r, Account)]
    assert [(a.account_id, a.display_name) for a in channels] == [("UCv1", "Chaîne UCv1")]
    authors = {
        r.account_id: (r.handle, r.display_name)
        for r in parse("commentThreads", api.THREADS_1)
        if isinstance(r, Account)
    }
    assert authors == {"UCana": ("ana.prof", None), "UCben": ("UCben", "Ben Martin")}


def test_a_name_of_unknown_shape_costs_the_name_only():
    odd = json.loads(json.dumps(api.VIDEOS_1))
    odd["items"][0]["snippet"]["channelTitle"] = {"simpleText": "Chaîne"}
    context = ParseContext("youtube", "r", READ_AT)
    records = parse("videos", odd, context=context)
    assert [type(r) for r in records] == [Post, Account] and records[1].display_name is None
    assert context.ignored == {"channelTitle of unknown shape": 1}


def test_comments_linking_a_domain_answer_their_video_or_comment():
    records = parse("commentThreads", api.THREADS_1)
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert sorted(posts) == ["c1", "c1.r1"]  # "Super." and c2 hold no link
    assert posts["c1"].reply_to == "v1" and posts["c1.r1"].reply_to == "c1"
    assert posts["c1"].links == [api.COURSE.format(104)]
    acts = {(r.actor_id, r.target_post_id) for r in records if isinstance(r, Interaction)}
    assert acts == {("UCana", "v1"), ("UCben", "c1")}


def test_replies_from_comments_list_answer_the_top_comment_once():
    note = {"thread": "c1", "video": "v1", "embedded": ["c1.r1", "c1.r2"]}
    records = parse("comments", api.REPLIES_1, **note) + parse("comments", api.REPLIES_2, **note)
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert sorted(posts) == ["c1.r3", "c1.r4"]  # c1.r1 came with its thread; c1.r2 has no link
    assert {p.reply_to for p in posts.values()} == {"c1"}
    assert posts["c1.r4"].url == "https://www.youtube.com/watch?v=v1&lc=c1.r4"
    acts = {(r.actor_id, r.target_post_id) for r in records if isinstance(r, Interaction)}
    assert acts == {("UCeve", "c1"), ("UCfil", "c1")}
    recorded = real("comments_by_parent_paged_1")  # real replies: none links anything
    assert parse("comments", recorded, thread="Ugw5zYU6n9pmIgAZWvN4AaABAg", video="x") == []


def test_threads_with_more_replies_than_embedded_have_them_asked():
    spider = YoutubeSpider(YoutubeOptions(domains=DOMAINS), "AIza", run=None, checkpoint={})
    threads = real("comment_threads_by_video_paged_2")  # one thread: 2 replies, none embedded
    url = "https://www.googleapis.com/youtube/v3/commentThreads"
    asked = scrapy.Request(url, meta={"note": {"video": "F1UP7wRCPH8"}})
    (request,) = spider.comment_page(threads, TextResponse(asked.url, request=asked))
    assert request.url == (
        "https://www.googleapis.com/youtube/v3/comments?part=snippet"
        "&parentId=UgwI_ylXVnzPS8Q-oAV4AaABAg&maxResults=100&textFormat=plainText"
    )
    assert request.meta["note"] == {
        "domains": DOMAINS,
        "video": "F1UP7wRCPH8",
        "thread": "UgwI_ylXVnzPS8Q-oAV4AaABAg",
        "embedded": [],
    }


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
    assert server.count(f"{api.API}/comments?") == 2  # c1's replies, two pages; c2 has none
    assert all("AIza" not in target for _, target, _, _ in server.requests)  # key: a header
    assert all(h.get("X-Goog-Api-Key") == "AIza-test-key" for _, _, h, _ in server.requests)
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(tmp_path / "data" / "essaim.duckdb")
    assert counts["posts"] == 7  # v1, v3, c1, c1.r1, c1.r3, c1.r4, c3 (anonymous author)
    assert counts["interactions"] == {"reply": 5}
    assert counts["accounts"] == 6  # UCv1, UCv3, UCana, UCben, UCeve, UCfil


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "the YouTube API quota of the day is used up; finish with --resume tomorrow"),
        ("fr", "le quota du jour de l'API YouTube est épuisé\u00a0; terminez avec --resume demain"),
    ],
)
def test_an_exhausted_quota_stops_with_a_clear_message(tmp_path, server, language, said):
    server.add(
        f"{api.API}/search",
        {"part": "snippet", "type": "video", "maxResults": 50, "q": "e-inspe.fr"},
        Reply(api.QUOTA, status=403),
    )
    config = write_config(tmp_path, server.url)
    chosen = environment(**KEY, ESSAIM_LANG=language)
    result = essaim(config, "collect", "youtube", "--query", "x", env=chosen)
    assert result.returncode == 1
    assert said in result.stderr
    # the run keeps it in English, whatever the language it was said in
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    (incident,) = [i for i in manifest.incidents if i.kind == "error"]
    assert incident.message == (
        "the YouTube API quota of the day is used up; finish with --resume tomorrow"
    )
