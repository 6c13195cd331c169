"""Bluesky payloads into records (pure functions; the client comes with the collectors).

Shapes follow the ``app.bsky.*`` lexicons (see ``platforms.md``): a ``postView`` holds the
raw post ``record`` (text, facets, embed, reply) and the hydrated counts. Links are read from
link facets, external embeds and the embed of a record-with-media; a quoted post becomes a
post of its own, so that the links it carries are attributed to its author.
"""

from __future__ import annotations

import json
from typing import Any

from collectors.parsing import ParseContext, ParseError, parse_datetime
from collectors.rawrun import Payload
from collectors.records import Account, Community, Engagement, Interaction, Post, Record

__all__ = ["parse_payload", "parse_post_view", "parse_search_posts", "post_url"]

PLATFORM = "bluesky"
_LINK_FACET = "app.bsky.richtext.facet#link"
_TAG_FACET = "app.bsky.richtext.facet#tag"
_OPT_OUT_LABEL = "!no-unauthenticated"


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Bluesky response; error responses give no records."""
    if payload.status is not None and payload.status >= 400:
        return []
    endpoint = payload.url.split("?", 1)[0].rsplit("/xrpc/", 1)[-1]
    data = _json_object(payload)
    if endpoint == "app.bsky.feed.searchPosts":
        return parse_search_posts(data, context)
    raise ParseError(f"payload {payload.seq}: no Bluesky parser for endpoint {endpoint!r}")


def _json_object(payload: Payload) -> dict[str, Any]:
    try:
        data = json.loads(payload.content())
    except (ValueError, UnicodeDecodeError):
        start = payload.content()[:40].decode("utf-8", "replace").strip()
        raise ParseError(f"payload {payload.seq}: expected JSON, got {start!r}…") from None
    if not isinstance(data, dict):
        raise ParseError(f"payload {payload.seq}: expected a JSON object")
    return data


def parse_search_posts(data: dict[str, Any], context: ParseContext) -> list[Record]:
    """Parse an ``app.bsky.feed.searchPosts`` response body.

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
    posts = data.get("posts")
    if not isinstance(posts, list):
        raise ParseError("searchPosts response has no 'posts' list")
    records: list[Record] = []
    for index, view in enumerate(posts):
        if not isinstance(view, dict):
            raise ParseError(f"searchPosts posts[{index}] is not an object")
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
    provenance = {
        "source": context.source,
        "run_id": context.run_id,
        "collected_at": context.collected_at,
    }
    created_at = parse_datetime(record.get("createdAt")) or parse_datetime(view.get("indexedAt"))
    embed = record.get("embed") or {}
    quote_of = _quoted_uri(embed)
    reply_to = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    langs = record.get("langs") or []
    post = Post(
        **provenance,
        platform=PLATFORM,
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
    labels = {label.get("val") for label in author.get("labels") or [] if isinstance(label, dict)}
    account = Account(
        **provenance,
        platform=PLATFORM,
        account_id=did,
        handle=author.get("handle"),
        display_name=author.get("displayName") or None,
        opt_out=["no-unauthenticated"] if _OPT_OUT_LABEL in labels else [],
    )
    records: list[Record] = [post, account]
    for kind, target in (("quote", quote_of), ("reply", reply_to)):
        if target:
            records.append(
                Interaction(
                    **provenance,
                    platform=PLATFORM,
                    kind=kind,
                    actor_id=did,
                    target_post_id=target,
                    post_id=uri,
                    created_at=created_at,
                )
            )
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
