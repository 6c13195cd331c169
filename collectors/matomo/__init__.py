"""Matomo web analytics: the Reporting API, and the same reports' exports."""

from collectors.matomo.parsers import parse_payload

__all__ = ["parse_payload"]
