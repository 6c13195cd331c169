"""Mastodon as a source: hashtag timelines, trending links and search on several instances."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from collectors.mastodon.parsers import parse_payload
from collectors.mastodon.spider import MastodonOptions, MastodonSpider, instance_url
from collectors.sources import Option, PositiveInt, Request, Section, Source
from collectors.speech import N_

__all__ = ["SOURCES", "MastodonSection"]


class MastodonSection(Section):
    instances: list[str] = msgspec.field(
        default_factory=lambda: ["mastodon.social", "piaille.fr", "framapiaf.org"]
    )
    tags: list[str] = msgspec.field(
        default_factory=lambda: ["INSPE", "eINSPE", "ReseauCanope", "FormationEnseignants"]
    )
    requests_per_5min: PositiveInt = 300


TEMPLATE = """\
[sources.mastodon]
# Instances to read (host names, or full base URLs) and hashtags to follow (without "#").
instances = ["mastodon.social", "piaille.fr", "framapiaf.org"]
tags = ["INSPE", "eINSPE", "ReseauCanope", "FormationEnseignants"]
# Requests per 5 minutes to each instance (Mastodon's default limit is 300).
requests_per_5min = 300
"""


def _choose(request: Request) -> MastodonOptions:
    given, section = request.given, request.section
    wanted = MastodonOptions(
        instances=list(given["instances"] or section.instances),
        tags=[tag.lstrip("#") for tag in given["tags"] or section.tags],
        domains=list(request.domains),
        interactions=not given["no_interactions"],
        follows=given["follows"],
        max_follows=given["max_follows"],
    )
    wanted.since = request.since(wanted.query())
    return wanted


def _hosts(wanted: MastodonOptions, section: MastodonSection) -> dict[str, int]:
    return {urlsplit(instance_url(i)).netloc: section.requests_per_5min for i in wanted.instances}


SOURCES = (
    Source(
        name="mastodon",
        parser=parse_payload,
        help="""
    Mastodon statuses about tracked resources, on several instances.

    Reads hashtag timelines and trending links without an account; with a user token
    (ESSAIM_MASTODON_TOKEN_<HOST>, e.g. ESSAIM_MASTODON_TOKEN_PIAILLE_FR) also full-text
    search and quotes. Accounts whose profile says #nobot or #noindex are left out.
    """,
        options=MastodonOptions,
        spider=MastodonSpider,
        cli=(
            Option("--instance", "Instance to read (repeatable).", "instances", multiple=True),
            Option("--tag", "Hashtag to follow, without '#' (repeatable).", "tags", multiple=True),
            Option("--since", "Stop paging at this date or time; 'last': since the last run."),
            Option("--no-interactions", "Statuses only: no boosts, replies.", flag=True),
            Option("--follows", "Also read the followers of sharers.", flag=True),
            Option("--max-follows", "Followers read per sharer.", default=1000, kind=int),
        ),
        choose=_choose,
        hosts=_hosts,
        section="mastodon",
        config=MastodonSection,
        template=TEMPLATE,
        needs={"ESSAIM_MASTODON_TOKEN_<HOST>": N_("user token on one instance (search, quotes)")},
    ),
)
