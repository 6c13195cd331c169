"""Matomo as a source: the Reporting API (``essaim collect matomo``) and the same reports'
exports (``essaim import matomo``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from collectors.credentials import credential
from collectors.errors import UserError
from collectors.matomo.exports import parse_export
from collectors.matomo.parsers import parse_payload
from collectors.matomo.spider import MatomoOptions, MatomoSpider
from collectors.sources import Option, OptionError, PositiveInt, Request, Section, Source
from collectors.speech import N_, _

__all__ = ["SOURCES", "MatomoSection"]

TOKEN = "ESSAIM_MATOMO_TOKEN"
DEFAULT_DAYS = 30  # days read when --since is not given


class MatomoSection(Section):
    url: str = ""
    site_id: PositiveInt | None = None
    requests_per_5min: PositiveInt = 300


TEMPLATE = """\
[sources.matomo]
# The Matomo instance and the site's id in it (idSite), and requests per 5 minutes.
url = ""
# site_id = 1
requests_per_5min = 300
"""


def _choose(request: Request) -> MatomoOptions:
    given, section = request.given, request.section
    url = given["url"] or section.url
    site_id = given["site_id"] or section.site_id
    if not url or not site_id:
        raise UserError(_("name the Matomo instance with --url and the site with --site-id"))
    until = _day(request.moment("--until")) or datetime.now(UTC).date()
    wanted = MatomoOptions(url=url, site_id=site_id, since="", until=until.isoformat())
    since = _day(request.since(wanted.query())) or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise OptionError(
            _("{since} is after --until {until}").format(since=since, until=until), "--since"
        )
    wanted.since = since.isoformat()
    return wanted


def _day(moment: str | None) -> date | None:
    return datetime.fromisoformat(moment).date() if moment else None


def _hosts(wanted: MatomoOptions, section: MatomoSection) -> dict[str, int]:
    return {urlsplit(wanted.url).netloc: section.requests_per_5min}


def _credentials() -> dict[str, str]:
    token = credential(TOKEN)
    if not token:
        raise UserError(
            _(
                "Matomo needs an API token: create one under Administration > Personal > "
                "Security (a user who can view the site) and set {variable} in the environment "
                "or the keyring"
            ).format(variable=TOKEN)
        )
    return {"token": token}


SOURCES = (
    Source(
        name="matomo",
        parser=parse_payload,
        help="""
    A site's visits per day from Matomo: by social network, by campaign and by page.

    Asks the Reporting API for Referrers.getSocials, Referrers.getCampaigns and
    Actions.getPageUrls (also segmented by referrerType==social and referrerType==campaign),
    period=day over the dates given (the last 30 days by default). The token goes in the
    request body and is never stored.
    """,
        options=MatomoOptions,
        spider=MatomoSpider,
        cli=(
            Option("--url", "The Matomo instance, e.g. https://stats.example.org"),
            Option("--site-id", "The site's id in Matomo (idSite).", kind=int),
            Option("--since", "First day (YYYY-MM-DD); 'last': since the last run."),
            Option("--until", "Last day (YYYY-MM-DD; default: today)."),
        ),
        choose=_choose,
        hosts=_hosts,
        credentials=_credentials,
        section="matomo",
        config=MatomoSection,
        template=TEMPLATE,
        needs={TOKEN: N_("Matomo API token (token_auth) of a user who can view the site")},
    ),
    Source(name="import-matomo", parser=parse_export),
)
