"""Column mappings: how the columns of an exported table become records.

A mapping is a TOML file (those shipped are in ``datasets/mappings/``)::

    platform = "facebook"          # or platform_column = "Platform"
    account_kind = "institution"   # optional: the kind of every author (a page export)
    time_formats = ["%Y-%m-%d %H:%M:%S %Z"]   # tried after ISO 8601 and unix seconds
    list_separator = "|"           # how columns holding several values are joined
    links_from_text = true         # also take the URLs written in the text

    [columns]                      # record field = column name, or a list (first filled wins;
    post_id = "URL"                # for links and hashtags: all of them)
    author_id = ["User Name", "Facebook Id"]
    links = ["Link", "Final Link"]

Fields: ``post_id`` (required), ``url``, ``author_id`` (required unless the import names the
account), ``author_handle``, ``author_name``, ``created_at``, ``text``, ``language``,
``links``, ``reply_to``, ``quote_of``, ``repost_of``, ``likes``, ``reposts``, ``replies``,
``quotes``, ``views``, ``clicks``, ``followers``, ``hashtags``, ``forum``, ``board``,
``subreddit``, ``channel``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ural import urls_from_text

from collectors.errors import UserError
from collectors.parsing import ParseContext, ParseError
from collectors.records import Account, Community, Engagement, Post, Record, acts_of
from collectors.shipped import DATASETS
from collectors.speech import _, ngettext

__all__ = ["FIELDS", "Mapping", "MappingError", "load_mapping", "parse_time", "row_records"]

MAPPINGS = DATASETS / "mappings"
_COUNTS = ("likes", "reposts", "replies", "quotes", "views", "clicks")
_LISTS = ("links", "hashtags")
FIELDS = (
    "post_id", "url", "author_id", "author_handle", "author_name", "created_at", "text",
    "language", "links", "reply_to", "quote_of", "repost_of", *_COUNTS, "followers",
    "hashtags", "forum", "board", "subreddit", "channel",
)  # fmt: skip
# Time zone abbreviations exports print after local times, as offsets in hours.
_ZONES = {"UTC": 0, "GMT": 0, "CET": 1, "CEST": 2, "EST": -5, "EDT": -4, "PST": -8, "PDT": -7}
_ZONE_SUFFIX = re.compile(r"^(?P<time>.*\d)\s+(?P<zone>[A-Z]{3,4})$")


class MappingError(UserError, ValueError):
    """A mapping file that cannot be used; the message names the file and the problem."""


@dataclass
class Mapping:
    """How to read one kind of export (see the module documentation)."""

    name: str
    columns: dict[str, list[str]]
    platform: str | None = None
    platform_column: str | None = None
    account_kind: str | None = None
    time_formats: list[str] = field(default_factory=list)
    list_separator: str = "|"
    links_from_text: bool = False

    def as_note(self) -> dict[str, Any]:
        """The mapping as stored with every imported row (re-parsing needs no file)."""
        return {key: value for key, value in self.__dict__.items() if value not in (None, [])}

    @classmethod
    def from_note(cls, note: dict[str, Any]) -> Mapping:
        return cls(**note)


def load_mapping(name_or_path: str) -> Mapping:
    """Read a mapping: a shipped one by name (``crowdtangle-facebook``) or a TOML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = MAPPINGS / f"{name_or_path}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        shipped = ", ".join(sorted(p.stem for p in MAPPINGS.glob("*.toml")))
        raise MappingError(
            _("no mapping {name} (shipped: {shipped})").format(
                name=repr(name_or_path), shipped=shipped
            )
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(
            _("{path}: not valid TOML ({error})").format(path=path, error=error)
        ) from None
    columns = data.pop("columns", None)
    if not isinstance(columns, dict) or "post_id" not in columns:
        raise MappingError(
            _("{path}: a [columns] table with at least post_id is needed").format(path=path)
        )
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise MappingError(
            ngettext(
                "{path}: unknown field {fields} in [columns]",
                "{path}: unknown fields {fields} in [columns]",
                len(unknown),
            ).format(path=path, fields=", ".join(unknown))
        )
    known = {"platform", "platform_column", "account_kind", "time_formats"}
    known |= {"list_separator", "links_from_text"}
    if set(data) - known:
        unknown = sorted(set(data) - known)
        raise MappingError(
            ngettext(
                "{path}: unknown key {keys}", "{path}: unknown keys {keys}", len(unknown)
            ).format(path=path, keys=", ".join(unknown))
        )
    if data.get("account_kind") not in (None, "person", "institution", "bot"):
        raise MappingError(
            _("{path}: account_kind is person, institution or bot").format(path=path)
        )
    as_lists = {
        key: [value] if isinstance(value, str) else list(value) for key, value in columns.items()
    }
    return Mapping(name=path.stem, columns=as_lists, **data)


def _values(row: dict[str, str], mapping: Mapping, name: str) -> list[str]:
    """The filled values of the columns mapped to ``name``, in mapping order."""
    return [
        value.strip()
        for column in mapping.columns.get(name, [])
        if (value := row.get(column) or "").strip()
    ]


def _first(row, mapping, name) -> str | None:
    values = _values(row, mapping, name)
    return values[0] if values else None


def _count(row, mapping, name) -> int | None:
    value = _first(row, mapping, name)
    if value is None:
        return None
    digits = value.replace("\u00a0", "").replace(" ", "").replace(",", "")
    try:
        number = float(digits)
    except ValueError:
        column = next(c for c in mapping.columns[name] if (row.get(c) or "").strip())
        raise ParseError(f"column {column!r} is not a number ({value!r})") from None
    if number < 0:
        raise ParseError(f"{name} cannot be negative ({value!r})")
    return round(number)


def parse_time(value: str, formats: list[str]) -> datetime:
    """A time as exports write them: ISO 8601, unix seconds or milliseconds, the mapping's
    formats, or any of these followed by a zone abbreviation. Naive times are UTC.

    >>> parse_time("2024-03-01 10:00:00 CET", [])
    datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)
    >>> parse_time("1700000000", [])
    datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
    >>> parse_time("Wed Oct 10 20:19:24 +0000 2018", ["%a %b %d %H:%M:%S %z %Y"])
    datetime.datetime(2018, 10, 10, 20, 19, 24, tzinfo=datetime.timezone.utc)
    """
    text = value.strip()
    suffix = _ZONE_SUFFIX.match(text)
    if suffix and suffix["zone"] in _ZONES:
        local = parse_time(suffix["time"], formats).replace(tzinfo=None)
        return (local - timedelta(hours=_ZONES[suffix["zone"]])).replace(tzinfo=UTC)
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        seconds = float(text)
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
    moment = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for pattern in formats:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        raise ParseError(f"{value!r} is not a time this mapping can read")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def row_records(
    row: dict[str, str], mapping: Mapping, context: ParseContext, account: str | None = None
) -> list[Record]:
    """The records of one row: its post, its author, and its reply, quote or repost.

    ``account`` is the author of every row when the export is one account's (a page's
    analytics); it replaces the ``author_id`` column. Raise :class:`ParseError` saying
    which column is wrong.
    """
    post_id = _first(row, mapping, "post_id")
    if post_id is None:
        raise ParseError(f"no post id (column {' or '.join(mapping.columns['post_id'])} empty)")
    author = account or _first(row, mapping, "author_id")
    if author is None:
        raise ParseError(
            "no author (column "
            + " or ".join(mapping.columns.get("author_id", ["author_id"]))
            + " empty)"
        )
    platform = mapping.platform or row.get(mapping.platform_column or "", "").strip().lower()
    if not platform:
        raise ParseError(f"no platform (column {mapping.platform_column!r} empty)")
    provenance = context.provenance(platform)
    created = _first(row, mapping, "created_at")
    created_at = parse_time(created, mapping.time_formats) if created else None
    text = "\n\n".join(_values(row, mapping, "text")) or None
    links = _split(_values(row, mapping, "links"), mapping.list_separator)
    if mapping.links_from_text and text:
        links += [url for url in urls_from_text(text) if url not in links]
    hashtags = _split(_values(row, mapping, "hashtags"), mapping.list_separator)
    counts = {name: _count(row, mapping, name) for name in _COUNTS}
    targets = {name: _first(row, mapping, name) for name in ("reply_to", "quote_of", "repost_of")}
    post = Post(
        **provenance,
        post_id=post_id,
        url=_first(row, mapping, "url"),
        author_id=author,
        created_at=created_at,
        text=text,
        language=_first(row, mapping, "language"),
        links=list(dict.fromkeys(links)),
        **targets,
        engagement=Engagement(observed_at=context.collected_at, **counts)
        if any(value is not None for value in counts.values())
        else None,
        community=Community(
            forum=_first(row, mapping, "forum"),
            board=_first(row, mapping, "board"),
            subreddit=_first(row, mapping, "subreddit"),
            channel=_first(row, mapping, "channel"),
            hashtags=list(dict.fromkeys(tag.lstrip("#").lower() for tag in hashtags)),
        ),
    )
    followers = _count(row, mapping, "followers")
    records: list[Record] = [
        post,
        Account(
            **provenance,
            account_id=author,
            handle=_first(row, mapping, "author_handle") or (None if account else author),
            display_name=_first(row, mapping, "author_name"),
            followers_count=followers,
            counts_observed_at=context.collected_at if followers is not None else None,
            kind=mapping.account_kind,
        ),
    ]
    return [*records, *acts_of(post)]


def _split(values: list[str], separator: str) -> list[str]:
    return [part.strip() for value in values for part in value.split(separator) if part.strip()]
