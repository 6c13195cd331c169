"""Web pages into records: a page linking a tracked domain is a post of its site.

The post is the page (its URL without fragment), its author the site (the host: a blog's
writer is not named), its time the page's publication date when the page says it
(``htmldate``: metadata, ``<time>``, the URL, the text; never a date after the page was
read), its text the title and the linking context (the paragraph around each tracked link),
its links the tracked ones. Pages linking nothing tracked give no records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from parsel import Selector

from collectors.html import fragment_text, page_selector
from collectors.parsing import ParseContext, links_to
from collectors.rawrun import Payload
from collectors.records import Account, Post, Record

__all__ = ["PLATFORM", "page_date", "parse_payload", "tracked_links"]

PLATFORM = "web"
_CONTEXT = 300  # characters of linking context kept per link
_BLOCKS = "ancestor::*[self::p or self::li or self::td or self::blockquote or self::h1 or "
_BLOCKS += "self::h2 or self::h3 or self::dd or self::figcaption][1]"


def tracked_links(page: Selector, url: str, domains: list[str]) -> list[tuple[str, str]]:
    """Each link to a tracked domain with its context (the text of its paragraph).

    >>> page = Selector(text='<p>Voir <a href="https://e-inspe.fr/a">le parcours</a>.</p>'
    ...                      '<p><a href="/autre">ailleurs</a></p>')
    >>> tracked_links(page, "https://blog.fr/", ["e-inspe.fr"])
    [('https://e-inspe.fr/a', 'Voir le parcours.')]
    """
    found: dict[str, str] = {}
    for anchor in page.css("body a[href]"):
        link = urljoin(url, anchor.attrib["href"].strip())
        if link in found or not links_to(link, domains):
            continue
        block = anchor.xpath(_BLOCKS) or [anchor]
        context = " ".join(fragment_text(block[0], url, leave_out="")[0].split())
        found[link] = context[:_CONTEXT]
    return list(found.items())


def page_date(html: str, read_at: datetime) -> datetime | None:
    """When the page says it was published (UTC), if it says so."""
    found = find_date(
        html,
        original_date=True,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
        min_date="2000-01-01",
        max_date=read_at.strftime("%Y-%m-%d"),
    )
    if not found:
        return None
    moment = datetime.strptime(found, "%Y-%m-%dT%H:%M:%S%z")
    return moment.astimezone(UTC)


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored web page."""
    content_type = next((v for k, v in payload.headers.items() if k.lower() == "content-type"), "")
    if (payload.status is not None and payload.status >= 400) or "html" not in content_type:
        return []
    page = page_selector(payload)
    url = payload.url.split("#", 1)[0]
    links = tracked_links(page, url, payload.params.get("domains") or [])
    if not links:
        return []
    title = " ".join((page.css("title::text").get() or "").split())
    contexts = list(dict.fromkeys(text for _, text in links if text))
    site = urlsplit(url).hostname or url
    provenance = context.provenance(PLATFORM)
    return [
        Post(
            **provenance,
            post_id=url,
            url=url,
            author_id=site,
            created_at=page_date(page.get(), payload.received_at),
            text="\n\n".join([title, *contexts]).strip() or None,
            language=(page.css("html::attr(lang)").get() or "").split("-")[0] or None,
            links=[link for link, _ in links],
        ),
        Account(**provenance, account_id=site, handle=site),
    ]
