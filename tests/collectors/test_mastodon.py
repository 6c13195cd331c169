"""Mastodon statuses parsed from hand-written payloads in the documented shapes, and from
responses Mastodon.py recorded from a real instance (tests/fixtures/real/mastodon)."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.mastodon import parse_payload
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload
from collectors.records import Follow, Interaction, Post
from tests.fixtures import mastodon_world as world

CONTEXT = ParseContext("mastodon", "r1", datetime(2026, 9, 8, 6, tzinfo=UTC))
HOST = "piaille.fr"


def parse(path, body, params=None, status=200):
    payload = Payload(
        seq=2,
        received_at=CONTEXT.collected_at,
        url=f"https://{HOST}{path}",
        status=status,
        params=params or {},
        body=body if isinstance(body, str) else json.dumps(body),
    )
    return parse_payload(payload, CONTEXT)


def of(records, cls):
    return [r for r in records if isinstance(r, cls)]


TIMELINE = "/api/v1/timelines/tag/INSPE?limit=40"


def test_status_fields_links_text_and_counts():
    post, account = parse(TIMELINE, [world.S1])
    assert post.post_id == world.S1["uri"] and post.url == world.S1["url"]
    assert post.links == [world.LINK]  # anchor and card, hashtag anchor left out
    assert post.text == "Nouveau parcours https://www.e-inspe.fr/course #INSPE"
    assert (post.engagement.likes, post.engagement.reposts, post.engagement.replies) == (2, 1, 1)
    assert post.community.instance == HOST and post.community.hashtags == ["inspe"]
    assert account.account_id == f"alice@{HOST}" and account.followers_count == 50


def test_a_boost_is_a_timed_repost_of_the_original():
    records = parse(TIMELINE, [world.BOOST])
    assert [p.post_id for p in of(records, Post)] == [world.S2_A["uri"]]
    (repost,) = of(records, Interaction)
    assert (repost.kind, repost.actor_id, repost.target_post_id) == (
        "repost",
        "bruno@x.example",
        world.S2_A["uri"],
    )
    assert repost.created_at == datetime(2026, 9, 1, 12, tzinfo=UTC)


def test_quotes_of_quotes_are_followed():
    inner = world.S7
    outer = world.status("300", "s8", world.account("lea"), "2026-09-02T00:00:00Z", quote=inner)
    records = parse(TIMELINE, [outer])
    assert {p.post_id for p in of(records, Post)} == {outer["uri"], inner["uri"], world.S1["uri"]}
    quotes = {(i.actor_id, i.target_post_id) for i in of(records, Interaction)}
    assert quotes == {("lea@x.example", inner["uri"]), ("karl@x.example", world.S1["uri"])}


def test_context_resolves_reply_ids_with_the_focal_status():
    body = {"ancestors": [], "descendants": [world.S5, world.S6]}
    records = parse(
        "/api/v1/statuses/101/context", body, {"status_uri": world.S1["uri"], "status_id": "101"}
    )
    replies = {(i.actor_id, i.target_post_id) for i in of(records, Interaction)}
    assert replies == {("hugo@x.example", world.S1["uri"]), ("jade@x.example", world.S5["uri"])}


def test_favourites_and_followers():
    likes = parse(
        "/api/v1/statuses/101/favourited_by", [world.account("fanny")], {"status_uri": "u"}
    )
    assert [(i.kind, i.target_post_id) for i in of(likes, Interaction)] == [("like", "u")]
    follows = parse(
        "/api/v1/accounts/7/followers", [world.account("gus")], {"account": "ana@x.example"}
    )
    assert [(f.follower_id, f.followee_id) for f in of(follows, Follow)] == [
        ("gus@x.example", "ana@x.example")
    ]


def test_opt_outs_nobot_is_left_out_and_not_discoverable_loses_its_text():
    assert parse(TIMELINE, [world.S4]) == []
    hidden = copy.deepcopy(world.S1)
    hidden["account"]["discoverable"] = False
    post, account = parse(TIMELINE, [hidden])
    assert post.text is None and post.links == [world.LINK]
    assert account.opt_out == ["not-discoverable"]


def test_optional_fields_absent_and_null():
    bare = {"id": "1", "uri": "https://h/s/1", "account": {"acct": "z"}, "content": ""}
    post, account = parse(TIMELINE, [bare])
    assert post.url == "https://h/s/1" and post.created_at is None and post.links == []
    assert account.followers_count is None and account.account_id == f"z@{HOST}"


def test_parsing_does_not_mutate_its_input():
    data = [world.BOOST, world.S7]
    before = copy.deepcopy(data)
    parse(TIMELINE, data)
    assert data == before


def test_errors_are_clear():
    assert parse("/api/v1/timelines/link?url=x", {"error": "Record not found"}, status=404) == []
    with pytest.raises(ParseError, match="payload 2: expected JSON, got '<html>"):
        parse(TIMELINE, "<html>502 Bad Gateway</html>")
    with pytest.raises(
        ParseError, match=r"payload 2 \(/api/v1/timelines/tag/INSPE\): missing 'uri'"
    ):
        parse(TIMELINE, [{"id": "1", "account": {"acct": "z"}}])
    with pytest.raises(ParseError, match="expected a JSON list"):
        parse(TIMELINE, {"error": "oops"})


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "mastodon"


def real(name):
    return json.loads((REAL / f"{name}.json").read_text(encoding="utf-8"))


def test_a_reply_asked_for_with_its_parent_gets_its_reply_to():
    """Mastodon.py's recorded reply and parent (tests/fixtures/real/mastodon): on a page
    without its parent the reply cannot name it; the look-up by id answers both."""
    reply, parent = real("status_reply"), real("status_replied_to")
    alone = of(parse(TIMELINE, [reply]), Post)
    assert [p.reply_to for p in alone] == [None]
    ids = f"id[]={reply['id']}&id[]={parent['id']}"
    posts = {p.post_id: p for p in of(parse(f"/api/v1/statuses?{ids}", [reply, parent]), Post)}
    assert posts[reply["uri"]].reply_to == parent["uri"]
    assert (
        posts[reply["uri"]].author_id == f"admin@{HOST}" and posts[parent["uri"]].reply_to is None
    )


def test_a_reply_to_a_boosted_status_of_the_same_page_names_it():
    reply = {**world.S5, "in_reply_to_id": world.S2_A["id"]}
    (post,) = [
        p for p in of(parse(TIMELINE, [world.BOOST, reply]), Post) if p.post_id == reply["uri"]
    ]
    assert post.reply_to == world.S2_A["uri"]


def test_the_re_fallback_of_a_quote_is_neither_text_nor_a_link():
    """A status recorded by Mastodon.py: ``<p class="quote-inline">RE: <a …></a></p>`` then its
    own words; its ``quote`` makes the link an interaction."""
    quoting = real("status_quoting")
    post = of(parse(TIMELINE, [quoting]), Post)[0]
    assert post.text == "yoooooooo" and post.links == []
    assert post.quote_of == quoting["quote"]["quoted_status"]["uri"]
    plain = {**quoting, "quote": None}
    post = of(parse(TIMELINE, [plain]), Post)[0]
    assert post.links == ["http://localhost:3000/@mastodonpy_test/117020582917124092"]
    assert post.text == "RE: http://localhost:3000/@mastodonpy_test/117020582917124092\n\nyoooooooo"


def test_a_quote_of_unknown_shape_costs_the_quote_only():
    odd = {**world.S1, "quote": {"state": "accepted", "quoted_status": ["not", "a", "status"]}}
    context = ParseContext("mastodon", "r1", CONTEXT.collected_at)
    payload = Payload(
        seq=2,
        received_at=CONTEXT.collected_at,
        url=f"https://{HOST}{TIMELINE}",
        status=200,
        body=json.dumps([odd]),
    )
    (post,) = of(parse_payload(payload, context), Post)
    assert post.quote_of is None and post.links == [world.LINK]
    assert context.ignored == {"Mastodon quotes of unknown shape": 1}


def test_a_sharer_looked_up_on_its_home_instance_is_an_account_with_its_counts():
    (account,) = parse("/api/v1/accounts/lookup?acct=ana", world.account("ana", local=True))
    # a local account: its address is the instance's; "ana" gives 3 × 10 followers
    assert (account.account_id, account.followers_count) == (f"ana@{HOST}", 30)


def test_a_sharer_opting_out_on_its_home_instance_is_kept_with_its_opt_out():
    # so that the store forgets the texts read from another instance's older view of it
    home_view = world.account("ana", note="<p>#nobot</p>", local=True)
    (account,) = parse("/api/v1/accounts/lookup?acct=ana", home_view)
    assert (account.account_id, account.opt_out) == (f"ana@{HOST}", ["nobot"])
