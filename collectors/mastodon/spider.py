"""The Mastodon spider: hashtag timelines, trending links and search, on several instances.

Every instance is a silo that only knows what federated to it, so several are read and a
status is expanded (boosts, favourites, replies, quotes) once, on the first instance that
shows it. Only statuses linking to a tracked domain are expanded. Full-text search and quotes
need a user token: ``ESSAIM_MASTODON_TOKEN_<HOST>`` (host upper-cased, dots and dashes as
underscores, e.g. ``ESSAIM_MASTODON_TOKEN_PIAILLE_FR``), read from the environment or the
keyring (:mod:`collectors.credentials`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import scrapy

from collectors.credentials import credential
from collectors.engine import ApiSpider
from collectors.mastodon.parsers import opt_outs, parse_payload, status_links
from collectors.parsing import links_to, parse_datetime

__all__ = ["MastodonOptions", "MastodonSpider", "instance_url", "token_variable"]

_PAGE = 40  # statuses per timeline page (Mastodon's maximum)
_ACCOUNTS_PAGE = 80  # accounts per page of reblogged_by, favourited_by, followers
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


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
        self.follow_read: set[str] = set()

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
                    lambda data, response, base=base: self.timeline(data, response, base),
                    headers=self._headers(base),
                    ok_statuses=(404,),  # a hashtag the instance never saw
                )
            yield self.get(
                f"{base}/api/v1/trends/links",
                {"limit": 20},
                lambda data, response, base=base: self.trends(data, base),
                ok_statuses=(404,),
            )
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

    def timeline(self, data, response, base: str) -> Iterator[scrapy.Request]:
        if not isinstance(data, list):
            return
        yield from self.statuses(data, base)
        times = [parse_datetime(status.get("created_at")) for status in data]
        too_old = self.since is not None and any(t and t < self.since for t in times)
        follow = _next_link(response)
        if follow and data and not too_old:
            yield self.get(
                follow,
                None,
                response.request.cb_kwargs["on_data"],
                headers=self._headers(base),
            )

    def trends(self, data, base: str) -> Iterator[scrapy.Request]:
        for link in data if isinstance(data, list) else []:
            url = link.get("url") if isinstance(link, dict) else None
            if url and links_to(url, self.options.domains):
                yield self.get(
                    f"{base}/api/v1/timelines/link",
                    {"url": url, "limit": _PAGE},
                    lambda data, response: self.timeline(data, response, base),
                    headers=self._headers(base),
                    ok_statuses=(404,),  # no longer trending
                )

    def statuses(self, statuses, base: str) -> Iterator[scrapy.Request]:
        for status in statuses:
            if not isinstance(status, dict):
                continue
            if status.get("reblog"):
                yield from self.followers(status["account"], base)
                status = status["reblog"]
            yield from self.expand(status, base)

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
                [*data.get("ancestors", []), *data.get("descendants", [])], base
            ),
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
        """With ``--follows``: ask for the followers of a sharer (once, bounded)."""
        if not self.options.follows or not isinstance(account, dict) or "id" not in account:
            return
        address = account.get("acct", "")
        if address in self.follow_read or account.get("hide_collections") or opt_outs(account):
            return
        self.follow_read.add(address)
        if "@" not in address:
            address = f"{address}@{urlsplit(base).netloc}"
        yield self.get(
            f"{base}/api/v1/accounts/{account['id']}/followers",
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


def _next_link(response) -> str | None:
    """The ``rel="next"`` URL of a response's ``Link`` header."""
    header = response.headers.get("Link")
    found = _NEXT.search(header.decode("latin-1")) if header else None
    return found.group(1) if found else None
