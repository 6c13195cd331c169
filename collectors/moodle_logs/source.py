"""Moodle usage imports as sources (``essaim import moodle-log|moodle-logstore|xapi``)."""

from collectors.moodle_logs.parsers import parse_payload
from collectors.sources import Source

__all__ = ["SOURCES"]

SOURCES = tuple(
    Source(name=f"import-{kind}", parser=parse_payload)
    for kind in ("moodle-log", "moodle-logstore", "xapi")
)
