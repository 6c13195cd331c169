"""Downloader middlewares: answers from checkpoints, and polite retries.

:class:`CheckpointMiddleware` answers a request from the payloads an unfinished run already
received, so a resumed collection asks the network only for what is missing.
:class:`PoliteRetryMiddleware` replaces Scrapy's retry middleware: on 429 (and 503 with a
reset header) it waits until the time the platform names, for the whole host, then asks
again; on other 5xx and on network errors it backs off exponentially.
:class:`CrawlDelayMiddleware` slows a host down to the ``Crawl-delay`` of its robots.txt.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from protego import Protego
from scrapy import Request
from scrapy.http import Response, TextResponse

from collectors.checkpoint import request_key

__all__ = ["CheckpointMiddleware", "CrawlDelayMiddleware", "PoliteRetryMiddleware", "reset_wait"]


class CheckpointMiddleware:
    """Answer requests already answered in the run being resumed."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> Response | None:
        if request.meta.get("skip_checkpoint"):
            return None
        key = request_key(request.method, request.url, request.meta.get("note"))
        payload = self.crawler.spider.checkpoint.get(key)
        if payload is None:
            return None
        self.crawler.stats.inc_value("essaim/from_checkpoint")
        return TextResponse(
            request.url,
            status=payload.status or 200,
            headers=payload.headers,
            body=payload.content(),
            request=request,
            flags=["checkpoint"],
        )


def reset_wait(headers: dict[str, str], now: float) -> float | None:
    """Seconds to wait before asking again, from a rate-limited response's headers.

    Reads ``Retry-After`` (seconds or an HTTP date), ``ratelimit-reset`` (unix seconds as
    Bluesky sends it, or seconds from now as the IETF draft has it) and
    ``X-RateLimit-Reset`` (an ISO 8601 time, as Mastodon sends it). ``now`` is unix time.

    >>> reset_wait({"Retry-After": "30"}, now=0)
    30.0
    >>> reset_wait({"ratelimit-reset": "1767225660"}, now=1767225600)
    60.0
    >>> reset_wait({"X-RateLimit-Reset": "2026-01-01T00:01:30Z"}, now=1767225600)
    90.0
    >>> reset_wait({}, now=0) is None
    True
    """
    lowered = {key.lower(): value.strip() for key, value in headers.items()}
    for name in ("retry-after", "ratelimit-reset", "x-ratelimit-reset"):
        value = lowered.get(name)
        if not value:
            continue
        moment = _moment(value, now)
        if moment is not None:
            return max(0.0, moment - now)
    return None


def _moment(value: str, now: float) -> float | None:
    """The unix time a reset header names (absolute, or relative to ``now``)."""
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return number if number > 1e9 else now + number
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            moment = parse(value)
        except (TypeError, ValueError):
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


class PoliteRetryMiddleware:
    """Wait out rate limits host by host; retry server and network errors with back-off.

    Settings: ``ESSAIM_MAX_RETRIES`` (attempts after the first, for 5xx and network errors),
    ``ESSAIM_BACKOFF`` (first back-off in seconds, doubled each time), ``ESSAIM_MAX_WAIT``
    (longest rate-limit wait accepted; beyond it the page fails and ``--resume`` picks it up)
    and ``ESSAIM_RATE_LIMIT_RETRIES``.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.max_retries = settings.getint("ESSAIM_MAX_RETRIES", 4)
        self.backoff = settings.getfloat("ESSAIM_BACKOFF", 1.0)
        self.max_wait = settings.getfloat("ESSAIM_MAX_WAIT", 900.0)
        self.rate_limit_retries = settings.getint("ESSAIM_RATE_LIMIT_RETRIES", 10)
        self.paused_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        delay = self.paused_until.get(host, 0.0) - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if "checkpoint" in response.flags or response.status < 429:
            return response
        if response.status in (429, 503):
            headers = {
                key.decode("latin-1"): values[-1].decode("latin-1")
                for key, values in response.headers.items()
            }
            wait = reset_wait(headers, time.time())
            if response.status == 429 or wait is not None:
                return self._rate_limited(request, response, wait)
        if response.status >= 500:
            return self._retry(request, f"HTTP {response.status}") or response
        return response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        return self._retry(request, f"{type(exception).__name__}: {exception}")

    def _rate_limited(self, request: Request, response: Response, wait: float | None):
        waits = request.meta.get("rate_limit_waits", 0)
        if wait is None:
            wait = self.backoff * 2**waits
        if waits >= self.rate_limit_retries or wait > self.max_wait:
            return response  # the spider notes the page as failed
        host = urlsplit(request.url).netloc
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.time() + wait)
        self.crawler.spider.run.add_incident(
            "rate-limit", request.url, f"HTTP {response.status}: waited {wait:.1f} s", wait
        )
        self.crawler.stats.inc_value("essaim/rate_limit_waits")
        self.crawler.stats.inc_value("essaim/rate_limit_seconds", wait)
        return self._again(request, rate_limit_waits=waits + 1)

    def _retry(self, request: Request, reason: str) -> Request | None:
        retries = request.meta.get("retries", 0)
        if retries >= self.max_retries:
            return None
        self.crawler.stats.inc_value("essaim/retries")
        retry = self._again(request, retries=retries + 1)
        host = urlsplit(request.url).netloc
        wait = self.backoff * 2**retries
        self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.time() + wait)
        return retry

    @staticmethod
    def _again(request: Request, **counters: Any) -> Request:
        retry = request.replace(dont_filter=True)
        retry.meta.update(counters)
        return retry


class CrawlDelayMiddleware:
    """Space the requests to a host by the ``Crawl-delay`` its robots.txt asks for.

    Scrapy reads robots.txt for its ``Disallow`` rules only; this middleware sees the same
    response go by and lengthens the host's download delay (never shortens it).
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if urlsplit(request.url).path != "/robots.txt" or response.status != 200:
            return response
        agent = self.crawler.settings.get("USER_AGENT", "")
        rules = Protego.parse(response.body.decode("utf-8", "replace"))
        delay = rules.crawl_delay(agent)
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if delay and slot is not None and delay > slot.delay:
            slot.delay = float(delay)
            self.crawler.stats.set_value("essaim/crawl_delay", float(delay))
        return response
