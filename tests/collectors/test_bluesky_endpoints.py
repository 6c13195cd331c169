"""Bluesky interaction endpoints parsed from hand-written payloads in the lexicons' shapes."""

import json

import pytest

from collectors.bluesky import parse_payload
from collectors.parsing import ParseError
from collectors.rawrun import Payload
from collectors.records import Account, Follow, Interaction, Post
from tests.collectors.test_bluesky import CONTEXT, by_type
from tests.fixtures.bluesky import author, post_view

XRPC = "https://public.api.bsky.app/xrpc/"
ana = author("ana.example", "did:plc:ana")
bob = author("bob.example", "did:plc:bob", opt_out=True)
P = post_view(ana, "p", "2026-09-01T08:00:00Z", "Parcours", card="https://www.e-inspe.fr/")


def parse(endpoint, body, params=None, status=200):
    payload = Payload(
        seq=3,
        received_at=CONTEXT.collected_at,
        url=XRPC + endpoint + "?limit=100",
        status=status,
        params=params or {},
        body=json.dumps(body, ensure_ascii=False),
    )
    return parse_payload(payload, CONTEXT)


def test_reposted_by_gives_reposts_without_time_and_profiles():
    records = parse("app.bsky.feed.getRepostedBy", {"uri": P["uri"], "repostedBy": [bob]})
    (repost,) = by_type(records, Interaction)
    assert (repost.kind, repost.actor_id, repost.target_post_id) == (
        "repost",
        "did:plc:bob",
        P["uri"],
    )
    assert repost.created_at is None and repost.post_id is None
    assert by_type(records, Account)[0].opt_out == ["no-unauthenticated"]


def test_thread_walks_nested_replies_and_skips_deleted_and_blocked():
    r1 = post_view(bob, "r1", "2026-09-01T09:00:00Z", "Merci", reply_to=P["uri"])
    r2 = post_view(ana, "r2", "2026-09-01T10:00:00Z", "De rien", reply_to=r1["uri"])
    node = {"$type": "app.bsky.feed.defs#threadViewPost"}
    thread = {
        **node,
        "post": P,
        "replies": [
            {**node, "post": r1, "replies": [{**node, "post": r2, "replies": []}]},
            {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://gone", "notFound": True},
            {"$type": "app.bsky.feed.defs#blockedPost", "uri": "at://b", "blocked": True},
        ],
    }
    records = parse("app.bsky.feed.getPostThread", {"thread": thread})
    assert {p.post_id for p in by_type(records, Post)} == {P["uri"], r1["uri"], r2["uri"]}
    replies = {(i.actor_id, i.target_post_id) for i in by_type(records, Interaction)}
    assert replies == {("did:plc:bob", P["uri"]), ("did:plc:ana", r1["uri"])}
    assert (
        next(p for p in by_type(records, Post) if p.post_id == r1["uri"]).text is None
    )  # opted out


def test_a_deleted_root_gives_nothing():
    gone = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": P["uri"], "notFound": True}
    assert parse("app.bsky.feed.getPostThread", {"thread": gone}) == []


def test_profiles_carry_follower_counts_with_their_time():
    detailed = {**ana, "followersCount": 120, "followsCount": 80, "postsCount": 5}
    (account,) = parse("app.bsky.actor.getProfiles", {"profiles": [detailed]})
    assert (account.followers_count, account.following_count) == (120, 80)
    assert account.counts_observed_at == CONTEXT.collected_at


def test_follows_and_followers_point_the_right_way():
    follows = parse("app.bsky.graph.getFollows", {"subject": ana, "follows": [bob]})
    followers = parse("app.bsky.graph.getFollowers", {"subject": ana, "followers": [bob]})
    assert [(f.follower_id, f.followee_id) for f in by_type(follows, Follow)] == [
        ("did:plc:ana", "did:plc:bob")
    ]
    assert [(f.follower_id, f.followee_id) for f in by_type(followers, Follow)] == [
        ("did:plc:bob", "did:plc:ana")
    ]


def test_repository_reposts_keep_only_the_posts_asked_for_with_their_time():
    def repost(rkey, subject, at):
        value = {
            "$type": "app.bsky.feed.repost",
            "subject": {"uri": subject, "cid": "c"},
            "createdAt": at,
        }
        return {"uri": f"at://did:plc:bob/app.bsky.feed.repost/{rkey}", "cid": "c", "value": value}

    body = {
        "records": [
            repost("a", P["uri"], "2026-09-01T09:15:00+02:00"),
            repost("b", "at://other", "2026-09-01T09:00:00Z"),
        ]
    }
    (found,) = parse("com.atproto.repo.listRecords", body, params={"subjects": [P["uri"]]})
    assert (found.actor_id, found.target_post_id) == ("did:plc:bob", P["uri"])
    assert found.created_at.isoformat() == "2026-09-01T07:15:00+00:00"


def test_unicode_text_with_byte_offset_facets_keeps_the_full_link():
    text = "Découvrez 🎓 e-inspe.fr/parcour…"
    start = len("Découvrez 🎓 ".encode())
    view = post_view(ana, "u", "2026-09-01T08:00:00Z", text)
    full = "https://www.e-inspe.fr/parcours/gestion-de-classe"
    view["record"]["facets"] = [
        {
            "index": {"byteStart": start, "byteEnd": len(text.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": full}],
        }
    ]
    post = by_type(parse("app.bsky.feed.getQuotes", {"posts": [view]}), Post)[0]
    assert post.links == [full] and post.text == text


def test_optional_fields_absent():
    bare = {
        "uri": "at://did:plc:z/app.bsky.feed.post/1",
        "author": {"did": "did:plc:z"},
        "record": {},
    }
    post, account = parse("app.bsky.feed.getQuotes", {"posts": [bare]})
    assert post.created_at is None and post.links == [] and post.language is None
    assert post.url == "https://bsky.app/profile/did:plc:z/post/1" and account.handle is None


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        ("app.bsky.feed.getRepostedBy", {"repostedBy": []}, "no 'uri'"),
        ("app.bsky.graph.getFollows", {"follows": []}, "no 'subject'"),
        (
            "app.bsky.actor.getProfiles",
            {"profiles": [{"handle": "x"}]},
            r"profiles\[0\]: a profile needs a 'did'",
        ),
        ("app.bsky.feed.getPostThread", {}, "no 'thread' object"),
    ],
)
def test_wrong_shapes_name_the_payload_and_endpoint(endpoint, body, message):
    with pytest.raises(ParseError, match=rf"payload 3 \({endpoint}\): .*{message}"):
        parse(endpoint, body)


def test_did_documents_give_no_records():
    payload = Payload(
        seq=1, received_at=CONTEXT.collected_at, url="https://plc.directory/did:plc:bob", body="{}"
    )
    assert parse_payload(payload, CONTEXT) == []


def test_repository_reposts_keep_the_repost_they_were_made_through():
    via = {"uri": "at://did:plc:gael/app.bsky.feed.repost/3lvia", "cid": "bafyvia"}
    value = {
        "$type": "app.bsky.feed.repost",
        "subject": {"uri": P["uri"], "cid": P["cid"]},
        "createdAt": "2026-09-01T09:15:00Z",
        "via": via,
    }
    item = {"uri": "at://did:plc:bob/app.bsky.feed.repost/3lr", "cid": "c", "value": value}
    (found,) = parse("com.atproto.repo.listRecords", {"records": [item]})
    assert (found.target_post_id, found.via) == (P["uri"], via["uri"])
    assert found.via_actor_id == "did:plc:gael"  # whose repost it was: the via's repository


@pytest.mark.parametrize(
    ("via", "account"),
    [
        ({"uri": "at://did:web:profs.example/app.bsky.feed.repost/3l"}, "did:web:profs.example"),
        # a handle names no stable account, and what is no AT-URI names none
        ({"uri": "at://gael.bsky.social/app.bsky.feed.repost/3lvia"}, None),
        ({"uri": "https://bsky.app/profile/did:plc:gael/post/3l"}, None),
        ({"uri": "at://did:plc:/app.bsky.feed.repost/3l"}, None),  # a DID without its id
        ({"uri": "at://"}, None),
        ({"uri": 42}, None),
        ("at://did:plc:gael/app.bsky.feed.repost/3l", None),  # not a strong ref
        (None, None),
    ],
)
def test_the_account_of_a_via_is_the_did_of_its_uri_or_none(via, account):
    value = {"$type": "app.bsky.feed.repost", "subject": {"uri": P["uri"], "cid": P["cid"]},
             "createdAt": "2026-09-01T09:15:00Z", "via": via}  # fmt: skip
    item = {"uri": "at://did:plc:bob/app.bsky.feed.repost/3lr", "cid": "c", "value": value}
    (found,) = parse("com.atproto.repo.listRecords", {"records": [item]})
    assert found.via_actor_id == account
    assert found.target_post_id == P["uri"]  # the repost itself is kept whatever its via
