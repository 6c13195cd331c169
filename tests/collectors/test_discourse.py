"""Discourse: parsing API answers, and ``essaim collect discourse`` over real HTTP.

Expected values are read off the fixture site by hand (tests/fixtures/discourse_site.py) and
off answers other projects recorded (tests/fixtures/real/discourse).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from app.demo.replay import ReplayServer
from collectors.discourse.parsers import parse_payload
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Interaction, Post
from tests.collectors.collecting import essaim, store_counts, write_config
from tests.fixtures import discourse_site as site

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
HOST = "forum.example.org"
BASE = f"https://{HOST}/forum"


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "discourse"


def parse(path, data, context=None, **note):
    stored = Payload(
        seq=2,
        received_at=READ_AT,
        url=f"{BASE}{path}",
        status=200,
        params=note,
        body=json.dumps(data),
    )
    return parse_payload(stored, context or ParseContext("discourse", "r", READ_AT))


def likes(path, posts, context=None):
    records = parse(path, {"post_stream": {"posts": posts}}, context)
    return [r.engagement.likes for r in records if isinstance(r, Post)]


def test_a_topic_gives_its_posts_with_replies_quotes_likes_reads_and_clicks():
    records = parse("/t/42.json", site.topic())
    posts = {r.post_id: r for r in records if isinstance(r, Post)}
    assert len(posts) == 20  # the first chunk
    first = posts[f"{HOST}/t/42/1"]
    assert first.url == f"{BASE}/t/parcours-differenciation/42/1"
    assert first.author_id == f"marie@{HOST}"
    assert first.created_at == datetime(2026, 9, 10, 9, 15, tzinfo=UTC)
    assert first.links == [site.COURSE]  # the internal /t/42 link counted is not outbound
    assert (first.engagement.likes, first.engagement.views, first.engagement.clicks) == (4, 29, 17)
    assert first.community.board == "category 5" and first.community.hashtags == ["cycle-3"]
    second = posts[f"{HOST}/t/42/2"]
    assert second.reply_to == second.quote_of == f"{HOST}/t/42/1"
    assert second.links == []  # the quoted link, the mention and the tag are not its links
    assert second.text == "Merci @marie, je le fais #cycle-3 !"
    acts = {(r.kind, r.target_post_id) for r in records if isinstance(r, Interaction)}
    assert acts == {("reply", f"{HOST}/t/42/1"), ("quote", f"{HOST}/t/42/1")}
    names = {r.account_id for r in records if isinstance(r, Account)}
    assert names == {f"{user}@{HOST}" for user in ("marie", "jules", "paul", "lea")}


def test_a_later_batch_takes_its_topic_from_the_note_and_skips_actions_and_deletions():
    rest = site.topic_posts()[20:]
    records = parse(
        "/t/42/posts.json", {"post_stream": {"posts": rest}}, category_id=5, tags=["cycle-3"]
    )
    (post,) = [r for r in records if isinstance(r, Post)]  # 21: closed; 22: deleted
    assert post.post_id == f"{HOST}/t/42/23"
    assert post.quote_of == f"{HOST}/t/42/2" and post.reply_to is None
    assert post.links == [site.OTHER_COURSE]  # from the link preview (onebox)
    assert post.community.hashtags == ["cycle-3"]


def test_likes_are_like_count_else_the_like_entry_which_has_no_count_when_zero():
    """A post discourse.ubuntu.com showed a signed-in reader (startriage's test data): its like
    entry, ``{"id": 2, "can_act": true}``, has no count, as Discourse leaves zero counts out;
    discourse_api's posts.json: a counted entry."""
    unliked = json.loads((REAL / "post_like_entry_without_count.json").read_text())
    assert likes("/t/11522.json", [unliked]) == [0]
    assert likes("/t/11522.json", [{**unliked, "like_count": 5}]) == [5]
    assert likes("/t/11522.json", [{**unliked, "actions_summary": []}]) == [None]
    counted = json.loads((REAL / "topic_posts.json").read_text())["post_stream"]["posts"]
    assert likes("/t/57/posts.json", counted) == [3]


def test_an_action_of_unknown_shape_costs_that_action_only():
    context = ParseContext("discourse", "r", READ_AT)
    odd = site.post(3, "paul", "<p>Oui</p>", actions_summary=["like", {"id": 2, "count": 1}])
    assert likes("/t/42.json", [odd], context) == [1]
    assert context.ignored == {"Discourse actions of unknown shape": 1}


def test_search_results_hold_no_records_and_a_wrong_shape_is_named():
    assert parse("/search.json", site.search([42], more=False)) == []
    with pytest.raises(ParseError, match=r"payload 2 \(/forum/t/42.json\): missing 'post_stream'"):
        parse("/t/42.json", {"id": 42})


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def test_search_then_whole_topics_over_http(tmp_path, server):
    url = site.serve(server)
    config = write_config(tmp_path, server.url)
    result = essaim(config, "collect", "discourse", "--url", url, "--query", "e-inspe.fr")
    assert result.returncode == 0, result.stderr
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    assert manifest.status == "complete"  # 403 and 404 topics are normal answers
    assert [i.kind for i in manifest.incidents] == ["rate-limit"]
    assert server.count("/forum/t/42.json") == 1  # found twice, read once
    assert server.count("/forum/t/42/posts.json") == 2  # truncated once, asked again
    assert essaim(config, "load", "--offline", "--no-pseudonymise").returncode == 0
    database = tmp_path / "data" / "essaim.duckdb"
    counts = store_counts(database)
    assert counts["posts"] == 21  # 23 posts, less the small action and the deleted one
    assert counts["interactions"] == {"reply": 1, "quote": 2}
    assert counts["accounts"] == 5  # marie, jules, paul, lea, ines
    with duckdb.connect(str(database), read_only=True) as connection:
        clicks = connection.execute(
            "SELECT clicks FROM posts WHERE post_id = ?", [f"{server.url[7:]}/t/42/1"]
        ).fetchone()
    assert clicks == (17,)
