"""The payload parser of each source, looked up by source name."""

from __future__ import annotations

from collectors import (
    bluesky,
    discourse,
    forum,
    imports,
    mastodon,
    reddit,
    telegram,
    web,
    youtube,
)
from collectors.bluesky import jetstream
from collectors.errors import NotFound
from collectors.parsing import Parser, guarded

__all__ = ["PARSERS", "parser_for"]

#: Parser of each source's payloads, by source name as written in run manifests.
PARSERS: dict[str, Parser] = {
    "bluesky": bluesky.parse_payload,
    "bluesky-live": jetstream.parse_events,
    "mastodon": mastodon.parse_payload,
    "forum": forum.parse_payload,
    "discourse": discourse.parse_payload,
    "telegram": telegram.parse_payload,
    "reddit": reddit.parse_payload,
    "youtube": youtube.parse_payload,
    "web": web.parse_payload,
    **{f"import-{kind}": imports.parse_payload for kind in imports.FORMATS},
}


def parser_for(source: str) -> Parser:
    """Return the payload parser of a source, raising only ``ParseError`` whatever the
    payload (see :func:`collectors.parsing.guarded`); raise :class:`NotFound` if it has
    none."""
    try:
        return guarded(PARSERS[source])
    except KeyError:
        raise NotFound(f"no parser for source {source!r}") from None
