"""Progress of a collection on the terminal: requests, records, rate-limit waits."""

from __future__ import annotations

from rich.console import Console
from scrapy import signals
from twisted.internet.task import LoopingCall

__all__ = ["ProgressExtension", "describe"]


def describe(stats: dict) -> str:
    """One line saying how far a collection is.

    >>> describe({"downloader/request_count": 12, "item_scraped_count": 11,
    ...           "essaim/records": 340, "essaim/rate_limit_waits": 1,
    ...           "essaim/rate_limit_seconds": 3.2})
    '12 requests · 11 payloads · 340 records · 1 rate-limit waits (3 s) · 0 failed pages'
    """
    return (
        f"{stats.get('downloader/request_count', 0)} requests · "
        f"{stats.get('item_scraped_count', 0)} payloads · "
        f"{stats.get('essaim/records', 0)} records · "
        f"{stats.get('essaim/rate_limit_waits', 0)} rate-limit waits "
        f"({stats.get('essaim/rate_limit_seconds', 0):.0f} s) · "
        f"{stats.get('essaim/failed_pages', 0)} failed pages"
    )


class ProgressExtension:
    """Show :func:`describe` twice a second on an interactive terminal (stderr)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.console = Console(stderr=True)
        self.status = None
        self.loop = LoopingCall(self.update)

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        if extension.console.is_terminal:
            crawler.signals.connect(extension.opened, signal=signals.spider_opened)
            crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider) -> None:
        self.status = self.console.status(f"{spider.name}: starting")
        self.status.start()
        self.loop.start(0.5)

    def update(self) -> None:
        name = self.crawler.spider.name
        self.status.update(f"{name}: {describe(self.crawler.stats.get_stats())}")

    def closed(self, spider) -> None:
        if self.loop.running:
            self.loop.stop()
        self.status.stop()
