"""The Matomo spider: a site's description, then five reports per day over the period.

Every request is a POST to ``index.php``: the report's parameters (``module=API``,
``method``, ``idSite``, ``period=day``, ``date=FROM,TO``, ``format=JSON``) in the URL, which
the run keeps, and ``token_auth`` in the body, which it does not. ``SitesManager.getSiteFromId``
names the site's host (its ``main_url``); the reports follow, at most
:data:`DAYS_PER_REQUEST` days each: the visits by social network, by campaign and by page,
and the pages' visits from social networks and from campaigns (the pages report segmented by
referrer type). Matomo refuses a token, an unknown site or a disabled
report with HTTP 200 and ``{"result": "error", "message": …}``: the token and the site stop
the collection, a report fails alone; either way the run is incomplete and ``--resume``
asks again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response

from collectors.engine import ApiSpider
from collectors.matomo.parsers import REPORTS, SEGMENTS, error_message, parse_payload
from collectors.speech import N_

__all__ = ["DAYS_PER_REQUEST", "MatomoOptions", "MatomoSpider"]

DAYS_PER_REQUEST = 31  # days of one report per request
_SITE = "SitesManager.getSiteFromId"
_PAGES = "Actions.getPageUrls"
#: The reports asked: each method, then the pages report of each segment.
_ASKED = [(method, None) for method in REPORTS] + [(_PAGES, segment) for segment in SEGMENTS]
#: Words of Matomo's messages for a token it refuses or that cannot see the site.
_TOKEN_WORDS = ("token", "authenticat", "access", "permission", "login")


@dataclass
class MatomoOptions:
    """What a Matomo collection asks for (stored in the run manifest, reused on resume)."""

    url: str  # the Matomo instance, e.g. https://stats.example.org
    site_id: int  # the site's id in Matomo (idSite)
    since: str  # first day, YYYY-MM-DD
    until: str  # last day, YYYY-MM-DD

    def query(self) -> str:
        return f"matomo {self.url} site {self.site_id}"

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class MatomoSpider(ApiSpider):
    """Read a site's visits by social network, by campaign and by page, day by day."""

    name = "matomo"
    parser = staticmethod(parse_payload)

    def __init__(self, options: MatomoOptions, token: str, **kw):
        super().__init__(**kw)
        self.options = options
        self.endpoint = options.url.rstrip("/") + "/index.php"
        self._body = urlencode({"token_auth": token})

    async def start(self):
        yield self.ask({"method": _SITE}, self.site)

    def ask(self, params: dict[str, Any], on_data, note: dict[str, Any] | None = None):
        """A POST of one API call: ``params`` in the URL, the token in the body."""
        query = {"module": "API", "idSite": self.options.site_id, "format": "JSON", **params}
        return scrapy.Request(
            f"{self.endpoint}?{urlencode(query)}",
            method="POST",
            body=self._body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            callback=self._received,
            errback=self._failed,
            cb_kwargs={"on_data": on_data},
            meta={"params": query, "note": note or {}, "ok_statuses": ()},
        )

    def site(self, data, response: Response) -> Iterator[scrapy.Request]:
        message = error_message(data)
        if message is not None:
            yield from self.error_answer(message, response)
            return
        main_url = data.get("main_url") if isinstance(data, dict) else None
        host = urlsplit(main_url).hostname if isinstance(main_url, str) else None
        note = {"site": host or urlsplit(self.options.url).hostname}
        first, last = date.fromisoformat(self.options.since), date.fromisoformat(self.options.until)
        while first <= last:
            end = min(last, first + timedelta(days=DAYS_PER_REQUEST - 1))
            for method, segment in _ASKED:
                params = {"method": method, "period": "day", "date": f"{first},{end}"}
                params["filter_limit"] = -1  # every row, not the first 100
                if method == _PAGES:
                    params["flat"] = 1  # pages with their URLs, not a tree of folders
                if segment is not None:
                    params["segment"] = segment
                yield self.ask(params, self.report, note)
            first = end + timedelta(days=1)

    def report(self, data, response: Response) -> Iterator[scrapy.Request]:
        message = error_message(data)
        if message is not None:
            yield from self.error_answer(message, response)

    def error_answer(self, message: str, response: Response) -> Iterator[scrapy.Request]:
        """Deal with Matomo's error answer: asked again when it came from the run being resumed,
        else the collection stops (the token, the site) or the page fails (anything else)."""
        if "checkpoint" in response.flags:  # refused last time: ask Matomo again
            yield _again(response.request)
            return
        lowered = message.lower()
        if any(word in lowered for word in _TOKEN_WORDS):
            self.stop(N_("Matomo refused the token: {message}"), message=message)
        if "site" in lowered:
            self.stop(
                N_("Matomo does not know site {site}: {message}"),
                site=self.options.site_id,
                message=message,
            )
        params = response.request.meta["params"]
        asked = params["method"] + (f" ({params['segment']})" if "segment" in params else "")
        self.page_failed(response.request.url, f"Matomo answered an error for {asked}: {message}")


def _again(request: scrapy.Request) -> scrapy.Request:
    """``request`` asked of the network, not of the checkpoint."""
    again = request.replace(dont_filter=True)
    again.meta["skip_checkpoint"] = True
    return again
