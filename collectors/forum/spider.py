"""The forum spider: phpBB and Forumactif boards → topics → messages, politely.

From a start page (the index, a board or a topic), the spider follows sub-boards, topic
lists and their pages, and reads every page of every topic, staying inside the forum.
With search terms it starts from the forum's own search instead (topics matching the
tracked domains). robots.txt and its ``Crawl-delay`` are obeyed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, urlsplit

import scrapy

from collectors.engine import PageSpider
from collectors.forum.pages import Engine, page_kind, read_board, read_topic
from collectors.forum.parsers import parse_payload

__all__ = ["ForumOptions", "ForumSpider", "forum_root"]


def forum_root(url: str, engine: Engine) -> str:
    """The base URL of a forum, from any of its pages.

    >>> forum_root("https://f.fr/ecole/viewforum.php?f=3", "phpbb")
    'https://f.fr/ecole/'
    >>> forum_root("https://www.neoprofs.org/f12-cycle-3", "forumactif")
    'https://www.neoprofs.org/'
    """
    parts = urlsplit(url)
    path = parts.path.rsplit("/", 1)[0] + "/" if engine == "phpbb" else "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def forum_key(root: str) -> str:
    """The forum's name in records: its host and path, e.g. ``f.fr/ecole``."""
    parts = urlsplit(root)
    return (parts.netloc + parts.path).rstrip("/")


@dataclass
class ForumOptions:
    """What a forum collection asks for (stored in the run manifest, reused on resume)."""

    url: str  # where to start: the index, a board or a topic
    engine: Engine = "phpbb"
    search: list[str] = field(default_factory=list)  # terms for the forum's search, if any
    timezone: str = "Europe/Paris"  # the time zone the forum prints its times in
    max_pages: int = 5000  # pages read at most

    def query(self) -> str:
        terms = f" searching {', '.join(sorted(self.search))}" if self.search else ""
        return f"{self.engine} forum {self.url}{terms}"

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class ForumSpider(PageSpider):
    """Read a phpBB or Forumactif forum: boards, topics and every page of messages."""

    name = "forum"
    parser = staticmethod(parse_payload)

    def __init__(self, options: ForumOptions, **kw):
        super().__init__(**kw)
        self.options = options
        self.root = forum_root(options.url, options.engine)
        self.forum = forum_key(self.root)
        self.seen: set[str] = set()  # pages asked for (a listing names a topic twice)

    def _note(self, **extra: Any) -> dict[str, Any]:
        engine, timezone = self.options.engine, self.options.timezone
        return {"engine": engine, "forum": self.forum, "timezone": timezone, **extra}

    def _page(self, url: str, on_page, **note: Any) -> Iterator[scrapy.Request]:
        """A request for a page of this forum, within the page budget."""
        if not url.startswith(self.root) or url in self.seen:
            return
        if len(self.seen) >= self.options.max_pages:
            self.crawler.stats.inc_value("essaim/over_page_budget")
            return
        self.seen.add(url)
        # A topic deleted since it was listed answers 404: normal, nothing to read.
        yield self.page(url, on_page, note=self._note(**note), ok_statuses=(404, 410))

    async def start(self):
        if not self.options.search:
            for request in self._page(self.options.url, self.route):
                yield request
            return
        for term in self.options.search:
            if self.options.engine == "phpbb":
                url = f"{self.root}search.php?keywords={quote_plus(term)}&sr=topics"
            else:
                url = f"{self.root}search?search_keywords={quote_plus(term)}&show_results=topics"
            for request in self._page(url, self.board):
                yield request

    def route(self, response) -> Iterator[scrapy.Request]:
        if page_kind(response.url, self.options.engine) == "topic":
            yield from self.topic(response)
        else:
            yield from self.board(response)

    def board(self, response) -> Iterator[scrapy.Request]:
        if response.status >= 400:
            return
        listing = read_board(response.selector, response.url)
        for url in listing.boards:
            yield from self._page(url, self.board)
        for url in listing.topics:
            yield from self._page(url, self.topic, board=listing.title)
        if listing.next_url:
            yield from self._page(listing.next_url, self.board)

    def topic(self, response) -> Iterator[scrapy.Request]:
        if response.status >= 400:
            return
        note = response.request.meta["note"]
        earlier = dict(note.get("earlier") or {})
        page = read_topic(
            response.selector,
            response.url,
            timezone=self.options.timezone,
            read_at=datetime.now(UTC),  # dates are not needed to navigate
            earlier=earlier,
        )
        if page.next_url:
            yield from self._page(
                page.next_url, self.topic, board=note.get("board"), earlier=earlier
            )
