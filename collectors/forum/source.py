"""phpBB and Forumactif forums as a source: boards and topics read page by page."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.errors import UserError
from collectors.forum.parsers import parse_payload
from collectors.forum.spider import ForumOptions, ForumSpider
from collectors.sources import Option, OptionError, PositiveInt, Request, Section, Source
from collectors.speech import _

__all__ = ["SOURCES", "ForumsSection"]


class ForumsSection(Section):
    timezone: str = "Europe/Paris"
    requests_per_5min: PositiveInt = 150


TEMPLATE = """\
[sources.forums]
# phpBB, Forumactif and Discourse forums: the time zone forums print their times in (when a
# page does not say), and requests per 5 minutes to each forum (150: one every 2 seconds;
# a longer Crawl-delay in the forum's robots.txt wins).
timezone = "Europe/Paris"
requests_per_5min = 150
"""


def _choose(request: Request) -> ForumOptions:
    given = request.given
    if not given["url"]:
        raise UserError(_("give the forum to read with --url"))
    searches = list(given["searches"])
    if given["search_domains"]:
        searches += request.domains
    timezone = given["timezone"] or request.section.timezone
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionError(
            _("{timezone} is not a time zone name such as Europe/Paris").format(
                timezone=repr(timezone)
            ),
            "--timezone",
        ) from None
    return ForumOptions(
        url=given["url"],
        engine=given["engine"],
        search=searches,
        timezone=timezone,
        max_pages=given["max_pages"],
    )


def _hosts(wanted: ForumOptions, section: ForumsSection) -> dict[str, int]:
    return {urlsplit(wanted.url).netloc: section.requests_per_5min}


SOURCES = (
    Source(
        name="forum",
        parser=parse_payload,
        help="""
    Messages of a phpBB or Forumactif forum: boards, topics, quotes as replies.

    Reads every board and topic reachable from --url (or, with --search, the topics the
    forum's own search finds), one page every 2 seconds at most by default, obeying
    robots.txt and its Crawl-delay. No account is used: only public pages are read.
    """,
        options=ForumOptions,
        spider=ForumSpider,
        cli=(
            Option("--url", "Where to start: the forum's index, a board or a topic."),
            Option(
                "--engine",
                "The forum software.",
                default="phpbb",
                choices=("phpbb", "forumactif"),
            ),
            Option("--search", "Use the forum's search for this text.", "searches", multiple=True),
            Option("--search-domains", "Search the forum for each tracked domain.", flag=True),
            Option("--timezone", "The forum's time zone (default: [sources.forums] timezone)."),
            Option("--max-pages", "Pages read at most.", default=5000, kind=int),
        ),
        choose=_choose,
        hosts=_hosts,
        section="forums",
        config=ForumsSection,
        template=TEMPLATE,
    ),
)
