"""The demo's Mastodon: the world's statuses as each instance's REST API shows them.

An instance knows the statuses of its own accounts and of the accounts its accounts follow
(federation), each under a local id; it shows remote accounts as ``user@host``. Responses
follow Mastodon's entities (``platforms.md`` §2): statuses with HTML content, hashtags,
preview cards, quotes (4.5 format), boosts and favourites by account, reply contexts, tag
and link timelines and trending links, paged with ``Link`` headers. An account's followers are
answered by its home instance, which knows them all (a remote instance knows only its own
accounts among them, and the collector asks the home instance when it reads it).
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd

from app.demo.recording import Recording
from app.demo.world import INSTANCES, World, iso_time

__all__ = ["add_mastodon"]

_PAGE = 40  # statuses per timeline page
_ACCOUNTS_PAGE = 80
_MAX_FOLLOWER_PAGES = 13  # the collector reads at most 1,000 followers
_TRENDING = 3  # statuses sharing a link that make it trend on an instance
_OPT_OUT = {"nobot": 0.02, "not-discoverable": 0.03}
_HOSTS = list(INSTANCES)


def add_mastodon(
    recording: Recording, world: World, tags: list[str], malformed: list[dict], rng
) -> None:
    """Record every answer of every instance the collector needs for ``tags``."""
    Mastodon(recording, world, rng).write(tags, malformed)


class Mastodon:
    """The world's Mastodon instances, turned into responses."""

    def __init__(self, recording: Recording, world: World, rng: np.random.Generator):
        self.recording = recording
        accounts = world.accounts[world.accounts["platform"] == "mastodon"]
        self.accounts = accounts.set_index("account")
        self.position = dict(zip(accounts["account"], range(len(accounts)), strict=True))
        events = world.events[world.events["platform"] == "mastodon"]
        self.events = events.set_index(events["event"].rename(None))
        self.rows = self.events.to_dict("index")
        self.people = self.accounts.to_dict("index")
        self.statuses = self.events[self.events["kind"] != "repost"]
        self.posted = self.statuses["account"].value_counts()
        urls = world.resources.set_index("resource_id")["url"]
        self.titles = world.resources.set_index("url")["title"].to_dict()
        self.card_url = {
            event: urls[resource]
            for event, resource, link, form in self.statuses[
                ["event", "resource_id", "link", "form"]
            ].itertuples(index=False)
            if isinstance(link, str) and form not in ("dead-short", "dead-page")
        }
        self.children = {
            kind: group.groupby("target")["event"].apply(list).to_dict()
            for kind, group in self.events.groupby("kind")
        }
        likes = world.likes[world.likes["target"].isin(self.statuses.index)]
        self.likers = likes.groupby("target")["account"].apply(list).to_dict()
        follows = world.follows[world.follows["followee"].isin(self.accounts.index)]
        self.followers = follows.groupby("followee")["follower"].apply(list).to_dict()
        self.following_count = follows["follower"].value_counts().to_dict()
        draws = rng.random(len(accounts))
        kinds = np.where(
            draws < _OPT_OUT["nobot"],
            "nobot",
            np.where(draws < sum(_OPT_OUT.values()), "not-discoverable", ""),
        )
        self.opt_out = dict(zip(accounts["account"], kinds, strict=True))
        instance = self.accounts["instance"]
        self.known = {
            event: sorted(
                {instance[author]} | set(instance.reindex(self.followers.get(author, [])).dropna())
            )
            for event, author in self.statuses["account"].items()
        }
        self.seen: dict[str, set[str]] = defaultdict(set)  # accounts each instance has shown
        self.shown: dict[str, set[int]] = defaultdict(set)  # statuses each instance has shown

    # --- entities ----------------------------------------------------------------------------

    def account(self, name: str, host: str) -> dict[str, Any]:
        """An ``Account`` as ``host`` shows it."""
        row = self.people[name]
        self.seen[host].add(name)
        username, home = row["handle"].split("@")
        opt_out = self.opt_out[name]
        note = f"Enseignant·e ({row['level']}, académie de {row['academie']})"
        return {
            "id": self.account_id(name, host),
            "username": username,
            "acct": username if home == host else row["handle"],
            "display_name": row["name"],
            "locked": False,
            "bot": False,
            "discoverable": opt_out != "not-discoverable",
            "group": False,
            "created_at": "2024-11-18T00:00:00.000Z",
            "note": f"<p>{html.escape(note)}{' #nobot' if opt_out == 'nobot' else ''}</p>",
            "url": f"https://{home}/@{username}",
            "followers_count": len(self.followers.get(name, [])),
            "following_count": int(self.following_count.get(name, 0)),
            "statuses_count": int(self.posted.get(name, 0)) + 20,
            "emojis": [],
            "fields": [],
        }

    def account_id(self, name: str, host: str) -> str:
        return str(109_300_000_000_000_000 + self.position[name] * 16 + _HOSTS.index(host))

    def status_id(self, event: int, host: str) -> str:
        """The local id of a status on ``host`` (a snowflake: milliseconds and a sequence)."""
        at = self.rows[event]["at"]
        return str((at.value // 1_000_000) << 16 | (event * 8 + _HOSTS.index(host)) % 65536)

    def status(self, event: int, host: str) -> dict[str, Any]:
        """A ``Status`` as ``host`` shows it."""
        self.shown[host].add(event)
        row = self.rows[event]
        author = self.people[row["account"]]
        username, home = author["handle"].split("@")
        home_id = self.status_id(event, home)
        content = html.escape(row["text"])
        link = row["link"]
        if isinstance(link, str):
            content += f' <a href="{html.escape(link)}" rel="nofollow noopener" target="_blank">'
            content += f"{html.escape(link.split('://', 1)[1][:30])}</a>"
        for tag in row["hashtags"]:
            content += (
                f' <a href="https://{host}/tags/{tag.lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{tag}</span></a>'
            )
        target = row["target"]
        card = self.card_url.get(event)
        status = {
            "id": self.status_id(event, host),
            "created_at": iso_time(row["at"]),
            "in_reply_to_id": self.status_id(target, host) if row["kind"] == "reply" else None,
            "in_reply_to_account_id": (
                self.account_id(self.rows[target]["account"], host)
                if row["kind"] == "reply"
                else None
            ),
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "fr",
            "uri": f"https://{home}/users/{username}/statuses/{home_id}",
            "url": f"https://{home}/@{username}/{home_id}",
            "replies_count": len(self.children.get("reply", {}).get(event, [])),
            "reblogs_count": len(self.children.get("repost", {}).get(event, [])),
            "favourites_count": len(self.likers.get(event, [])),
            "quotes_count": len(self.children.get("quote", {}).get(event, [])),
            "edited_at": None,
            "content": f"<p>{content}</p>",
            "reblog": None,
            "account": self.account(row["account"], host),
            "media_attachments": [],
            "mentions": [],
            "tags": [
                {"name": t, "url": f"https://{host}/tags/{t.lower()}"} for t in row["hashtags"]
            ],
            "emojis": [],
            "card": _card(card, self.titles.get(card)) if card else None,
            "poll": None,
            "quote": None,
        }
        if row["kind"] == "quote":
            status["quote"] = {"state": "accepted", "quoted_status": self.status(target, host)}
        return status

    # --- responses ---------------------------------------------------------------------------

    def call_url(self, event: int, host: str, call: str) -> str:
        """The URL of a call about a status on ``host`` (context, favourited_by…)."""
        query = "" if call == "context" else f"?limit={_ACCOUNTS_PAGE}"
        return f"http://{host}/api/v1/statuses/{self.status_id(event, host)}/{call}{query}"

    def write(self, tags: list[str], malformed: list[dict]) -> None:
        broken = self.broken()
        newest_first = self.statuses.sort_values(["at", "event"], ascending=False)["event"]
        for host in INSTANCES:
            base = f"http://{host}"
            here = [e for e in newest_first if host in self.known[e]]
            for tag in tags:
                tagged = [
                    e for e in here if tag.lower() in (t.lower() for t in self.rows[e]["hashtags"])
                ]
                self.timeline(
                    f"{base}/api/v1/timelines/tag/{quote(tag)}", {"limit": _PAGE}, tagged, host
                )
            shared = pd.Series([self.card_url[e] for e in here if e in self.card_url])
            trending = shared.value_counts()
            trending = trending[trending >= _TRENDING].head(20)
            self.recording.add(
                f"{base}/api/v1/trends/links?limit=20",
                [_trend(url, self.titles.get(url), int(n)) for url, n in trending.items()],
            )
            for url in trending.index:
                linking = [e for e in here if self.card_url.get(e) == url]
                self.timeline(
                    f"{base}/api/v1/timelines/link", {"url": url, "limit": _PAGE}, linking, host
                )
        for host in INSTANCES:  # every status shown anywhere on an instance can be expanded
            done: set[int] = set()
            while pending := sorted(self.shown[host] - done):
                for event in pending:
                    self.interactions(event, host, broken)
                done.update(pending)
        for name in sorted(set().union(*self.seen.values())):  # followers, on the home instance
            self.followers_of(name)
        for call, event in broken.items():
            if event is None:
                continue
            home = self.people[self.rows[event]["account"]]["instance"]
            urls = [
                self.call_url(event, host, call) for host in INSTANCES if event in self.shown[host]
            ]
            wrong = "'descendants' is not a list" if call == "context" else "an object, not a list"
            malformed.append(
                {"what": f"{call} of {self.status(event, home)['uri']}: {wrong}", "urls": urls}
            )

    def broken(self) -> dict[str, int]:
        """The statuses whose context and favourites answers are deliberately malformed."""
        linked = [e for e in self.statuses.index if e in self.card_url]
        replied = [e for e in linked if self.children.get("reply", {}).get(e)]
        liked = [e for e in linked if self.likers.get(e) and e not in replied[:1]]
        return {"context": next(iter(replied), None), "favourited_by": next(iter(liked), None)}

    def timeline(self, url: str, params: dict[str, Any], events: list[int], host: str) -> None:
        """Statuses newest first, in pages behind ``Link: <…max_id=…>; rel="next"``."""
        self.paged(
            url,
            params,
            events,
            lambda e: self.status(e, host),
            lambda e: self.status_id(e, host),
            _PAGE,
        )

    def paged(self, url, params, items, render, page_id, size, max_pages=None) -> None:
        pages = [items[start : start + size] for start in range(0, len(items), size)] or [[]]
        max_id = None
        for number, page in enumerate(pages[:max_pages]):
            query = {**params, **({"max_id": max_id} if max_id else {})}
            headers = {}
            if number + 1 < len(pages):
                max_id = page_id(page[-1])
                headers["Link"] = f'<{url}?{urlencode({**params, "max_id": max_id})}>; rel="next"'
            self.recording.add(
                f"{url}?{urlencode(query)}", [render(i) for i in page], headers=headers
            )

    def interactions(self, event: int, host: str, broken: dict[str, int]) -> None:
        """What the collector asks about a status with a tracked link."""
        if event not in self.card_url and not isinstance(self.rows[event]["link"], str):
            return
        root = f"http://{host}/api/v1/statuses/{self.status_id(event, host)}"
        boosters = list(self.events.loc[self.children.get("repost", {}).get(event, []), "account"])
        self.paged(
            f"{root}/reblogged_by",
            {"limit": _ACCOUNTS_PAGE},
            boosters,
            lambda name: self.account(name, host),
            lambda name: self.account_id(name, host),
            _ACCOUNTS_PAGE,
        )
        if event == broken["favourited_by"]:
            self.recording.add(f"{root}/favourited_by?limit={_ACCOUNTS_PAGE}", {"error": "busy"})
        else:
            self.paged(
                f"{root}/favourited_by",
                {"limit": _ACCOUNTS_PAGE},
                self.likers.get(event, []),
                lambda name: self.account(name, host),
                lambda name: self.account_id(name, host),
                _ACCOUNTS_PAGE,
            )
        ancestors, current = [], event
        while self.rows[current]["kind"] == "reply":
            current = self.rows[current]["target"]
            ancestors.insert(0, current)
        descendants, pending = [], list(self.children.get("reply", {}).get(event, []))
        while pending:
            reply = pending.pop(0)
            descendants.append(reply)
            pending[:0] = self.children.get("reply", {}).get(reply, [])
        context = {
            "ancestors": [self.status(e, host) for e in ancestors],
            "descendants": [self.status(e, host) for e in descendants],
        }
        if event == broken["context"]:
            context["descendants"] = "unavailable"
        self.recording.add(f"{root}/context", context)

    def followers_of(self, name: str) -> None:
        """The account as its home instance shows it, looked up by name, and its followers
        there (all of them: another instance knows only its own accounts among them)."""
        home = self.people[name]["instance"]
        username = self.people[name]["handle"].split("@")[0]
        self.recording.add(
            f"http://{home}/api/v1/accounts/lookup?{urlencode({'acct': username})}",
            self.account(name, home),
        )
        self.paged(
            f"http://{home}/api/v1/accounts/{self.account_id(name, home)}/followers",
            {"limit": _ACCOUNTS_PAGE},
            self.followers.get(name, []),
            lambda follower: self.account(follower, home),
            lambda follower: self.account_id(follower, home),
            _ACCOUNTS_PAGE,
            _MAX_FOLLOWER_PAGES,
        )


def _card(url: str, title: str | None) -> dict[str, Any]:
    return {
        "url": url,
        "title": title or "e-INSPÉ",
        "description": "",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": "e-INSPÉ",
        "provider_url": "",
        "html": "",
        "width": 0,
        "height": 0,
        "image": None,
        "embed_url": "",
        "blurhash": None,
    }


def _trend(url: str, title: str | None, uses: int) -> dict[str, Any]:
    return {
        **_card(url, title),
        "history": [{"day": "1763596800", "accounts": str(uses), "uses": str(uses)}],
    }
