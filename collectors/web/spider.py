"""The web spider: from seed pages, follow links within the seeds' sites, a few hops deep.

Every page is kept as received; the parser records those linking a tracked domain. Only
the seeds' hosts (and any allowed besides) are crawled; robots.txt and its Crawl-delay are
obeyed; pages that are not HTML are not followed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy

from collectors.engine import PageSpider
from collectors.parsing import links_to
from collectors.web.parsers import parse_payload

__all__ = ["WebOptions", "WebSpider"]

_SKIPPED = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".zip", ".mp4", ".mp3", ".doc", ".docx")


@dataclass
class WebOptions:
    """What a web crawl asks for (stored in the run manifest, reused on resume)."""

    seeds: list[str] = field(default_factory=list)  # start pages
    depth: int = 1  # links followed from a seed: 0 reads the seeds only
    domains: list[str] = field(default_factory=list)  # tracked domains (what to record)
    allowed: list[str] = field(default_factory=list)  # hosts crawled besides the seeds'
    max_pages: int = 2000  # pages read at most

    def query(self) -> str:
        return f"web pages linking {', '.join(sorted(self.domains))} from {len(self.seeds)} seeds"

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class WebSpider(PageSpider):
    """Crawl from seed pages within their sites, keeping every page read."""

    name = "web"
    parser = staticmethod(parse_payload)

    def __init__(self, options: WebOptions, **kw):
        super().__init__(**kw)
        self.options = options
        hosts = {urlsplit(seed).hostname or "" for seed in options.seeds}
        self.allowed = sorted(hosts | set(options.allowed))
        self.seen: set[str] = set()

    def _page(self, url: str, depth: int) -> Iterator[scrapy.Request]:
        if url in self.seen:
            return
        if len(self.seen) >= self.options.max_pages:
            self.crawler.stats.inc_value("essaim/over_page_budget")
            return
        self.seen.add(url)
        request = self.page(url, self.read, note={"domains": self.options.domains})
        request.meta["hops"] = depth
        yield request

    async def start(self):
        for seed in self.options.seeds:
            for request in self._page(seed, 0):
                yield request

    def read(self, response) -> Iterator[scrapy.Request]:
        hops = response.request.meta["hops"]
        if hops >= self.options.depth or "html" not in _content_type(response):
            return
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href.strip()).split("#", 1)[0]
            if (
                url.startswith(("http://", "https://"))
                and links_to(url, self.allowed)
                and not urlsplit(url).path.lower().endswith(_SKIPPED)
            ):
                yield from self._page(url, hops + 1)


def _content_type(response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
