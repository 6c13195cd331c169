"""Discourse forums as a source: topics found by search, read whole through the JSON API."""

from __future__ import annotations

from urllib.parse import urlsplit

from collectors.discourse.parsers import parse_payload
from collectors.discourse.spider import DiscourseOptions, DiscourseSpider
from collectors.errors import UserError
from collectors.sources import Option, Request, Source
from collectors.speech import _

__all__ = ["SOURCES"]


def _choose(request: Request) -> DiscourseOptions:
    given = request.given
    if not given["url"]:
        raise UserError(_("give the Discourse site to read with --url"))
    return DiscourseOptions(
        url=given["url"],
        queries=list(given["queries"] or request.domains),
        max_search_pages=given["max_search_pages"],
    )


def _hosts(wanted: DiscourseOptions, section) -> dict[str, int]:
    return {urlsplit(wanted.url).netloc: section.requests_per_5min}


SOURCES = (
    Source(
        name="discourse",
        parser=parse_payload,
        help="""
    Topics of a Discourse forum whose posts link tracked resources, read whole.

    Uses the site's public JSON API without an account: search, then every post of each
    topic found (replies, quotes, likes, reads, and the clicks Discourse counted on links).
    """,
        options=DiscourseOptions,
        spider=DiscourseSpider,
        cli=(
            Option("--url", "The Discourse site, e.g. https://forum.example.org"),
            Option("--query", "Search this (default: tracked domains).", "queries", multiple=True),
            Option("--max-search-pages", "Result pages per query.", default=20, kind=int),
        ),
        choose=_choose,
        hosts=_hosts,
        section="forums",  # shared with phpBB and Forumactif forums (collectors/forum/)
    ),
)
