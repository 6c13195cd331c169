"""``essaim catalogue from-moodle`` and ``from-sitemap``: a catalogue CSV from what a site
publishes, to review and then ``essaim catalogue import``.

A Moodle course is one resource: ``resource_id`` is ``<host>-course-<id>``, ``title`` the
course's name, ``parcours`` its category, ``url_patterns`` its page and its enrolment page;
``category_path`` and ``summary`` are kept beside for the review. A sitemap's page is one
resource: ``url_patterns`` its address, ``resource_id`` made from it, ``lastmod`` beside
(sitemaps give no titles, and a modification date is not a publication date). Both leave
``level``, ``discipline`` and ``published`` empty and set ``illustrative`` to ``no``.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path
from urllib.parse import urlsplit

import click

from app.cli.console import EXIT_OK, EXIT_PARTIAL, EXIT_USER_ERROR, err, out, settings_of
from app.cli.translation import _, command, option
from app.config import Settings
from collectors.catalogue_crawl import Crawl, MoodleIndexSpider, SitemapSpider, crawl
from collectors.engine import engine_settings
from collectors.moodle_index import PATH_SEPARATOR, Category
from collectors.sitemaps import SitemapEntry
from graph.resources import url_key, write_catalogue

__all__ = ["EXTRA_COLUMNS", "from_moodle", "from_sitemap", "moodle_rows", "sitemap_rows"]

_FIVE_MINUTES = 300.0
#: Columns written after the catalogue's, for the review (the same for both commands, so
#: their files can be put together; reading a catalogue ignores them).
EXTRA_COLUMNS = ("category_path", "summary", "lastmod")


def _url(_context, _parameter, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{value!r} is not a web address (https://…)")
    return value


def _out_option(function):
    function = option("--force", is_flag=True, help="Replace FILE if it exists.")(function)
    return option(
        "--out",
        "out_file",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The catalogue CSV to write.",
    )(function)


@command("from-moodle")
@click.argument("url", callback=_url)
@_out_option
@option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def from_moodle(context: click.Context, url: str, out_file: Path, force: bool, verbose: bool):
    """Write a catalogue of a Moodle site's courses, read from its public course index.

    URL is the site (https://www.e-inspe.fr/), or a category's page
    (…/course/index.php?categoryid=3) to read only that category and those below it. Every
    category page and its paging are read as a guest; pages that send guests to the login
    page are named, not forced.
    """
    settings = settings_of(context)
    _refuse_existing(out_file, force)
    found = crawl(MoodleIndexSpider, _engine(settings, url, verbose), url=url)
    spider = found.spider
    rows = moodle_rows(spider.root, spider.courses.values(), spider.categories)
    listed = {course.category_id for course in spider.courses.values()}
    what = f"{len(rows):,} courses in {len(listed):,} categories"
    return _finish(found, rows, out_file, what)


@command("from-sitemap")
@click.argument("url", callback=_url)
@_out_option
@option(
    "--include",
    multiple=True,
    help="Keep only the pages whose URL matches this glob ('*' any characters); repeatable.",
)
@option(
    "--exclude", multiple=True, help="Leave out the pages whose URL matches this glob; repeatable."
)
@option("--verbose", is_flag=True, help="Log every request.")
@click.pass_context
def from_sitemap(
    context: click.Context,
    url: str,
    out_file: Path,
    force: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    verbose: bool,
):
    """Write a catalogue of a site's pages, read from its sitemaps.

    URL is a sitemap or a sitemap index (.xml or .xml.gz), or the site's root, whose
    robots.txt names its sitemaps. Patterns are globs matched against the whole URL:
    --include 'https://www.reseau-canope.fr/notice/*' --exclude '*[?]*' (a '?' of the URL
    is written '[?]').
    """
    settings = settings_of(context)
    _refuse_existing(out_file, force)
    found = crawl(SitemapSpider, _engine(settings, url, verbose), url=url)
    entries = list(found.spider.entries.values())
    kept = [e for e in entries if _wanted(e.loc, include, exclude)]
    rows = sitemap_rows(kept, found.problems)
    what = f"{len(rows):,} pages of {len(entries):,} listed"
    return _finish(found, rows, out_file, what)


def moodle_rows(root: str, courses, categories: dict[int, Category]) -> list[dict[str, str]]:
    """The catalogue rows of Moodle courses, by course id.

    >>> from collectors.moodle_index import Course
    >>> rows = moodle_rows("https://www.e-inspe.fr/", [Course(7, "Oral", "", 2)],
    ...                    {2: Category(2, "Langage", 1), 1: Category(1, "Parcours", None)})
    >>> rows[0]["resource_id"], rows[0]["parcours"], rows[0]["category_path"]
    ('e-inspe.fr-course-7', 'Langage', 'Parcours / Langage')
    >>> rows[0]["url_patterns"]
    'https://www.e-inspe.fr/course/view.php?id=7 https://www.e-inspe.fr/enrol/index.php?id=7'
    """
    host = (urlsplit(root).hostname or "").removeprefix("www.")
    rows = []
    for course in sorted(courses, key=lambda c: c.course_id):
        number = course.course_id
        category = categories.get(course.category_id)
        rows.append(
            {
                "resource_id": f"{host}-course-{number}",
                "title": course.name,
                "parcours": category.name if category else "",
                "url_patterns": f"{root}course/view.php?id={number} "
                f"{root}enrol/index.php?id={number}",
                "illustrative": "no",
                "category_path": _path(course.category_id, categories),
                "summary": course.summary,
            }
        )
    return rows


def sitemap_rows(
    entries: list[SitemapEntry], problems: list[tuple[str, str]]
) -> list[dict[str, str]]:
    """The catalogue rows of sitemap pages, one per URL key (a page listed twice, or under
    two addresses with the same key, is one resource); an address no URL parser accepts is
    noted in ``problems``.

    >>> page = SitemapEntry("https://www.reseau-canope.fr/notice/oral.html", "2025-10-06")
    >>> [row["resource_id"] for row in sitemap_rows([page, page], [])]
    ['reseau-canope-fr-notice-oral']
    """
    rows, keys, ids = [], set(), set()
    for entry in sorted(entries, key=lambda e: e.loc):
        try:
            key = url_key(entry.loc)
        except ValueError as error:
            problems.append((entry.loc, f"not a URL essaim can key ({error}), left out"))
            continue
        if key in keys:
            continue
        keys.add(key)
        base = re.sub(r"[^a-z0-9]+", "-", re.sub(r"\.(html?|php)$", "", key.lower())).strip("-")
        resource_id, number = base, 1
        while resource_id in ids:
            number += 1
            resource_id = f"{base}-{number}"
        ids.add(resource_id)
        rows.append(
            {
                "resource_id": resource_id,
                "url_patterns": entry.loc,
                "illustrative": "no",
                "lastmod": entry.lastmod,
            }
        )
    return rows


def _path(category_id: int | None, categories: dict[int, Category]) -> str:
    """A category's path from the top ("Parcours / Langage"), as Moodle writes it."""
    names, seen = [], set()
    while category_id in categories and category_id not in seen:
        seen.add(category_id)
        names.append(categories[category_id].name)
        category_id = categories[category_id].parent_id
    return PATH_SEPARATOR.join(reversed(names))


def _wanted(url: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    if include and not any(fnmatchcase(url, pattern) for pattern in include):
        return False
    return not any(fnmatchcase(url, pattern) for pattern in exclude)


def _refuse_existing(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; give --force to replace it")


def _engine(settings: Settings, url: str, verbose: bool) -> dict:
    """The collectors' settings, at the pace of ``[sources.web]`` for every host read."""
    options = settings.config.collect
    per_5min = settings.config.sources.web.requests_per_5min
    return {
        **engine_settings(
            contact=options.contact,
            rate_limits={urlsplit(url).netloc: (per_5min, _FIVE_MINUTES)},
            timeout=options.timeout,
            max_retries=options.max_retries,
            backoff=options.backoff,
            max_wait=options.max_wait,
            verbose=verbose,
        ),
        "DOWNLOAD_DELAY": _FIVE_MINUTES / per_5min,  # other hosts (a sitemap elsewhere)
    }


def _finish(found: Crawl, rows, out_file: Path, what: str) -> int:
    """Name what could not be read, write the rows, say what comes next; the exit code."""
    for where, why in found.problems:
        err.print("[yellow]" + _("note") + f"[/yellow] {where}: {why}", highlight=False)
    if found.interrupted:
        err.print(_("Interrupted: nothing written."))
        return EXIT_PARTIAL
    if not rows:
        err.print(
            "[red]" + _("error:") + f"[/red] nothing found to catalogue; {out_file} not written."
        )
        return EXIT_USER_ERROR
    write_catalogue(out_file, rows, EXTRA_COLUMNS)
    out.print(
        f"{out_file}: {what}. Review it, then: essaim catalogue import {out_file}",
        highlight=False,
    )
    return EXIT_PARTIAL if found.problems else EXIT_OK
