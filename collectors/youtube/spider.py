"""The YouTube spider: a keyword search, then the videos whose description links a resource.

YouTube cannot search by link: ``search`` finds videos by words (the tracked domains and
the configured queries), ``videos`` gives their descriptions and counts (the parser keeps
those linking a tracked domain), then ``commentThreads`` their comments (each thread embeds
a few replies; ``comments`` with ``parentId`` gives the others) and ``channels`` their
channels' subscribers. The API key (``ESSAIM_YOUTUBE_API_KEY``) travels in a header,
so it is never part of a stored URL. Quota: 10,000 units a day; a search page costs 100 (or
one from its own 100-a-day bucket), everything else 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import scrapy

from collectors.engine import ApiSpider
from collectors.parsing import links_to
from collectors.speech import N_
from collectors.youtube.parsers import parse_payload, video_links

__all__ = ["YoutubeOptions", "YoutubeSpider"]

_BATCH = 50  # ids per videos/channels request, results per search page (the maximum)


@dataclass
class YoutubeOptions:
    """What a YouTube collection asks for (stored in the run manifest, reused on resume)."""

    domains: list[str] = field(default_factory=list)  # tracked domains (search and filter)
    queries: list[str] = field(default_factory=list)  # extra search words
    max_search_pages: int = 4  # result pages per query (each costs quota)
    max_comment_pages: int = 5  # comment pages per video (100 threads each)
    max_reply_pages: int = 5  # reply pages per thread with more replies than embedded (100 each)
    since: str | None = None  # ISO time: only videos published after it
    api: str = "https://www.googleapis.com/youtube/v3"

    def query(self) -> str:
        return "youtube " + ", ".join(sorted(self.domains) + sorted(self.queries))

    def parameters(self) -> dict[str, Any]:
        return asdict(self)


class YoutubeSpider(ApiSpider):
    """Collect YouTube videos (and comments) linking tracked resources."""

    name = "youtube"
    parser = staticmethod(parse_payload)

    def __init__(self, options: YoutubeOptions, api_key: str, **kw):
        super().__init__(**kw)
        self.options = options
        self._key = api_key
        self.videos: set[str] = set()
        self.channels: set[str] = set()

    def _get(self, method: str, params, on_data, **kw) -> scrapy.Request:
        headers = {"X-Goog-Api-Key": self._key}
        return self.get(f"{self.options.api}/{method}", params, on_data, headers=headers, **kw)

    async def start(self):
        for term in [*self.options.domains, *self.options.queries]:
            params = {"part": "snippet", "type": "video", "q": term, "maxResults": _BATCH}
            if self.options.since:
                params["publishedAfter"] = self.options.since.replace("+00:00", "Z")
            yield self._get("search", params, self.results)

    def refused(self, response):
        """A refused key or an exhausted quota stops the collection, saying which."""
        if response.status not in (400, 403):
            return None
        try:
            errors = json.loads(response.body)["error"]["errors"]
        except (ValueError, KeyError, TypeError):
            return None
        reasons = {error.get("reason") for error in errors if isinstance(error, dict)}
        if reasons & {"quotaExceeded", "dailyLimitExceeded"}:
            self.stop(
                N_("the YouTube API quota of the day is used up; finish with --resume tomorrow")
            )
        if reasons & {"keyInvalid", "keyExpired", "forbidden", "accessNotConfigured"}:
            self.stop(
                N_(
                    "YouTube refused the API key ({reasons}); check ESSAIM_YOUTUBE_API_KEY and "
                    "that the YouTube Data API is enabled for it"
                ),
                reasons=", ".join(sorted(reasons)),
            )
        return None

    def results(self, data, response) -> Iterator[scrapy.Request]:
        found = [
            item["id"]["videoId"]
            for item in data.get("items") or []
            if isinstance(item.get("id"), dict) and item["id"].get("videoId")
        ]
        fresh = [video for video in found if video not in self.videos]
        self.videos.update(fresh)
        for start in range(0, len(fresh), _BATCH):
            ids = ",".join(fresh[start : start + _BATCH])
            yield self._get(
                "videos",
                {"part": "snippet,statistics", "id": ids},
                self.video_details,
                note={"domains": self.options.domains},
            )
        yield from self._next_page(data, response, self.options.max_search_pages)

    def video_details(self, data, response) -> Iterator[scrapy.Request]:
        tracked = [
            video
            for video in data.get("items") or []
            if any(links_to(link, self.options.domains) for link in video_links(video))
        ]
        for video in tracked:
            yield self._comments(video["id"])
        channels = {video["snippet"]["channelId"] for video in tracked} - self.channels
        self.channels |= channels
        if channels:
            params = {"part": "snippet,statistics", "id": ",".join(sorted(channels))}
            yield self._get("channels", params, lambda data, response: iter(()))

    def _comments(self, video: str) -> scrapy.Request:
        params = {"part": "snippet,replies", "videoId": video, "maxResults": 100}
        return self._get(
            "commentThreads",
            params,
            self.comment_page,
            note={"domains": self.options.domains, "video": video},
            ok_statuses=(403,),  # comments turned off for this video
        )

    def comment_page(self, data, response) -> Iterator[scrapy.Request]:
        video = response.meta["note"].get("video")
        for thread in data.get("items") or []:
            yield from self._replies(thread, video)
        yield from self._next_page(data, response, self.options.max_comment_pages)

    def _replies(self, thread: dict[str, Any], video: str | None) -> Iterator[scrapy.Request]:
        """Ask for a thread's replies when it has more than the few its answer embeds; the
        note names those embedded, which the parser then leaves to the thread's answer."""
        embedded = [
            reply.get("id") for reply in (thread.get("replies") or {}).get("comments") or []
        ]
        total = (thread.get("snippet") or {}).get("totalReplyCount")
        if not isinstance(total, int) or total <= len(embedded) or not thread.get("id"):
            return
        params = {
            "part": "snippet",
            "parentId": thread["id"],
            "maxResults": 100,
            "textFormat": "plainText",
        }
        note = {
            "domains": self.options.domains,
            "video": video,
            "thread": thread["id"],
            "embedded": embedded,
        }
        yield self._get("comments", params, self.reply_page, note=note)

    def reply_page(self, data, response) -> Iterator[scrapy.Request]:
        yield from self._next_page(data, response, self.options.max_reply_pages)

    def _next_page(self, data, response, budget: int) -> Iterator[scrapy.Request]:
        """The page after ``response``'s, if there is one and ``budget`` pages allow it."""
        following, pages = data.get("nextPageToken"), response.meta.get("pages", 1)
        if following and pages < budget:
            request = self.next_page(response, following, name="pageToken")
            request.meta["pages"] = pages + 1
            yield request
