"""Crawling what a site publishes of its catalogue: a Moodle course index, or its sitemaps.

Both crawls read as a guest, with the collectors' settings (robots.txt and its Crawl-delay,
rate limits, retries, the user agent), but keep no raw run: what they find is a catalogue to
review (``essaim catalogue from-moodle``, ``from-sitemap``). Whatever goes wrong is noted in
one sentence with its URL, and the crawl goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from protego import Protego
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from collectors.engine.spider import CollectSpider
from collectors.moodle_index import (
    Category,
    Course,
    category_id,
    is_login_page,
    read_index_page,
)
from collectors.sitemaps import SitemapEntry, read_sitemap
from collectors.speech import _

__all__ = ["Crawl", "MoodleIndexSpider", "SitemapSpider", "crawl", "moodle_root"]


@dataclass
class Crawl:
    """What a crawl found, and what it could not read (``(where, why)``, in order)."""

    spider: Any
    problems: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False

    def add_incident(
        self, kind: str, where: str, message: str, wait_seconds: float | None = None
    ) -> None:
        """Note a problem (the engine's middlewares note rate-limit waits here too)."""
        if kind != "rate-limit":
            self.problems.append((where, message))


def crawl(spider_class: type, settings: dict[str, Any], **arguments: Any) -> Crawl:
    """Run ``spider_class`` in-process with the engine's ``settings``; return what it found."""
    process = AsyncCrawlerProcess({**settings, "ITEM_PIPELINES": {}, "EXTENSIONS": {}})
    if settings.get("LOG_LEVEL") == "ERROR":
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(spider_class)
    found = Crawl(spider=None)
    process.crawl(crawler, run=found, checkpoint={}, **arguments)
    process.start()
    found.spider = crawler.spider
    found.interrupted = crawler.stats.get_value("finish_reason") == "shutdown"
    return found


def moodle_root(url: str) -> str:
    """The root of the Moodle site a URL belongs to, ending in ``/``.

    >>> moodle_root("https://www.e-inspe.fr/course/index.php?categoryid=3")
    'https://www.e-inspe.fr/'
    >>> moodle_root("https://formation.example.org/moodle")
    'https://formation.example.org/moodle/'
    """
    parts = urlsplit(url)
    path = parts.path.split("/course/", 1)[0].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}/"


class _GuestSpider(CollectSpider):
    """Pages read as a guest: failures, robots.txt refusals and notes go to the crawl."""

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.url = url

    def fetch(self, url: str, on_page, *, any_status: bool = False) -> scrapy.Request:
        """A request whose response goes to ``on_page`` (with ``any_status``, errors too).

        Redirections are followed here, so that one to a login page is noted instead.
        """
        return scrapy.Request(
            url,
            callback=self._received,
            errback=self._failed,
            cb_kwargs={"on_page": on_page},
            meta={"any_status": any_status, "dont_redirect": True},
        )

    def _received(self, response: Response, on_page):
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(response.url, location.decode("latin-1"))
            if urlsplit(target).path.endswith("/login/index.php"):
                self.note(response.url, _("the site sends guests to its login page, not read"))
            else:
                yield self.fetch(target, on_page, any_status=response.meta["any_status"])
            return
        if response.status >= 400 and not response.meta["any_status"]:
            self.page_failed(
                response.url, _("HTTP {status}, not read").format(status=response.status)
            )
            return
        yield from on_page(response)

    def _failed(self, failure: Failure):
        if failure.check(IgnoreRequest) and "robots" in failure.getErrorMessage().lower():
            self.note(failure.request.url, _("the site's robots.txt forbids reading it, not read"))
            return
        super()._failed(failure)

    def note(self, where: str, message: str) -> None:
        self.run.add_incident("note", where, message)


class MoodleIndexSpider(_GuestSpider):
    """Read a Moodle site's course index: every category page and its paging, as a guest.

    Started from a category's page, only that category and those below it are read. Pages
    that send guests to the login page are noted, not forced.
    """

    name = "catalogue-moodle"

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(url, **kwargs)
        self.root = moodle_root(url)
        self.start_category = category_id(url)
        self.categories: dict[int, Category] = {}
        self.courses: dict[int, Course] = {}

    async def start(self):
        start = self.url if "/course/index.php" in self.url else f"{self.root}course/index.php"
        yield self.fetch(start, self.read)

    def read(self, response: Response):
        if not isinstance(response, TextResponse):
            self.note(response.url, _("not an HTML page, not read"))
            return
        if is_login_page(response.url, response.text):
            self.note(response.url, _("the site shows guests its login page, not read"))
            return
        page = read_index_page(response.text, response.url, self.root)
        for problem in page.problems:
            self.note(response.url, problem)
        for new in page.categories:
            known = self.categories.get(new.category_id, new)
            parent = _first(known.parent_id, new.parent_id)
            self.categories[new.category_id] = Category(
                new.category_id, known.name or new.name, parent
            )
        for new in page.courses:
            known = self.courses.get(new.course_id, new)
            self.courses[new.course_id] = Course(
                new.course_id,
                known.name or new.name,
                known.summary or new.summary,
                _first(known.category_id, new.category_id),
            )
        for url in page.pages:
            if self._within_start(category_id(url)):
                yield self.fetch(url, self.read)

    def _within_start(self, number: int | None) -> bool:
        """Whether a category is the one the crawl started from, or below it."""
        if self.start_category is None:
            return True
        seen = set()
        while number is not None and number not in seen:
            if number == self.start_category:
                return True
            seen.add(number)
            known = self.categories.get(number)
            number = known.parent_id if known else None
        return False


class SitemapSpider(_GuestSpider):
    """Read a sitemap and, for an index, every sitemap it lists.

    Given a site's root, the sitemaps its robots.txt names are read (``/sitemap.xml`` when it
    names none).
    """

    name = "catalogue-sitemap"

    def __init__(self, url: str, **kwargs: Any):
        super().__init__(url, **kwargs)
        self.entries: dict[str, SitemapEntry] = {}

    async def start(self):
        if urlsplit(self.url).path in ("", "/"):
            yield self.fetch(urljoin(self.url, "/robots.txt"), self.read_robots, any_status=True)
        else:
            yield self.fetch(self.url, self.read)

    def read_robots(self, response: Response):
        text = response.body.decode("utf-8", "replace") if response.status < 400 else ""
        for url in list(Protego.parse(text).sitemaps) or [urljoin(self.url, "/sitemap.xml")]:
            yield self.fetch(url, self.read)

    def read(self, response: Response):
        found = read_sitemap(response.body)
        for problem in found.problems:
            self.note(response.url, problem)
        for sitemap in found.sitemaps:
            yield self.fetch(sitemap.loc, self.read)
        for entry in found.urls:
            known = self.entries.get(entry.loc)
            if known is None or entry.lastmod > known.lastmod:
                self.entries[entry.loc] = entry


def _first(known: int | None, new: int | None) -> int | None:
    """What was known, else what is new."""
    return known if known is not None else new
