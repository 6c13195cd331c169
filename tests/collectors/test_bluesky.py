import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.bluesky import parse_payload, parse_search_posts
from collectors.parsing import ParseContext, ParseError, guarded
from collectors.rawrun import Payload
from collectors.records import Account, Interaction, Post
from tests.fixtures.bluesky import author, post_view, search_body

CONTEXT = ParseContext("bluesky", "r1", datetime(2026, 9, 8, 6, tzinfo=UTC))
ana = author("ana.example", "did:plc:ana")
bob = author("bob.example", "did:plc:bob", opt_out=True)
original = post_view(
    ana,
    "3k1",
    "2026-09-01T09:30:00+02:00",
    "Parcours",
    facet_links=("https://www.e-inspe.fr/course/view.php?id=4",),
    card="https://buff.ly/abc",
    tags=("INSPE", "inspe", "Maternelle"),
    counts=(7, 3, 2, 1),
)


def payload(body, status=200, url="https://bsky.social/xrpc/app.bsky.feed.searchPosts"):
    return Payload(seq=1, received_at=CONTEXT.collected_at, url=url, status=status, body=body)


def by_type(records, cls):
    return [r for r in records if isinstance(r, cls)]


def test_post_fields_links_and_counts():
    post, account = parse_search_posts({"posts": [original]}, CONTEXT)
    assert post.post_id == "at://did:plc:ana/app.bsky.feed.post/3k1"
    assert post.url == "https://bsky.app/profile/ana.example/post/3k1"
    assert post.author_id == "did:plc:ana"
    assert post.created_at == datetime(2026, 9, 1, 7, 30, tzinfo=UTC)
    assert post.links == ["https://www.e-inspe.fr/course/view.php?id=4", "https://buff.ly/abc"]
    assert post.community.hashtags == ["inspe", "maternelle"]
    assert post.language == "fr"
    assert (post.engagement.likes, post.engagement.reposts) == (7, 3)
    assert (post.engagement.replies, post.engagement.quotes) == (2, 1)
    assert post.engagement.observed_at == CONTEXT.collected_at
    assert (post.source, post.run_id) == ("bluesky", "r1")
    assert account == Account(
        source="bluesky",
        run_id="r1",
        collected_at=CONTEXT.collected_at,
        platform="bluesky",
        account_id="did:plc:ana",
        handle="ana.example",
        display_name="Ana",
        opt_out=[],  # the AppView shows labels: none is an answer
    )


def test_quote_and_reply_become_interactions_and_the_quoted_post_is_kept():
    quote = post_view(bob, "3k2", "2026-09-02T10:00:00Z", "À lire", quote=original)
    reply = post_view(bob, "3k3", "2026-09-02T11:00:00Z", "Merci", reply_to=original["uri"])
    records = parse_search_posts({"posts": [quote, reply]}, CONTEXT)
    posts = {p.post_id: p for p in by_type(records, Post)}
    assert posts[quote["uri"]].quote_of == original["uri"]
    assert posts[reply["uri"]].reply_to == original["uri"]
    assert posts[original["uri"]].links[0] == "https://www.e-inspe.fr/course/view.php?id=4"
    interactions = {
        (i.kind, i.actor_id, i.target_post_id, i.post_id) for i in by_type(records, Interaction)
    }
    assert interactions == {
        ("quote", "did:plc:bob", original["uri"], quote["uri"]),
        ("reply", "did:plc:bob", original["uri"], reply["uri"]),
    }


def test_no_unauthenticated_label_is_an_opt_out():
    records = parse_search_posts(
        {"posts": [post_view(bob, "3k9", "2026-09-02T10:00:00Z")]}, CONTEXT
    )
    assert by_type(records, Account)[0].opt_out == ["no-unauthenticated"]


def test_record_with_media_quote_and_its_card():
    view = post_view(bob, "3k4", "2026-09-02T10:00:00Z")
    view["record"]["embed"] = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {"record": {"uri": original["uri"], "cid": "c"}},
        "media": {"$type": "app.bsky.embed.external", "external": {"uri": "https://e-inspe.fr/m"}},
    }
    post = by_type(parse_search_posts({"posts": [view]}, CONTEXT), Post)[0]
    assert post.quote_of == original["uri"]
    assert post.links == ["https://e-inspe.fr/m"]


def test_parsing_does_not_mutate_its_input():
    data = {"posts": [original, post_view(bob, "3k2", "2026-09-02T10:00:00Z", quote=original)]}
    before = copy.deepcopy(data)
    parse_search_posts(data, CONTEXT)
    assert data == before


def test_html_where_json_was_expected_is_a_clear_error():
    with pytest.raises(
        ParseError,
        match=r"payload 1 \(app\.bsky\.feed\.searchPosts\): expected JSON, got '<!DOCTYPE html>",
    ):
        parse_payload(payload("<!DOCTYPE html><html>403 Forbidden</html>"), CONTEXT)


def test_truncated_body_is_a_clear_error():
    body = search_body(original)
    with pytest.raises(ParseError, match="expected JSON"):
        parse_payload(payload(body[: len(body) // 2]), CONTEXT)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"cursor": "x"}, "no 'posts' list"),
        ({"posts": [3]}, r"posts\[0\] is not an object"),
        ({"posts": [{"uri": "at://x"}]}, r"posts\[0\]: a post needs"),
    ],
)
def test_wrong_shapes_name_where(body, message):
    with pytest.raises(ParseError, match=message):
        parse_payload(payload(json.dumps(body)), CONTEXT)


def test_error_responses_give_no_records():
    assert parse_payload(payload('{"error":"RateLimitExceeded"}', status=429), CONTEXT) == []


def test_unknown_endpoint_is_refused():
    with pytest.raises(ParseError, match=r"app\.bsky\.feed\.getLikes"):
        parse_payload(payload("{}", url="https://x/xrpc/app.bsky.feed.getLikes"), CONTEXT)


# --- open schemas (issue 21): what third-party clients write ---------------------------------

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "bluesky"
FEED = json.loads((REAL / "feed_generator_record.json").read_text())["uri"]  # a real feed


def with_embed(rkey, embed, **options):
    view = post_view(ana, rkey, "2026-09-02T10:00:00Z", **options)
    view["record"]["embed"] = embed
    return view


def test_a_real_record_with_media_quotes_its_post_and_keeps_the_quoted_one():
    thread = json.loads((REAL / "thread_view_post_with_embed_media.json").read_text())
    url = "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"
    context = ParseContext("bluesky", "r1", CONTEXT.collected_at)
    records = parse_payload(payload(json.dumps(thread), url=url), context)
    base = "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/"
    posts = {p.post_id: p for p in by_type(records, Post)}
    assert set(posts) == {base + "3kaheyt6vpc22", base + "3kahesw26il2z"}
    assert posts[base + "3kaheyt6vpc22"].quote_of == base + "3kahesw26il2z"
    assert posts[base + "3kahesw26il2z"].text == "test"
    assert [(i.kind, i.target_post_id) for i in by_type(records, Interaction)] == [
        ("quote", base + "3kahesw26il2z")
    ]
    assert not context.ignored


def test_an_embed_of_unknown_shape_costs_that_embed_not_the_post_nor_the_page():
    card = {"$type": "app.bsky.embed.external", "external": {"uri": "https://e-inspe.fr/c"}}
    odd = [
        with_embed(  # a client that wrote the media as a list
            "m1",
            {"$type": "app.bsky.embed.recordWithMedia", "record": {"record": {
                "uri": original["uri"], "cid": "c"}}, "media": [card]},
            facet_links=("https://e-inspe.fr/facet",),
        ),
        with_embed("m2", {"$type": "blue.example.embed.poll", "options": ["oui", "non"]}),
        with_embed("m3", {"$type": "app.bsky.embed.external", "external": "https://x.fr/"}),
        with_embed("m4", [card]),
    ]  # fmt: skip
    context = ParseContext("bluesky", "r1", CONTEXT.collected_at)
    records = guarded(parse_payload)(payload(search_body(original, *odd)), context)
    posts = {p.post_id.rsplit("/", 1)[-1]: p for p in by_type(records, Post)}
    assert set(posts) == {"3k1", "m1", "m2", "m3", "m4"}
    assert posts["m1"].links == ["https://e-inspe.fr/facet"]
    assert posts["m1"].quote_of == original["uri"]
    assert posts["3k1"].links == [
        "https://www.e-inspe.fr/course/view.php?id=4",
        "https://buff.ly/abc",
    ]
    assert context.ignored == {"embeds of unknown shape": 4}


@pytest.mark.parametrize(
    "embedded",
    [
        FEED,
        "at://did:plc:ana/app.bsky.graph.list/3kl",
        "at://did:plc:ana/app.bsky.graph.starterpack/3ks",
        "at://did:plc:ana/app.bsky.labeler.service/self",
        "at://did:plc:ana",
    ],
)
def test_a_record_embed_of_something_else_than_a_post_is_no_quote(embedded):
    record = {"record": {"uri": embedded, "cid": "bafy"}}
    views = [
        with_embed("f1", {"$type": "app.bsky.embed.record", **record}),
        with_embed("f2", {"$type": "app.bsky.embed.recordWithMedia", "record": record,
                          "media": {"$type": "app.bsky.embed.images", "images": []}}),
    ]  # fmt: skip
    records = parse_search_posts({"posts": views}, CONTEXT)
    assert [p.quote_of for p in by_type(records, Post)] == [None, None]
    assert by_type(records, Interaction) == []


def test_hashtags_are_read_from_the_text_when_no_tag_facet_names_them():
    view = post_view(ana, "h1", "2026-09-02T10:00:00Z", "Lu en #sociology, voir #INSPE. #2026")
    (post, _) = parse_search_posts({"posts": [view]}, CONTEXT)
    assert post.community.hashtags == ["sociology", "inspe"]
    tagged = post_view(ana, "h2", "2026-09-02T10:00:00Z", "#sociology", tags=("Maternelle",))
    (post, _) = parse_search_posts({"posts": [tagged]}, CONTEXT)
    assert post.community.hashtags == ["maternelle"]  # the facets say which words are tags
