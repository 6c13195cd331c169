"""A real X archive's data/tweets.js (tests/fixtures/real/import-x-archive/) imported.

Seven tweets of the archive of @ranigupta_20 that ajitg25/twitter-analytics publishes as its
demo data (MIT in its pyproject.toml), copied item by item. Every expected value was read by
hand from the file (id_str, created_at, in_reply_to_status_id_str, the counts written as
strings, entities), never from the importer's output.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.imports import import_file
from collectors.rawrun import iter_lines, run_paths
from collectors.records import Account, Interaction, Post, decode_record

ARCHIVE = Path(__file__).parents[1] / "fixtures" / "real" / "import-x-archive" / "tweets.js"
OWNER = "ranigupta_20"  # data/account.js of the archive (username), not copied


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    raw_dir = tmp_path_factory.mktemp("x-archive")
    outcome = import_file(raw_dir, "x-archive", ARCHIVE, account=OWNER)
    assert (outcome.rows, outcome.refused) == (7, [])
    records: dict[type, list] = {Post: [], Account: [], Interaction: []}
    for _, line in iter_lines(run_paths(raw_dir, outcome.run.source, outcome.run.run_id)[0]):
        if not line.startswith(b'{"type":"payload"'):
            record = decode_record(line)
            records[type(record)].append(record)
    return records


def test_seven_tweets_of_the_owner_with_their_times(found):
    posts = {post.post_id: post for post in found[Post]}
    assert sorted(posts) == [
        "1294702251710144512",
        "1990456006284018140",
        "1993648780332404906",
        "1994618310856773900",
        "1995011522712801361",
        "1995739526833045915",
        "1995740666526322923",
    ]
    assert {post.author_id for post in posts.values()} == {OWNER}
    assert {a.account_id for a in found[Account]} == {OWNER}
    first = posts["1995740666526322923"]  # "Tue Dec 02 06:23:48 +0000 2025"
    assert first.platform == "x"
    assert first.created_at == datetime(2025, 12, 2, 6, 23, 48, tzinfo=UTC)
    assert first.url == "https://x.com/ranigupta_20/status/1995740666526322923"
    assert first.text == "@BrianSsaga Let's connect ☺️"
    assert first.language == "en"
    old = posts["1294702251710144512"]  # "Sat Aug 15 18:27:25 +0000 2020"
    assert old.created_at == datetime(2020, 8, 15, 18, 27, 25, tzinfo=UTC)
    assert posts["1990456006284018140"].created_at == datetime(2025, 11, 17, 16, 24, 27, tzinfo=UTC)


def test_undetermined_language_is_no_language(found):
    posts = {post.post_id: post for post in found[Post]}
    assert posts["1995739526833045915"].language is None  # "lang" : "und"
    assert posts["1993648780332404906"].language == "en"


def test_counts_written_as_strings(found):
    posts = {post.post_id: post for post in found[Post]}
    counts = {pid: (p.engagement.likes, p.engagement.reposts) for pid, p in posts.items()}
    assert counts == {
        "1995740666526322923": (0, 0),
        "1995739526833045915": (1, 0),
        "1993648780332404906": (3, 0),
        "1990456006284018140": (2, 0),
        "1294702251710144512": (4, 0),
        "1995011522712801361": (9, 2),
        "1994618310856773900": (0, 0),
    }


def test_hashtags_lower_cased_and_a_photo_is_no_link(found):
    posts = {post.post_id: post for post in found[Post]}
    assert posts["1294702251710144512"].community.hashtags == ["mahi"]
    assert posts["1994618310856773900"].community.hashtags == ["delhi"]  # "#Delhi"
    photo = posts["1990456006284018140"]
    assert photo.text == "Studying with colours just hits different ✨ https://t.co/4X4BgJXaL5"
    assert photo.links == []  # its t.co is the photo (entities.media), entities.urls is empty
    assert all(post.links == [] for post in posts.values())


def test_replies_name_the_tweet_they_answer(found):
    posts = {post.post_id: post for post in found[Post]}
    replies = {pid: p.reply_to for pid, p in posts.items() if p.reply_to}
    assert replies == {
        "1995740666526322923": "1995437215418327043",
        "1995739526833045915": "1995734794458497196",
        "1995011522712801361": "1994988276512690531",
        "1994618310856773900": "1994410809309757792",
    }
    acts = sorted((i.kind, i.actor_id, i.post_id, i.target_post_id) for i in found[Interaction])
    assert acts == sorted(("reply", OWNER, pid, target) for pid, target in replies.items())
    standalone = {"1993648780332404906", "1990456006284018140", "1294702251710144512"}
    assert all(posts[pid].reply_to is None for pid in standalone)
