"""The pipeline every spider shares: keep the payload, parse it, keep the records."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.utils.defer import deferred_from_coro

from collectors.parsing import ParseContext, ParseError, guarded
from collectors.speech import _

__all__ = ["RawRunPipeline"]


class RawRunPipeline:
    """Write each fetched payload to the run, then the records its parser makes of it.

    A payload the parser cannot read is kept, and noted as an incident; the run goes on.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        spider = self.crawler.spider
        try:
            self._keep(spider, ItemAdapter(item).asdict())
        except OSError as error:  # a full disk: stop the collection, say which file
            if spider.fatal is None:
                spider.fatal = _("cannot write {file}: {reason}").format(
                    file=error.filename, reason=error.strerror
                )
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="fatal"))
        return item

    def _keep(self, spider, fields: dict) -> None:
        run = spider.run
        payload = run.add_payload(fields.pop("body"), **fields)
        context = ParseContext(spider.name, run.run_id, payload.received_at)
        try:
            records = guarded(type(spider).parser)(payload, context)
        except ParseError as error:
            run.add_incident("error", f"payload {payload.seq} from {payload.url}", str(error))
            records = []
        run.add_ignored(context.ignored)
        run.add_records(records)
        run.flush()
        self.crawler.stats.inc_value("essaim/records", len(records))
