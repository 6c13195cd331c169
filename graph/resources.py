"""Resource identity: from a link as found to a catalogue resource, with the reason why.

A link goes through four steps:

1. redirect wrappers are unwrapped (``l.facebook.com/l.php?u=``, Google AMP viewer, …);
2. shortened links (``bit.ly``, ``t.co``, ``lnkd.in`` …) are resolved, with a persistent cache
   kept by the store and an injectable resolver, so tests and offline runs never touch the
   network;
3. the URL key is computed with ``ural.normalize_url``: scheme, ``www.``, trailing slash,
   fragment, host case and tracking parameters do not matter; campaign parameters
   (``utm_*``, ``mtm_*``, ``pk_*``, ``xtor``, ``at_*``) are removed from the key and kept as
   attributes; other parameters, such as Moodle's ``?id=``, stay in the key;
4. the key is matched against the catalogue's URL patterns.

Examples
--------
>>> url_key("https://www.e-inspe.fr/course/view.php?id=42&utm_source=lettre#section-2")
'e-inspe.fr/course/view.php?id=42'
>>> campaign_parameters("https://e-inspe.fr/?utm_campaign=rentree&xtor=CS1-3")
{'utm_campaign': 'rentree', 'xtor': 'CS1-3'}
"""

from __future__ import annotations

import csv
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import ural

from collectors.errors import UserError
from collectors.speech import _, ngettext

__all__ = [
    "Catalogue",
    "CatalogueError",
    "CatalogueResource",
    "LinkInfo",
    "Linker",
    "Match",
    "campaign_parameters",
    "host_of",
    "http_resolver",
    "is_shortened",
    "is_tracked",
    "read_catalogue",
    "unwrap",
    "url_key",
    "write_catalogue",
]

#: Query parameters that describe a campaign: attributes of a link, never its identity.
CAMPAIGN_PARAMETER = re.compile(r"^(?:utm_.+|mtm_.+|pk_.+|xtor|at_.+|matomo_.+)$", re.I)
#: Tracking parameters ural keeps but that never identify a resource.
_EXTRA_TRACKING = re.compile(r"^(?:pk_.+|matomo_.+|_hs.+|mc_.+)$", re.I)
#: Shorteners missing from ural's list (see platforms.md §8).
EXTRA_SHORTENERS = frozenset({"huit.re", "bl.ink"})
_GOOGLE_AMP = re.compile(r"^https?://(?:www\.)?google\.[a-z.]+/amp/(s/)?(.+)$", re.I)

Resolver = Callable[[str], str]


def unwrap(url: str) -> str:
    """Return the target of a redirect wrapper or AMP viewer URL, else the URL itself.

    >>> unwrap("https://l.facebook.com/l.php?u=https%3A%2F%2Fe-inspe.fr%2Fx&h=AT0")
    'https://e-inspe.fr/x'
    >>> unwrap("https://www.google.fr/amp/s/www.reseau-canope.fr/notice/x.html")
    'https://www.reseau-canope.fr/notice/x.html'
    """
    url = url.strip()
    amp = _GOOGLE_AMP.match(url)
    if amp:
        return ("https://" if amp.group(1) else "http://") + amp.group(2)
    return ural.infer_redirection(url)


def _not_tracking(key: str, _value: str) -> bool:
    return not _EXTRA_TRACKING.match(key)


def url_key(url: str) -> str:
    """Return the identity key of a URL (no scheme, no ``www.``, no tracking parameters).

    Raises ``ValueError`` for a URL that cannot have one (a port that is not a number, no
    host at all as in ``https://``).
    """
    try:
        return ural.normalize_url(unwrap(url), query_item_filter=_not_tracking)
    except AttributeError:  # ural's answer to a URL without a host
        raise ValueError("it has no host") from None


def campaign_parameters(url: str) -> dict[str, str]:
    """Return the campaign parameters of a URL (after unwrapping), sorted by name."""
    query = urlsplit(unwrap(url)).query
    found = {k.lower(): v for k, v in parse_qsl(query) if CAMPAIGN_PARAMETER.match(k)}
    return dict(sorted(found.items()))


def host_of(key_or_url: str) -> str:
    """Return the lower-case host of a URL or URL key.

    >>> host_of("e-inspe.fr/course/view.php?id=4")
    'e-inspe.fr'
    """
    return ural.get_hostname(ural.ensure_protocol(key_or_url)) or ""


def is_shortened(url: str) -> bool:
    """Tell whether a URL comes from a link shortener and needs resolving."""
    return ural.is_shortened_url(url) or host_of(url).removeprefix("www.") in EXTRA_SHORTENERS


def is_tracked(key: str, domains: Iterable[str]) -> bool:
    """Tell whether a URL key is on one of the tracked domains or their subdomains.

    >>> is_tracked("parcours.e-inspe.fr/x", ["e-inspe.fr"])
    True
    >>> is_tracked("note-inspe.fr", ["e-inspe.fr"])
    False
    """
    host = host_of(key)
    return any(host == domain or host.endswith("." + domain) for domain in domains)


class _SameMethodRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects with the method of the first request (urllib turns HEAD into GET)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        request = super().redirect_request(req, fp, code, msg, headers, newurl)
        if request is not None:
            request.method = req.get_method()
        return request


def http_resolver(timeout: float = 5.0, user_agent: str = "essaim") -> Resolver:
    """Return a resolver that follows HTTP redirects (HEAD, then GET when HEAD is refused)."""
    opener = urllib.request.build_opener(_SameMethodRedirects)

    def resolve(url: str) -> str:
        for method in ("HEAD", "GET"):
            request = urllib.request.Request(
                ural.ensure_protocol(url), method=method, headers={"User-Agent": user_agent}
            )
            try:
                with opener.open(request, timeout=timeout) as response:
                    return response.geturl()
            except urllib.error.HTTPError as error:
                if method == "GET" or error.code not in (403, 405, 501):
                    raise
        raise AssertionError("unreachable")

    return resolve


class CatalogueError(UserError, ValueError):
    """A catalogue file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class CatalogueResource:
    """One catalogue entry: a training resource and the URL patterns that identify it."""

    resource_id: str  # stable id, e.g. "einspe-gestion-classe"
    title: str  # title as published
    parcours: str  # parcours (training path) it belongs to
    level: str  # school level(s) concerned
    discipline: str  # discipline or theme
    url_patterns: tuple[str, ...]  # URL keys; a trailing "*" matches every key that starts so
    published: date | None  # publication date, if known
    illustrative: bool  # True for made-up entries that show the format, not real resources


@dataclass(frozen=True)
class Match:
    """Why a URL key matched a resource."""

    resource_id: str
    reason: str


@dataclass
class Catalogue:
    """The resources to track, and matching of URL keys to them."""

    resources: list[CatalogueResource] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._exact: dict[str, str] = {}
        self._prefixes: list[tuple[str, str]] = []
        for resource in self.resources:
            for pattern in resource.url_patterns:
                if pattern.endswith("*"):
                    self._prefixes.append((pattern[:-1], resource.resource_id))
                else:
                    self._exact[pattern] = resource.resource_id
        self._prefixes.sort(key=lambda item: len(item[0]), reverse=True)

    def match(self, key: str) -> Match | None:
        """Return the resource a URL key belongs to, exact patterns first, then the longest
        prefix; ``None`` when nothing matches."""
        if key in self._exact:
            return Match(self._exact[key], f"URL key equals the pattern {key!r}")
        for prefix, resource_id in self._prefixes:
            if key.startswith(prefix):
                return Match(resource_id, f"URL key starts with the pattern {prefix + '*'!r}")
        return None


_CATALOGUE_COLUMNS = (
    "resource_id",
    "title",
    "parcours",
    "level",
    "discipline",
    "url_patterns",
    "published",
    "illustrative",
)


def write_catalogue(path: Path, rows: list[dict[str, str]], extra: tuple[str, ...] = ()) -> None:
    """Write ``rows`` as a catalogue CSV that :func:`read_catalogue` reads.

    The catalogue's columns come first, then the ``extra`` ones (kept for whoever reviews
    the file; reading the catalogue ignores them). A column a row lacks is left empty.
    """
    with Path(path).open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, [*_CATALOGUE_COLUMNS, *extra], restval="")
        writer.writeheader()
        writer.writerows(rows)


def _pattern_key(pattern: str) -> str:
    if pattern.endswith("*"):
        return url_key(pattern[:-1]).rstrip("/") + "*" if pattern[:-1] else "*"
    return url_key(pattern)


def read_catalogue(path: Path) -> Catalogue:
    """Read and validate a catalogue CSV (UTF-8, comma-separated, one resource a row).

    ``url_patterns`` holds URLs or URL keys separated by spaces; each is normalised like a
    link, so ``https://www.e-inspe.fr/course/view.php?id=4`` and ``e-inspe.fr/course/view.php?id=4``
    are the same pattern. ``illustrative`` is ``yes`` or ``no``.

    Raises
    ------
    CatalogueError
        Naming the file, the line and what is wrong.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(
            _("{path}: cannot read the catalogue ({error})").format(path=path, error=error)
        ) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in _CATALOGUE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogueError(
            ngettext(
                "{path}, line 1: missing column(s) {columns}",
                "{path}, line 1: missing column(s) {columns}",
                len(missing),
            ).format(path=path, columns=", ".join(missing))
        )
    resources, seen = [], set()
    for row in reader:
        line = reader.line_num
        resource_id = (row["resource_id"] or "").strip()
        if not resource_id:
            raise CatalogueError(
                _("{path}, line {line}: empty resource_id").format(path=path, line=line)
            )
        if resource_id in seen:
            raise CatalogueError(
                _("{path}, line {line}: duplicate resource_id {resource_id!r}").format(
                    path=path, line=line, resource_id=resource_id
                )
            )
        seen.add(resource_id)
        try:
            patterns = tuple(_pattern_key(p) for p in (row["url_patterns"] or "").split())
        except ValueError as error:
            raise CatalogueError(
                _(
                    "{path}, line {line}: {resource_id} has a URL pattern that is not a URL "
                    "({error})"
                ).format(path=path, line=line, resource_id=resource_id, error=error)
            ) from None
        if not patterns:
            raise CatalogueError(
                _("{path}, line {line}: {resource_id} has no url_patterns").format(
                    path=path, line=line, resource_id=resource_id
                )
            )
        published = (row["published"] or "").strip()
        try:
            published_date = date.fromisoformat(published) if published else None
        except ValueError:
            raise CatalogueError(
                _("{path}, line {line}: published {published!r} is not a YYYY-MM-DD date").format(
                    path=path, line=line, published=published
                )
            ) from None
        illustrative = (row["illustrative"] or "").strip().lower()
        if illustrative not in ("yes", "no"):
            raise CatalogueError(
                _("{path}, line {line}: illustrative must be yes or no").format(
                    path=path, line=line
                )
            )
        resources.append(
            CatalogueResource(
                resource_id=resource_id,
                title=(row["title"] or "").strip(),
                parcours=(row["parcours"] or "").strip(),
                level=(row["level"] or "").strip(),
                discipline=(row["discipline"] or "").strip(),
                url_patterns=patterns,
                published=published_date,
                illustrative=illustrative == "yes",
            )
        )
    return Catalogue(resources)


@dataclass(frozen=True)
class LinkInfo:
    """Everything known about one link as found in a post."""

    url: str  # the link exactly as found
    resolved_url: str | None  # where a shortened link leads, when resolved
    key: str  # identity key of the (resolved) link
    host: str  # host of the key
    campaign: dict[str, str]  # campaign parameters of the link and of its resolved target
    shortened: bool  # the link came from a shortener
    tracked: bool  # the key is on a tracked domain
    resource_id: str | None  # catalogue resource it matched
    match_reason: str | None  # why it matched; for a tracked link that did not, why not


@dataclass
class Linker:
    """Turn links into :class:`LinkInfo`, resolving shortened links through a cache.

    Parameters
    ----------
    domains : iterable of str
        Tracked domains (subdomains included).
    catalogue : Catalogue
        Resources to match.
    resolutions : dict
        Known shortened URL → final URL (``None`` for a resolution that failed); the store
        loads it and saves the new entries from :attr:`new_resolutions`.
    resolver : callable, optional
        Called with a shortened URL, returns the final URL. ``None`` means offline: shortened
        links stay unresolved.

    Examples
    --------
    >>> catalogue = Catalogue([CatalogueResource("r1", "T", "P", "", "", ("e-inspe.fr/x",),
    ...                                          None, True)])
    >>> linker = Linker(["e-inspe.fr"], catalogue, resolver={"https://bit.ly/a": "https://e-inspe.fr/x?utm_medium=social"}.get)
    >>> info = linker.info("https://bit.ly/a")
    >>> info.key, info.resource_id, info.campaign
    ('e-inspe.fr/x', 'r1', {'utm_medium': 'social'})
    """

    domains: Iterable[str]
    catalogue: Catalogue
    resolutions: dict[str, str | None] = field(default_factory=dict)
    resolver: Resolver | None = None

    def __post_init__(self) -> None:
        self.domains = tuple(d.lower().removeprefix("www.") for d in self.domains)
        self.new_resolutions: dict[str, str | None] = {}
        self._infos: dict[str, LinkInfo] = {}

    def resolve(self, url: str) -> str | None:
        """Return where a shortened URL leads, using the cache, then the resolver."""
        if url in self.resolutions:
            return self.resolutions[url]
        if self.resolver is None:
            return None
        try:
            final = self.resolver(url) or None
        except Exception:  # any failure (DNS, HTTP, timeout) means "unresolved", kept in cache
            final = None
        self.resolutions[url] = self.new_resolutions[url] = final
        return final

    def info(self, url: str) -> LinkInfo:
        """Describe one link (computed once per distinct URL).

        A malformed link (a port that is not a number, a broken IPv6 host…) is kept as
        found: its key is its text, it matches no resource and ``match_reason`` says why.
        """
        known = self._infos.get(url)
        if known is None:
            try:
                known = self._describe(url)
            except ValueError as error:
                known = self._malformed(url, str(error))
            self._infos[url] = known
        return known

    def _malformed(self, url: str, reason: str) -> LinkInfo:
        key = url.strip()
        return LinkInfo(
            url=url,
            resolved_url=None,
            key=key,
            host=host_of(key),
            campaign={},
            shortened=False,
            tracked=is_tracked(key, self.domains),
            resource_id=None,
            match_reason=f"malformed link, kept as found ({reason})",
        )

    def _describe(self, url: str) -> LinkInfo:
        target = unwrap(url)
        if not host_of(target):  # ural's functions fail on it
            raise ValueError("it has no host")
        shortened = is_shortened(target)
        resolved = self.resolve(target) if shortened else None
        effective = unwrap(resolved) if resolved else target
        key = url_key(effective)
        tracked = is_tracked(key, self.domains)
        match = self.catalogue.match(key) if tracked else None
        reason = match.reason if match else None
        if tracked and match is None:
            reason = "on a tracked domain, but no catalogue pattern matches this URL key"
        elif shortened and resolved is None:
            reason = "shortened link not resolved yet"
        campaign = {**campaign_parameters(url), **campaign_parameters(effective)}
        return LinkInfo(
            url=url,
            resolved_url=resolved,
            key=key,
            host=host_of(key),
            campaign=dict(sorted(campaign.items())),
            shortened=shortened,
            tracked=tracked,
            resource_id=match.resource_id if match else None,
            match_reason=reason,
        )
