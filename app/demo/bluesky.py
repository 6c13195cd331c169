"""The demo's Bluesky: the world's Bluesky posts as the AppView, PDSs and PLC directory show them.

Responses follow the ``app.bsky`` and ``com.atproto`` lexicons (``platforms.md`` §1): post
views with their record (text, link and tag facets at their UTF-8 byte offsets, external
embeds, quote embeds, reply references), hydrated counts, profiles, follow lists, DID
documents and repository listings of reposts, with TID record keys. A repost made from
someone else's repost carries ``via`` (that repost's URI and CID), as the official client
writes it since 2025. Search answers what the collector asks for: posts whose links point to
a tracked domain (shortened links do not), and posts whose text holds a query.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd

from app.demo.recording import Recording
from app.demo.world import World, iso_time

__all__ = ["APPVIEW", "PLC", "SERVICE", "add_bluesky"]

SERVICE = "http://bsky.social"
APPVIEW = "http://public.api.bsky.app"
PLC = "http://plc.directory"
_PDS_HOSTS = ["amanita", "morel", "porcini", "shiitake", "chanterelle", "enoki"]
_PAGE = 100
_MAX_FOLLOW_PAGES = 11  # the collector reads at most 1,000 follows
_OPT_OUT = 0.02  # teachers whose profile carries the !no-unauthenticated label
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def add_bluesky(
    recording: Recording,
    world: World,
    searches: list[dict[str, str]],
    malformed: list[dict],
    rng: np.random.Generator,
) -> None:
    """Record every Bluesky answer the collector needs for ``searches``.

    ``searches`` are the collector's searchPosts parameters (``q`` with ``domain`` or
    alone); the deliberately malformed answers are described in ``malformed`` (what is
    wrong, and the URLs serving it).
    """
    Bluesky(recording, world, rng).write(searches, malformed)


class Bluesky:
    """The world's Bluesky, turned into responses."""

    def __init__(self, recording: Recording, world: World, rng: np.random.Generator):
        self.recording = recording
        accounts = world.accounts[world.accounts["platform"] == "bluesky"]
        self.accounts = accounts.set_index("account")
        events = world.events[world.events["platform"] == "bluesky"]
        self.events = events.set_index(events["event"].rename(None))
        self.rows = self.events.to_dict("index")
        self.people = self.accounts.to_dict("index")
        self.posts = self.events[self.events["kind"] != "repost"]
        self.posted = self.posts["account"].value_counts()
        likes = world.likes[world.likes["target"].isin(self.posts.index)]
        self.likes = likes.groupby("target").size()
        self.children = {
            kind: group.groupby("target")["event"].apply(list).to_dict()
            for kind, group in self.events.groupby("kind")
        }
        followers = world.follows["followee"].value_counts()
        extra = rng.poisson(8, size=len(accounts))
        counts = followers.reindex(accounts["account"], fill_value=0) + extra
        self.followers_count = counts.to_dict()
        self.following = world.follows.groupby("follower")["followee"].apply(list).to_dict()
        self.opted_out = set(accounts["account"][rng.random(len(accounts)) < _OPT_OUT])
        self.opted_out -= set(accounts.loc[accounts["kind"] == "institution", "account"])
        self.views: dict[int, dict[str, Any]] = {}

    # --- identities ------------------------------------------------------------------------

    def did(self, account: str) -> str:
        return self.people[account]["address"]

    def basic(self, account: str) -> dict[str, Any]:
        """A ``profileViewBasic``."""
        row = self.people[account]
        labels = []
        if account in self.opted_out:
            labels.append(
                {
                    "src": row["address"],
                    "uri": f"at://{row['address']}/app.bsky.actor.profile/self",
                    "val": "!no-unauthenticated",
                    "cts": "2025-01-01T00:00:00.000Z",
                }
            )
        return {
            "did": row["address"],
            "handle": row["handle"],
            "displayName": row["name"],
            "labels": labels,
            "createdAt": "2024-11-18T10:00:00.000Z",
        }

    def detailed(self, account: str) -> dict[str, Any]:
        """A ``profileViewDetailed``, with the counts getProfiles gives."""
        row = self.people[account]
        description = (
            f"Compte officiel — {row['name']}"
            if row["kind"] == "institution"
            else f"Enseignant·e ({row['level']}, académie de {row['academie']})"
        )
        return {
            **self.basic(account),
            "description": description,
            "followersCount": int(self.followers_count[account]),
            "followsCount": len(self.following.get(account, [])),
            "postsCount": int(self.posted.get(account, 0)) + 12,
            "indexedAt": "2026-11-01T00:00:00.000Z",
        }

    # --- posts -----------------------------------------------------------------------------

    def uri(self, event: int) -> str:
        row = self.rows[event]
        return f"at://{self.did(row['account'])}/app.bsky.feed.post/{_tid(row['at'], event)}"

    def repost_uri(self, event: int) -> str:
        """The at-uri of a repost's ``app.bsky.feed.repost`` record in its reposter's repository."""
        row = self.rows[event]
        return f"at://{self.did(row['account'])}/app.bsky.feed.repost/{_tid(row['at'], event)}"

    def view(self, event: int) -> dict[str, Any]:
        """The ``postView`` of a post, quote or reply."""
        if event in self.views:
            return self.views[event]
        row = self.rows[event]
        record = self.record(row)
        view: dict[str, Any] = {
            "uri": self.uri(event),
            "cid": _cid(self.uri(event)),
            "author": self.basic(row["account"]),
            "record": record,
        }
        if row["kind"] == "quote":
            quoted = self.view(row["target"])
            view["embed"] = {
                "$type": "app.bsky.embed.record#view",
                "record": {
                    "$type": "app.bsky.embed.record#viewRecord",
                    "uri": quoted["uri"],
                    "cid": quoted["cid"],
                    "author": quoted["author"],
                    "value": quoted["record"],
                    "indexedAt": quoted["indexedAt"],
                    **{
                        k: quoted[k]
                        for k in ("likeCount", "repostCount", "replyCount", "quoteCount")
                    },
                },
            }
        elif "embed" in record:
            view["embed"] = {
                "$type": "app.bsky.embed.external#view",
                "external": record["embed"]["external"],
            }
        view.update(
            replyCount=len(self.children.get("reply", {}).get(event, [])),
            repostCount=len(self.children.get("repost", {}).get(event, [])),
            likeCount=int(self.likes.get(event, 0)),
            quoteCount=len(self.children.get("quote", {}).get(event, [])),
            indexedAt=iso_time(row["at"]),
            labels=[],
        )
        self.views[event] = view
        return view

    def record(self, row: pd.Series) -> dict[str, Any]:
        """The ``app.bsky.feed.post`` record: text, facets, embed, reply."""
        text, facets = row["text"], []
        for tag in row["hashtags"]:
            text = _append(text, f"#{tag}", facets, {"$type": _TAG_FACET, "tag": tag})
        link = row["link"]
        if isinstance(link, str):
            shown = link.split("://", 1)[1]
            shown = shown if len(shown) <= 30 else shown[:27] + "..."
            text = _append(text, shown, facets, {"$type": _LINK_FACET, "uri": link})
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": iso_time(row["at"]),
            "langs": ["fr"],
        }
        if facets:
            record["facets"] = facets
        if isinstance(link, str) and row["kind"] == "post" and row["event"] % 2 == 0:
            record["embed"] = {
                "$type": "app.bsky.embed.external",
                "external": {"uri": link, "title": "e-INSPÉ", "description": row["text"]},
            }
        target = row["target"]
        if row["kind"] == "quote":
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": self.uri(target), "cid": _cid(self.uri(target))},
            }
        if row["kind"] == "reply":
            root = target
            while self.rows[root]["kind"] == "reply":
                root = self.rows[root]["target"]
            record["reply"] = {
                "root": {"uri": self.uri(root), "cid": _cid(self.uri(root))},
                "parent": {"uri": self.uri(target), "cid": _cid(self.uri(target))},
            }
        return record

    # --- responses ---------------------------------------------------------------------------

    def write(self, searches: list[dict[str, str]], malformed: list[dict]) -> None:
        add = self.recording.add
        add(
            f"{SERVICE}/xrpc/com.atproto.server.createSession",
            {
                "accessJwt": "demo-access",
                "refreshJwt": "demo-refresh",
                "did": "did:plc:essaimdemocollector00000",
                "handle": "collector.essaim.example",
                "active": True,
            },
        )
        newest_first = self.posts.sort_values(["at", "event"], ascending=False)["event"]
        searched = set()
        for search in searches:
            found = [event for event in newest_first if self.matches(event, search)]
            searched.update(found)
            self.pages(
                f"{SERVICE}/xrpc/app.bsky.feed.searchPosts",
                {**search, "sort": "latest", "limit": _PAGE},
                "posts",
                [self.view(event) for event in found],
                {"hitsTotal": len(found)},
            )
        broken = self.malformed_ones(searched)
        for event in self.posts.index:
            view, uri = self.view(event), self.uri(event)
            listing = {"uri": uri, "limit": _PAGE}
            if view["quoteCount"]:
                quotes = [self.view(q) for q in self.children["quote"][event]]
                self.pages(
                    _appview("app.bsky.feed.getQuotes"), listing, "posts", quotes, {"uri": uri}
                )
            if view["repostCount"]:
                reposters = [
                    self.basic(a)
                    for a in self.events.loc[self.children["repost"][event], "account"]
                ]
                self.pages(
                    _appview("app.bsky.feed.getRepostedBy"),
                    listing,
                    "repostedBy",
                    reposters,
                    {} if event == broken["reposts"] else {"uri": uri},
                )
            if view["replyCount"]:
                thread = self.thread(event)
                if event == broken["thread"]:  # views are shared: break a copy
                    thread = copy.deepcopy(thread)
                    del thread["replies"][0]["post"]["author"]
                add(
                    _appview(
                        "app.bsky.feed.getPostThread",
                        {"uri": uri, "depth": 1000, "parentHeight": 0},
                    ),
                    {"thread": thread},
                )
        if broken["reposts"] is not None:
            uri = self.uri(broken["reposts"])
            url = _appview("app.bsky.feed.getRepostedBy", {"uri": uri, "limit": _PAGE})
            malformed.append({"what": f"reposters of {uri} without 'uri'", "urls": [url]})
        if broken["thread"] is not None:
            uri = self.uri(broken["thread"])
            url = _appview(
                "app.bsky.feed.getPostThread", {"uri": uri, "depth": 1000, "parentHeight": 0}
            )
            malformed.append(
                {"what": f"thread of {uri} with a reply lacking its author", "urls": [url]}
            )
        active = self.events["account"].unique()
        for account in active:
            self.recording.profiles[self.did(account)] = self.detailed(account)
            self.pages(
                _appview("app.bsky.graph.getFollows"),
                {"actor": self.did(account), "limit": _PAGE},
                "follows",
                [self.basic(a) for a in self.following.get(account, [])],
                {"subject": self.basic(account)},
                max_pages=_MAX_FOLLOW_PAGES,
            )
        self.repositories()

    def matches(self, event: int, search: dict[str, str]) -> bool:
        """Whether searchPosts with these parameters finds this post."""
        row = self.rows[event]
        if "domain" in search:
            link = row["link"]
            host = urlsplit(link).hostname or "" if isinstance(link, str) else ""
            return host == search["domain"] or host.endswith("." + search["domain"])
        return search["q"].casefold() in self.view(event)["record"]["text"].casefold()

    def thread(self, event: int) -> dict[str, Any]:
        """The ``threadViewPost`` of a post and every reply under it."""
        replies = sorted(
            self.children.get("reply", {}).get(event, []), key=lambda r: (self.rows[r]["at"], r)
        )
        return {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self.view(event),
            "replies": [self.thread(reply) for reply in replies],
        }

    def malformed_ones(self, searched: set[int]) -> dict[str, int | None]:
        """The posts whose reposters and thread answers are deliberately broken.

        They are among the ``searched`` posts (those the searches find), so that a collector
        asks for them.
        """
        counts = {
            kind: pd.Series({e: len(c) for e, c in self.children.get(kind, {}).items()})
            for kind in ("repost", "reply")
        }
        pick = {}
        for name, kind in (("reposts", "repost"), ("thread", "reply")):
            small = counts[kind][counts[kind].between(1, 2)] if len(counts[kind]) else counts[kind]
            small = small[small.index.isin(list(searched))]
            pick[name] = int(small.index.min()) if len(small) else None
        return pick

    def repositories(self) -> None:
        """DID documents and repost listings of every reposter (newest first)."""
        reposts = self.events[self.events["kind"] == "repost"]
        reposts = reposts.sort_values(["account", "at", "event"], ascending=[True, False, False])
        for account, done in reposts.groupby("account", sort=False):
            did = self.did(account)
            host = _PDS_HOSTS[int(hashlib.sha256(did.encode()).hexdigest(), 16) % len(_PDS_HOSTS)]
            pds = f"http://{host}.us-east.host.bsky.network"
            document = _did_document(did, self.people[account]["handle"], pds)
            self.recording.add(f"{PLC}/{did}", document)
            records = [
                {
                    "uri": self.repost_uri(row.event),
                    "cid": _repost_cid(row.event),
                    "value": self.repost_record(row.event),
                }
                for row in done.itertuples()
            ]
            self.pages(
                f"{pds}/xrpc/com.atproto.repo.listRecords",
                {"repo": did, "collection": "app.bsky.feed.repost", "limit": _PAGE},
                "records",
                records,
                {},
                cursor=lambda page: page[-1]["uri"].rsplit("/", 1)[1],
            )

    def repost_record(self, event: int) -> dict[str, Any]:
        """The ``app.bsky.feed.repost`` record of a repost.

        A repost whose true parent is itself a repost was made from that repost, seen in the
        reposter's timeline: the official client then writes ``via``, a strong reference to
        the parent's repost record (the URI and CID its own listing gives it).
        """
        row = self.rows[event]
        target = self.uri(row["target"])
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.repost",
            "subject": {"uri": target, "cid": _cid(target)},
            "createdAt": iso_time(row["at"]),
        }
        parent = row["parent"]
        if parent >= 0 and self.rows[parent]["kind"] == "repost":
            record["via"] = {"uri": self.repost_uri(parent), "cid": _repost_cid(parent)}
        return record

    def pages(self, url, params, key, items, extra, cursor=None, max_pages=None) -> None:
        """Record ``items`` in pages of 100 behind a cursor (the offset, unless told)."""
        pages = [items[start : start + _PAGE] for start in range(0, len(items), _PAGE)] or [[]]
        asked = None
        for number, page in enumerate(pages[:max_pages]):
            body = {**extra, key: page}
            if number + 1 < len(pages):
                body["cursor"] = cursor(page) if cursor else str((number + 1) * _PAGE)
            query = {**params, **({"cursor": asked} if asked else {})}
            self.recording.add(f"{url}?{urlencode(query)}", body)
            asked = body.get("cursor")


_LINK_FACET = "app.bsky.richtext.facet#link"
_TAG_FACET = "app.bsky.richtext.facet#tag"


def _appview(nsid: str, params: dict[str, Any] | None = None) -> str:
    url = f"{APPVIEW}/xrpc/{nsid}"
    return f"{url}?{urlencode(params)}" if params else url


def _append(text: str, shown: str, facets: list, feature: dict[str, Any]) -> str:
    """``text`` followed by ``shown``, with a facet over ``shown``'s UTF-8 bytes."""
    text = f"{text} " if text else ""
    start = len(text.encode())
    facets.append(
        {
            "index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
            "features": [feature],
        }
    )
    return text + shown


def _tid(at: pd.Timestamp, clock: int) -> str:
    """A record key in the TID format: microseconds since 1970 and a clock id, base32-sortable.

    >>> _tid(pd.Timestamp("2026-09-01", tz="UTC"), 0)
    '3mug4gt2s2222'
    """
    value = (at.value // 1_000) << 10 | (clock % 1024)
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def _cid(seed: str) -> str:
    """A CID-shaped content id (``bafyrei`` and base32 of a digest)."""
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return "bafyrei" + "".join(_TID_ALPHABET[int(c, 16) * 2 % 32] for c in digest[:52])


def _repost_cid(event: int) -> str:
    """The CID of a repost's record."""
    return _cid(f"repost {event}")


def _did_document(did: str, handle: str, pds: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [f"at://{handle}"],
        "verificationMethod": [
            {
                "id": f"{did}#atproto",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": "zQ3shdemo",
            }
        ],
        "service": [
            {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}
        ],
    }
