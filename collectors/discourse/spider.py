"""The Discourse spider: search for the tracked domains, then read every topic found whole.

``/search.json?q=<term>`` finds posts (Discourse tokenises URLs: searching the domain finds
the posts linking it); each topic found is read once (``/t/<id>.json`` gives the first 20
posts and the ids of all; ``/t/<id>/posts.json?post_ids[]=…`` the rest, 20 at a time), so
the replies and quotes around a shared link come with it. Anonymous access only: private
categories answer 403 and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import scrapy

from collectors.discourse.parsers import parse_payload, topic_context
from collectors.engine import ApiSpider

__all__ = ["DiscourseOptions", "DiscourseSpider"]

_BATCH = 20  # posts per posts.json request (Discourse's chunk size)


@dataclass
class DiscourseOptions:
    """What a Discourse collection asks for (stored in the run manifest, reused on resume)."""

    url: str  # the site's base URL, e.g. https://forum.example.org
    queries: list[str] = field(default_factory=list)  # search terms (the tracked domains)
    max_search_pages: int = 20  # result pages read per query at most (50 posts each)

    def query(self) -> str:
        return f"discourse {self.url} searching {', '.join(sorted(self.queries))}"

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class DiscourseSpider(ApiSpider):
    """Read the Discourse topics whose posts mention the tracked domains."""

    name = "discourse"
    parser = staticmethod(parse_payload)

    def __init__(self, options: DiscourseOptions, **kw):
        super().__init__(**kw)
        self.options = options
        self.base = options.url.rstrip("/")
        self.topics: set[int] = set()

    async def start(self):
        for term in self.options.queries:
            yield self._search(term, 1)

    def _search(self, term: str, page: int) -> scrapy.Request:
        params = {"q": term, **({"page": page} if page > 1 else {})}
        return self.get(
            f"{self.base}/search.json",
            params,
            lambda data, response: self.results(data, term, page),
        )

    def results(self, data, term: str, page: int) -> Iterator[scrapy.Request]:
        if not isinstance(data, dict):
            return
        found = [topic.get("id") for topic in data.get("topics") or []]
        found += [post.get("topic_id") for post in data.get("posts") or []]
        for topic_id in found:
            if isinstance(topic_id, int) and topic_id not in self.topics:
                self.topics.add(topic_id)
                yield self.get(
                    f"{self.base}/t/{topic_id}.json",
                    None,
                    self.topic,
                    ok_statuses=(403, 404, 410),  # private or deleted since
                )
        more = (data.get("grouped_search_result") or {}).get("more_full_page_results")
        if more and page < self.options.max_search_pages:
            yield self._search(term, page + 1)

    def topic(self, data, response) -> Iterator[scrapy.Request]:
        if not isinstance(data, dict) or "post_stream" not in data:
            return
        stream = data["post_stream"]
        read = {post.get("id") for post in stream.get("posts") or []}
        missing = [number for number in stream.get("stream") or [] if number not in read]
        note = topic_context(data)
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            yield self.get(
                f"{self.base}/t/{data['id']}/posts.json",
                [("post_ids[]", number) for number in batch],
                lambda data, response: iter(()),
                note=note,
            )
