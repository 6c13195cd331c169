"""The bases of spiders: every response is kept, failures are noted.

:class:`ApiSpider` decodes JSON bodies once; :class:`PageSpider` hands HTML pages over as
Scrapy responses (robots.txt and its crawl delay obeyed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from collectors.parsing import Parser
from collectors.rawrun import Payload, RawRunWriter
from collectors.speech import _

__all__ = ["ApiSpider", "CollectSpider", "Fetched", "PageSpider"]

#: Navigation callback: receives the decoded JSON body and the response, yields requests.
OnData = Callable[[Any, Response], Iterator[scrapy.Request]]
#: Navigation callback of pages: receives the response, yields requests.
OnPage = Callable[[Response], Iterator[scrapy.Request]]


@dataclass
class Fetched:
    """A response as received, on its way to the raw run (the item every spider yields)."""

    url: str
    body: bytes
    status: int | None = None
    method: str = "GET"
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class CollectSpider(scrapy.Spider):
    """What every spider shares: the raw run it writes to, checkpoints, failure notes.

    Each source's spider names its payload parser in ``parser`` (the engine never looks a
    source up: it knows no platform).

    Parameters
    ----------
    run : RawRunWriter
        The raw run the pipeline writes to (the engine passes it).
    checkpoint : dict
        Payloads a previous, unfinished run already received, by request key; the checkpoint
        middleware answers from it instead of the network.
    """

    parser: ClassVar[Parser]

    def __init__(self, run: RawRunWriter, checkpoint: dict[str, Payload], **kwargs: Any):
        super().__init__(**kwargs)
        self.run = run
        self.checkpoint = checkpoint
        self.fatal: str | None = None  # why the spider stopped early, in one sentence

    def _failed(self, failure: Failure):
        if failure.check(IgnoreRequest) and "robots" in failure.getErrorMessage().lower():
            self.crawler.stats.inc_value("essaim/robots_forbidden")
            return
        self.page_failed(failure.request.url, failure.getErrorMessage() or repr(failure.value))

    def page_failed(self, url: str, message: str) -> None:
        """Note a page given up for good; ``--resume`` will ask for it again."""
        self.run.add_incident("failed-page", url, message)
        self.crawler.stats.inc_value("essaim/failed_pages")

    def stop(self, message: str, /, **values: Any) -> None:
        """Stop the whole collection because of ``message`` (bad credentials…), a sentence
        marked ``N_`` whose ``{names}`` are ``values``: said in the language in use, kept in
        the run's incidents in English."""
        self.fatal = _(message).format(**values)
        self.run.add_incident("error", self.name, message.format(**values))
        raise CloseSpider("fatal")


class ApiSpider(CollectSpider):
    """A spider over a JSON API (robots.txt does not apply to APIs)."""

    custom_settings: ClassVar[dict[str, Any]] = {"ROBOTSTXT_OBEY": False}
    #: Attempts at a page whose body is not the JSON expected (truncated, HTML).
    bad_body_attempts = 3

    def get(
        self,
        url: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None,
        on_data: OnData,
        *,
        headers: dict[str, str] | None = None,
        note: dict[str, Any] | None = None,
        ok_statuses: tuple[int, ...] = (),
        dont_filter: bool = False,
    ) -> scrapy.Request:
        """Build a GET request whose JSON body goes to ``on_data``.

        ``note`` is stored with the payload as parameters the parser needs (never secrets);
        responses with a status in ``ok_statuses`` are normal answers, not failures.
        """
        query = urlencode(params or {}, doseq=True)
        return scrapy.Request(
            f"{url}?{query}" if query else url,
            headers=headers,
            callback=self._received,
            errback=self._failed,
            cb_kwargs={"on_data": on_data},
            meta={"params": params, "note": note or {}, "ok_statuses": ok_statuses},
            dont_filter=dont_filter,
        )

    def next_page(self, response: Response, cursor: str, name: str = "cursor") -> scrapy.Request:
        """The same request as ``response``'s, asking for the page after ``cursor``."""
        request = response.request
        params = request.meta["params"]
        pairs = params.items() if isinstance(params, dict) else params
        return self.get(
            request.url.split("?", 1)[0],
            [(key, value) for key, value in pairs if key != name] + [(name, cursor)],
            request.cb_kwargs["on_data"],
            headers=request.headers,
            note=request.meta["note"],
            ok_statuses=request.meta["ok_statuses"],
            dont_filter=request.dont_filter,
        )

    def _received(self, response: Response, on_data: OnData):
        yield fetched(response)
        request = response.request
        status = response.status
        if status >= 400:
            instead = self.refused(response)
            if instead is not None:
                yield from instead
            elif status not in request.meta["ok_statuses"]:
                self.page_failed(request.url, f"HTTP {status}{_error_text(response)}")
            return
        try:
            data = json.loads(response.body)
        except ValueError:
            attempt = request.meta.get("bad_body_attempt", 1)
            if attempt < self.bad_body_attempts:
                retry = request.replace(dont_filter=True)
                retry.meta["bad_body_attempt"] = attempt + 1
                retry.meta["skip_checkpoint"] = True
                yield retry
            else:
                start = response.body[:40].decode("utf-8", "replace")
                self.page_failed(request.url, f"the body is not JSON ({start!r}…)")
            return
        yield from on_data(data, response)

    def refused(self, response: Response) -> Iterator[scrapy.Request] | None:
        """What to do instead of failing a refused page (renew a session…); None: fail it."""
        return None


class PageSpider(CollectSpider):
    """A spider over web pages: robots.txt obeyed (its ``Crawl-delay`` too), HTML expected.

    Pages answering with an error status are noted as failed, except those in
    ``ok_statuses`` (a deleted topic's 404…), which reach ``on_page`` like any other.
    """

    def page(
        self,
        url: str,
        on_page: OnPage,
        *,
        note: dict[str, Any] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> scrapy.Request:
        """Build a GET request of ``url`` whose response goes to ``on_page``.

        ``note`` is stored with the payload as what the parser needs to read it.
        """
        return scrapy.Request(
            url,
            callback=self._page_received,
            errback=self._failed,
            cb_kwargs={"on_page": on_page},
            meta={"note": note or {}, "ok_statuses": ok_statuses},
        )

    def _page_received(self, response: Response, on_page: OnPage):
        yield fetched(response)
        request = response.request
        if response.status >= 400 and response.status not in request.meta["ok_statuses"]:
            self.page_failed(request.url, f"HTTP {response.status}")
            return
        if not isinstance(response, TextResponse):  # a PDF, an image: kept, not read
            self.crawler.stats.inc_value("essaim/not_pages")
            return
        yield from on_page(response)


def fetched(response: Response) -> Fetched:
    """The :class:`Fetched` item of a response (headers flattened, secrets dropped later)."""
    headers = {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }
    request = response.request
    return Fetched(
        url=request.url,
        body=response.body,
        status=response.status,
        method=request.method,
        params=request.meta.get("note", {}),
        headers=headers,
    )


def error_name(response: Response) -> str | None:
    """The ``error`` field of a JSON error body (``"ExpiredToken"``…), if any."""
    try:
        data = json.loads(response.body)
    except ValueError:
        return None
    return data.get("error") if isinstance(data, dict) else None


def _error_text(response: Response) -> str:
    """The platform's own error message, when the body carries one."""
    try:
        data = json.loads(response.body)
    except ValueError:
        kind = "an HTML page" if b"<html" in response.body[:500].lower() else "a non-JSON body"
        return f" ({kind})"
    if isinstance(data, dict):
        message = data.get("message") or data.get("error_description") or data.get("error")
        if message:
            return f": {message}"
    return ""
