"""Teacher forums on phpBB and Forumactif: page readers, parsers and the spider."""

from collectors.forum.parsers import parse_payload

__all__ = ["parse_payload"]
