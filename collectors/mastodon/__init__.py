"""Mastodon: status parsers and the hashtag / trending-link / search spider."""

from collectors.mastodon.parsers import parse_payload, parse_status

__all__ = ["parse_payload", "parse_status"]
