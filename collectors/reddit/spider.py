"""The Reddit spider: submissions linking tracked resources, their crossposts and comments.

Reddit's API needs an OAuth app (since 2023; since November 2025 new apps need Reddit's
approval). The spider logs in "app-only" (client credentials, read from the environment:
``ESSAIM_REDDIT_CLIENT_ID`` and ``ESSAIM_REDDIT_CLIENT_SECRET``), then asks for the
submissions of each catalogue URL (``/api/info?url=``), each tracked domain's listing and a
``site:`` search; every submission linking a tracked domain gets its crossposts
(``/duplicates``) and its comment tree (``/comments``, hidden comments via
``/api/morechildren``, "continue this thread" branches via ``/comments/<id>/_/<comment>``).
A token expiring mid-run is renewed. Every request carries the user agent Reddit's API rules
ask for (:func:`user_agent`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import scrapy
from w3lib.http import basic_auth_header

from collectors import __version__
from collectors.engine import ApiSpider
from collectors.parsing import links_to, parse_datetime
from collectors.reddit.parsers import parse_payload, thing_links
from collectors.speech import N_

__all__ = ["RedditOptions", "RedditSpider", "user_agent"]

_PAGE = 100  # items per listing page (Reddit's maximum)
_MORE = 100  # comment ids per morechildren call


@dataclass
class RedditOptions:
    """What a Reddit collection asks for (stored in the run manifest, reused on resume)."""

    domains: list[str] = field(default_factory=list)  # tracked domains
    urls: list[str] = field(default_factory=list)  # exact resource URLs (/api/info)
    since: str | None = None  # ISO time: older submissions stop a listing's paging
    max_pages: int = 10  # pages per listing, continued branches per submission, at most
    comments: bool = True  # comment trees and crossposts
    auth: str = "https://www.reddit.com"
    api: str = "https://oauth.reddit.com"
    username: str = ""  # the Reddit account named in the user agent

    def query(self) -> str:
        return "reddit links to " + ", ".join(sorted(self.domains) + sorted(self.urls))

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


def user_agent(client_id: str, username: str, engine_agent: str) -> str:
    """The user agent Reddit's API rules ask for: ``<platform>:<app ID>:<version> (by
    /u/<username>)``, the app being the OAuth app (its client id) and the version essaim's.

    Without a username, the collector's contact, from the engine's agent
    (``essaim/<version> (+<contact>)``), stands in for it.

    >>> user_agent("AbC", "", "essaim/1 (+mailto:me@example.org)").endswith(
    ...     "(by essaim, contact mailto:me@example.org)")
    True
    """
    app = f"python:{client_id}:v{__version__}"
    if username:
        return f"{app} (by /u/{username})"
    contact = engine_agent.partition("(+")[2].removesuffix(")") or engine_agent
    return f"{app} (by essaim, contact {contact})"


class RedditSpider(ApiSpider):
    """Collect Reddit submissions and comments about tracked resources."""

    name = "reddit"
    parser = staticmethod(parse_payload)

    def __init__(self, options: RedditOptions, client_id: str, client_secret: str, **kw):
        super().__init__(**kw)
        self.options = options
        self._credentials = (client_id, client_secret)
        self.token: str | None = None
        self.awaiting_token: list[scrapy.Request] = []
        self.expanded: set[str] = set()
        self.continued: set[str] = set()  # comments whose branch was asked for
        self.continuations: Counter[str] = Counter()  # branches asked for, per submission
        self.since = parse_datetime(options.since)

    @property
    def agent(self) -> str:
        """This collection's user agent (Reddit's requests only)."""
        engine_agent = self.settings.get("USER_AGENT", "")
        return user_agent(self._credentials[0], self.options.username, engine_agent)

    def _token_request(self) -> scrapy.Request:
        return scrapy.Request(
            f"{self.options.auth}/api/v1/access_token",
            method="POST",
            body="grant_type=client_credentials",
            headers={
                "Authorization": basic_auth_header(*self._credentials),
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": self.agent,
            },
            callback=self.token_received,
            errback=self._failed,
            dont_filter=True,
        )

    async def start(self):
        yield self._token_request()

    def token_received(self, response):
        try:
            answer = json.loads(response.body)
        except ValueError:
            answer = {}
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if response.status != 200 or not token:
            reason = (isinstance(answer, dict) and answer.get("error")) or response.status
            self.stop(
                N_(
                    "Reddit refused the app's credentials ({reason}); check "
                    "ESSAIM_REDDIT_CLIENT_ID and ESSAIM_REDDIT_CLIENT_SECRET"
                ),
                reason=reason,
            )
        first = self.token is None
        self.token = token
        waiting, self.awaiting_token = self.awaiting_token, []
        for request in waiting:
            yield self._with_token(request)
        if first:
            yield from self.searches()

    def _with_token(self, request: scrapy.Request) -> scrapy.Request:
        renewed = request.replace(dont_filter=True)
        renewed.headers["Authorization"] = f"bearer {self.token}"
        renewed.meta["skip_checkpoint"] = True
        return renewed

    def _get(self, path: str, params, on_data, **kw) -> scrapy.Request:
        headers = {"Authorization": f"bearer {self.token}", "User-Agent": self.agent}
        url = f"{self.options.api}{path}"
        return self.get(url, {**dict(params), "raw_json": 1}, on_data, headers=headers, **kw)

    def refused(self, response):
        """A page refused because the token expired waits for a new token."""
        if response.status != 401 or self.token is None:
            return None
        return self._renew(response.request)

    def _renew(self, request: scrapy.Request) -> Iterator[scrapy.Request]:
        if request.headers.get("Authorization") != f"bearer {self.token}".encode():
            yield self._with_token(request)  # already renewed since it was sent
            return
        self.awaiting_token.append(request)
        if len(self.awaiting_token) == 1:
            yield self._token_request()

    def searches(self) -> Iterator[scrapy.Request]:
        for url in self.options.urls:
            yield self._get("/api/info", {"url": url}, self.listing)
        for domain in self.options.domains:
            yield self._get(f"/domain/{domain}/new", {"limit": _PAGE}, self.listing)
            query = {"q": f"site:{domain}", "sort": "new", "type": "link", "limit": _PAGE}
            yield self._get("/search", query, self.listing)

    def listing(self, data, response) -> Iterator[scrapy.Request]:
        if not isinstance(data, dict):
            return
        page = data.get("data") or {}
        too_old = False
        for child in page.get("children") or []:
            submission = child.get("data") or {}
            created = submission.get("created_utc")
            if self.since and created and created < self.since.timestamp():
                too_old = True
            yield from self.expand(submission)
        after, pages = page.get("after"), response.request.meta.get("pages", 1)
        if after and not too_old and pages < self.options.max_pages:
            request = self.next_page(response, after, name="after")
            request.meta["pages"] = pages + 1
            yield request

    def expand(self, submission: dict[str, Any]) -> Iterator[scrapy.Request]:
        """Ask once for the crossposts and comments of a submission linking a tracked domain."""
        name = submission.get("name", "")
        if not self.options.comments or name in self.expanded or not name.startswith("t3_"):
            return
        _, links = thing_links(submission)
        if not any(links_to(link, self.options.domains) for link in links):
            return
        self.expanded.add(name)
        id36 = name[3:]
        yield self._get(f"/duplicates/{id36}", {"limit": _PAGE}, self.listings)
        yield self._get(f"/comments/{id36}", {"limit": 500}, self.comments)

    def listings(self, data, response) -> Iterator[scrapy.Request]:
        for listing in data if isinstance(data, list) else []:
            for child in (listing.get("data") or {}).get("children") or []:
                yield from self.expand(child.get("data") or {})

    def comments(self, data, response) -> Iterator[scrapy.Request]:
        """A comment tree (or a branch of it): ask for what it hides."""
        if not isinstance(data, list) or len(data) < 2:
            return
        submission = data[0]["data"]["children"][0]["data"]["name"]
        things = list(_things(data[1]["data"]["children"]))
        hidden = list(_hidden(things))
        for start in range(0, len(hidden), _MORE):
            ids = ",".join(hidden[start : start + _MORE])
            params = {"api_type": "json", "link_id": submission, "children": ids}
            yield self._get("/api/morechildren", params, self.more_children)
        yield from self._continue(submission, _continued(things))

    def more_children(self, data, response) -> Iterator[scrapy.Request]:
        """Hidden comments come back flat, records and all; only their "continue this
        thread" stubs are followed."""
        if not isinstance(data, dict):
            return
        things = ((data.get("json") or {}).get("data") or {}).get("things") or []
        submission = response.meta["params"]["link_id"]
        yield from self._continue(submission, _continued(things))

    def _continue(self, submission: str, parents: Iterable[str]) -> Iterator[scrapy.Request]:
        """Ask for the branches continued under ``parents`` (comment fullnames), each once and
        at most ``max_pages`` per submission; the answer is a comment tree like the first."""
        for parent in parents:
            if parent in self.continued or self.continuations[submission] >= self.options.max_pages:
                continue
            self.continued.add(parent)
            self.continuations[submission] += 1
            path = f"/comments/{submission[3:]}/_/{parent[3:]}"
            yield self._get(path, {"limit": 500}, self.comments)


def _things(children: list) -> Iterator[dict[str, Any]]:
    """Every thing of a comment tree, replies included."""
    for child in children:
        if isinstance(child, dict):
            yield child
            replies = (child.get("data") or {}).get("replies")
            if isinstance(replies, dict):
                yield from _things((replies.get("data") or {}).get("children") or [])


def _hidden(things: list[dict[str, Any]]) -> Iterator[str]:
    """The ids of comments hidden behind "more" placeholders."""
    for thing in things:
        if thing.get("kind") == "more":
            yield from (thing.get("data") or {}).get("children") or []


def _continued(things: list[dict[str, Any]]) -> Iterator[str]:
    """The comments under which a "continue this thread" stub says the branch goes on (a
    "more" with no children, id ``_``, whose ``parent_id`` is that comment)."""
    for thing in things:
        data = thing.get("data") or {}
        parent = data.get("parent_id")
        stub = thing.get("kind") == "more" and not data.get("children")
        if stub and isinstance(parent, str) and parent.startswith("t1_"):
            yield parent
