"""Reading stored web pages: decoding as the browser would, text and links of a fragment."""

from __future__ import annotations

import copy
import re
from urllib.parse import urljoin

from lxml import html as lxml_html
from parsel import Selector
from w3lib.encoding import html_to_unicode

from collectors.rawrun import Payload

__all__ = ["fragment_text", "page_selector", "parse_count"]

_SPACES = re.compile(r"\s+")  # as browsers do: a newline in the source is a space
_BREAK = "\ue000"  # stands for a line break (<br>, end of a block) while spaces collapse
_BLANK_LINES = re.compile(r"\n{3,}")
_COUNT = re.compile(r"^\s*(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>[KkMm]?)\s*$")


def page_selector(payload: Payload) -> Selector:
    """The page of a payload, decoded from its declared or detected encoding.

    The ``Content-Type`` header wins, then the page's own ``<meta charset>``, then
    detection (how browsers and Scrapy decide), so Latin-1 forums read right.
    """
    content_type = next(
        (value for key, value in payload.headers.items() if key.lower() == "content-type"), None
    )
    _, text = html_to_unicode(content_type, payload.content())
    return Selector(text=text, type="html", base_url=payload.url)


def fragment_text(
    fragment: Selector, base_url: str, *, leave_out: str = "blockquote"
) -> tuple[str, list[str]]:
    """The text and outbound links of an HTML fragment, without its ``leave_out`` elements.

    ``leave_out`` is an XPath step; quotes are left out by default: what a message quotes
    belongs to the quoted message.
    Relative links are made absolute; ``mailto:`` and in-page anchors are dropped.

    >>> page = Selector(text='<div>Voir <a href="/x">x</a><blockquote>cité '
    ...                 '<a href="https://a.fr/">a</a></blockquote><br>fin</div>')
    >>> fragment_text(page.css("div")[0], "https://forum.fr/t1")
    ('Voir x\\nfin', ['https://forum.fr/x'])
    """
    root = copy.deepcopy(fragment.root)
    root.tail = None
    for element in root.xpath(f".//{leave_out}") if leave_out else []:
        element.drop_tree()
    for line_break in root.xpath(".//br | .//p | .//div | .//li"):
        line_break.tail = _BREAK + (line_break.tail or "")
    links = []
    for anchor in root.xpath(".//a[@href]"):
        href = anchor.get("href").strip()
        if href and not href.startswith(("#", "mailto:", "javascript:")):
            links.append(urljoin(base_url, href))
    text = _SPACES.sub(" ", lxml_html.tostring(root, method="text", encoding="unicode"))
    lines = (line.strip() for line in text.replace(_BREAK, "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip(), list(dict.fromkeys(links))


def parse_count(value: str | None) -> int | None:
    """An abbreviated count as pages print it: ``"1.2K"`` is 1,200, ``"3,4M"`` 3,400,000.

    >>> parse_count("1.2K"), parse_count("857"), parse_count("3,4M"), parse_count("")
    (1200, 857, 3400000, None)
    """
    found = _COUNT.match((value or "").replace("\u00a0", "").replace(" ", ""))
    if not found:
        return None
    number = float(found["number"].replace(",", "."))
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[found["unit"].lower()]
    return round(number * scale)
