"""The collection engine: Scrapy spiders run in-process, writing raw runs.

Every request/response collector is an :class:`ApiSpider` (JSON APIs) or a
:class:`PageSpider` (web pages). The engine adds what all of them share: the raw-run
pipeline, polite settings (rate limits per host, robots.txt and its crawl delay, retries
honouring the platforms' reset headers, back-off on server errors), checkpoints (a resumed
run replays what its predecessor already received) and progress.
"""

from collectors.engine.runner import CollectOutcome, collect, engine_settings
from collectors.engine.spider import ApiSpider, Fetched, PageSpider

__all__ = [
    "ApiSpider",
    "CollectOutcome",
    "Fetched",
    "PageSpider",
    "collect",
    "engine_settings",
]
