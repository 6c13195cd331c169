"""The Telegram spider: a public channel's web preview, page after page back in time.

``https://t.me/s/<channel>`` shows the latest messages; the page of older ones is
``?before=<number>``. Telegram sometimes omits the link to older messages mid-history: the
spider then asks for the messages before the oldest one it has. It stops at ``since``, at
the first message, or at the page budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import scrapy

from collectors.engine import PageSpider
from collectors.parsing import parse_datetime
from collectors.telegram.parsers import parse_payload, read_channel_page

__all__ = ["TelegramOptions", "TelegramSpider"]


@dataclass
class TelegramOptions:
    """What a Telegram collection asks for (stored in the run manifest, reused on resume)."""

    channels: list[str] = field(default_factory=list)  # public channel names, without "@"
    since: str | None = None  # ISO time: older messages stop the paging
    max_pages: int = 200  # pages read per channel at most (about 20 messages each)
    base: str = "https://t.me"

    def query(self) -> str:
        return "telegram channels " + ", ".join(sorted(self.channels))

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class TelegramSpider(PageSpider):
    """Read public Telegram channels' messages through their web preview."""

    name = "telegram"
    parser = staticmethod(parse_payload)

    def __init__(self, options: TelegramOptions, **kw):
        super().__init__(**kw)
        self.options = options
        self.since = parse_datetime(options.since)

    def _page(self, channel: str, before: int | None, pages: int) -> scrapy.Request:
        query = f"?before={before}" if before else ""
        request = self.page(f"{self.options.base}/s/{channel}{query}", self.channel_page)
        request.meta.update(channel=channel, before=before, pages=pages)
        return request

    async def start(self):
        for channel in self.options.channels:
            yield self._page(channel.lstrip("@"), None, 1)

    def channel_page(self, response) -> Iterator[scrapy.Request]:
        meta = response.request.meta
        page = read_channel_page(response.selector)
        if page.channel is None or not page.numbers:
            return
        oldest = min(page.numbers)
        before = int(page.older) if page.older and page.older.isdigit() else oldest
        times = response.css(".tgme_widget_message_date time::attr(datetime)").getall()
        too_old = self.since is not None and any(
            (moment := parse_datetime(value)) and moment < self.since for value in times
        )
        went_back = meta["before"] is None or before < meta["before"]
        if before > 1 and went_back and not too_old:
            if meta["pages"] >= self.options.max_pages:
                self.crawler.stats.inc_value("essaim/over_page_budget")
                return
            yield self._page(meta["channel"], before, meta["pages"] + 1)
