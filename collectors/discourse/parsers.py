"""Discourse API answers into records (pure functions of the stored payloads).

Posts are ``<host>/t/<topic>/<post number>``, so a reply (``reply_to_post_number``) and a
quote (``<aside class="quote" data-topic data-post>`` in the cooked HTML) name their target
without a look-up. Authors are ``<username>@<host>``. Links come from the cooked HTML, quotes
left out (they belong to the quoted post), mentions and hashtags left out; the clicks
Discourse counted on a post's outbound links are its ``clicks``. Small-action posts (a topic
closed, pinned…) and posts deleted by their author are left out.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from collectors.html import fragment_text
from collectors.parsing import ParseContext, ParseError, json_answer, parse_datetime
from collectors.rawrun import Payload
from collectors.records import Account, Community, Engagement, Post, Record, acts_of

__all__ = ["PLATFORM", "parse_payload", "post_links", "topic_context"]

PLATFORM = "discourse"
_LIKE = 2  # the id of "like" in ``actions_summary``
_QUOTES = "aside[contains(concat(' ', @class, ' '), ' quote ')]"  # not link previews (onebox)
_TOPIC = re.compile(r"/t/(?:[^/]+/)?(?P<topic>\d+)(?P<posts>/posts)?\.json$")


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Discourse answer; search results and errors give no records."""
    parts = urlsplit(payload.url)
    data = json_answer(payload)
    if data is None:
        return []
    if parts.path.endswith("/search.json"):
        return []
    found = _TOPIC.search(parts.path)
    if not found:
        raise ParseError(f"payload {payload.seq}: no Discourse parser for {parts.path!r}")
    try:
        stream = data["post_stream"]["posts"]
        topic = payload.params if found["posts"] else topic_context(data)
        records: list[Record] = []
        for post in stream:
            records.extend(parse_post(post, topic, parts.netloc, _base(payload.url), context))
        return records
    except (KeyError, TypeError, AttributeError) as error:
        what = f"missing {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
        raise ParseError(f"payload {payload.seq} ({parts.path}): {what}") from None


def _base(url: str) -> str:
    """The site's base URL (Discourse may live under a path, e.g. ``/forum``)."""
    return url.split("/t/", 1)[0] if "/t/" in url else url.rsplit("/", 1)[0]


def topic_context(topic: dict[str, Any]) -> dict[str, Any]:
    """What the posts of a topic take from it (the spider stores it with later batches).

    >>> topic_context({"category_id": 5, "tags": ["cycle-3", {"name": "inspe"}]})
    {'category_id': 5, 'tags': ['cycle-3', 'inspe']}
    """
    tags = [tag if isinstance(tag, str) else tag.get("name") for tag in topic.get("tags") or []]
    return {"category_id": topic.get("category_id"), "tags": tags}


def post_links(cooked: str, base_url: str) -> tuple[str, list[str], str | None]:
    """Text, outbound links and first quoted ``topic/post`` of a post's cooked HTML.

    >>> post_links('<aside class="quote" data-topic="7" data-post="2"><blockquote>'
    ...            '<p>x</p></blockquote></aside><p>Voir <a href="https://e-inspe.fr/a">'
    ...            'ici</a> <a class="mention" href="/u/bob">@bob</a></p>', "https://d.fr")
    ('Voir ici @bob', ['https://e-inspe.fr/a'], '7/2')
    """
    page = Selector(text=f"<div>{cooked or ''}</div>", type="html")
    root = page.css("body > div")[0]
    quote = root.css("aside.quote[data-post]")[:1]
    quoted = None
    if quote and quote[0].attrib.get("data-topic"):
        quoted = f"{quote[0].attrib['data-topic']}/{quote[0].attrib['data-post']}"
    for ignored in root.css("a.mention, a.hashtag, a.hashtag-cooked, a.mention-group"):
        ignored.root.attrib.pop("href", None)
    text, links = fragment_text(root, base_url, leave_out=_QUOTES)
    return text, links, quoted


def parse_post(
    post: dict[str, Any], topic: dict[str, Any], host: str, base_url: str, context
) -> list[Record]:
    """Parse one post of a topic (``topic``: its category and tags)."""
    if post.get("action_code") or post.get("user_deleted") or post.get("deleted_at"):
        return []
    provenance = context.provenance(PLATFORM)
    topic_id = post["topic_id"]
    post_id = f"{host}/t/{topic_id}/{post['post_number']}"
    author = f"{post['username']}@{host}"
    created_at = parse_datetime(post.get("created_at"))
    text, links, quoted = post_links(post.get("cooked") or "", base_url)
    for counted in post.get("link_counts") or []:
        if not counted.get("internal") and counted.get("url") not in links:
            links.append(counted["url"])
    replied = post.get("reply_to_post_number")
    reply_to = f"{host}/t/{topic_id}/{replied}" if replied else None
    quote_of = f"{host}/t/{quoted}" if quoted else None
    clicks = [c.get("clicks") or 0 for c in post.get("link_counts") or [] if not c.get("internal")]
    category = topic.get("category_id")
    records: list[Record] = [
        Post(
            **provenance,
            post_id=post_id,
            url=f"{base_url}/t/{post.get('topic_slug') or '-'}/{topic_id}/{post['post_number']}",
            author_id=author,
            created_at=created_at,
            text=text,
            links=links,
            reply_to=reply_to,
            quote_of=quote_of,
            engagement=Engagement(
                observed_at=context.collected_at,
                likes=_likes(post, context),
                replies=post.get("reply_count"),
                quotes=post.get("quote_count"),
                views=post.get("reads"),
                clicks=sum(clicks) if clicks else None,
            ),
            community=Community(
                forum=host,
                board=f"category {category}" if category is not None else None,
                hashtags=[tag.lower() for tag in topic.get("tags") or [] if tag],
            ),
        ),
        Account(
            **provenance,
            account_id=author,
            handle=post["username"],
            display_name=post.get("name") or None,
            kind="bot" if post.get("user_id", 0) < 0 else None,  # system users are negative
        ),
    ]
    return [*records, *acts_of(records[0])]


def _likes(post: dict[str, Any], context: ParseContext) -> int | None:
    """A post's likes: its ``like_count``, else the count of the like entry (id 2) of its
    ``actions_summary``; None when neither says.

    Discourse leaves a zero count out of an entry, which stays when the reader may like the
    post: a like entry without a count is no like.

    >>> context = ParseContext("discourse", "r", None)
    >>> _likes({"actions_summary": [{"id": 2, "can_act": True}]}, context)
    0
    >>> _likes({"like_count": 3, "actions_summary": []}, context), _likes({}, context)
    (3, None)
    """
    if post.get("like_count") is not None:
        return post["like_count"]
    for action in post.get("actions_summary") or []:
        if not isinstance(action, dict):
            context.ignore("Discourse actions of unknown shape")
        elif action.get("id") == _LIKE:
            return action.get("count", 0)
    return None
