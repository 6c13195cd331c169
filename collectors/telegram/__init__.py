"""Telegram public channels, read from their web preview (no account)."""

from collectors.telegram.parsers import parse_payload

__all__ = ["parse_payload"]
