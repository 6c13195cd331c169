"""Progress of a collection on the terminal: requests, records, rate-limit waits."""

from __future__ import annotations

from rich.console import Console
from scrapy import signals
from twisted.internet.task import LoopingCall

from collectors.speech import _, ngettext

__all__ = ["ProgressExtension", "describe"]


def describe(stats: dict) -> str:
    """One line saying how far a collection is.

    >>> describe({"downloader/request_count": 12, "item_scraped_count": 11,
    ...           "essaim/records": 340, "essaim/rate_limit_waits": 1,
    ...           "essaim/rate_limit_seconds": 3.2})
    '12 requests · 11 payloads · 340 records · 1 rate-limit wait (3 s) · 0 failed pages'
    """
    requests = stats.get("downloader/request_count", 0)
    payloads = stats.get("item_scraped_count", 0)
    records = stats.get("essaim/records", 0)
    waits = stats.get("essaim/rate_limit_waits", 0)
    failed = stats.get("essaim/failed_pages", 0)
    seconds = f"{stats.get('essaim/rate_limit_seconds', 0):.0f}"
    return " · ".join(
        [
            ngettext("{n} request", "{n} requests", requests).format(n=requests),
            ngettext("{n} payload", "{n} payloads", payloads).format(n=payloads),
            ngettext("{n} record", "{n} records", records).format(n=records),
            ngettext(
                "{n} rate-limit wait ({seconds} s)", "{n} rate-limit waits ({seconds} s)", waits
            ).format(n=waits, seconds=seconds),
            ngettext("{n} failed page", "{n} failed pages", failed).format(n=failed),
        ]
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
        self.status = self.console.status(_("{name}: starting").format(name=spider.name))
        self.status.start()
        self.loop.start(0.5)

    def update(self) -> None:
        name = self.crawler.spider.name
        said = describe(self.crawler.stats.get_stats())
        self.status.update(_("{name}: {progress}").format(name=name, progress=said))

    def closed(self, spider) -> None:
        if self.loop.running:
            self.loop.stop()
        self.status.stop()
