"""The Mastodon spider: hashtag timelines, trending links and search, on several instances.

Every instance is a silo that only knows what federated to it, so several are read and a
status is expanded (boosts, favourites, replies, quotes) once, on the first instance that
shows it. Only statuses linking to a tracked domain are expanded. A reply whose parent is not
in its answer is asked for again with its parent (``in_reply_to_id`` is an id of the
instance, which only an answer holding both turns into the parent's URI). Full-text search
and quotes need a user token: ``ESSAIM_MASTODON_TOKEN_<HOST>`` (host upper-cased, dots and
dashes as underscores, e.g. ``ESSAIM_MASTODON_TOKEN_PIAILLE_FR``), read from the environment
or the keyring (:mod:`collectors.credentials`); it is sent with every call that shows more
with it (timelines, threads, search, quotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy

from collectors.credentials import credential
from collectors.engine import ApiSpider
from collectors.engine.spider import error_name
from collectors.mastodon.parsers import opt_outs, parse_payload, status_links, statuses_by_id
from collectors.parsing import links_to, parse_datetime

__all__ = ["MastodonOptions", "MastodonSpider", "instance_url", "token_variable"]

_PAGE = 40  # statuses per timeline page (Mastodon's maximum)
_ACCOUNTS_PAGE = 80  # accounts per page of reblogged_by, favourited_by, followers
_TRENDS_PAGE = 20  # trending links per page (Mastodon's maximum)
_TRENDS_PAGES = 10  # trending link pages read per instance at most
_LOOKUP = 20  # statuses asked for at once by id (Mastodon's maximum)
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
_FEED = re.compile(r"/api/v1/timelines/(?P<feed>tag|link)\b")


def instance_url(instance: str) -> str:
    """The base URL of an instance given by host name or URL.

    >>> instance_url("piaille.fr"), instance_url("http://127.0.0.1:8000/a/")
    ('https://piaille.fr', 'http://127.0.0.1:8000/a')
    """
    return (instance if "://" in instance else f"https://{instance}").rstrip("/")


def token_variable(instance: str) -> str:
    """The environment variable holding an instance's user token.

    >>> token_variable("mastodon.social")
    'ESSAIM_MASTODON_TOKEN_MASTODON_SOCIAL'
    """
    host = urlsplit(instance_url(instance)).netloc
    return "ESSAIM_MASTODON_TOKEN_" + re.sub(r"[^A-Za-z0-9]", "_", host).upper()


@dataclass
class MastodonOptions:
    """What a Mastodon collection asks for (stored in the run manifest, reused on resume)."""

    instances: list[str] = field(default_factory=list)  # host names or base URLs
    tags: list[str] = field(default_factory=list)  # hashtags, without "#"
    domains: list[str] = field(default_factory=list)  # tracked domains (what to expand)
    since: str | None = None  # ISO time: older statuses stop the timeline paging
    interactions: bool = True  # boosts, favourites, replies, quotes
    follows: bool = False  # followers of sharers
    max_follows: int = 1000  # followers read per sharer at most

    def query(self) -> str:
        """The query in words, the same for the same collection (used by ``--since last``)."""
        tags = " OR ".join(f"#{tag}" for tag in sorted(self.tags))
        domains, instances = ", ".join(sorted(self.domains)), ", ".join(sorted(self.instances))
        return f"{tags} OR links to {domains} on {instances}"

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class MastodonSpider(ApiSpider):
    """Collect Mastodon statuses about tracked resources, with their interactions."""

    name = "mastodon"
    parser = staticmethod(parse_payload)

    def __init__(self, options: MastodonOptions, **kw):
        super().__init__(**kw)
        self.options = options
        self.since = parse_datetime(options.since)
        self.expanded: set[str] = set()
        self.follow_read: set[str] = set()  # user@host of the sharers whose followers were asked
        bases = [instance_url(instance) for instance in options.instances]
        #: The instances read, by lower-case host: an account's home, when it is one of them
        #: (of two instances on one host under different paths, as in tests, the last).
        self.homes = {urlsplit(base).netloc.lower(): base for base in bases}
        self.parents_asked: set[tuple[str, str]] = set()  # (instance, reply's local id)
        self.no_lookup: set[str] = set()  # instances older than 4.3 (no look-up by id)

    def _token(self, base: str) -> str | None:
        return credential(token_variable(base))

    def _headers(self, base: str) -> dict[str, str] | None:
        token = self._token(base)
        return {"Authorization": f"Bearer {token}"} if token else None

    async def start(self):
        for instance in self.options.instances:
            base = instance_url(instance)
            for tag in self.options.tags:
                yield self.get(
                    f"{base}/api/v1/timelines/tag/{quote(tag)}",
                    {"limit": _PAGE},
                    lambda data, response, base=base: self.timeline(
                        data, response, base, first=True
                    ),
                    headers=self._headers(base),
                    ok_statuses=(404,),  # a hashtag the instance never saw
                )
            yield self.trending(base, 0)
            if self._token(base):
                for domain in self.options.domains:
                    yield self.get(
                        f"{base}/api/v2/search",
                        {"q": domain, "type": "statuses", "limit": _PAGE},
                        lambda data, response, base=base: self.statuses(
                            data.get("statuses") or [], base
                        ),
                        headers=self._headers(base),
                    )

    def timeline(self, data, response, base: str, first: bool = False) -> Iterator[scrapy.Request]:
        """A page of a tag or link timeline; an empty first page is noted in the run."""
        if not isinstance(data, list):
            return
        if first and not data:
            self.run.add_incident(
                "note",
                response.url,
                f"the {_FEED.search(response.url)['feed']} timeline is empty: nothing there, "
                "or the instance turned this feed off (Mastodon 4.5 feed settings)",
            )
        yield from self.statuses(data, base)
        times = [parse_datetime(status.get("created_at")) for status in data]
        too_old = self.since is not None and any(t and t < self.since for t in times)
        follow = _next_link(response)
        if follow and data and not too_old:
            yield self.get(
                follow,
                None,
                lambda data, response: self.timeline(data, response, base),
                headers=self._headers(base),
            )

    def trending(self, base: str, offset: int) -> scrapy.Request:
        """The page of trending links starting at ``offset``."""
        return self.get(
            f"{base}/api/v1/trends/links",
            {"limit": _TRENDS_PAGE, **({"offset": offset} if offset else {})},
            lambda data, response: self.trends(data, base, offset),
            ok_statuses=(404,),  # trends turned off
        )

    def trends(self, data, base: str, offset: int) -> Iterator[scrapy.Request]:
        links = data if isinstance(data, list) else []
        for link in links:
            url = link.get("url") if isinstance(link, dict) else None
            if url and links_to(url, self.options.domains):
                yield self.get(
                    f"{base}/api/v1/timelines/link",
                    {"url": url, "limit": _PAGE},
                    lambda data, response: self.timeline(data, response, base, first=True),
                    headers=self._headers(base),
                    ok_statuses=(404,),  # no longer trending
                )
        following = offset + _TRENDS_PAGE
        if len(links) == _TRENDS_PAGE and following < _TRENDS_PAGE * _TRENDS_PAGES:
            yield self.trending(base, following)

    def statuses(self, statuses, base: str, held: Iterable[str] = ()) -> Iterator[scrapy.Request]:
        """Expand the tracked statuses of an answer, then ask for the replies whose parent it
        does not hold (``held``: other ids it resolves, such as a thread's focal status)."""
        shown = []
        for status in statuses:
            if not isinstance(status, dict):
                continue
            if status.get("reblog"):
                yield from self.followers(status["account"], base)
                status = status["reblog"]
            if isinstance(status, dict):
                shown.append(status)
                yield from self.expand(status, base)
        yield from self.parents(shown, base, {*statuses_by_id(statuses), *held})

    def parents(self, statuses, base: str, held: set[str]) -> Iterator[scrapy.Request]:
        """Ask for each reply whose parent is not in ``held`` again, with its parent, so that
        one answer holds both (``GET /api/v1/statuses?id[]=``, Mastodon 4.3+)."""
        if base in self.no_lookup:
            return
        pairs = []
        for status in statuses:
            child, parent = status.get("id"), status.get("in_reply_to_id")
            if not (isinstance(child, str) and isinstance(parent, str)) or parent in held:
                continue
            if (base, child) in self.parents_asked:
                continue
            self.parents_asked.add((base, child))
            pairs.append((child, parent))
        for start in range(0, len(pairs), _LOOKUP // 2):
            ids = [one for pair in pairs[start : start + _LOOKUP // 2] for one in pair]
            yield self.get(
                f"{base}/api/v1/statuses",
                [("id[]", one) for one in dict.fromkeys(ids)],
                lambda data, response: self.looked_up(data, base),
                headers=self._headers(base),
            )

    def looked_up(self, data, base: str) -> Iterator[scrapy.Request]:
        """Replies and their parents asked for by id: expanded like any other."""
        for status in data if isinstance(data, list) else []:
            if isinstance(status, dict):
                yield from self.expand(status, base)

    def refused(self, response) -> Iterator[scrapy.Request] | None:
        """A feed that requires login is noted and left (the run goes on); an instance older
        than 4.3, which cannot be asked for statuses by id, is not asked again."""
        base = response.url.split("/api/v1/", 1)[0]
        if response.status == 404 and urlsplit(response.url).path.endswith("/api/v1/statuses"):
            if base not in self.no_lookup:
                self.no_lookup.add(base)
                self.run.add_incident(
                    "note",
                    base,
                    "this instance cannot be asked for statuses by id (Mastodon before 4.3): "
                    "a reply whose parent is in another answer keeps no parent",
                )
            return iter(())
        feed = _FEED.search(response.url)
        if feed and response.status in (401, 422):  # 422: no user (Mastodon's require_user!)
            said = error_name(response)
            hint = (
                "the token given was refused"
                if self._token(base)
                else f"a user token ({token_variable(base)}) may open it"
            )
            self.run.add_incident(
                "error",
                response.url,
                f"this instance requires login for the {feed['feed']} timeline "
                f"(HTTP {response.status}{f': {said}' if said else ''}); {hint}",
            )
            return iter(())
        return None

    def expand(self, status: dict[str, Any], base: str) -> Iterator[scrapy.Request]:
        """Ask once for the boosts, favourites, replies (and quotes) of a tracked status."""
        uri, account = status.get("uri"), status.get("account") or {}
        if not self.options.interactions or uri in self.expanded or opt_outs(account):
            return
        if not any(links_to(link, self.options.domains) for link in status_links(status)):
            return
        self.expanded.add(uri)
        yield from self.followers(account, base)
        note = {"status_uri": uri, "status_id": status["id"]}
        root = f"{base}/api/v1/statuses/{status['id']}"
        for call in ("reblogged_by", "favourited_by"):
            yield self.get(
                f"{root}/{call}",
                {"limit": _ACCOUNTS_PAGE},
                lambda data, response: self.accounts(data, response, base),
                note=note,
            )
        yield self.get(
            f"{root}/context",
            None,
            lambda data, response: self.statuses(
                [*data.get("ancestors", []), *data.get("descendants", [])], base, {status["id"]}
            ),
            headers=self._headers(base),  # anonymous: 40 ancestors, 60 descendants, depth 20
            note=note,
        )
        if self._token(base):
            yield self.get(
                f"{root}/quotes",
                {"limit": _PAGE},
                lambda data, response: self.statuses(data, base),
                headers=self._headers(base),
            )

    def accounts(self, data, response, base: str) -> Iterator[scrapy.Request]:
        for account in data if isinstance(data, list) else []:
            yield from self.followers(account, base)
        follow = _next_link(response)
        if follow and data:
            request = response.request
            yield self.get(follow, None, request.cb_kwargs["on_data"], note=request.meta["note"])

    def followers(self, account: dict[str, Any], base: str) -> Iterator[scrapy.Request]:
        """With ``--follows``: ask for the followers of a sharer (once, bounded), on its home
        instance when the collection reads it: another instance knows only its own accounts
        among them."""
        if not self.options.follows or not isinstance(account, dict) or "id" not in account:
            return
        if _network_closed(account):
            return
        username, _, host = account.get("acct", "").partition("@")
        address = f"{username}@{(host or urlsplit(base).netloc).lower()}"  # as URLs are sent
        if address in self.follow_read:
            return
        self.follow_read.add(address)
        home = self.homes.get(host.lower())  # a local account (no host) is read where seen
        if home is None:
            yield self.followers_page(base, account["id"], address)
            return
        yield self.get(
            f"{home}/api/v1/accounts/lookup",
            {"acct": username},
            lambda data, response: self.followers_at_home(data, home, username, address),
            ok_statuses=(404,),  # gone from its home since
        )

    def followers_at_home(
        self, data, home: str, username: str, address: str
    ) -> Iterator[scrapy.Request]:
        """The sharer as its home instance shows it: ask there for its followers."""
        if not isinstance(data, dict) or "id" not in data:
            return
        if str(data.get("acct", "")).lower() != username.lower():  # not the one asked for
            return
        if not _network_closed(data):
            yield self.followers_page(home, data["id"], address)

    def followers_page(self, base: str, account_id: str, address: str) -> scrapy.Request:
        return self.get(
            f"{base}/api/v1/accounts/{account_id}/followers",
            {"limit": _ACCOUNTS_PAGE},
            self.more_followers,
            note={"account": address},
        )

    def more_followers(self, data, response) -> Iterator[scrapy.Request]:
        seen = response.request.meta.get("seen", 0) + len(data if isinstance(data, list) else [])
        follow = _next_link(response)
        if follow and data and seen < self.options.max_follows:
            request = self.get(
                follow, None, self.more_followers, note=response.request.meta["note"]
            )
            request.meta["seen"] = seen
            yield request


def _network_closed(account: dict[str, Any]) -> bool:
    """Whether an account hides its followers or opts out of collection."""
    return bool(account.get("hide_collections") or opt_outs(account))


def _next_link(response) -> str | None:
    """The ``rel="next"`` URL of a response's ``Link`` header."""
    header = response.headers.get("Link")
    found = _NEXT.search(header.decode("latin-1")) if header else None
    return found.group(1) if found else None
