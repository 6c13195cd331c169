"""Reddit API answers into records (pure functions of the stored payloads).

Posts and comments are identified by their fullname (``t3_…`` for submissions, ``t1_…`` for
comments), so a comment's ``parent_id`` is its ``reply_to`` as it comes. A crosspost is a
repost of its ``crosspost_parent``. Links are a link post's target and the anchors of the
text (``selftext_html`` / ``body_html``; the collector asks ``raw_json=1`` so they are not
escaped twice). Deleted authors ("[deleted]") get one anonymous id per message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from collectors.html import fragment_text
from collectors.parsing import ParseContext, ParseError, json_answer
from collectors.rawrun import Payload
from collectors.records import Account, Community, Engagement, Post, Record, acts_of

__all__ = ["PLATFORM", "is_internal", "parse_payload", "thing_links"]

PLATFORM = "reddit"
_SITE = "https://www.reddit.com"
_REDDIT_HOSTS = ("reddit.com", "redd.it", "redditmedia.com", "redditstatic.com")


def is_internal(url: str) -> bool:
    """Whether a URL points to Reddit itself (a self post, an image, a comment).

    >>> is_internal("https://i.redd.it/x.png"), is_internal("https://e-inspe.fr/")
    (True, False)
    """
    host = urlsplit(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in _REDDIT_HOSTS)


def thing_links(data: dict[str, Any]) -> tuple[str, list[str]]:
    """Text and outbound links of a submission or comment."""
    html = data.get("selftext_html") or data.get("body_html") or ""
    if html:
        page = Selector(text=f"<div>{html}</div>", type="html")
        text, links = fragment_text(page.css("body > div")[0], _SITE, leave_out="")
    else:
        text, links = (data.get("selftext") or data.get("body") or "").strip(), []
    target = data.get("url_overridden_by_dest") or data.get("url")
    if data.get("name", "").startswith("t3_") and target and not data.get("is_self"):
        links.insert(0, target)
    title = data.get("title")
    text = f"{title}\n\n{text}".strip() if title else text
    return text, [link for link in dict.fromkeys(links) if not is_internal(link)]


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Reddit answer (listings, comment trees, more comments)."""
    path = urlsplit(payload.url).path
    data = json_answer(payload)
    if data is None:
        return []
    try:
        if path.endswith("/api/morechildren"):
            things = data["json"]["data"]["things"]
        elif isinstance(data, list):  # comments and duplicates: two listings
            things = [child for listing in data for child in listing["data"]["children"]]
        else:
            things = data["data"]["children"]
        records: list[Record] = []
        for thing in things:
            records.extend(parse_thing(thing, context))
        return records
    except (KeyError, TypeError) as error:
        what = f"missing {error.args[0]!r}" if isinstance(error, KeyError) else str(error)
        raise ParseError(f"payload {payload.seq} ({path}): {what}") from None


def parse_thing(thing: dict[str, Any], context: ParseContext) -> list[Record]:
    """A submission (``t3``) or a comment (``t1``) with its nested replies."""
    kind, data = thing["kind"], thing["data"]
    if kind not in ("t1", "t3"):
        return []  # "more" placeholders: the collector asks for them
    provenance = context.provenance(PLATFORM)
    post_id = data["name"]
    author = data.get("author")
    deleted = author in (None, "[deleted]", "[removed]")
    author_id = f"deleted-{post_id}" if deleted else author
    created_at = datetime.fromtimestamp(data["created_utc"], UTC)
    text, links = thing_links(data)
    reply_to = data.get("parent_id") if kind == "t1" else None
    repost_of = data.get("crosspost_parent")
    records: list[Record] = [
        Post(
            **provenance,
            post_id=post_id,
            url=_SITE + data["permalink"] if data.get("permalink") else None,
            author_id=author_id,
            created_at=created_at,
            text=None if text in ("[deleted]", "[removed]") else text,
            links=links,
            reply_to=reply_to,
            repost_of=repost_of,
            engagement=Engagement(
                observed_at=context.collected_at,
                likes=max(data["ups"], 0) if isinstance(data.get("ups"), int) else None,
                replies=data.get("num_comments"),
                reposts=data.get("num_crossposts"),
            ),
            community=Community(subreddit=data.get("subreddit")),
        )
    ]
    if not deleted:
        records.append(Account(**provenance, account_id=author, handle=author))
    records.extend(acts_of(records[0]))
    replies = data.get("replies")
    if isinstance(replies, dict):  # a nested listing, or "" when there are none
        for child in replies["data"]["children"]:
            records.extend(parse_thing(child, context))
    return records
