"""Bluesky payloads into records (pure functions; the client comes with the collectors).

Shapes follow the ``app.bsky.*`` lexicons (see ``platforms.md``): a ``postView`` holds the
raw post ``record`` (text, facets, embed, reply) and the hydrated counts. Links are read from
link facets, external embeds and the embed of a record-with-media; a quoted post becomes a
post of its own, so that the links it carries are attributed to its author.
"""

from __future__ import annotations

from typing import Any

from collectors.parsing import ParseContext, ParseError, decode_json, parse_datetime
from collectors.rawrun import Payload
from collectors.records import (
    Account,
    Community,
    Engagement,
    Follow,
    Interaction,
    Post,
    Record,
    acts_of,
)

__all__ = [
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
]

PLATFORM = "bluesky"
_LINK_FACET = "app.bsky.richtext.facet#link"
_TAG_FACET = "app.bsky.richtext.facet#tag"
_OPT_OUT_LABEL = "!no-unauthenticated"


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
    created_at = parse_datetime(record.get("createdAt")) or parse_datetime(view.get("indexedAt"))
    embed = record.get("embed") or {}
    quote_of = _quoted_uri(embed)
    reply_to = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    langs = record.get("langs") or []
    post = Post(
        **provenance,
        post_id=uri,
        url=post_url(author.get("handle") or did, uri),
        author_id=did,
        created_at=created_at,
        text=record.get("text"),
        language=langs[0] if langs else None,
        links=_links(record),
        reply_to=reply_to,
        quote_of=quote_of,
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
    quoted_view = (view.get("embed") or {}).get("record")
    if isinstance(quoted_view, dict) and "record" in quoted_view:  # recordWithMedia#view
        quoted_view = quoted_view["record"]
    if isinstance(quoted_view, dict) and quoted_view.get("$type", "").endswith("#viewRecord"):
        records.extend(parse_post_view(quoted_view, context, where=f"{where}.embed.record"))
    return records


def _quoted_uri(embed: dict[str, Any]) -> str | None:
    quoted = embed.get("record") or {}
    if "record" in quoted:  # app.bsky.embed.recordWithMedia
        quoted = quoted["record"] or {}
    uri = quoted.get("uri")
    return uri if isinstance(uri, str) else None


def _links(record: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("$type") == _LINK_FACET and feature.get("uri"):
                found.append(feature["uri"])
    embed = record.get("embed") or {}
    for card in (embed, embed.get("media") or {}):
        uri = (card.get("external") or {}).get("uri")
        if uri:
            found.append(uri)
    return list(dict.fromkeys(found))


def _hashtags(record: dict[str, Any]) -> list[str]:
    tags = [
        feature.get("tag", "")
        for facet in record.get("facets") or []
        for feature in facet.get("features") or []
        if feature.get("$type") == _TAG_FACET
    ]
    tags.extend(record.get("tags") or [])
    return list(dict.fromkeys(tag.lower() for tag in tags if tag))


def parse_profile(
    profile: dict[str, Any], context: ParseContext, where: str = "profile"
) -> Account:
    """Parse a ``profileView`` (basic, plain or detailed) into an account.

    Follower counts exist only in ``profileViewDetailed`` (``getProfiles``); the
    ``!no-unauthenticated`` self-label becomes the ``no-unauthenticated`` opt-out.
    """
    did = profile.get("did")
    if not isinstance(did, str):
        raise ParseError(f"{where}: a profile needs a 'did'")
    labels = {label.get("val") for label in profile.get("labels") or [] if isinstance(label, dict)}
    followers, follows = profile.get("followersCount"), profile.get("followsCount")
    has_counts = followers is not None or follows is not None
    return Account(
        **context.provenance(PLATFORM),
        account_id=did,
        handle=profile.get("handle"),
        display_name=profile.get("displayName") or None,
        followers_count=followers,
        following_count=follows,
        counts_observed_at=context.collected_at if has_counts else None,
        opt_out=["no-unauthenticated"] if _OPT_OUT_LABEL in labels else [],
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
    """Parse ``com.atproto.repo.listRecords`` of ``app.bsky.feed.repost``: timed reposts.

    Only reposts of the posts named in the request's ``subjects`` parameter are kept (the
    rest of someone's repository is not needed); without it, every repost is kept.
    """
    wanted = set((params or {}).get("subjects") or [])
    records: list[Record] = []
    for index, item in enumerate(_list(data, "records")):
        uri, value = item.get("uri"), item.get("value")
        if not isinstance(uri, str) or not isinstance(value, dict):
            raise ParseError(f"records[{index}] needs 'uri' and 'value'")
        subject = (value.get("subject") or {}).get("uri")
        if value.get("$type") != "app.bsky.feed.repost" or not isinstance(subject, str):
            continue
        if wanted and subject not in wanted:
            continue
        records.append(
            Interaction(
                **context.provenance(PLATFORM),
                kind="repost",
                actor_id=uri.removeprefix("at://").split("/", 1)[0],
                target_post_id=subject,
                created_at=parse_datetime(value.get("createdAt")),
            )
        )
    return records


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
