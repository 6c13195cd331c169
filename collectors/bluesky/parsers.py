"""Bluesky payloads into records (pure functions; the client comes with the collectors).

Shapes follow the ``app.bsky.*`` lexicons (see ``platforms.md``): a ``postView`` holds the
raw post ``record`` (text, facets, embed, reply) and the hydrated counts. Links are read from
link facets, external embeds and the embed of a record-with-media; a quoted post becomes a
post of its own, so that the links it carries are attributed to its author.

Records are open unions written by many clients: a part of unknown shape (an embed, a facet,
a hydrated quote) is left out and counted (:meth:`ParseContext.ignore`), never the post.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from collectors.parsing import ParseContext, ParseError, decode_json, parse_datetime
from collectors.rawrun import Payload
from collectors.records import (
    Account,
    Community,
    Engagement,
    Follow,
    Interaction,
    InteractionKind,
    Post,
    Record,
    acts_of,
)

__all__ = [
    "is_post",
    "parse_did_document",
    "parse_follows",
    "parse_list_records",
    "parse_payload",
    "parse_post_thread",
    "parse_post_view",
    "parse_profiles",
    "parse_reposted_by",
    "parse_search_posts",
    "post_url",
    "record_links",
    "reshare",
    "text_hashtags",
    "uri_at",
    "uri_did",
]

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
_LINK_FACET = "app.bsky.richtext.facet#link"
_TAG_FACET = "app.bsky.richtext.facet#tag"
_OPT_OUT_LABEL = "!no-unauthenticated"
#: Embeds that hold no link of their own (a quote's links belong to the quoted post).
_EMBEDS_WITHOUT_LINKS = {"app.bsky.embed.images", "app.bsky.embed.video", "app.bsky.embed.record"}
_UNKNOWN_EMBED = "embeds of unknown shape"
#: A hashtag as Bluesky's app finds it in text: ``#`` after a space or the start.
_HASHTAG = re.compile(r"(?:^|\s)[#\uff03](\S+)")
_MAX_HASHTAG = 64
#: A DID as atproto writes it (``did:<method>:<id>``).
_DID = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Bluesky response; error responses give no records."""
    if payload.status is not None and payload.status >= 400:
        return []
    path = payload.url.split("?", 1)[0]
    if "/xrpc/" not in path:  # a DID document read to find a repository's host
        return []
    endpoint = path.rsplit("/xrpc/", 1)[-1]
    parser = _ENDPOINT_PARSERS.get(endpoint)
    if parser is None:
        raise ParseError(f"payload {payload.seq}: no Bluesky parser for endpoint {endpoint!r}")
    try:
        return parser(_json_object(payload), context, payload.params)
    except ParseError as error:
        raise ParseError(f"payload {payload.seq} ({endpoint}): {error}") from None


def _json_object(payload: Payload) -> dict[str, Any]:
    data = decode_json(payload)
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object")
    return data


def parse_search_posts(
    data: dict[str, Any], context: ParseContext, params: dict[str, Any] | None = None
) -> list[Record]:
    """Parse an ``app.bsky.feed.searchPosts`` (or ``getQuotes``) response body.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> ctx = ParseContext("bluesky", "r1", datetime(2026, 9, 1, tzinfo=UTC))
    >>> view = {"uri": "at://did:plc:a/app.bsky.feed.post/3k", "likeCount": 2,
    ...         "author": {"did": "did:plc:a", "handle": "ana.bsky.social"},
    ...         "record": {"text": "parcours", "createdAt": "2026-08-31T08:00:00Z",
    ...                    "embed": {"$type": "app.bsky.embed.external",
    ...                              "external": {"uri": "https://www.e-inspe.fr/"}}}}
    >>> post, author = parse_search_posts({"posts": [view]}, ctx)
    >>> post.links, post.engagement.likes, author.handle
    (['https://www.e-inspe.fr/'], 2, 'ana.bsky.social')
    """
    records: list[Record] = []
    for index, view in enumerate(_list(data, "posts")):
        if not isinstance(view, dict):
            raise ParseError(f"posts[{index}] is not an object")
        records.extend(parse_post_view(view, context, where=f"posts[{index}]"))
    return records


def post_url(author: str, uri: str) -> str:
    """Return the bsky.app URL of a post from its author handle (or DID) and AT-URI.

    >>> post_url("ana.bsky.social", "at://did:plc:a/app.bsky.feed.post/3k")
    'https://bsky.app/profile/ana.bsky.social/post/3k'
    """
    return f"https://bsky.app/profile/{author}/post/{uri.rsplit('/', 1)[-1]}"


def parse_post_view(
    view: dict[str, Any], context: ParseContext, where: str = "post"
) -> list[Record]:
    """Parse a ``postView`` (or an embedded ``viewRecord``) into posts, accounts, interactions."""
    uri = view.get("uri")
    author = view.get("author")
    record = view.get("record", view.get("value"))
    if not isinstance(uri, str) or not isinstance(author, dict) or not isinstance(record, dict):
        raise ParseError(f"{where}: a post needs 'uri', 'author' and 'record'")
    did = author.get("did")
    if not isinstance(did, str):
        raise ParseError(f"{where}: author has no 'did'")
    provenance = context.provenance(PLATFORM)
    created_at = parse_datetime(_string(record.get("createdAt"))) or parse_datetime(
        _string(view.get("indexedAt"))
    )
    langs = record.get("langs")
    post = Post(
        **provenance,
        post_id=uri,
        url=post_url(_string(author.get("handle")) or did, uri),
        author_id=did,
        created_at=created_at,
        text=_string(record.get("text")),
        language=langs[0] if isinstance(langs, list) and langs and _string(langs[0]) else None,
        links=record_links(record, context),
        reply_to=uri_at(record, "reply", "parent", "uri"),
        quote_of=_quoted_post(record.get("embed")),
        engagement=Engagement(
            observed_at=context.collected_at,
            likes=view.get("likeCount"),
            reposts=view.get("repostCount"),
            replies=view.get("replyCount"),
            quotes=view.get("quoteCount"),
        ),
        community=Community(hashtags=_hashtags(record)),
    )
    account = parse_profile(author, context, where=f"{where}.author")
    if account.opt_out:  # the author asked not to be shown to logged-out readers
        post.text = None
    records: list[Record] = [post, account, *acts_of(post)]
    quoted = _quoted_view(view)
    if quoted is not None:
        try:
            records.extend(parse_post_view(quoted, context, where=f"{where}.embed.record"))
        except ParseError:
            context.ignore("quoted posts of unknown shape")
    return records


def uri_at(value: Any, *keys: str) -> str | None:
    """The string found by following ``keys`` through nested objects, or None.

    >>> uri_at({"via": {"uri": "at://x"}}, "via", "uri"), uri_at({"via": []}, "via", "uri")
    ('at://x', None)
    """
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return _string(value)


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def uri_did(uri: str | None) -> str | None:
    """The DID naming the repository of an AT-URI; None when its authority is a handle (or
    the URI is no AT-URI).

    >>> uri_did("at://did:plc:c/app.bsky.feed.repost/2"), uri_did("at://ana.bsky.social/x/1")
    ('did:plc:c', None)
    >>> uri_did("https://did:plc:c/x"), uri_did("at://did:plc:/x"), uri_did(None)
    (None, None, None)
    """
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    authority = re.split(r"[/?#]", uri.removeprefix("at://"), maxsplit=1)[0]
    return authority if _DID.fullmatch(authority) else None


def is_post(uri: str | None) -> bool:
    """Whether an AT-URI names a post (not a feed, a list, a starter pack, a profile…).

    >>> is_post("at://did:plc:a/app.bsky.feed.post/3k")
    True
    >>> is_post("at://did:plc:a/app.bsky.feed.generator/f")
    False
    """
    parts = (uri or "").removeprefix("at://").split("/")
    return bool(uri and uri.startswith("at://")) and len(parts) == 3 and parts[1] == POST


def _quoted_post(embed: Any) -> str | None:
    """The AT-URI of the post a record embed (or a record-with-media) quotes; None when it
    embeds something else (a feed, a list, a starter pack, a labeler, a profile)."""
    quoted = embed.get("record") if isinstance(embed, dict) else None
    if isinstance(quoted, dict) and isinstance(quoted.get("record"), dict):  # recordWithMedia
        quoted = quoted["record"]
    uri = uri_at(quoted, "uri")
    return uri if is_post(uri) else None


def _quoted_view(view: dict[str, Any]) -> dict[str, Any] | None:
    """The hydrated quoted post (``#viewRecord`` of a post) of a postView, if any."""
    embed = view.get("embed")
    quoted = embed.get("record") if isinstance(embed, dict) else None
    if isinstance(quoted, dict) and isinstance(quoted.get("record"), dict):  # recordWithMedia
        quoted = quoted["record"]
    if not isinstance(quoted, dict) or not str(quoted.get("$type", "")).endswith("#viewRecord"):
        return None
    return quoted if is_post(uri_at(quoted, "uri")) else None


def record_links(record: dict[str, Any], context: ParseContext | None = None) -> list[str]:
    """Every link of a post record: link facets, the link card of its embed or of the media of
    a record-with-media. Parts of unknown shape are left out (counted in ``context``).

    >>> record_links({"embed": {"$type": "app.bsky.embed.external",
    ...                         "external": {"uri": "https://e-inspe.fr/a"}}})
    ['https://e-inspe.fr/a']
    """
    found = [
        link
        for feature in _features(record, context)
        if feature.get("$type") == _LINK_FACET and (link := _string(feature.get("uri")))
    ]
    if record.get("embed") is not None:
        found.extend(_embed_links(record["embed"], context))
    return list(dict.fromkeys(found))


def _features(record: dict[str, Any], context: ParseContext | None) -> list[dict[str, Any]]:
    """The facet features of a post record, those of unknown shape left out and counted."""
    facets = record.get("facets")
    found: list[dict[str, Any]] = []
    for facet in facets if isinstance(facets, list) else []:
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(features, list):
            _ignore(context, "facets of unknown shape")
            continue
        found.extend(feature for feature in features if isinstance(feature, dict))
    return found


def _embed_links(embed: Any, context: ParseContext | None) -> list[str]:
    """The link card of an embed, or of the media of a record-with-media."""
    if not isinstance(embed, dict):
        _ignore(context, _UNKNOWN_EMBED)
        return []
    card = uri_at(embed, "external", "uri")
    if card:
        return [card]
    if "media" in embed:
        return _embed_links(embed["media"], context)
    if embed.get("$type") not in _EMBEDS_WITHOUT_LINKS:
        _ignore(context, _UNKNOWN_EMBED)
    return []


def _ignore(context: ParseContext | None, what: str) -> None:
    if context is not None:
        context.ignore(what)


def _hashtags(record: dict[str, Any]) -> list[str]:
    """Tag facets, else the hashtags of the text; and the record's ``tags``, lower-cased."""
    tags = [
        tag
        for feature in _features(record, None)  # facets of unknown shape: counted with links
        if feature.get("$type") == _TAG_FACET and (tag := _string(feature.get("tag")))
    ]
    if not tags:
        tags = text_hashtags(_string(record.get("text")) or "")
    extra = record.get("tags")
    if isinstance(extra, list):
        tags.extend(tag for tag in extra if isinstance(tag, str))
    return list(dict.fromkeys(tag.lower() for tag in tags if tag))


def text_hashtags(text: str) -> list[str]:
    """The hashtags Bluesky's app finds in a text: ``#`` at the start or after a space, then
    non-space characters, trailing punctuation left out; digits only, or over 64 characters,
    is no hashtag.

    >>> text_hashtags("Cours de #sociology, #123 et #1er_degré! (#Inspé)")
    ['sociology', '1er_degré']
    """
    found = []
    for match in _HASHTAG.finditer(text):
        tag = match.group(1)
        while tag and _is_punctuation(tag[-1]):
            tag = tag[:-1]
        if len(tag) > _MAX_HASHTAG or tag.startswith("\ufe0f"):
            continue
        if any(not char.isdigit() and not _is_punctuation(char) for char in tag):
            found.append(tag)
    return found


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def parse_profile(
    profile: dict[str, Any], context: ParseContext, where: str = "profile"
) -> Account:
    """Parse a ``profileView`` (basic, plain or detailed) into an account.

    Follower counts exist only in ``profileViewDetailed`` (``getProfiles``); the
    ``!no-unauthenticated`` self-label becomes the ``no-unauthenticated`` opt-out. A profile
    without ``labels`` says nothing of opt-outs (``opt_out`` is None).
    """
    did = profile.get("did")
    if not isinstance(did, str):
        raise ParseError(f"{where}: a profile needs a 'did'")
    labels = {label.get("val") for label in profile.get("labels") or [] if isinstance(label, dict)}
    followers, follows = profile.get("followersCount"), profile.get("followsCount")
    has_counts = followers is not None or follows is not None
    opt_out = None  # a profile without labels says nothing of opt-outs
    if "labels" in profile:
        opt_out = ["no-unauthenticated"] if _OPT_OUT_LABEL in labels else []
    return Account(
        **context.provenance(PLATFORM),
        account_id=did,
        handle=profile.get("handle"),
        display_name=profile.get("displayName") or None,
        followers_count=followers,
        following_count=follows,
        counts_observed_at=context.collected_at if has_counts else None,
        opt_out=opt_out,
    )


def parse_profiles(
    data: dict[str, Any], context: ParseContext, params: dict[str, Any] | None = None
) -> list[Record]:
    """Parse ``app.bsky.actor.getProfiles``: accounts with their follower counts."""
    return [
        parse_profile(profile, context, where=f"profiles[{index}]")
        for index, profile in enumerate(_list(data, "profiles"))
    ]


def parse_reposted_by(
    data: dict[str, Any], context: ParseContext, params: dict[str, Any] | None = None
) -> list[Record]:
    """Parse ``app.bsky.feed.getRepostedBy``: one repost per account, without its time."""
    target = data.get("uri")
    if not isinstance(target, str):
        raise ParseError("getRepostedBy response has no 'uri'")
    records: list[Record] = []
    for index, profile in enumerate(_list(data, "repostedBy")):
        account = parse_profile(profile, context, where=f"repostedBy[{index}]")
        records.append(account)
        records.append(
            Interaction(
                **context.provenance(PLATFORM),
                kind="repost",
                actor_id=account.account_id,
                target_post_id=target,
            )
        )
    return records


def parse_post_thread(
    data: dict[str, Any], context: ParseContext, params: dict[str, Any] | None = None
) -> list[Record]:
    """Parse ``app.bsky.feed.getPostThread``: the post, its parents and every visible reply.

    Deleted (``notFoundPost``) and blocked (``blockedPost``) entries are skipped.
    """
    thread = data.get("thread")
    if not isinstance(thread, dict):
        raise ParseError("getPostThread response has no 'thread' object")
    records: list[Record] = []
    pending = [(thread, "thread")]
    while pending:
        node, where = pending.pop()
        if not node.get("$type", "").endswith("#threadViewPost") or "post" not in node:
            continue
        records.extend(parse_post_view(node["post"], context, where=f"{where}.post"))
        if isinstance(node.get("parent"), dict):
            pending.append((node["parent"], f"{where}.parent"))
        for index, reply in enumerate(node.get("replies") or []):
            if isinstance(reply, dict):
                pending.append((reply, f"{where}.replies[{index}]"))
    return records


def parse_follows(
    data: dict[str, Any], context: ParseContext, params: dict[str, Any] | None = None
) -> list[Record]:
    """Parse ``app.bsky.graph.getFollows`` or ``getFollowers`` into follow edges."""
    subject = (data.get("subject") or {}).get("did")
    if not isinstance(subject, str):
        raise ParseError("follow list has no 'subject' with a 'did'")
    outgoing = "follows" in data
    records: list[Record] = []
    for index, profile in enumerate(_list(data, "follows" if outgoing else "followers")):
        other = profile.get("did") if isinstance(profile, dict) else None
        if not isinstance(other, str):
            raise ParseError(f"follow list entry {index} has no 'did'")
        records.append(
            Follow(
                **context.provenance(PLATFORM),
                follower_id=subject if outgoing else other,
                followee_id=other if outgoing else subject,
            )
        )
    return records


def parse_list_records(
    data: dict[str, Any], context: ParseContext, params: dict[str, Any] | None = None
) -> list[Record]:
    """Parse ``com.atproto.repo.listRecords`` of ``app.bsky.feed.repost``: timed reposts, with
    the repost they were made through (``via``) when the client wrote it.

    Only reposts of the posts named in the request's ``subjects`` parameter are kept (the
    rest of someone's repository is not needed); without it, every repost is kept.
    """
    wanted = set((params or {}).get("subjects") or [])
    records: list[Record] = []
    for index, item in enumerate(_list(data, "records")):
        uri, value = uri_at(item, "uri"), item.get("value") if isinstance(item, dict) else None
        if uri is None or not isinstance(value, dict):
            raise ParseError(f"records[{index}] needs 'uri' and 'value'")
        subject = uri_at(value, "subject", "uri")
        if value.get("$type") != "app.bsky.feed.repost" or subject is None:
            continue
        if wanted and subject not in wanted:
            continue
        actor = uri.removeprefix("at://").split("/", 1)[0]
        records.append(reshare("repost", actor, value, context))
    return records


def reshare(
    kind: InteractionKind, actor: str, value: dict[str, Any], context: ParseContext
) -> Interaction:
    """The interaction a repost or like record (``value``) of ``actor`` states: its subject,
    its time, and ``via``, the repost through which the actor saw the subject, if written,
    with the account that made that repost (the DID of its AT-URI; None for a handle).

    >>> from datetime import datetime, UTC
    >>> ctx = ParseContext("bluesky", "r1", datetime(2026, 9, 1, tzinfo=UTC))
    >>> value = {"subject": {"uri": "at://did:plc:a/app.bsky.feed.post/1", "cid": "bafy1"},
    ...          "via": {"uri": "at://did:plc:c/app.bsky.feed.repost/2", "cid": "bafy2"},
    ...          "createdAt": "2026-08-31T08:00:00Z"}
    >>> act = reshare("repost", "did:plc:b", value, ctx)
    >>> act.target_post_id, act.via, act.via_actor_id
    ('at://did:plc:a/app.bsky.feed.post/1', 'at://did:plc:c/app.bsky.feed.repost/2', 'did:plc:c')
    >>> reshare("like", "did:plc:b", {**value, "via": None}, ctx).via_actor_id is None
    True
    """
    via = uri_at(value, "via", "uri")
    return Interaction(
        **context.provenance(PLATFORM),
        kind=kind,
        actor_id=actor,
        target_post_id=uri_at(value, "subject", "uri"),
        created_at=parse_datetime(_string(value.get("createdAt"))),
        via=via,
        via_actor_id=uri_did(via),
    )


def parse_did_document(document: dict[str, Any]) -> str | None:
    """Return the PDS endpoint named in a DID document, or None.

    >>> parse_did_document({"service": [{"id": "#atproto_pds",
    ...     "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example"}]})
    'https://pds.example'
    """
    for service in document.get("service") or []:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            return endpoint if isinstance(endpoint, str) else None
    return None


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ParseError(f"response has no {key!r} list")
    return value


_ENDPOINT_PARSERS = {
    "app.bsky.feed.searchPosts": parse_search_posts,
    "app.bsky.feed.getQuotes": parse_search_posts,
    "app.bsky.feed.getRepostedBy": parse_reposted_by,
    "app.bsky.feed.getPostThread": parse_post_thread,
    "app.bsky.actor.getProfiles": parse_profiles,
    "app.bsky.graph.getFollows": parse_follows,
    "app.bsky.graph.getFollowers": parse_follows,
    "com.atproto.repo.listRecords": parse_list_records,
}
