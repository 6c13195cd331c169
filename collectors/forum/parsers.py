"""Forum pages into records (pure functions of the stored pages).

Only topic pages hold records; board, index and search pages are kept for provenance.
Messages are ``<forum>/p<number>``; authors are ``<username>@<forum>``, except messages
shown under the generic name of guests and deleted accounts ("Invité", "Guest"…), which
get one anonymous id each, so that they are not merged into one busy account. A quote is a
reply to the quoted message.
"""

from __future__ import annotations

from collectors.forum.pages import ANONYMOUS, Message, page_kind, read_topic
from collectors.html import page_selector
from collectors.parsing import ParseContext, ParseError, text_params
from collectors.rawrun import Payload
from collectors.records import Account, Community, Post, Record, acts_of

__all__ = ["PLATFORM", "author_id", "parse_payload"]

PLATFORM = "forum"


def author_id(message: Message, forum: str) -> str:
    """The account id of a message's author.

    >>> from collectors.forum.pages import Message
    >>> author_id(Message("7", "alice", None, "", []), "forum.fr")
    'alice@forum.fr'
    >>> author_id(Message("8", "Invité", None, "", []), "forum.fr")
    'anonymous-p8@forum.fr'
    """
    if message.author and message.author.lower() not in ANONYMOUS:
        return f"{message.author}@{forum}"
    return f"anonymous-p{message.number}@{forum}"


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored forum page; pages answered with an error give no records."""
    note = text_params(payload, "engine", "forum", "timezone", "board")
    if payload.status is not None and payload.status >= 400:
        return []
    try:
        engine, forum, timezone = note["engine"], note["forum"], note["timezone"]
    except KeyError as error:
        raise ParseError(f"payload {payload.seq}: the page lacks its {error.args[0]!r}") from None
    if page_kind(payload.url, engine) != "topic":
        return []
    topic = read_topic(
        page_selector(payload),
        payload.url,
        timezone=timezone,
        read_at=payload.received_at,
        earlier=dict(payload.params.get("earlier") or {}),
    )
    if not topic.messages and b"<html" not in payload.content()[:2000].lower():
        raise ParseError(f"payload {payload.seq}: expected a forum page, got something else")
    community = Community(forum=forum, board=note.get("board"))
    records: list[Record] = []
    page_url = payload.url.split("#", 1)[0]
    for message in topic.messages:
        records.extend(_records(message, forum, page_url, community, context))
    return records


def _records(message: Message, forum: str, page_url: str, community, context) -> list[Record]:
    provenance = context.provenance(PLATFORM)
    post_id = f"{forum}/p{message.number}"
    author = author_id(message, forum)
    quoted = message.quoted_number
    reply_to = f"{forum}/p{quoted}" if quoted and quoted != message.number else None
    records: list[Record] = [
        Post(
            **provenance,
            post_id=post_id,
            url=f"{page_url}#p{message.number}",
            author_id=author,
            created_at=message.created_at,
            text=message.text,
            links=message.links,
            reply_to=reply_to,
            community=community,
        )
    ]
    if not author.startswith("anonymous-"):
        records.append(Account(**provenance, account_id=author, handle=message.author))
    return [*records, *acts_of(records[0])]
