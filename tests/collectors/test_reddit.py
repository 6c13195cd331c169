"""Reddit: parsing API answers, and ``essaim collect reddit`` over real HTTP.

Expected values are read off the fixture site by hand (tests/fixtures/reddit_site.py) and
off answers recorded from the real API (tests/fixtures/real/reddit, with their sources).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
import scrapy
from scrapy.http import TextResponse

from app.demo.replay import ReplayServer, Reply
from collectors import __version__
from collectors.parsing import ParseContext
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Interaction, Post
from collectors.reddit.parsers import parse_payload
from collectors.reddit.source import RedditSection
from collectors.reddit.spider import RedditOptions, RedditSpider
from tests.collectors.collecting import environment, essaim, store_counts, write_config
from tests.fixtures import reddit_site as site

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
CREDENTIALS = {"ESSAIM_REDDIT_CLIENT_ID": "app-id", "ESSAIM_REDDIT_CLIENT_SECRET": "s3cr3t-xyz"}
REAL = Path(__file__).parents[1] / "fixtures" / "real" / "reddit"
API = "https://oauth.reddit.com"


def real(name: str):
    return json.loads((REAL / f"{name}.json").read_text())


def parse(path, data):
    stored = Payload(
        seq=4,
        received_at=READ_AT,
        url=f"https://oauth.reddit.com{path}",
        status=200,
        body=json.dumps(data),
    )
    return parse_payload(stored, ParseContext("reddit", "r", READ_AT))


def test_a_comment_tree_gives_the_submission_its_comments_and_reply_edges():
    records = parse("/comments/abc", site.COMMENTS)
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert sorted(posts) == ["t1_c1", "t1_c2", "t1_c3", "t3_abc"]  # "more" is asked apart
    link = posts["t3_abc"]
    assert link.links == [site.COURSE.format(103)]
    assert link.url == "https://www.reddit.com/r/Enseignants/comments/abc/sujet/"
    assert link.created_at == datetime(2026, 9, 14, 8, 30, tzinfo=UTC)
    assert link.community.subreddit == "Enseignants" and link.engagement.replies == 4
    assert posts["t1_c2"].reply_to == "t1_c1" and posts["t1_c2"].text == "Et la suite : ici"
    assert posts["t1_c2"].links == [site.COURSE.format(104)]
    replies = {(r.actor_id, r.target_post_id) for r in records if isinstance(r, Interaction)}
    assert replies == {("prof_max", "t3_abc"), ("prof_lea", "t1_c1"), ("prof_ana", "t3_abc")}


def test_a_self_post_by_a_deleted_account_and_a_crosspost():
    records = parse("/domain/e-inspe.fr/new", site.listing([site.SELF, site.CROSSPOST]))
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    deleted = posts["t3_def"]
    assert deleted.author_id == "deleted-t3_def"
    assert deleted.links == [site.COURSE.format(101)]  # from the text, not the self URL
    assert deleted.text == "Sujet def\n\nQuelqu’un a testé ce parcours ?"
    assert posts["t3_xyz"].repost_of == "t3_abc"
    assert {r.account_id for r in records if isinstance(r, Account)} == {"prof_zoe"}


def test_hidden_comments_from_morechildren():
    post, account, reply = parse("/api/morechildren", site.HIDDEN)
    assert (post.post_id, post.reply_to, account.account_id) == ("t1_c4", "t1_c2", "prof_max")
    assert (reply.kind, reply.target_post_id) == ("reply", "t1_c2")


def test_a_continued_branch_parses_like_a_comment_tree():
    records = parse("/comments/3hahrw/_/cu5v5h7", real("continue_thread"))
    parents = {r.post_id: r.reply_to for r in records if isinstance(r, Post)}
    assert parents == {
        "t3_3hahrw": None,
        "t1_cu5v5h7": "t1_cu5v4if",
        "t1_cu5vad7": "t1_cu5v5h7",
        "t1_cu5w1ko": "t1_cu5vad7",
    }
    assert (
        parse("/comments/3hahrw", [site.listing([]), site.listing([real("continue_thread_stub")])])
        == []
    )


def spider(options: RedditOptions) -> RedditSpider:
    """A Reddit spider as the engine makes it, its agent under the collector's contact."""
    made = RedditSpider(options, "app-id", "s3cr3t", run=None, checkpoint={})
    made.settings = scrapy.settings.Settings({"USER_AGENT": "essaim/1 (+mailto:a@b.fr)"})
    return made


def comment_requests(options: RedditOptions, tree: list) -> list[str]:
    """The URLs the spider asks for after reading the comment tree ``tree``."""
    asked = scrapy.Request(f"{API}/comments/abc?limit=500&raw_json=1")
    return [r.url for r in spider(options).comments(tree, TextResponse(asked.url, request=asked))]


def test_continue_this_thread_stubs_are_asked_for_within_the_page_budget():
    stub = real("continue_thread_stub")  # the branch goes on under t1_cu5v5h7
    tree = [site.listing([site.LINK]), site.listing([stub, site.stub("t1_c1"), site.more("c4")])]
    morechildren = f"{API}/api/morechildren?api_type=json&link_id=t3_abc&children=c4&raw_json=1"
    assert comment_requests(RedditOptions(api=API), tree) == [
        morechildren,
        f"{API}/comments/abc/_/cu5v5h7?limit=500&raw_json=1",
        f"{API}/comments/abc/_/c1?limit=500&raw_json=1",
    ]
    assert comment_requests(RedditOptions(api=API, max_pages=1), tree) == [
        morechildren,
        f"{API}/comments/abc/_/cu5v5h7?limit=500&raw_json=1",
    ]


def test_the_user_agent_is_in_the_form_reddit_asks_for():
    agent = f"python:app-id:v{__version__}"
    assert spider(RedditOptions(username="prof_essaim")).agent == f"{agent} (by /u/prof_essaim)"
    assert spider(RedditOptions()).agent == f"{agent} (by essaim, contact mailto:a@b.fr)"
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"username": "prof essaim\r\nX-Evil: 1"}, RedditSection)


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def collect(tmp_path, server, username="", **env):
    config = write_config(tmp_path, server.url)
    if username:
        text = config.read_text().replace(
            "[sources.reddit]\n", f'[sources.reddit]\nusername = "{username}"\n'
        )
        config.write_text(text)
    arguments = ("collect", "reddit", "--domain", "e-inspe.fr", "--url", site.COURSE.format(103))
    return config, essaim(config, *arguments, env=environment(**env))


def test_without_credentials_the_message_says_what_is_needed(tmp_path, server):
    _, result = collect(tmp_path, server)
    assert result.returncode == 1
    assert "ESSAIM_REDDIT_CLIENT_ID and ESSAIM_REDDIT_CLIENT_SECRET" in result.stderr
    assert "essaim import csv" in result.stderr
    assert server.requests == []


def test_refused_credentials_stop_the_collection(tmp_path, server):
    server.add(
        "/api/v1/access_token", None, Reply({"message": "Unauthorized", "error": 401}, status=401)
    )
    _, result = collect(tmp_path, server, **CREDENTIALS)
    assert result.returncode == 1
    assert "Reddit refused the app's credentials (401)" in result.stderr
    assert "set sources.reddit.username" in result.stderr  # Reddit's rules want one
    (login,) = [h for _, t, h, _ in server.requests if t == "/api/v1/access_token"]
    contact = "https://github.com/essaim/essaim"  # the default [collect] contact
    assert login["User-Agent"] == f"python:app-id:v{__version__} (by essaim, contact {contact})"


def test_submissions_crossposts_and_comment_trees_over_http(tmp_path, server):
    site.serve(server)
    config, result = collect(tmp_path, server, username="prof_essaim", **CREDENTIALS)
    assert result.returncode == 0, result.stderr
    agent = f"python:app-id:v{__version__} (by /u/prof_essaim)"
    assert {h["User-Agent"] for _, _, h, _ in server.requests} == {agent}
    assert "username" not in result.stderr
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    assert manifest.status == "complete"
    assert [i.kind for i in manifest.incidents] == ["rate-limit"]
    comments = [h for _, t, h, _ in server.requests if t.startswith("/oauth/comments/abc?")]
    assert [h["Authorization"] for h in comments] == ["bearer tok1", "bearer tok2"]
    login = next(h for _, t, h, _ in server.requests if t == "/api/v1/access_token")
    assert login["Authorization"].startswith("Basic ")  # client credentials, app-only
    assert server.count("/oauth/comments/ghi") == 0  # its link is not tracked
    for branch in ("/oauth/comments/abc/_/c2?", "/oauth/comments/abc/_/c4?"):  # the stubs'
        assert server.count(branch) == 1
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    raw = b"".join(
        gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes() for p in files
    )
    assert b"prof_lea" in raw  # the payloads are readable here
    assert b"s3cr3t-xyz" not in raw and b"tok2" not in raw  # no secret kept anywhere
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(tmp_path / "data" / "essaim.duckdb")
    assert counts["posts"] == 10  # abc, def, ghi, xyz, c1-c6 (c5, c6: continued branches)
    assert counts["interactions"] == {"reply": 6, "repost": 1}
    assert counts["accounts"] == 7  # lea, tom, zoe, max, ana, noe, ines ([deleted] has none)
