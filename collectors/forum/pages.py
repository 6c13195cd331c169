"""Reading phpBB and Forumactif pages: boards (topic lists) and topics (messages).

Both engines share phpBB's markup: a message is a ``div.post`` whose id is ``p<number>``,
with its author in ``.author`` / ``.postprofile``, its body in ``div.content`` (some
Forumactif themes: ``div.post-entry``) and quotes in ``blockquote``. Forumactif's sponsored
block is a ``div.post`` too, ``p0``: it is no message. phpBB 3.1+ prints times as
``<time datetime>`` (UTC); older phpBB and Forumactif print local times in words or digits,
read with the forum's time zone. A quote names the quoted message (phpBB: ``cite`` link or
attribute) or only its author (Forumactif: "bob a écrit :"), then it points at that author's
latest earlier message in the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from collectors.forum.dates import forum_time
from collectors.html import fragment_text

__all__ = [
    "ANONYMOUS",
    "BoardPage",
    "Engine",
    "Message",
    "TopicPage",
    "page_kind",
    "read_board",
    "read_topic",
]

Engine = Literal["phpbb", "forumactif"]
PageKind = Literal["topic", "board", "search", "index"]

#: Names forums print for messages of guests and deleted accounts: not one person each.
ANONYMOUS = {"invité", "invite", "guest", "anonymous", "anonyme", "utilisateur supprimé"}

_POST_NUMBER = re.compile(r"(?:[?&]p=|#p|^p)(?P<number>\d+)")
# Where the author of a message is: a profile link (a registered account), else a name.
_PROFILE_LINKS = (
    ".author a.username, .author a[href*='viewprofile'], .author a[href^='/u'], "
    ".postprofile-name a, .postprofile dt a.username"
)
_SHOWN_NAMES = ".author .username, .author strong, .postprofile-name, .postprofile dt"
_QUOTED_AUTHOR = re.compile(r"^\s*(?P<name>.+?)\s+(?:a écrit|wrote)\s*:?\s*", re.I)


@dataclass
class Message:
    """One message of a topic page."""

    number: str  # the forum's message number
    author: str | None  # username as printed; None if the page shows none
    created_at: datetime | None  # UTC
    text: str  # the message without what it quotes
    links: list[str]  # outbound links of the message, quotes left out
    quoted_number: str | None = None  # the message it quotes first, when the page says which
    quoted_author: str | None = None  # the author it quotes first, when only that is said


@dataclass
class TopicPage:
    """A page of a topic: its title and messages, and where the next page is."""

    title: str | None
    messages: list[Message] = field(default_factory=list)
    next_url: str | None = None


@dataclass
class BoardPage:
    """A page listing topics (a board, the index, search results) and sub-boards."""

    title: str | None
    topics: list[str] = field(default_factory=list)
    boards: list[str] = field(default_factory=list)
    next_url: str | None = None


def page_kind(url: str, engine: Engine) -> PageKind:
    """What a forum URL shows, from its shape.

    >>> page_kind("https://f.fr/forum/viewtopic.php?t=12&start=15", "phpbb")
    'topic'
    >>> page_kind("https://www.neoprofs.org/t41977p15-charte", "forumactif")
    'topic'
    >>> page_kind("https://www.neoprofs.org/f12-cycle-3", "forumactif")
    'board'
    """
    path = urlsplit(url).path
    if engine == "phpbb":
        name = path.rsplit("/", 1)[-1]
        kinds = {"viewtopic.php": "topic", "viewforum.php": "board", "search.php": "search"}
        return kinds.get(name, "index")
    if re.match(r"^/t\d+", path):
        return "topic"
    if re.match(r"^/f\d+", path):
        return "board"
    return "search" if path.startswith("/search") else "index"


def read_board(page: Selector, url: str) -> BoardPage:
    """Topics, sub-boards and the next page of a board, index or search-results page."""
    title = page.css(".forum-title a::text, h1.page-title a::text, h1 a::text").get()
    return BoardPage(
        title=title.strip() if title else None,
        topics=_links(page, url, "a.topictitle::attr(href)"),
        boards=_links(page, url, "a.forumtitle::attr(href), a.forumlink::attr(href)"),
        next_url=_next_page(page, url),
    )


def read_topic(
    page: Selector, url: str, *, timezone: str, read_at: datetime, earlier: dict[str, str]
) -> TopicPage:
    """The messages of a topic page.

    ``earlier`` maps authors to their latest message number on the topic's earlier pages,
    to resolve quotes that name only an author; it is updated with this page's messages.
    """
    title = page.css(".topic-title a::text, h1.page-title a::text, h2 a::text").get()
    topic = TopicPage(title=title.strip() if title else None, next_url=_next_page(page, url))
    for post in page.css("div.post[id^=p]"):
        number = post.attrib["id"][1:]
        if not number.isdigit() or int(number) == 0:  # p0: Forumactif's sponsored block
            continue
        message = _message(post, number, url, timezone, read_at)
        if message.quoted_author and message.quoted_number is None:
            message.quoted_number = earlier.get(message.quoted_author)
        if message.author:
            earlier[message.author] = number
        topic.messages.append(message)
    return topic


def _message(post: Selector, number: str, url: str, timezone: str, read_at: datetime) -> Message:
    profile = post.css(_PROFILE_LINKS)[:1]
    shown = profile or post.css(_SHOWN_NAMES)[:1]
    author = " ".join("".join(shown.css("::text").getall()).split()) or None
    stamp = post.css(".author time::attr(datetime)").get()
    if stamp:
        created_at = datetime.fromisoformat(stamp).astimezone(UTC)
    else:
        header = " ".join(post.css(".author ::text").getall())
        if author:
            header = header.replace(author, " ")
        created_at = forum_time(header, timezone, read_at)
    content = post.css("div.content, div.post-entry")
    text, links = fragment_text(content[0], url) if content else ("", [])
    quote = content.css("blockquote")[:1] if content else []
    quoted_number, quoted_author = _quoted(quote[0]) if quote else (None, None)
    return Message(
        number=number,
        author=author,
        created_at=created_at,
        text=text,
        links=links,
        quoted_number=quoted_number,
        quoted_author=quoted_author,
    )


def _quoted(quote: Selector) -> tuple[str | None, str | None]:
    """The message number a quote names, else the author it names."""
    for reference in (
        quote.attrib.get("cite"),
        quote.css("cite a::attr(data-post-id)").get(),
        quote.css("cite a[href*='p=']::attr(href), cite a[href*='#p']::attr(href)").get(),
    ):
        if reference:
            found = reference if reference.isdigit() else _POST_NUMBER.search(reference)
            if found:
                return (reference if isinstance(found, str) else found["number"]), None
    cite = " ".join(" ".join(quote.css("cite ::text").getall()).split())
    found = _QUOTED_AUTHOR.match(cite)
    return None, (found["name"] if found else None)


def _next_page(page: Selector, url: str) -> str | None:
    """The next page of a paginated listing or topic: ``rel="next"``, else the link to the
    page after the current one in the pagination block."""
    following = page.css(
        ".pagination a[rel=next]::attr(href), a[rel=next]::attr(href), link[rel=next]::attr(href)"
    ).get()
    if following:
        return _clean(urljoin(url, following))
    current = page.css(".pagination strong::text, .pagination .active span::text").get()
    if current and current.strip().isdigit():
        wanted = str(int(current.strip()) + 1)
        for anchor in page.css(".pagination a"):
            if "".join(anchor.css("::text").getall()).strip() == wanted:
                return _clean(urljoin(url, anchor.attrib.get("href", "")))
    return None


def _links(page: Selector, url: str, query: str) -> list[str]:
    return list(dict.fromkeys(_clean(urljoin(url, href)) for href in page.css(query).getall()))


def _clean(url: str) -> str:
    """A forum URL without its session id (phpBB's ``sid``), so pages are read once.

    >>> _clean("https://f.fr/viewtopic.php?t=3&sid=ab12")
    'https://f.fr/viewtopic.php?t=3'
    """
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "sid"]
    query = "&".join(f"{k}={v}" for k, v in pairs)
    return parts._replace(query=query, fragment="").geturl()
