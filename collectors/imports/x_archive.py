"""Tweets of an X/Twitter account archive (``data/tweets.js``) into records.

The archive holds its owner's tweets only: each becomes a post of that account, with the
links as X expanded them (``entities.urls[].expanded_url``, not the t.co wrappers), its
hashtags, the tweet it answers, and its counts (which the archive writes as strings).
"""

from __future__ import annotations

import json

from collectors.imports.mapping import parse_time
from collectors.parsing import ParseContext, ParseError, written_count
from collectors.records import Account, Community, Engagement, Post, Record, acts_of

__all__ = ["PLATFORM", "tweet_records"]

PLATFORM = "x"
_TIME = ["%a %b %d %H:%M:%S %z %Y"]  # "Wed Oct 10 20:19:24 +0000 2018"


def tweet_records(text: str, account: str, context: ParseContext) -> list[Record]:
    """The records of one archive item (``{"tweet": {...}}``) of ``account``."""
    try:
        item = json.loads(text)
    except ValueError as error:
        raise ParseError(f"not JSON ({error})") from None
    tweet = item.get("tweet") if isinstance(item, dict) else None
    if not isinstance(tweet, dict) or not tweet.get("id_str"):
        raise ParseError("not a tweet (no tweet.id_str)")
    provenance = context.provenance(PLATFORM)
    created = tweet.get("created_at")
    created_at = parse_time(created, _TIME) if created else None
    entities = tweet.get("entities") or {}
    links = [u.get("expanded_url") or u.get("url") for u in entities.get("urls") or []]
    reply_to = tweet.get("in_reply_to_status_id_str") or None
    post_id = tweet["id_str"]
    records: list[Record] = [
        Post(
            **provenance,
            post_id=post_id,
            url=f"https://x.com/{account}/status/{post_id}",
            author_id=account,
            created_at=created_at,
            text=tweet.get("full_text") or tweet.get("text"),
            language=tweet.get("lang") if tweet.get("lang") not in (None, "und") else None,
            links=[link for link in links if link],
            reply_to=reply_to,
            engagement=Engagement(
                observed_at=context.collected_at,
                likes=written_count(tweet, "favorite_count"),
                reposts=written_count(tweet, "retweet_count"),
            ),
            community=Community(
                hashtags=[
                    h["text"].lower() for h in entities.get("hashtags") or [] if h.get("text")
                ]
            ),
        ),
        Account(**provenance, account_id=account, handle=account),
    ]
    return [*records, *acts_of(records[0])]
