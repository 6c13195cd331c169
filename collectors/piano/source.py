"""Piano Analytics exports as a source (``essaim import piano``)."""

from collectors.piano.exports import parse_payload
from collectors.sources import Source

__all__ = ["SOURCES"]

SOURCES = (Source(name="import-piano", parser=parse_payload),)
