"""Bluesky: payload parsers, the search-and-interactions spider, the Jetstream client."""

from collectors.bluesky.parsers import parse_payload, parse_post_view, parse_search_posts

__all__ = ["parse_payload", "parse_post_view", "parse_search_posts"]
