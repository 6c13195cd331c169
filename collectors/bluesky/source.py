"""Bluesky as a source: the search-and-interactions spider and the live stream."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from collectors.bluesky.jetstream import parse_events
from collectors.bluesky.live import follow_live
from collectors.bluesky.parsers import parse_payload
from collectors.bluesky.spider import BlueskyOptions, BlueskySpider
from collectors.credentials import credential
from collectors.errors import UserError
from collectors.sources import Option, PositiveInt, Request, Section, Source
from collectors.speech import N_, _

__all__ = ["SOURCES", "BlueskySection"]


class BlueskySection(Section):
    queries: list[str] = msgspec.field(default_factory=list)
    service: str = "https://bsky.social"
    appview: str = "https://public.api.bsky.app"
    plc: str = "https://plc.directory"
    jetstream: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    requests_per_5min: PositiveInt = 3000


TEMPLATE = """\
[sources.bluesky]
# Extra search queries, besides the tracked domains and catalogue URLs.
queries = []
# Login and search host; logged-out reads; DID directory; Jetstream websocket.
service = "https://bsky.social"
appview = "https://public.api.bsky.app"
plc = "https://plc.directory"
jetstream = "wss://jetstream2.us-east.bsky.network/subscribe"
# Requests per 5 minutes to each host (Bluesky allows 3000 per IP).
requests_per_5min = 3000
"""


def _choose(request: Request) -> BlueskyOptions:
    given, section = request.given, request.section
    chosen = given["domains"] or given["urls"] or given["queries"]
    wanted = BlueskyOptions(
        domains=list(given["domains"] if chosen else request.domains),
        urls=list(given["urls"] if chosen else request.catalogue_urls()),
        queries=list(given["queries"] if chosen else section.queries),
        until=request.moment("--until"),
        interactions=not given["no_interactions"],
        follows=given["follows"],
        max_follows=given["max_follows"],
        repost_times=given["repost_times"],
        window_cap=given["window_cap"],
        service=section.service,
        appview=section.appview,
        plc=section.plc,
    )
    wanted.since = request.since(wanted.query())
    return wanted


def _hosts(wanted: BlueskyOptions, section: BlueskySection) -> dict[str, int]:
    return {
        urlsplit(url).netloc: section.requests_per_5min for url in (wanted.service, wanted.appview)
    }


def _credentials() -> dict[str, str]:
    handle = credential("ESSAIM_BLUESKY_HANDLE")
    password = credential("ESSAIM_BLUESKY_APP_PASSWORD")
    if not handle or not password:
        raise UserError(
            _(
                "Bluesky search needs an account: set ESSAIM_BLUESKY_HANDLE and "
                "ESSAIM_BLUESKY_APP_PASSWORD (an app password) in the environment or the "
                "keyring (essaim credentials set NAME)"
            )
        )
    return {"handle": handle, "password": password}


SOURCES = (
    Source(
        name="bluesky",
        parser=parse_payload,
        help="""
    Bluesky posts linking to tracked resources, with quotes, reposts, replies and profiles.

    Searches need an account: set ESSAIM_BLUESKY_HANDLE and ESSAIM_BLUESKY_APP_PASSWORD
    (an app password, from Settings → Privacy and security → App passwords) in the
    environment or with `essaim credentials set`. They are never written anywhere. Without
    --domain/--url/--query, searches the tracked domains and every catalogue URL.
    """,
        options=BlueskyOptions,
        spider=BlueskySpider,
        cli=(
            Option("--domain", "Search posts linking to this domain.", "domains", multiple=True),
            Option("--url", "Search posts linking to this URL.", "urls", multiple=True),
            Option("--query", "Search this text.", "queries", multiple=True),
            Option("--since", "Only posts from this date or time on; 'last': since the last run."),
            Option("--until", "Only posts before this date or time."),
            Option("--no-interactions", "Posts only: no quotes, reposts, replies.", flag=True),
            Option("--follows", "Also read whom the sharers follow.", flag=True),
            Option("--max-follows", "Follows read per sharer.", default=1000, kind=int),
            Option("--repost-times", "Read repost times in reposters' repositories.", flag=True),
            Option(
                "--window-cap",
                "Search results after which a query is cut into a new time window (the search "
                "stops paging deeper).",
                default=10_000,
                kind=int,
            ),
        ),
        choose=_choose,
        hosts=_hosts,
        credentials=_credentials,
        section="bluesky",
        config=BlueskySection,
        template=TEMPLATE,
        needs={
            "ESSAIM_BLUESKY_HANDLE": N_("Bluesky account whose app password follows"),
            "ESSAIM_BLUESKY_APP_PASSWORD": N_("Bluesky app password (searches)"),
        },
    ),
    Source(
        name="bluesky-live",
        parser=parse_events,
        help="""
    Follow Bluesky live (Jetstream): posts linking to tracked domains, their reposts and likes.

    No account needed. Stop with Ctrl-C; the events already received are kept. With
    --resume, starts from the last event of the previous live run (Jetstream keeps about
    36 hours).
    """,
        cli=(
            Option("--duration", "Stop after this many seconds (default: Ctrl-C).", kind=float),
            Option("--batch-size", "Events per batch written.", default=100, kind=int),
        ),
        stream=follow_live,
        section="bluesky",
        resume_help="Start where the last live run stopped.",
    ),
)
