"""The open web: pages linking tracked resources, found by a polite crawl from seeds."""

from collectors.web.parsers import parse_payload

__all__ = ["parse_payload"]
