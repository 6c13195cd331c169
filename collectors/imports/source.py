"""File imports as sources: one per format, parsed row by row (``essaim import``)."""

from collectors.imports.parsers import parse_payload
from collectors.imports.run import FORMATS
from collectors.sources import Source

__all__ = ["SOURCES"]

SOURCES = tuple(Source(name=f"import-{kind}", parser=parse_payload) for kind in FORMATS)
