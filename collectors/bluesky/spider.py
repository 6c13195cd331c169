"""The Bluesky spider: search posts linking to tracked resources, then their interactions.

For each tracked domain and catalogue URL, ``searchPosts`` (logged in: Bluesky no longer
serves search to logged-out clients) is paged with its cursor; when a cursor chain ends at
the ~10,000-result cap, a new chain starts with ``until`` set just after the oldest post seen.
For every post found, every quote of it and every reply to it, the public AppView gives
quotes, reposters and the reply thread (only those its counts say exist); the authors and
sharers get their profiles (follower counts). Optionally:
the accounts sharers follow (``--follows``) and repost times read from the reposters'
repositories (``--repost-times``), found through their DID documents (the PLC directory
for ``did:plc``, the account's own host for ``did:web``). An access token that expires
during a long run is renewed with ``refreshSession`` and the refused pages are asked again;
tokens live in memory only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from collectors.bluesky.parsers import parse_did_document, parse_payload
from collectors.engine import ApiSpider
from collectors.engine.spider import error_name
from collectors.parsing import parse_datetime
from collectors.speech import N_

__all__ = ["BlueskyOptions", "BlueskySpider", "did_document_url"]

_PROFILES_PER_CALL = 25  # app.bsky.actor.getProfiles accepts at most 25 actors
_PAGE = 100  # the largest page every listing endpoint accepts
_MAX_REPOSITORY_PAGES = 20  # pages of someone's reposts read to find one repost


@dataclass
class BlueskyOptions:
    """What a Bluesky collection asks for (stored in the run manifest, reused on resume)."""

    domains: list[str] = field(default_factory=list)  # searchPosts domain=
    urls: list[str] = field(default_factory=list)  # searchPosts url=
    queries: list[str] = field(default_factory=list)  # plain full-text queries
    since: str | None = None  # ISO time, inclusive
    until: str | None = None  # ISO time, exclusive
    interactions: bool = True  # quotes, reposters, threads, profiles
    follows: bool = False  # follow lists of sharers
    max_follows: int = 1000  # follows read per sharer at most
    repost_times: bool = False  # repost times from the reposters' repositories
    window_cap: int = 10_000  # results after which a search chain is cut into a new window
    service: str = "https://bsky.social"  # login and search host
    appview: str = "https://public.api.bsky.app"  # logged-out reads
    plc: str = "https://plc.directory"  # DID documents (repository hosts)

    def query(self) -> str:
        """The query in words, the same for the same searches (used by ``--since last``)."""
        terms = [f"domain:{d}" for d in sorted(self.domains)]
        terms += [f"url:{u}" for u in sorted(self.urls)]
        terms += [f"text:{q}" for q in sorted(self.queries)]
        return " OR ".join(terms)

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class BlueskySpider(ApiSpider):
    """Collect Bluesky posts that link to tracked resources, with their interactions."""

    name = "bluesky"
    parser = staticmethod(parse_payload)

    def __init__(self, options: BlueskyOptions, handle: str | None, password: str | None, **kw):
        super().__init__(**kw)
        self.options = options
        self._login = (handle, password)
        self.token: str | None = None
        self.refresh_token: str | None = None
        self.awaiting_session: list[scrapy.Request] = []  # refused while the token expired
        self.unprofiled: list[str] = []  # accounts whose profiles wait for a full batch
        self.expanded: set[str] = set()
        self.profiled: set[str] = set()
        self.repository_hosts: dict[str, str | None] = {}  # DID -> PDS, once read
        self.awaiting_host: dict[str, list[str]] = {}  # DID -> reposted posts waiting for it

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    def xrpc(self, host: str, nsid: str) -> str:
        return f"{host.rstrip('/')}/xrpc/{nsid}"

    async def start(self):
        handle, password = self._login
        body = json.dumps({"identifier": handle, "password": password})
        yield scrapy.Request(
            self.xrpc(self.options.service, "com.atproto.server.createSession"),
            method="POST",
            body=body,
            headers={"Content-Type": "application/json"},
            callback=self.logged_in,
            errback=self._failed,
            dont_filter=True,
        )

    def logged_in(self, response):
        refusal = self._open_session(response)
        if refusal:
            self.stop(
                N_(
                    "Bluesky refused the login of {handle} ({refusal}); check "
                    "ESSAIM_BLUESKY_HANDLE and ESSAIM_BLUESKY_APP_PASSWORD (an app password)"
                ),
                handle=repr(self._login[0]),
                refusal=refusal,
            )
        options = self.options
        searches = [{"q": d, "domain": d} for d in options.domains]
        searches += [{"q": u, "url": u} for u in options.urls]
        searches += [{"q": q} for q in options.queries]
        for search in searches:
            yield self.search({**search, "sort": "latest", "limit": _PAGE}, until=options.until)

    def _open_session(self, response) -> str | None:
        """Keep the tokens of a session response; the reason when there is none."""
        try:
            session = json.loads(response.body)
        except ValueError:
            session = {}
        if response.status != 200 or not isinstance(session, dict) or "accessJwt" not in session:
            return (
                isinstance(session, dict) and session.get("message")
            ) or f"HTTP {response.status}"
        self.token, self.refresh_token = session["accessJwt"], session.get("refreshJwt")
        return None

    def refused(self, response):
        """A page refused because the access token expired is asked again with a new one."""
        sent = response.request.headers.get("Authorization")
        if sent is None or error_name(response) != "ExpiredToken":
            return None
        return self._renew_session(response.request, sent.decode())

    def _renew_session(self, request: scrapy.Request, sent: str) -> Iterator[scrapy.Request]:
        if sent != f"Bearer {self.token}":  # the session was renewed since it was asked
            yield self._with_token(request)
            return
        self.awaiting_session.append(request)
        if len(self.awaiting_session) == 1:  # one refreshSession for every waiting page
            yield scrapy.Request(
                self.xrpc(self.options.service, "com.atproto.server.refreshSession"),
                method="POST",
                headers={"Authorization": f"Bearer {self.refresh_token}"},
                callback=self.session_renewed,
                errback=self._failed,
                dont_filter=True,
            )

    def session_renewed(self, response) -> Iterator[scrapy.Request]:
        refusal = self._open_session(response)
        if refusal:
            self.stop(
                N_(
                    "Bluesky ended the session and refused to renew it ({refusal}); "
                    "run the same command with --resume to log in again and go on"
                ),
                refusal=refusal,
            )
        waiting, self.awaiting_session = self.awaiting_session, []
        for request in waiting:
            yield self._with_token(request)

    def _with_token(self, request: scrapy.Request) -> scrapy.Request:
        renewed = request.replace(dont_filter=True)
        renewed.headers["Authorization"] = f"Bearer {self.token}"
        return renewed

    # --- search ------------------------------------------------------------------------

    def search(self, params: dict[str, Any], until: str | None, cursor: str | None = None):
        full = dict(params)
        if self.options.since:
            full["since"] = self.options.since
        if until:
            full["until"] = until
        if cursor:
            full["cursor"] = cursor
        return self.get(
            self.xrpc(self.options.service, "app.bsky.feed.searchPosts"),
            full,
            lambda data, response: self.searched(data, params, until, response),
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def searched(self, data, params, until, response) -> Iterator[scrapy.Request]:
        posts = [view for view in data.get("posts") or [] if isinstance(view, dict)]
        for view in posts:
            yield from self.expand(view)
        chain = response.request.meta.get("chain", 0) + len(posts)
        if data.get("cursor") and posts:
            request = self.search(params, until, data["cursor"])
            request.meta["chain"] = chain
            yield request
        elif posts and chain >= self.options.window_cap:
            oldest = min(filter(None, (_created(view) for view in posts)), default=None)
            if oldest is not None:
                new_until = (oldest + timedelta(milliseconds=1)).isoformat()
                if new_until != until:
                    yield self.search(params, new_until)

    # --- interactions ------------------------------------------------------------------

    def expand(self, view: dict[str, Any], thread: bool = True) -> Iterator[scrapy.Request]:
        """Ask for the interactions of a post (once per post), skipping those its counts say
        it has none of; ``thread=False`` for a reply read within its thread already."""
        uri, author = view.get("uri"), (view.get("author") or {}).get("did")
        yield from self.profiles([author])
        if not isinstance(uri, str) or uri in self.expanded or not self.options.interactions:
            return
        self.expanded.add(uri)
        appview = self.options.appview
        listing = {"uri": uri, "limit": _PAGE}
        if view.get("quoteCount") != 0:
            yield self.get(self.xrpc(appview, "app.bsky.feed.getQuotes"), listing, self.quotes)
        if view.get("repostCount") != 0:
            yield self.get(self.xrpc(appview, "app.bsky.feed.getRepostedBy"), listing, self.reposts)
        if thread and view.get("replyCount") != 0:
            yield self.get(
                self.xrpc(appview, "app.bsky.feed.getPostThread"),
                {"uri": uri, "depth": 1000, "parentHeight": 0},
                self.thread,
            )

    def quotes(self, data, response):
        for view in data.get("posts") or []:
            if isinstance(view, dict):
                yield from self.expand(view)
        if data.get("cursor"):
            yield self.next_page(response, data["cursor"])

    def reposts(self, data, response):
        dids = [p.get("did") for p in data.get("repostedBy") or [] if isinstance(p, dict)]
        yield from self.profiles(dids)
        subject = data.get("uri")
        if self.options.repost_times and isinstance(subject, str):
            for did in filter(None, dids):
                yield from self.repost_time(did, subject)
        if data.get("cursor"):
            yield self.next_page(response, data["cursor"])

    def thread(self, data, response):
        root = data.get("thread")
        pending = [root]
        while pending:
            node = pending.pop()
            if isinstance(node, dict) and isinstance(node.get("post"), dict):
                if node is root:
                    yield from self.profiles([(node["post"].get("author") or {}).get("did")])
                else:  # a reply: its quotes and reposts too
                    yield from self.expand(node["post"], thread=False)
                pending.extend(node.get("replies") or [])

    def profiles(self, dids) -> Iterator[scrapy.Request]:
        """Ask for the profiles (follower counts), and follows, of accounts not seen yet.

        Profiles are asked 25 at a time; the last, smaller batch when the crawl runs dry.
        """
        new = sorted({did for did in dids if isinstance(did, str)} - self.profiled)
        self.profiled.update(new)
        if self.options.interactions:
            self.unprofiled.extend(new)
            while len(self.unprofiled) >= _PROFILES_PER_CALL:
                yield self._profile_batch()
        if self.options.follows:
            url = self.xrpc(self.options.appview, "app.bsky.graph.getFollows")
            for did in new:
                yield self.get(url, {"actor": did, "limit": _PAGE}, self.follows)

    def _profile_batch(self) -> scrapy.Request:
        batch = self.unprofiled[:_PROFILES_PER_CALL]
        del self.unprofiled[:_PROFILES_PER_CALL]
        url = self.xrpc(self.options.appview, "app.bsky.actor.getProfiles")
        return self.get(url, [("actors", did) for did in batch], _nothing)

    def idle(self) -> None:
        """Before closing, ask for the profiles still waiting for a full batch."""
        if self.unprofiled:
            while self.unprofiled:
                self.crawler.engine.crawl(self._profile_batch())
            raise DontCloseSpider

    def follows(self, data, response):
        seen = response.request.meta.get("seen", 0) + len(data.get("follows") or [])
        if data.get("cursor") and seen < self.options.max_follows:
            request = self.next_page(response, data["cursor"])
            request.meta["seen"] = seen
            yield request

    # --- repost times --------------------------------------------------------------------

    def repost_time(self, did: str, subject: str) -> Iterator[scrapy.Request]:
        """Find when ``did`` reposted ``subject``, reading its DID document once; the
        reposts seen while the document was on its way are looked for in one reading."""
        if did in self.repository_hosts:
            yield from self.repository(did, [subject])
        elif did in self.awaiting_host:
            self.awaiting_host[did].append(subject)
        else:
            self.awaiting_host[did] = [subject]
            url = did_document_url(did, self.options.plc)
            if url is None:
                self.page_failed(did, "a DID method without repository host (not plc or web)")
                self.repository_hosts[did] = None
                return
            yield self.get(url, None, lambda document, _: self.host_found(document, did, url))

    def host_found(self, document, did: str, url: str) -> Iterator[scrapy.Request]:
        pds = parse_did_document(document) if isinstance(document, dict) else None
        self.repository_hosts[did] = pds
        if pds is None:
            self.page_failed(url, "no repository host in the DID document")
        yield from self.repository(did, self.awaiting_host.pop(did, []))

    def repository(self, did: str, subjects: list[str]) -> Iterator[scrapy.Request]:
        """Read the reposter's repository, on the host its DID document names."""
        pds = self.repository_hosts[did]
        if pds is None or not subjects:
            return
        yield self.get(
            self.xrpc(pds, "com.atproto.repo.listRecords"),
            {"repo": did, "collection": "app.bsky.feed.repost", "limit": _PAGE},
            lambda data, response: self.reposted(data, response, set(subjects)),
            note={"subjects": subjects},
            dont_filter=True,  # one reading per group of reposted posts: the note differs
        )

    def reposted(self, data, response, missing: set[str]):
        """Page back through the reposts until those of every subject are found."""
        records = [r for r in data.get("records") or [] if isinstance(r, dict)]
        missing = missing - {
            ((r.get("value") or {}).get("subject") or {}).get("uri") for r in records
        }
        pages = response.request.meta.get("pages", 1)
        if data.get("cursor") and records and missing and pages < _MAX_REPOSITORY_PAGES:
            request = self.get(
                response.request.url.split("?", 1)[0],
                {**response.request.meta["params"], "cursor": data["cursor"]},
                lambda data, response: self.reposted(data, response, missing),
                note=response.request.meta["note"],
                dont_filter=True,
            )
            request.meta["pages"] = pages + 1
            yield request


def did_document_url(did: str, plc: str) -> str | None:
    """Where the document of ``did`` is read: the PLC directory for ``did:plc``; for
    ``did:web``, its host's ``/.well-known/did.json`` (or ``<path>/did.json``), a port's
    colon percent-encoded, over HTTPS (HTTP for ``localhost``, which atproto allows only in
    development); None for another method.

    >>> did_document_url("did:plc:kvwvcn5iqfooopmyzvb4qzba", "https://plc.directory")
    'https://plc.directory/did:plc:kvwvcn5iqfooopmyzvb4qzba'
    >>> did_document_url("did:web:feed.atproto.blue", "https://plc.directory")
    'https://feed.atproto.blue/.well-known/did.json'
    >>> did_document_url("did:web:localhost%3A2583", "https://plc.directory")
    'http://localhost:2583/.well-known/did.json'
    """
    if did.startswith("did:plc:"):
        return f"{plc.rstrip('/')}/{did}"
    if not did.startswith("did:web:"):
        return None
    host, *path = (unquote(part) for part in did.removeprefix("did:web:").split(":"))
    scheme = "http" if host.split(":")[0] == "localhost" else "https"
    where = "/".join(path) if path else ".well-known"
    return f"{scheme}://{host}/{where}/did.json"


def _nothing(data, response):
    return iter(())


def _created(view: dict[str, Any]) -> datetime | None:
    return parse_datetime((view.get("record") or {}).get("createdAt"))
