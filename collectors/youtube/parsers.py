"""YouTube Data API answers into records (pure functions of the stored payloads).

A video is a post of its channel; its links are the URLs written in its description, its
hashtags those written in its title and description (the uploader's keyword ``tags`` are not
hashtags). Only videos and comments linking a tracked domain are kept (the domains travel
with the request as a note): a keyword search finds far more than what links the resources.
Counts arrive as strings. A comment answers its video, a reply the thread's top comment;
replies come embedded in their thread (a few) or from ``comments.list`` (all of them).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ural import urls_from_text

from collectors.parsing import (
    ParseContext,
    ParseError,
    json_answer,
    links_to,
    parse_datetime,
    written_count,
)
from collectors.rawrun import Payload
from collectors.records import Account, Community, Engagement, Post, Record, acts_of

__all__ = ["PLATFORM", "hashtags", "parse_payload", "video_links"]

PLATFORM = "youtube"
#: A hashtag as YouTube links it: "#" at the start or after a space, then letters, digits or
#: underscores (so neither a URL's "#anchor" nor an "&#39;" entity).
_HASHTAG = re.compile(r"(?<!\S)#(\w+)")


def video_links(video: dict[str, Any]) -> list[str]:
    """The URLs written in a video's description.

    >>> video_links({"snippet": {"description": "Le parcours : https://e-inspe.fr/a ."}})
    ['https://e-inspe.fr/a']
    """
    return list(
        dict.fromkeys(urls_from_text((video.get("snippet") or {}).get("description") or ""))
    )


def hashtags(text: str) -> list[str]:
    """The hashtags written in ``text``, without "#", lower-cased, each once.

    >>> hashtags("Rentrée #INSPE https://e-inspe.fr/#plan #shorts, #inspe")
    ['inspe', 'shorts']
    """
    return list(dict.fromkeys(tag.lower() for tag in _HASHTAG.findall(text)))


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored YouTube answer; search results give no records (videos.list does)."""
    path = urlsplit(payload.url).path
    data = json_answer(payload)
    if data is None:
        return []
    domains = payload.params.get("domains") or []
    try:
        items = data["items"]
        if path.endswith("/search"):
            return []
        if path.endswith("/videos"):
            return [
                r for v in items if _tracked(video_links(v), domains) for r in _video(v, context)
            ]
        if path.endswith("/commentThreads"):
            return [r for thread in items for r in _thread(thread, domains, context)]
        if path.endswith("/comments"):
            return _replies(items, payload.params, context)
        if path.endswith("/channels"):
            return [_channel(channel, context) for channel in items]
    except (KeyError, TypeError, ParseError) as error:
        what = f"missing {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
        raise ParseError(f"payload {payload.seq} ({path}): {what}") from None
    raise ParseError(f"payload {payload.seq}: no YouTube parser for {path!r}")


def _tracked(links: list[str], domains: list[str]) -> bool:
    return any(links_to(link, domains) for link in links)


def _video(video: dict[str, Any], context: ParseContext) -> list[Record]:
    snippet, statistics = video["snippet"], video.get("statistics") or {}
    provenance = context.provenance(PLATFORM)
    channel = snippet["channelId"]
    text = f"{snippet.get('title', '')}\n\n{snippet.get('description', '')}".strip()
    return [
        Post(
            **provenance,
            post_id=video["id"],
            url=f"https://www.youtube.com/watch?v={video['id']}",
            author_id=channel,
            created_at=parse_datetime(snippet.get("publishedAt")),
            text=text,
            language=snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage"),
            links=video_links(video),
            engagement=Engagement(
                observed_at=context.collected_at,
                views=written_count(statistics, "viewCount"),
                likes=written_count(statistics, "likeCount"),
                replies=written_count(statistics, "commentCount"),
            ),
            community=Community(channel=channel, hashtags=hashtags(text)),
        ),
        Account(
            **provenance,
            account_id=channel,
            handle=channel,
            display_name=_name(snippet, "channelTitle", context),
        ),
    ]


def _thread(thread: dict[str, Any], domains: list[str], context) -> list[Record]:
    snippet = thread["snippet"]
    top = snippet["topLevelComment"]
    video = snippet["videoId"]
    records = _comment(top, video, video, domains, context)
    for reply in (thread.get("replies") or {}).get("comments") or []:
        parent = reply["snippet"].get("parentId") or top["id"]
        records.extend(_comment(reply, parent, video, domains, context))
    return records


def _replies(items: list, note: dict[str, Any], context: ParseContext) -> list[Record]:
    """A thread's replies from ``comments.list``, but those its thread's answer embedded (the
    collector notes the thread, its video and the replies embedded)."""
    embedded = set(note.get("embedded") or [])
    video, domains = note.get("video"), note.get("domains") or []
    records: list[Record] = []
    for reply in items:
        if reply["id"] not in embedded:
            parent = reply["snippet"].get("parentId") or note["thread"]
            records.extend(_comment(reply, parent, video, domains, context))
    return records


def _comment(
    comment: dict[str, Any], parent: str, video: str | None, domains: list[str], context
) -> list[Record]:
    """A comment on ``video`` linking a tracked domain (others are left out), answering
    ``parent``."""
    snippet = comment["snippet"]
    text = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
    links = list(dict.fromkeys(urls_from_text(text)))
    if not _tracked(links, domains):
        return []
    provenance = context.provenance(PLATFORM)
    author = (snippet.get("authorChannelId") or {}).get("value") or f"anonymous-{comment['id']}"
    created_at = parse_datetime(snippet.get("publishedAt"))
    post = Post(
        **provenance,
        post_id=comment["id"],
        url=f"https://www.youtube.com/watch?v={snippet.get('videoId') or video}&lc={comment['id']}",
        author_id=author,
        created_at=created_at,
        text=text,
        links=links,
        reply_to=parent,
        engagement=Engagement(
            observed_at=context.collected_at, likes=written_count(snippet, "likeCount")
        ),
    )
    if author.startswith("anonymous-"):
        return [post, *acts_of(post)]
    return [post, _author(author, snippet, context), *acts_of(post)]


def _author(channel: str, snippet: dict[str, Any], context: ParseContext) -> Account:
    """A comment's author: ``authorDisplayName`` is its handle ("@name") on channels that have
    one, else its display name."""
    name = _name(snippet, "authorDisplayName", context) or ""
    handle = name[1:] if name.startswith("@") else channel
    return Account(
        **context.provenance(PLATFORM),
        account_id=channel,
        handle=handle or channel,
        display_name=None if name.startswith("@") else name or None,
    )


def _name(snippet: dict[str, Any], key: str, context: ParseContext) -> str | None:
    """The name ``snippet[key]``, if any; a value that is not text is left out and noted."""
    value = snippet.get(key)
    if value is None or isinstance(value, str):
        return value or None
    context.ignore(f"{key} of unknown shape")
    return None


def _channel(channel: dict[str, Any], context) -> Account:
    statistics = channel.get("statistics") or {}
    hidden = statistics.get("hiddenSubscriberCount")
    followers = None if hidden else written_count(statistics, "subscriberCount")
    return Account(
        **context.provenance(PLATFORM),
        account_id=channel["id"],
        handle=(channel.get("snippet") or {}).get("customUrl", "").lstrip("@") or channel["id"],
        display_name=(channel.get("snippet") or {}).get("title"),
        followers_count=followers,
        counts_observed_at=context.collected_at if followers is not None else None,
    )
