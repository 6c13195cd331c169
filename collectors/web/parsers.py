"""Web pages into records: a page linking a tracked domain is a post of its site.

The post is the page (its URL without fragment), its author the site (the host: a blog's
writer is not named), its time the page's publication date when the page says it
(``htmldate``: metadata, ``<time>``, the URL, the text; never a date after the page was
read), its text the title and the linking context (the line around each tracked link: its
paragraph, or the text between the ``<br>`` around it, as Blogger and old blogs write),
its links the tracked ones. Pages linking nothing tracked give no records.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml import html as lxml_html
from lxml.html import HtmlElement
from parsel import Selector

from collectors.html import page_selector
from collectors.parsing import ParseContext, links_to
from collectors.rawrun import Payload
from collectors.records import Account, Post, Record

__all__ = ["PLATFORM", "page_date", "parse_payload", "tracked_links"]

PLATFORM = "web"
_CONTEXT = 300  # characters of linking context kept per link
#: Elements whose edges end a line of text.
_BLOCK_TAGS = {"article", "blockquote", "body", "dd", "div", "dt", "figcaption", "li", "p", "pre",
               "section", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}  # fmt: skip
_BREAK, _MARK = "\ue000", "\ue001"  # a line break, where the link starts (private-use)
_BLOCKS = f"ancestor::*[{' or '.join(f'self::{tag}' for tag in sorted(_BLOCK_TAGS))}][1]"


def tracked_links(page: Selector, url: str, domains: list[str]) -> list[tuple[str, str]]:
    """Each link to a tracked domain with its context (the text of its line).

    >>> page = Selector(text='<p>Voir <a href="https://e-inspe.fr/a">le parcours</a>.</p>'
    ...                      '<div><a href="/autre">Hier</a>.<br>Lu <a href="https://e-inspe.fr/b">'
    ...                      'ceci</a> !<br>Fin.</div>')
    >>> tracked_links(page, "https://blog.fr/", ["e-inspe.fr"])
    [('https://e-inspe.fr/a', 'Voir le parcours.'), ('https://e-inspe.fr/b', 'Lu ceci !')]
    """
    found: dict[str, str] = {}
    for anchor in page.css("body a[href]"):
        link = urljoin(url, anchor.attrib["href"].strip())
        if link in found or not links_to(link, domains):
            continue
        block = anchor.xpath(_BLOCKS) or [anchor]
        found[link] = _line_of(anchor.root, block[0].root)[:_CONTEXT]
    return list(found.items())


def _line_of(anchor: HtmlElement, block: HtmlElement) -> str:
    """The text of the line of ``block`` that holds ``anchor``: between the ``<br>`` and the
    edges of the blocks around it."""
    root = copy.deepcopy(block)
    root.tail = None
    elements = list(root.iter())
    marked = elements[list(block.iter()).index(anchor)]
    marked.text = _MARK + (marked.text or "")
    for element in elements[1:]:
        if element.tag == "br" or element.tag in _BLOCK_TAGS:
            element.text = _BREAK + (element.text or "")
            element.tail = _BREAK + (element.tail or "")
    text = lxml_html.tostring(root, method="text", encoding="unicode")
    line = next(line for line in text.split(_BREAK) if _MARK in line)
    return " ".join(line.replace(_MARK, "").split())


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
