"""``essaim collect <source>``: run a collector into a new raw run."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from app.cli.console import EXIT_OK, EXIT_PARTIAL, EXIT_USER_ERROR, err, out, settings_of
from app.config import Settings
from collectors.bluesky.jetstream import JetstreamCollector, last_cursor
from collectors.bluesky.spider import BlueskyOptions, BlueskySpider
from collectors.checkpoint import last_run, resumable_run, runs_of, salvage_unfinished
from collectors.credentials import credential
from collectors.discourse.spider import DiscourseOptions, DiscourseSpider
from collectors.engine import CollectOutcome, engine_settings
from collectors.engine import collect as run_collection
from collectors.forum.spider import ForumOptions, ForumSpider
from collectors.mastodon.spider import MastodonOptions, MastodonSpider, instance_url
from collectors.rawrun import PAYLOAD_PREFIX, RawRunWriter, iter_lines, run_paths
from collectors.records import Run, decode_record
from collectors.reddit.spider import RedditOptions, RedditSpider
from collectors.telegram.spider import TelegramOptions, TelegramSpider
from collectors.web.spider import WebOptions, WebSpider
from collectors.youtube.spider import YoutubeOptions, YoutubeSpider
from graph.resources import read_catalogue

__all__ = ["collect"]

#: ``--since last`` starts this long before the previous run started: posts are indexed late.
SINCE_LAST_OVERLAP = timedelta(hours=1)
_FIVE_MINUTES = 300.0


def _engine(settings: Settings, hosts: dict[str, int], verbose: bool) -> dict:
    """Scrapy settings from the ``[collect]`` section; ``hosts`` maps host -> requests/5 min."""
    options = settings.config.collect
    return engine_settings(
        contact=options.contact,
        rate_limits={host: (limit, _FIVE_MINUTES) for host, limit in hosts.items()},
        timeout=options.timeout,
        max_retries=options.max_retries,
        backoff=options.backoff,
        max_wait=options.max_wait,
        verbose=verbose,
    )


def _since(value: str | None, raw_dir, source: str, query: str) -> str | None:
    """The ``since`` bound: a date or time, or ``last`` (the previous run of the same query)."""
    if value is None:
        return None
    if value == "last":
        previous = last_run(raw_dir, source, query)
        if previous is None:
            err.print("No earlier run of this query: collecting everything.")
            return None
        return (previous.started_at - SINCE_LAST_OVERLAP).isoformat()
    return _moment(value, "--since")


def _moment(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD) or ISO time", param_hint=option
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _to_resume(settings: Settings, source: str) -> Run:
    previous = resumable_run(settings.raw_dir, source)
    if previous is None:
        raise click.ClickException(f"no unfinished {source} run to resume in {settings.raw_dir}")
    out.print(f"Resuming run {previous.run_id} ({previous.status}).")
    return previous


def _report(outcome: CollectOutcome) -> int:
    """Say how the run ended, what failed, and what to do next; return the exit code."""
    run = outcome.run
    counts = ", ".join(f"{n:,} {kind}" for kind, n in run.counts.items()) or "nothing"
    out.print(f"Run {run.run_id} ({run.status}): {counts}.", highlight=False)
    failed = [incident for incident in run.incidents if incident.kind == "failed-page"]
    for incident in failed[:10]:
        err.print(f"[red]failed[/red] {incident.where}: {incident.message}", highlight=False)
    if len(failed) > 10:
        err.print(f"… and {len(failed) - 10} more failed pages (see the run manifest).")
    unreadable = [i for i in run.incidents if i.kind == "error" and i.where.startswith("payload")]
    for incident in unreadable[:10]:
        err.print(
            f"[yellow]not parsed[/yellow] {incident.where}: {incident.message} (kept in the run)",
            highlight=False,
        )
    if len(unreadable) > 10:
        err.print(f"… and {len(unreadable) - 10} more payloads not parsed (see the manifest).")
    waits = [incident for incident in run.incidents if incident.kind == "rate-limit"]
    if waits:
        total = sum(incident.wait_seconds or 0 for incident in waits)
        err.print(f"Waited {total:.0f} s for rate limits ({len(waits)} times).")
    forbidden = outcome.stats.get("essaim/robots_forbidden", 0)
    if forbidden:
        err.print(f"{forbidden:,} pages left out: the site's robots.txt forbids them.")
    over_budget = outcome.stats.get("essaim/over_page_budget", 0)
    if over_budget:
        err.print(f"{over_budget:,} pages not read: the --max-pages budget was reached.")
    if outcome.fatal:
        err.print(f"[red]error:[/red] {outcome.fatal}", highlight=False)
    if run.status != "complete":
        err.print(f"Finish it later with: essaim collect {run.source} --resume", highlight=False)
    else:
        out.print("Next: essaim load")
    if outcome.fatal:
        return EXIT_USER_ERROR
    return EXIT_OK if run.status == "complete" else EXIT_PARTIAL


def _collect(spider_class, settings, wanted, hosts, previous, verbose, **arguments) -> int:
    """Run a spider with ``wanted`` options into a new raw run, and report how it ended."""
    outcome = run_collection(
        spider_class,
        settings.raw_dir,
        query=wanted.query(),
        parameters=wanted.parameters(),
        settings=_engine(settings, hosts, verbose),
        resume=previous,
        options=wanted,
        **arguments,
    )
    return _report(outcome)


@click.group()
def collect() -> None:
    """Collect public traces into a new raw run (then: essaim load).

    Every collection can be stopped (Ctrl-C) and finished later with --resume.
    """


@collect.command("bluesky")
@click.option("--domain", "domains", multiple=True, help="Search posts linking to this domain.")
@click.option("--url", "urls", multiple=True, help="Search posts linking to this URL.")
@click.option("--query", "queries", multiple=True, help="Search this text.")
@click.option("--since", help="Only posts from this date or time on; 'last': since the last run.")
@click.option("--until", help="Only posts before this date or time.")
@click.option("--no-interactions", is_flag=True, help="Posts only: no quotes, reposts, replies.")
@click.option("--follows", is_flag=True, help="Also read whom the sharers follow.")
@click.option("--max-follows", default=1000, show_default=True, help="Follows read per sharer.")
@click.option("--repost-times", is_flag=True, help="Read repost times in reposters' repositories.")
@click.option(
    "--window-cap",
    default=10_000,
    show_default=True,
    help="Search results after which a query is cut into a new time window (the search "
    "stops paging deeper).",
)
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_bluesky(context: click.Context, **options) -> int:
    """Bluesky posts linking to tracked resources, with quotes, reposts, replies and profiles.

    Searches need an account: set ESSAIM_BLUESKY_HANDLE and ESSAIM_BLUESKY_APP_PASSWORD
    (an app password, from Settings → Privacy and security → App passwords) in the
    environment or with `essaim credentials set`. They are never written anywhere. Without
    --domain/--url/--query, searches the tracked domains and every catalogue URL.
    """
    settings = settings_of(context)
    config = settings.config.sources.bluesky
    handle = credential("ESSAIM_BLUESKY_HANDLE")
    password = credential("ESSAIM_BLUESKY_APP_PASSWORD")
    if not handle or not password:
        raise click.ClickException(
            "Bluesky search needs an account: set ESSAIM_BLUESKY_HANDLE and "
            "ESSAIM_BLUESKY_APP_PASSWORD (an app password) in the environment or the keyring "
            "(essaim credentials set NAME)"
        )
    previous = _to_resume(settings, "bluesky") if options["resume"] else None
    if previous is not None:
        wanted = BlueskyOptions(**previous.parameters)
    else:
        chosen = options["domains"] or options["urls"] or options["queries"]
        wanted = BlueskyOptions(
            domains=list(options["domains"] if chosen else settings.config.tracking.domains),
            urls=list(options["urls"] if chosen else _catalogue_urls(settings)),
            queries=list(options["queries"] if chosen else config.queries),
            until=_moment(options["until"], "--until"),
            interactions=not options["no_interactions"],
            follows=options["follows"],
            max_follows=options["max_follows"],
            repost_times=options["repost_times"],
            window_cap=options["window_cap"],
            service=config.service,
            appview=config.appview,
            plc=config.plc,
        )
        wanted.since = _since(options["since"], settings.raw_dir, "bluesky", wanted.query())
    hosts = {
        urlsplit(url).netloc: config.requests_per_5min for url in (wanted.service, wanted.appview)
    }
    return _collect(
        BlueskySpider,
        settings,
        wanted,
        hosts,
        previous,
        options["verbose"],
        handle=handle,
        password=password,
    )


@collect.command("mastodon")
@click.option("--instance", "instances", multiple=True, help="Instance to read (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Hashtag to follow, without '#' (repeatable).")
@click.option("--since", help="Stop paging at this date or time; 'last': since the last run.")
@click.option("--no-interactions", is_flag=True, help="Statuses only: no boosts, replies.")
@click.option("--follows", is_flag=True, help="Also read the followers of sharers.")
@click.option("--max-follows", default=1000, show_default=True, help="Followers read per sharer.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_mastodon(context: click.Context, **options) -> int:
    """Mastodon statuses about tracked resources, on several instances.

    Reads hashtag timelines and trending links without an account; with a user token
    (ESSAIM_MASTODON_TOKEN_<HOST>, e.g. ESSAIM_MASTODON_TOKEN_PIAILLE_FR) also full-text
    search and quotes. Accounts whose profile says #nobot or #noindex are left out.
    """
    settings = settings_of(context)
    config = settings.config.sources.mastodon
    previous = _to_resume(settings, "mastodon") if options["resume"] else None
    if previous is not None:
        wanted = MastodonOptions(**previous.parameters)
    else:
        wanted = MastodonOptions(
            instances=list(options["instances"] or config.instances),
            tags=[tag.lstrip("#") for tag in options["tags"] or config.tags],
            domains=list(settings.config.tracking.domains),
            interactions=not options["no_interactions"],
            follows=options["follows"],
            max_follows=options["max_follows"],
        )
        wanted.since = _since(options["since"], settings.raw_dir, "mastodon", wanted.query())
    hosts = {urlsplit(instance_url(i)).netloc: config.requests_per_5min for i in wanted.instances}
    return _collect(MastodonSpider, settings, wanted, hosts, previous, options["verbose"])


@collect.command("forum")
@click.option("--url", help="Where to start: the forum's index, a board or a topic.")
@click.option(
    "--engine",
    type=click.Choice(["phpbb", "forumactif"]),
    default="phpbb",
    show_default=True,
    help="The forum software.",
)
@click.option("--search", "searches", multiple=True, help="Use the forum's search for this text.")
@click.option("--search-domains", is_flag=True, help="Search the forum for each tracked domain.")
@click.option("--timezone", help="The forum's time zone (default: [sources.forums] timezone).")
@click.option("--max-pages", default=5000, show_default=True, help="Pages read at most.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_forum(context: click.Context, **options) -> int:
    """Messages of a phpBB or Forumactif forum: boards, topics, quotes as replies.

    Reads every board and topic reachable from --url (or, with --search, the topics the
    forum's own search finds), one page every 2 seconds at most by default, obeying
    robots.txt and its Crawl-delay. No account is used: only public pages are read.
    """
    settings = settings_of(context)
    config = settings.config.sources.forums
    previous = _to_resume(settings, "forum") if options["resume"] else None
    if previous is not None:
        wanted = ForumOptions(**previous.parameters)
    else:
        if not options["url"]:
            raise click.UsageError("give the forum to read with --url")
        searches = list(options["searches"])
        if options["search_domains"]:
            searches += settings.config.tracking.domains
        wanted = ForumOptions(
            url=options["url"],
            engine=options["engine"],
            search=searches,
            timezone=options["timezone"] or config.timezone,
            max_pages=options["max_pages"],
        )
    _check_timezone(wanted.timezone)
    hosts = {urlsplit(wanted.url).netloc: config.requests_per_5min}
    return _collect(ForumSpider, settings, wanted, hosts, previous, options["verbose"])


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(
            f"{name!r} is not a time zone name such as Europe/Paris", param_hint="--timezone"
        ) from None


@collect.command("discourse")
@click.option("--url", help="The Discourse site, e.g. https://forum.example.org")
@click.option("--query", "queries", multiple=True, help="Search this (default: tracked domains).")
@click.option("--max-search-pages", default=20, show_default=True, help="Result pages per query.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_discourse(context: click.Context, **options) -> int:
    """Topics of a Discourse forum whose posts link tracked resources, read whole.

    Uses the site's public JSON API without an account: search, then every post of each
    topic found (replies, quotes, likes, reads, and the clicks Discourse counted on links).
    """
    settings = settings_of(context)
    previous = _to_resume(settings, "discourse") if options["resume"] else None
    if previous is not None:
        wanted = DiscourseOptions(**previous.parameters)
    else:
        if not options["url"]:
            raise click.UsageError("give the Discourse site to read with --url")
        wanted = DiscourseOptions(
            url=options["url"],
            queries=list(options["queries"] or settings.config.tracking.domains),
            max_search_pages=options["max_search_pages"],
        )
    hosts = {urlsplit(wanted.url).netloc: settings.config.sources.forums.requests_per_5min}
    return _collect(DiscourseSpider, settings, wanted, hosts, previous, options["verbose"])


@collect.command("telegram")
@click.option("--channel", "channels", multiple=True, help="Public channel, without '@'.")
@click.option("--since", help="Stop paging at this date or time; 'last': since the last run.")
@click.option("--max-pages", default=200, show_default=True, help="Pages read per channel.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_telegram(context: click.Context, **options) -> int:
    """Messages of public Telegram channels: links, views, forwards, replies.

    Reads the channels' public web preview (t.me/s/<channel>), newest first, without an
    account. Groups and private channels have no preview and are reported as such.
    """
    settings = settings_of(context)
    config = settings.config.sources.telegram
    previous = _to_resume(settings, "telegram") if options["resume"] else None
    if previous is not None:
        wanted = TelegramOptions(**previous.parameters)
    else:
        channels = [name.lstrip("@") for name in options["channels"] or config.channels]
        if not channels:
            raise click.UsageError(
                "name the channels to read with --channel (or [sources.telegram] channels)"
            )
        wanted = TelegramOptions(
            channels=channels, max_pages=options["max_pages"], base=config.base.rstrip("/")
        )
        wanted.since = _since(options["since"], settings.raw_dir, "telegram", wanted.query())
    hosts = {urlsplit(wanted.base).netloc: config.requests_per_5min}
    return _collect(TelegramSpider, settings, wanted, hosts, previous, options["verbose"])


@collect.command("reddit")
@click.option("--domain", "domains", multiple=True, help="Tracked domain (default: config).")
@click.option("--url", "urls", multiple=True, help="Exact URL (default: catalogue URLs).")
@click.option("--since", help="Stop paging at this date or time; 'last': since the last run.")
@click.option("--max-pages", default=10, show_default=True, help="Pages per listing.")
@click.option("--no-comments", is_flag=True, help="Submissions only: no comments, crossposts.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_reddit(context: click.Context, **options) -> int:
    """Reddit submissions linking tracked resources, with crossposts and comment trees.

    Needs a Reddit OAuth app: set ESSAIM_REDDIT_CLIENT_ID and ESSAIM_REDDIT_CLIENT_SECRET
    (in the environment or with `essaim credentials set`; never written anywhere).
    """
    client_id = credential("ESSAIM_REDDIT_CLIENT_ID")
    secret = credential("ESSAIM_REDDIT_CLIENT_SECRET")
    if not client_id or not secret:
        raise click.ClickException(
            "Reddit needs an OAuth app: set ESSAIM_REDDIT_CLIENT_ID and "
            "ESSAIM_REDDIT_CLIENT_SECRET (since November 2025 Reddit approves new apps at "
            "reddit.com/prefs/apps). Without one, export the posts with another tool and "
            "load them with: essaim import csv FILE --mapping MAPPING.toml"
        )
    settings = settings_of(context)
    config = settings.config.sources.reddit
    previous = _to_resume(settings, "reddit") if options["resume"] else None
    if previous is not None:
        wanted = RedditOptions(**previous.parameters)
    else:
        chosen = options["domains"] or options["urls"]
        wanted = RedditOptions(
            domains=list(options["domains"] if chosen else settings.config.tracking.domains),
            urls=list(options["urls"] if chosen else _catalogue_urls(settings)),
            max_pages=options["max_pages"],
            comments=not options["no_comments"],
            auth=config.auth.rstrip("/"),
            api=config.api.rstrip("/"),
        )
        wanted.since = _since(options["since"], settings.raw_dir, "reddit", wanted.query())
    hosts = {urlsplit(url).netloc: config.requests_per_5min for url in (wanted.auth, wanted.api)}
    return _collect(
        RedditSpider,
        settings,
        wanted,
        hosts,
        previous,
        options["verbose"],
        client_id=client_id,
        client_secret=secret,
    )


@collect.command("youtube")
@click.option("--query", "queries", multiple=True, help="Search words (default: config).")
@click.option("--since", help="Only videos published from this date or time; 'last' too.")
@click.option("--max-search-pages", default=4, show_default=True, help="Pages per query.")
@click.option("--max-comment-pages", default=5, show_default=True, help="Pages per video.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_youtube(context: click.Context, **options) -> int:
    """YouTube videos whose description links tracked resources, with comments linking them.

    Needs a YouTube Data API v3 key: set ESSAIM_YOUTUBE_API_KEY (in the environment or with
    `essaim credentials set`; never written anywhere). A search page costs 100 of the 10,000
    daily units.
    """
    key = credential("ESSAIM_YOUTUBE_API_KEY")
    if not key:
        raise click.ClickException(
            "YouTube needs an API key: create one for the YouTube Data API v3 in the Google "
            "Cloud console and set ESSAIM_YOUTUBE_API_KEY in the environment or the keyring"
        )
    settings = settings_of(context)
    config = settings.config.sources.youtube
    previous = _to_resume(settings, "youtube") if options["resume"] else None
    if previous is not None:
        wanted = YoutubeOptions(**previous.parameters)
    else:
        wanted = YoutubeOptions(
            domains=list(settings.config.tracking.domains),
            queries=list(options["queries"] or config.queries),
            max_search_pages=options["max_search_pages"],
            max_comment_pages=options["max_comment_pages"],
            api=config.api.rstrip("/"),
        )
        wanted.since = _since(options["since"], settings.raw_dir, "youtube", wanted.query())
    hosts = {urlsplit(wanted.api).netloc: config.requests_per_5min}
    return _collect(
        YoutubeSpider, settings, wanted, hosts, previous, options["verbose"], api_key=key
    )


@collect.command("web")
@click.option(
    "--seeds",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of start pages, one URL per line (# starts a comment).",
)
@click.option("--depth", default=1, show_default=True, help="Links followed from a seed.")
@click.option("--allow-domain", "allowed", multiple=True, help="Also crawl this host.")
@click.option("--max-pages", default=2000, show_default=True, help="Pages read at most.")
@click.option("--resume", is_flag=True, help="Finish the last interrupted or incomplete run.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def collect_web(context: click.Context, **options) -> int:
    """Web pages linking tracked resources: a polite crawl from seed pages.

    Follows links within the seeds' sites (and --allow-domain hosts) up to --depth hops,
    obeying robots.txt and its Crawl-delay, and records every page that links a tracked
    domain: its title, date when it says it, and the paragraph around the link.
    """
    settings = settings_of(context)
    previous = _to_resume(settings, "web") if options["resume"] else None
    if previous is not None:
        wanted = WebOptions(**previous.parameters)
    else:
        if options["seeds"] is None:
            raise click.UsageError("give the start pages with --seeds FILE")
        wanted = WebOptions(
            seeds=_seeds(options["seeds"]),
            depth=options["depth"],
            domains=list(settings.config.tracking.domains),
            allowed=list(options["allowed"]),
            max_pages=options["max_pages"],
        )
    limit = settings.config.sources.web.requests_per_5min
    hosts = {urlsplit(url).netloc: limit for url in wanted.seeds}
    return _collect(WebSpider, settings, wanted, hosts, previous, options["verbose"])


def _seeds(path: Path) -> list[str]:
    """The URLs of a seeds file; a line that is not a web address is named."""
    seeds = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        url = line.split("#", 1)[0].strip()
        if not url:
            continue
        if not url.startswith(("http://", "https://")) or not urlsplit(url).hostname:
            raise click.BadParameter(
                f"line {number} of {path} is not a web address: {url!r}", param_hint="--seeds"
            )
        seeds.append(url)
    if not seeds:
        raise click.BadParameter(f"{path} holds no URL", param_hint="--seeds")
    return seeds


@collect.command("bluesky-live")
@click.option("--duration", type=float, help="Stop after this many seconds (default: Ctrl-C).")
@click.option("--resume", is_flag=True, help="Start where the last live run stopped.")
@click.option("--batch-size", default=100, show_default=True, help="Events per batch written.")
@click.pass_context
def collect_bluesky_live(
    context: click.Context, duration: float | None, resume: bool, batch_size: int
) -> int:
    """Follow Bluesky live (Jetstream): posts linking to tracked domains, and their reposts.

    No account needed. Stop with Ctrl-C; the events already received are kept. With
    --resume, starts from the last event of the previous live run (Jetstream keeps about
    36 hours).
    """
    settings = settings_of(context)
    raw_dir = settings.raw_dir
    cursor, seen = None, set()
    if resume:
        salvage_unfinished(raw_dir, "bluesky-live")
        runs = runs_of(raw_dir, "bluesky-live")
        if not runs:
            raise click.ClickException(f"no bluesky-live run to resume in {raw_dir}")
        lines = iter_lines(run_paths(raw_dir, "bluesky-live", runs[-1].run_id)[0])
        cursor, seen = last_cursor(line for _, line in lines if line.startswith(PAYLOAD_PREFIX))
    domains = settings.config.tracking.domains
    url = settings.config.sources.bluesky.jetstream
    with RawRunWriter(
        raw_dir, "bluesky-live", f"links to {', '.join(domains)}", {"url": url, "cursor": cursor}
    ) as run:
        collector = JetstreamCollector(
            url,
            run,
            domains,
            _known_bluesky_posts(raw_dir),
            cursor=cursor,
            seen_at_cursor=seen,
            batch_size=batch_size,
        )
        asyncio.run(_follow(collector, duration))
    out.print(
        f"Run {run.run_id}: {collector.events:,} events read, {collector.kept:,} kept, "
        f"{collector.reconnections} reconnections. Next: essaim load",
        highlight=False,
    )
    if collector.events == 0 and collector.reconnections:
        err.print(f"[red]error:[/red] {run.manifest.incidents[-1].message}", highlight=False)
        return EXIT_PARTIAL
    return EXIT_OK


async def _follow(collector, duration: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop.set)
    await collector.follow(stop, duration)


def _known_bluesky_posts(raw_dir) -> set[str]:
    """AT-URIs of the Bluesky posts in earlier runs, whose reposts the live stream keeps."""
    known: set[str] = set()
    for run in runs_of(raw_dir, "bluesky", "bluesky-live"):
        for _, line in iter_lines(run_paths(raw_dir, run.source, run.run_id)[0]):
            if line.startswith(b'{"type":"post"'):
                known.add(decode_record(line).post_id)
    return known


def _catalogue_urls(settings: Settings) -> list[str]:
    """The exact URLs of the catalogue (patterns ending in ``*`` are left to domain search)."""
    catalogue = read_catalogue(settings.catalogue)
    return sorted({p for r in catalogue.resources for p in r.url_patterns if not p.endswith("*")})
