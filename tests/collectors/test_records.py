from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from collectors.records import (
    Account,
    Community,
    Engagement,
    Follow,
    Interaction,
    Post,
    Run,
    RunIncident,
    decode_record,
    encode_record,
)

PARIS_SUMMER = timezone(timedelta(hours=2))
PROVENANCE = {"source": "bluesky", "run_id": "r1", "collected_at": datetime(2026, 9, 1, tzinfo=UTC)}


def full_records():
    seen = datetime(2026, 9, 1, 12, tzinfo=UTC)
    return [
        Post(
            **PROVENANCE,
            platform="bluesky",
            post_id="at://a/p/1",
            url="https://bsky.app/x",
            author_id="did:plc:a",
            created_at=seen,
            text="Bonjour",
            language="fr",
            links=["https://e-inspe.fr/"],
            reply_to="at://b/p/0",
            quote_of="at://c/p/9",
            repost_of=None,
            engagement=Engagement(
                observed_at=seen, likes=1, reposts=2, replies=3, quotes=4, views=5, clicks=6
            ),
            community=Community(
                forum="f", board="b", subreddit="s", channel="c", instance="i", hashtags=["inspe"]
            ),
        ),
        Account(
            **PROVENANCE,
            platform="bluesky",
            account_id="did:plc:a",
            handle="a.example",
            display_name="A",
            followers_count=10,
            following_count=20,
            counts_observed_at=seen,
            kind="person",
            opt_out=["nobot"],
        ),
        Interaction(
            **PROVENANCE,
            platform="bluesky",
            kind="repost",
            actor_id="did:plc:b",
            target_post_id="at://a/p/1",
            created_at=seen,
        ),
        Follow(**PROVENANCE, platform="bluesky", follower_id="did:plc:b", followee_id="did:plc:a"),
    ]


@pytest.mark.parametrize("record", full_records(), ids=lambda r: type(r).__name__)
def test_records_round_trip(record):
    assert decode_record(encode_record(record)) == record


def test_run_round_trips_through_json():
    run = Run(
        run_id="r1",
        source="bluesky",
        query="q",
        parameters={"limit": 100},
        started_at=datetime(2026, 9, 1, tzinfo=UTC),
        essaim_version="0.1.0",
        counts={"posts": 3},
        incidents=[
            RunIncident(
                kind="rate-limit",
                at=datetime(2026, 9, 1, tzinfo=UTC),
                where="searchPosts",
                message="429",
                wait_seconds=30.0,
            )
        ],
    )
    assert msgspec.json.decode(msgspec.json.encode(run), type=Run) == run


def test_times_are_converted_to_utc():
    post = Post(
        **PROVENANCE,
        platform="x",
        post_id="1",
        author_id="a",
        created_at=datetime(2026, 9, 1, 12, 0, tzinfo=PARIS_SUMMER),
    )
    assert post.created_at == datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    assert post.created_at.utcoffset() == timedelta(0)
    assert b'"created_at":"2026-09-01T10:00:00Z"' in encode_record(post)


def test_decoded_offsets_become_utc():
    line = (
        b'{"type":"follow","source":"s","run_id":"r","collected_at":"2026-01-01T01:00:00+01:00",'
        b'"platform":"p","follower_id":"a","followee_id":"b"}'
    )
    assert decode_record(line).collected_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            b'{"type":"follow","source":"s","run_id":"r","collected_at":"2026-01-01T00:00:00",'
            b'"platform":"p","follower_id":"a","followee_id":"b"}',
            "$.collected_at",
        ),
        (
            b'{"type":"follow","source":"s","run_id":"r","collected_at":"2026-01-01T00:00:00Z",'
            b'"platform":"p","follower_id":"a","followee_id":"b","colour":"red"}',
            "colour",
        ),
        (
            b'{"type":"account","source":"s","run_id":"r","collected_at":"2026-01-01T00:00:00Z",'
            b'"platform":"p","account_id":"a","followers_count":-1}',
            "$.followers_count",
        ),
        (b'{"type":"tweet","source":"s"}', "$.type"),
        (
            b'{"type":"post","source":"s","run_id":"r","collected_at":"2026-01-01T00:00:00Z"}',
            "platform",
        ),
    ],
    ids=["naive time", "unknown field", "negative count", "unknown type", "missing field"],
)
def test_invalid_records_are_rejected_with_the_field(line, message):
    with pytest.raises(msgspec.ValidationError, match=message.replace("$", r"\$")):
        decode_record(line)


def test_a_lone_surrogate_becomes_a_replacement_character_and_the_rest_is_kept():
    # json.loads('"a\\ud800"') gives such a string; UTF-8 cannot hold it
    post = Post(**PROVENANCE, platform="x", post_id="a\ud800", author_id="b",
                text="\udfffé 😀", community=Community(hashtags=["\ud83d"]))  # fmt: skip
    decoded = decode_record(encode_record(post))
    assert (decoded.post_id, decoded.text) == ("a\ufffd", "\ufffdé 😀")
    assert decoded.community.hashtags == ["\ufffd"]
    assert decoded.collected_at == PROVENANCE["collected_at"] and decoded.author_id == "b"
