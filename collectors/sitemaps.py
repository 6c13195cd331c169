"""Reading sitemaps (sitemaps.org protocol 0.9): ``urlset`` files and ``sitemapindex`` files,
plain or gzip'd.

Only elements of the root's namespace are read (``loc`` and ``lastmod`` of each ``url`` or
``sitemap``), so the extensions' own ``image:loc`` or ``xhtml:link`` are left aside. A
malformed entry is skipped (or its date left empty) with a sentence giving its line; in a file
that is not well-formed XML (cut short, a bare ``&``), the entries before the error are kept.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from collectors.speech import _, number

__all__ = ["MAX_SIZE", "Sitemap", "SitemapEntry", "read_sitemap"]

#: The protocol's limit on a sitemap file, uncompressed (50 MB).
MAX_SIZE = 50 * 1024 * 1024
_W3C_DATE = re.compile(
    r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?"
)


@dataclass(frozen=True)
class SitemapEntry:
    """A ``url`` of a urlset or a ``sitemap`` of an index."""

    loc: str
    lastmod: str  # as written (a W3C date or time), "" when absent or unreadable


@dataclass
class Sitemap:
    """What a sitemap file lists: pages (a urlset) or other sitemaps (an index)."""

    urls: list[SitemapEntry] = field(default_factory=list)
    sitemaps: list[SitemapEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one sentence each, with its line


def read_sitemap(body: bytes) -> Sitemap:
    """Read a sitemap or a sitemap index, gzip'd or not.

    Examples
    --------
    >>> found = read_sitemap(
    ...     b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    ...     b'<url><loc>https://a.example/notice/oral.html</loc>'
    ...     b'<lastmod>2025-10-06</lastmod></url>'
    ...     b'<url><lastmod>2025-10-07</lastmod></url></urlset>')
    >>> found.urls
    [SitemapEntry(loc='https://a.example/notice/oral.html', lastmod='2025-10-06')]
    >>> found.problems
    ['line 1: a <url> without <loc>, skipped']
    """
    found = Sitemap()
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip(body)
        except ValueError as error:
            found.problems.append(str(error))
            return found
    if not body.strip():
        found.problems.append(_("empty, not a sitemap"))
        return found
    entries = {"urlset": ("url", found.urls), "sitemapindex": ("sitemap", found.sitemaps)}
    root = None
    try:
        for event, element in etree.iterparse(
            io.BytesIO(body),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
        ):
            if root is None:
                root, (namespace, kind) = element, _split(element.tag)
                if kind not in entries:
                    found.problems.append(
                        _("not a sitemap: its root element is <{element}>").format(element=kind)
                    )
                    return found
                child, into = entries[kind]
            elif event == "end" and element.getparent() is root:
                if isinstance(element.tag, str) and _split(element.tag) == (namespace, child):
                    entry = _entry(element, namespace, child, found.problems)
                    if entry is not None:
                        into.append(entry)
                element.clear()
    except etree.XMLSyntaxError as error:
        line, column = error.position
        reason = error.msg.split(f", line {line}")[0]
        found.problems.append(
            _(
                "line {line}, column {column}: not well-formed XML ({reason}); "
                "the entries before it are kept"
            ).format(line=line, column=column, reason=reason)
        )
    return found


def _entry(element, namespace: str, kind: str, problems: list[str]) -> SitemapEntry | None:
    line = element.sourceline
    prefix = f"{{{namespace}}}" if namespace else ""
    loc = (element.findtext(f"{prefix}loc") or "").strip()
    lastmod = (element.findtext(f"{prefix}lastmod") or "").strip()
    if not loc:
        problems.append(
            _("line {line}: a <{element}> without <loc>, skipped").format(line=line, element=kind)
        )
        return None
    if not re.match(r"https?://[^/\s]+", loc) or any(c.isspace() for c in loc):
        problems.append(
            _("line {line}: <loc> {loc} is not a web address, skipped").format(
                line=line, loc=repr(loc)
            )
        )
        return None
    if lastmod and not _is_w3c_date(lastmod):
        problems.append(
            _("line {line}: <lastmod> {lastmod} of {loc} is not a date, left empty").format(
                line=line, lastmod=repr(lastmod), loc=loc
            )
        )
        lastmod = ""
    return SitemapEntry(loc, lastmod)


def _is_w3c_date(text: str) -> bool:
    """Whether ``text`` is a W3C date or time (the protocol's format) naming a real day."""
    if not _W3C_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat((text[:10] + "-01-01")[:10])
    except ValueError:
        return False
    return True


def _gunzip(body: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_SIZE + 1)
    except zlib.error as error:
        raise ValueError(_("not a readable gzip file ({error})").format(error=error)) from None
    if len(data) > MAX_SIZE:
        raise ValueError(
            _("larger than the protocol's {size} bytes once unzipped").format(size=number(MAX_SIZE))
        )
    if not inflater.eof:
        raise ValueError(_("not a readable gzip file (cut short)"))
    return data


def _split(tag: str) -> tuple[str, str]:
    """``{namespace}name`` as ``(namespace, name)``."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag
