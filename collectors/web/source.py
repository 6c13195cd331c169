"""The web as a source: a polite crawl from seed pages for pages linking tracked resources."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from collectors.errors import UserError
from collectors.sources import Option, OptionError, PositiveInt, Request, Section, Source
from collectors.speech import _
from collectors.web.parsers import parse_payload
from collectors.web.spider import WebOptions, WebSpider

__all__ = ["SOURCES", "WebSection"]


class WebSection(Section):
    requests_per_5min: PositiveInt = 150


TEMPLATE = """\
[sources.web]
# Requests per 5 minutes to each site crawled (150: one every 2 seconds; a longer
# Crawl-delay in the site's robots.txt wins).
requests_per_5min = 150
"""


def _choose(request: Request) -> WebOptions:
    given = request.given
    if given["seeds"] is None:
        raise UserError(_("give the start pages with --seeds FILE"))
    return WebOptions(
        seeds=_seeds(given["seeds"]),
        depth=given["depth"],
        domains=list(request.domains),
        allowed=list(given["allowed"]),
        max_pages=given["max_pages"],
    )


def _seeds(path: Path) -> list[str]:
    """The URLs of a seeds file; a line that is not a web address is named."""
    seeds = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        url = line.split("#", 1)[0].strip()
        if not url:
            continue
        if not url.startswith(("http://", "https://")) or not urlsplit(url).hostname:
            raise OptionError(
                _("line {line} of {path} is not a web address: {url}").format(
                    line=number, path=path, url=repr(url)
                ),
                "--seeds",
            )
        seeds.append(url)
    if not seeds:
        raise OptionError(_("{path} holds no URL").format(path=path), "--seeds")
    return seeds


def _hosts(wanted: WebOptions, section: WebSection) -> dict[str, int]:
    return {urlsplit(url).netloc: section.requests_per_5min for url in wanted.seeds}


SOURCES = (
    Source(
        name="web",
        parser=parse_payload,
        help="""
    Web pages linking tracked resources: a polite crawl from seed pages.

    Follows links within the seeds' sites (and --allow-domain hosts) up to --depth hops,
    obeying robots.txt and its Crawl-delay, and records every page that links a tracked
    domain: its title, date when it says it, and the paragraph around the link.
    """,
        options=WebOptions,
        spider=WebSpider,
        cli=(
            Option(
                "--seeds",
                "A file of start pages, one URL per line (# starts a comment).",
                kind=Path,
            ),
            Option("--depth", "Links followed from a seed.", default=1, kind=int),
            Option("--allow-domain", "Also crawl this host.", "allowed", multiple=True),
            Option("--max-pages", "Pages read at most.", default=2000, kind=int),
        ),
        choose=_choose,
        hosts=_hosts,
        section="web",
        config=WebSection,
        template=TEMPLATE,
    ),
)
