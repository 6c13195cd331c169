"""Discourse forums, through their public JSON API (no account)."""

from collectors.discourse.parsers import parse_payload

__all__ = ["parse_payload"]
