"""Reddit as a source: submissions linking tracked resources, crossposts and comments."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import msgspec

from collectors.credentials import credential
from collectors.errors import UserError
from collectors.reddit.parsers import parse_payload
from collectors.reddit.spider import RedditOptions, RedditSpider
from collectors.sources import Option, PositiveInt, Request, Section, Source
from collectors.speech import N_, _

__all__ = ["SOURCES", "RedditSection"]


#: A Reddit username (3 to 20 letters, digits, "-" or "_"), or none.
Username = Annotated[str, msgspec.Meta(pattern=r"^([A-Za-z0-9_-]{3,20})?$")]


class RedditSection(Section):
    auth: str = "https://www.reddit.com"
    api: str = "https://oauth.reddit.com"
    requests_per_5min: PositiveInt = 450
    username: Username = ""


TEMPLATE = """\
[sources.reddit]
# Token and API hosts, and requests per 5 minutes (Reddit allows 100 per minute per app).
auth = "https://www.reddit.com"
api = "https://oauth.reddit.com"
requests_per_5min = 450
# The Reddit account (without u/) that registered the app: Reddit's API rules want it in the
# user agent, "python:<client id>:v<version> (by /u/<username>)"; left empty, the agent names
# [collect] contact instead, which Reddit may throttle.
username = ""
"""

_NO_USERNAME = N_(
    "Reddit's API rules ask for a Reddit username in the user agent: set "
    "sources.reddit.username in the configuration (the account that registered the app); "
    "until then the agent names collect.contact, and Reddit may throttle it."
)


def _credentials() -> dict[str, str]:
    client_id = credential("ESSAIM_REDDIT_CLIENT_ID")
    secret = credential("ESSAIM_REDDIT_CLIENT_SECRET")
    if not client_id or not secret:
        raise UserError(
            _(
                "Reddit needs an OAuth app: set ESSAIM_REDDIT_CLIENT_ID and "
                "ESSAIM_REDDIT_CLIENT_SECRET (since November 2025 Reddit approves new apps at "
                "reddit.com/prefs/apps). Without one, export the posts with another tool and "
                "load them with: essaim import csv FILE --mapping MAPPING.toml"
            )
        )
    return {"client_id": client_id, "client_secret": secret}


def _choose(request: Request) -> RedditOptions:
    given, section = request.given, request.section
    chosen = given["domains"] or given["urls"]
    wanted = RedditOptions(
        domains=list(given["domains"] if chosen else request.domains),
        urls=list(given["urls"] if chosen else request.catalogue_urls()),
        max_pages=given["max_pages"],
        comments=not given["no_comments"],
        auth=section.auth.rstrip("/"),
        api=section.api.rstrip("/"),
        username=section.username,
    )
    if not section.username:
        request.say(_(_NO_USERNAME))
    wanted.since = request.since(wanted.query())
    return wanted


def _hosts(wanted: RedditOptions, section: RedditSection) -> dict[str, int]:
    return {urlsplit(url).netloc: section.requests_per_5min for url in (wanted.auth, wanted.api)}


SOURCES = (
    Source(
        name="reddit",
        parser=parse_payload,
        help="""
    Reddit submissions linking tracked resources, with crossposts and comment trees.

    Needs a Reddit OAuth app: set ESSAIM_REDDIT_CLIENT_ID and ESSAIM_REDDIT_CLIENT_SECRET
    (in the environment or with `essaim credentials set`; never written anywhere), and the
    app's Reddit username in [sources.reddit] username (Reddit wants it in the user agent).
    """,
        options=RedditOptions,
        spider=RedditSpider,
        cli=(
            Option("--domain", "Tracked domain (default: config).", "domains", multiple=True),
            Option("--url", "Exact URL (default: catalogue URLs).", "urls", multiple=True),
            Option("--since", "Stop paging at this date or time; 'last': since the last run."),
            Option(
                "--max-pages",
                "Pages per listing; continued branches per submission.",
                default=10,
                kind=int,
            ),
            Option("--no-comments", "Submissions only: no comments, crossposts.", flag=True),
        ),
        choose=_choose,
        hosts=_hosts,
        credentials=_credentials,
        section="reddit",
        config=RedditSection,
        template=TEMPLATE,
        needs={
            "ESSAIM_REDDIT_CLIENT_ID": N_("Reddit OAuth app id"),
            "ESSAIM_REDDIT_CLIENT_SECRET": N_("Reddit OAuth app secret"),
        },
    ),
)
