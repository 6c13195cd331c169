"""Reddit, through its OAuth API (an approved app's credentials are needed)."""

from collectors.reddit.parsers import parse_payload

__all__ = ["parse_payload"]
