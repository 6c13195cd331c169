"""YouTube as a source: videos whose description links tracked resources, and comments."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from collectors.credentials import credential
from collectors.errors import UserError
from collectors.sources import Option, PositiveInt, Request, Section, Source
from collectors.speech import N_, _
from collectors.youtube.parsers import parse_payload
from collectors.youtube.spider import YoutubeOptions, YoutubeSpider

__all__ = ["SOURCES", "YoutubeSection"]


class YoutubeSection(Section):
    queries: list[str] = msgspec.field(default_factory=lambda: ["e-INSPÉ", "Réseau Canopé"])
    api: str = "https://www.googleapis.com/youtube/v3"
    requests_per_5min: PositiveInt = 300


TEMPLATE = """\
[sources.youtube]
# Search words besides the tracked domains (videos are kept only if their description
# links a tracked domain), the API host, and requests per 5 minutes.
queries = ["e-INSPÉ", "Réseau Canopé"]
api = "https://www.googleapis.com/youtube/v3"
requests_per_5min = 300
"""


def _credentials() -> dict[str, str]:
    key = credential("ESSAIM_YOUTUBE_API_KEY")
    if not key:
        raise UserError(
            _(
                "YouTube needs an API key: create one for the YouTube Data API v3 in the "
                "Google Cloud console and set ESSAIM_YOUTUBE_API_KEY in the environment or the "
                "keyring"
            )
        )
    return {"api_key": key}


def _choose(request: Request) -> YoutubeOptions:
    given, section = request.given, request.section
    wanted = YoutubeOptions(
        domains=list(request.domains),
        queries=list(given["queries"] or section.queries),
        max_search_pages=given["max_search_pages"],
        max_comment_pages=given["max_comment_pages"],
        max_reply_pages=given["max_reply_pages"],
        api=section.api.rstrip("/"),
    )
    wanted.since = request.since(wanted.query())
    return wanted


def _hosts(wanted: YoutubeOptions, section: YoutubeSection) -> dict[str, int]:
    return {urlsplit(wanted.api).netloc: section.requests_per_5min}


SOURCES = (
    Source(
        name="youtube",
        parser=parse_payload,
        help="""
    YouTube videos whose description links tracked resources, with comments linking them.

    Needs a YouTube Data API v3 key: set ESSAIM_YOUTUBE_API_KEY (in the environment or with
    `essaim credentials set`; never written anywhere). A search page costs 100 of the 10,000
    daily units, any other page 1 (threads with more replies than the few they embed cost a
    page of replies each).
    """,
        options=YoutubeOptions,
        spider=YoutubeSpider,
        cli=(
            Option("--query", "Search words (default: config).", "queries", multiple=True),
            Option("--since", "Only videos published from this date or time; 'last' too."),
            Option("--max-search-pages", "Pages per query.", default=4, kind=int),
            Option("--max-comment-pages", "Pages per video.", default=5, kind=int),
            Option(
                "--max-reply-pages",
                "Reply pages per comment thread (1 unit each).",
                default=5,
                kind=int,
            ),
        ),
        choose=_choose,
        hosts=_hosts,
        credentials=_credentials,
        section="youtube",
        config=YoutubeSection,
        template=TEMPLATE,
        needs={"ESSAIM_YOUTUBE_API_KEY": N_("YouTube Data API v3 key")},
    ),
)
