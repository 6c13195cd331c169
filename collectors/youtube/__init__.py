"""YouTube, through the Data API v3 (an API key is needed)."""

from collectors.youtube.parsers import parse_payload

__all__ = ["parse_payload"]
