"""The collection engine: Scrapy spiders run in-process, writing raw runs.

Every request/response collector is an :class:`ApiSpider` (or a plain Scrapy spider yielding
:class:`Fetched` items). The engine adds what all of them share: the raw-run pipeline, polite
settings (rate limits per host, retries honouring the platforms' reset headers, back-off on
server errors), checkpoints (a resumed run replays what its predecessor already received)
and progress.
"""

from collectors.engine.runner import CollectOutcome, collect, engine_settings
from collectors.engine.spider import ApiSpider, Fetched

__all__ = ["ApiSpider", "CollectOutcome", "Fetched", "collect", "engine_settings"]
