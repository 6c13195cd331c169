"""Run one spider in-process into a new raw run, resuming an unfinished one if asked."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess

from collectors import __version__
from collectors.checkpoint import checkpoint_payloads
from collectors.rawrun import RawRunWriter
from collectors.records import Run

__all__ = ["CollectOutcome", "collect", "engine_settings"]

_ENGINE = "collectors.engine"


def engine_settings(
    *,
    contact: str,
    rate_limits: dict[str, tuple[int, float]] | None = None,
    timeout: float = 30.0,
    max_retries: int = 4,
    backoff: float = 1.0,
    max_wait: float = 900.0,
    verbose: bool = False,
) -> dict[str, Any]:
    """Scrapy settings shared by every collector.

    Parameters
    ----------
    contact : str
        URL (or e-mail) where the people running a platform can reach whoever collects;
        it goes in the user agent.
    rate_limits : dict, optional
        ``host -> (requests, seconds)``: at most that many requests in that many seconds to
        the host (spaced evenly).
    timeout, max_retries, backoff, max_wait : float
        Download timeout; retries of 5xx and network errors; first back-off (doubled each
        time); longest rate-limit wait accepted before a page is given up.
    """
    slots = {
        host: {"delay": seconds / requests, "concurrency": 4}
        for host, (requests, seconds) in (rate_limits or {}).items()
    }
    return {
        "USER_AGENT": f"essaim/{__version__} (+{contact})",
        "ROBOTSTXT_OBEY": True,
        "HTTPERROR_ALLOW_ALL": True,
        "RETRY_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO" if verbose else "ERROR",
        "DOWNLOAD_TIMEOUT": timeout,
        "CONCURRENT_REQUESTS": 16,
        # Items go to one synchronous pipeline: Scrapy's default of 100 concurrent items
        # makes 100 asyncio tasks per response for nothing (most of a collection's CPU).
        "CONCURRENT_ITEMS": 2,
        # Callbacks are ``ApiSpider._received``: Scrapy's check of generator callbacks re-reads
        # its source for every response (its cache misses on bound methods).
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "DOWNLOAD_SLOTS": slots,
        "DOWNLOADER_MIDDLEWARES": {
            f"{_ENGINE}.middlewares.CheckpointMiddleware": 50,
            f"{_ENGINE}.middlewares.PoliteRetryMiddleware": 100,
            f"{_ENGINE}.middlewares.CrawlDelayMiddleware": 110,
        },
        "ITEM_PIPELINES": {f"{_ENGINE}.pipelines.RawRunPipeline": 100},
        "EXTENSIONS": {f"{_ENGINE}.progress.ProgressExtension": 0},
        "ESSAIM_MAX_RETRIES": max_retries,
        "ESSAIM_BACKOFF": backoff,
        "ESSAIM_MAX_WAIT": max_wait,
    }


@dataclass
class CollectOutcome:
    """How a collection ended: its closed run, the crawl statistics, a fatal message."""

    run: Run
    stats: dict[str, Any]
    fatal: str | None


def collect(
    spider_class: type,
    raw_dir: Path,
    *,
    query: str,
    parameters: dict[str, Any],
    settings: dict[str, Any],
    resume: Run | None = None,
    **spider_arguments: Any,
) -> CollectOutcome:
    """Crawl with ``spider_class`` into a new raw run and close it.

    With ``resume``, the new run finishes that run: its payloads answer the requests they
    answered before. The run ends "complete", "incomplete" (pages failed for good, or a
    fatal error) or "interrupted" (Ctrl-C, SIGTERM).
    """
    checkpoint = checkpoint_payloads(raw_dir, resume) if resume else {}
    run = RawRunWriter(
        raw_dir,
        spider_class.name,
        query,
        parameters,
        resumes=resume.run_id if resume else None,
    )
    process = AsyncCrawlerProcess(settings)
    if settings.get("LOG_LEVEL") == "ERROR":
        # robots.txt out of reach is logged with a traceback; the page itself then fails
        # and is reported, so the traceback only frightens users
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(spider_class)
    try:
        process.crawl(crawler, run=run, checkpoint=checkpoint, **spider_arguments)
        process.start()
    except BaseException:
        run.close("interrupted")
        raise
    stats = crawler.stats.get_stats()
    reason = stats.get("finish_reason")
    fatal = crawler.spider.fatal
    if reason == "shutdown":
        status = "interrupted"
    elif reason == "finished" and fatal is None:
        status = None
    else:
        status = "incomplete"
    return CollectOutcome(run.close(status), stats, fatal)
