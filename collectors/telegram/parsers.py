"""Telegram public channel previews (``t.me/s/<channel>``) into records.

A message is ``<channel>/<number>`` (channel names lower-cased: Telegram ignores case); the
channel is its author. A forwarded message is a repost of its source message (when the
source is a public channel) and a ``forward`` interaction of the forwarding channel. Views
are the abbreviated counts the page prints ("1.2K"). Service messages (pins, joins) are
left out, and so are the signatures of the people who wrote a channel's posts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from parsel import Selector

from collectors.html import fragment_text, page_selector, parse_count
from collectors.parsing import ParseContext, ParseError, parse_datetime
from collectors.rawrun import Payload
from collectors.records import Account, Community, Engagement, Post, Record, acts_of

__all__ = ["ChannelPage", "parse_payload", "read_channel_page"]

PLATFORM = "telegram"
#: The message's own text: the preview of the message it replies to wears the same class.
_OWN_TEXT = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_text ')]"
    "[not(ancestor::*[contains(concat(' ', normalize-space(@class), ' '),"
    " ' tgme_widget_message_reply ')])]"
)
_MESSAGE_LINK = re.compile(r"^/(?:s/)?(?P<channel>[A-Za-z0-9_]{4,})/(?P<number>\d+)$")


@dataclass
class ChannelPage:
    """A page of a channel's preview: the channel, its messages, the older page."""

    channel: str | None  # None: the page shows no public history (a group, a private chat)
    title: str | None = None
    subscribers: int | None = None
    messages: list[Selector] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    older: str | None = None  # the ``before`` value of the page of older messages


def message_id(url: str | None) -> str | None:
    """``channel/number`` of a ``t.me`` message link, lower-cased.

    >>> message_id("https://t.me/EInspe_Actus/7"), message_id("https://example.org/a/1")
    ('einspe_actus/7', None)
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc not in ("t.me", "telegram.me"):
        return None
    found = _MESSAGE_LINK.match(parts.path)
    return f"{found['channel'].lower()}/{found['number']}" if found else None


def read_channel_page(page: Selector) -> ChannelPage:
    """The channel and messages of a preview page, and where older messages are."""
    if not page.css("section.tgme_channel_history"):
        return ChannelPage(channel=None)
    username = page.css(".tgme_channel_info_header_username a::text").get() or ""
    messages, numbers, channel = [], [], username.strip().lstrip("@").lower() or None
    for message in page.css("div.tgme_widget_message[data-post]"):
        posted, _, number = message.attrib["data-post"].partition("/")
        channel = channel or posted.lower()
        if number.isdigit():
            numbers.append(int(number))
            if "service_message" not in message.attrib.get("class", ""):
                messages.append(message)
    older = page.css("link[rel=prev]::attr(href), a.tme_messages_more::attr(data-before)").get()
    before = re.search(r"before=(\d+)", older) if older and not older.isdigit() else None
    counters = {
        "".join(counter.css(".counter_type::text").getall()).strip(): parse_count(
            counter.css(".counter_value::text").get()
        )
        for counter in page.css(".tgme_channel_info_counter")
    }
    title = page.css(".tgme_channel_info_header_title ::text").getall()
    return ChannelPage(
        channel=channel,
        title=" ".join("".join(title).split()) or None,
        subscribers=counters.get("subscribers") or counters.get("abonnés"),
        messages=messages,
        numbers=numbers,
        older=before.group(1) if before else older,
    )


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored channel preview page."""
    if payload.status is not None and payload.status >= 400:
        return []
    page = read_channel_page(page_selector(payload))
    if page.channel is None:
        raise ParseError(f"payload {payload.seq}: the page shows no public channel history")
    provenance = context.provenance(PLATFORM)
    records: list[Record] = []
    if page.title or page.subscribers is not None:
        records.append(
            Account(
                **provenance,
                account_id=page.channel,
                handle=page.channel,
                display_name=page.title,
                followers_count=page.subscribers,
                counts_observed_at=context.collected_at if page.subscribers else None,
            )
        )
    for message in page.messages:
        records.extend(_message(message, page.channel, payload.url, context))
    return records


def _message(message: Selector, channel: str, page_url: str, context) -> list[Record]:
    provenance = context.provenance(PLATFORM)
    number = message.attrib["data-post"].partition("/")[2]
    post_id = f"{channel}/{number}"
    created_at: datetime | None = parse_datetime(
        message.css(".tgme_widget_message_date time::attr(datetime)").get()
    )
    body = message.xpath(_OWN_TEXT)  # not the quoted text of the message it replies to
    # a <blockquote> in a message is the channel's own quote formatting, not another message
    text, links = fragment_text(body[0], page_url, leave_out="") if body else ("", [])
    hashtags = [unquote(link.split("?q=", 1)[1]) for link in links if "?q=%23" in link]
    links = [link for link in links if "?q=" not in link]  # hashtags and searches
    preview = message.css("a.tgme_widget_message_link_preview::attr(href)").get()
    if preview and preview not in links:
        links.append(preview)
    source = message_id(message.css("a.tgme_widget_message_forwarded_from_name::attr(href)").get())
    reply_to = message_id(message.css("a.tgme_widget_message_reply::attr(href)").get())
    views = parse_count(message.css(".tgme_widget_message_views::text").get())
    post = Post(
        **provenance,
        post_id=post_id,
        url=f"https://t.me/{post_id}",
        author_id=channel,
        created_at=created_at,
        text=text,
        links=links,
        reply_to=reply_to,
        repost_of=source,
        engagement=Engagement(observed_at=context.collected_at, views=views),
        community=Community(
            channel=channel, hashtags=list(dict.fromkeys(h.lstrip("#").lower() for h in hashtags))
        ),
    )
    return [post, *acts_of(post, repost="forward")]
