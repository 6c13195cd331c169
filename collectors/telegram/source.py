"""Telegram as a source: public channels read through their web preview."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from collectors.errors import UserError
from collectors.sources import Option, PositiveInt, Request, Section, Source
from collectors.speech import _
from collectors.telegram.parsers import parse_payload
from collectors.telegram.spider import TelegramOptions, TelegramSpider

__all__ = ["SOURCES", "TelegramSection"]


class TelegramSection(Section):
    channels: list[str] = msgspec.field(default_factory=list)
    base: str = "https://t.me"
    requests_per_5min: PositiveInt = 300


TEMPLATE = """\
[sources.telegram]
# Public channels to read (names without "@"), the preview site, and requests per 5 minutes.
channels = []
base = "https://t.me"
requests_per_5min = 300
"""


def _choose(request: Request) -> TelegramOptions:
    given, section = request.given, request.section
    channels = [name.lstrip("@") for name in given["channels"] or section.channels]
    if not channels:
        raise UserError(
            _("name the channels to read with --channel (or [sources.telegram] channels)")
        )
    wanted = TelegramOptions(
        channels=channels, max_pages=given["max_pages"], base=section.base.rstrip("/")
    )
    wanted.since = request.since(wanted.query())
    return wanted


def _hosts(wanted: TelegramOptions, section: TelegramSection) -> dict[str, int]:
    return {urlsplit(wanted.base).netloc: section.requests_per_5min}


SOURCES = (
    Source(
        name="telegram",
        parser=parse_payload,
        help="""
    Messages of public Telegram channels: links, views, forwards, replies.

    Reads the channels' public web preview (t.me/s/<channel>), newest first, without an
    account. Groups and private channels have no preview and are reported as such.
    """,
        options=TelegramOptions,
        spider=TelegramSpider,
        cli=(
            Option("--channel", "Public channel, without '@'.", "channels", multiple=True),
            Option("--since", "Stop paging at this date or time; 'last': since the last run."),
            Option("--max-pages", "Pages read per channel.", default=200, kind=int),
        ),
        choose=_choose,
        hosts=_hosts,
        section="telegram",
        config=TelegramSection,
        template=TEMPLATE,
    ),
)
