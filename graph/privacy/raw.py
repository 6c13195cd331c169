"""Erasing from raw runs: one account on request, or whole runs past their retention.

An account is found under every identifier it has on its platform (:func:`find_account`):
the ids and handles of its records and, in the payloads, the forms the platform writes: a
Bluesky DID and its handles; a Mastodon address with and without its host, the numeric id
each instance gives it, its profile and ActivityPub URLs; a Telegram channel name and its
``t.me`` links; an X account and its ``x.com`` links; a forum or Discourse user name on its
own site. Names are matched whole and without case: ``pierre38`` does not match
``pierre382``, ``ana.example`` does not match ``diana.example``.

Raw runs never change, with two exceptions the law requires. An erasure request rewrites
every run that names the account (:func:`erase_account`):

- its records go (the account, its posts, interactions and follows), and so does every
  payload naming it, since a payload cannot be cut without parsing it;
- other people's records keep what is theirs: interactions with its posts go, replies,
  quotes and reposts of its posts lose that reference (set to null), and so do interactions
  made through one of its reshares (``via`` and ``via_actor_id``), list entries naming it
  (links, hashtags) go, and every other text naming it has the name replaced by
  :data:`REDACTED`;
- the manifest's query, parameters and incidents are scrubbed the same way; it carries the
  new SHA-256 and the number of lines erased (removed or rewritten).

Files are rewritten under a temporary name, then renamed, read-only. A run file or manifest
reached through a symbolic link is rewritten where it lies if that is inside the data
directory; if it lies elsewhere (or has other hard links) and must change, the erasure is
refused before anything changes. The erasure of a learner
(:mod:`graph.privacy.learners`) rewrites runs the same way (:func:`prepare_rewrite`).
Retention deletes runs collected before the cut-off.
"""

from __future__ import annotations

import base64
import gzip
import html
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

from collectors.errors import UserError
from collectors.rawrun import (
    PAYLOAD_PREFIX,
    SEALED_MODE,
    Payload,
    RawRunError,
    find_runs,
    iter_line_blocks,
    iter_lines,
    read_manifest,
    run_paths,
    salvage_run,
    sha256_of,
    unfinished_runs,
)
from collectors.records import Run, decode_record, encode_record
from collectors.speech import N_, _, ngettext

__all__ = [
    "JOURNAL_NAME",
    "REDACTED",
    "ErasureError",
    "Identifiers",
    "LineEraser",
    "PreparedErasure",
    "Rewriter",
    "RunErasure",
    "delete_runs_before",
    "erase_account",
    "find_account",
    "finish_erasure",
    "name_forms",
    "prepare_erasure",
    "prepare_rewrite",
    "seal_unfinished_runs",
]

#: What replaces a name in the texts that are kept.
REDACTED = "[effacé]"
#: The list of files an erasure is putting in place, in the raw folder, while it does.
JOURNAL_NAME = "erasure-journal.json"

Warn = Callable[[str], None]
#: One line of a run as an erasure leaves it: the line itself, rewritten, or None (it goes).
LineEraser = Callable[[bytes], bytes | None]
#: How an erasure treats one run: scrubs its manifest in place (True if it changed) and gives
#: the :data:`LineEraser` of its lines.
Rewriter = Callable[[Run], tuple[LineEraser, bool]]

_ACCOUNT_FIELDS = ("author_id", "account_id", "actor_id", "follower_id", "followee_id")
_POST_FIELDS = ("post_id", "target_post_id")
_REFERENCE_FIELDS = ("reply_to", "quote_of", "repost_of", "via")
#: Fields of others' records naming an account they refer to: the reference goes, the record
#: stays.
_ACCOUNT_REFERENCE_FIELDS = ("via_actor_id",)
#: A reshare and the account that made it: when one goes, so does the other.
_VIA = ("via", "via_actor_id")
#: Every field holding an account id.
_ACCOUNT_NAMING_FIELDS = (*_ACCOUNT_FIELDS, *_ACCOUNT_REFERENCE_FIELDS)
#: Record fields never rewritten: provenance, times, the platform and closed vocabularies.
_KEPT_FIELDS = frozenset(
    {"type", "source", "run_id", "collected_at", "created_at", "counts_observed_at",
     "observed_at", "platform", "kind", "opt_out", "language"}
)  # fmt: skip
#: Values a platform gives many accounts: never a name of one.
_NOT_NAMES = frozenset({"handle.invalid"})
#: The links naming an account known by a plain name, per platform.
_PLAIN_NAME_LINKS = {
    "telegram": ("t.me/{}", "t.me/s/{}", "telegram.me/{}", "telegram.me/s/{}"),
    "x": ("x.com/{}", "twitter.com/{}", "screen_name={}"),
    "reddit": ("reddit.com/user/{}", "reddit.com/u/{}", "reddit.com/r/u_{}"),
    "youtube": ("youtube.com/@{}", "youtube.com/channel/{}", "youtube.com/c/{}",
                "youtube.com/user/{}"),
}  # fmt: skip
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_SKELETON = re.compile(rb"[a-z0-9]+")
_BASE64 = b'"encoding":"base64"'


def _ignore(message: str) -> None:
    """The default of ``warn``: say nothing."""


class ErasureError(UserError):
    """An erasure that cannot be done as asked (one sentence); nothing was changed."""


@dataclass(frozen=True)
class RunErasure:
    """One run rewritten by an erasure."""

    run_id: str
    file_sha256: str  # the new SHA-256 of its .jsonl.gz
    lines: int  # lines removed (records and payloads)
    redacted: int = 0  # lines kept with a reference or a name taken out
    manifest: bool = False  # whether its query, parameters or incidents named the account


# --- the forms of one account ---------------------------------------------------------------


def _without_scheme(url: str) -> str:
    """``url`` without its scheme and trailing slash, lower-cased: how a link is searched."""
    return _SCHEME.sub("", url.strip()).rstrip("/").lower()


def name_forms(platform: str, name: str) -> set[str]:
    """What ``name``, as a user types it, may be on ``platform`` (lower-cased): the name
    without its leading @, and what a profile URL names.

    >>> sorted(name_forms("mastodon", "https://piaille.fr/@maxime3207"))
    ['maxime3207@piaille.fr', 'piaille.fr/@maxime3207']
    >>> sorted(name_forms("bluesky", "https://bsky.app/profile/Ana.example"))
    ['ana.example', 'bsky.app/profile/ana.example']
    >>> sorted(name_forms("telegram", "t.me/s/Profs_Marie"))
    ['profs_marie', 't.me/s/profs_marie']
    >>> sorted(name_forms("x", "https://x.com/intent/follow?screen_name=JDupont"))
    ['jdupont', 'x.com/intent/follow?screen_name=jdupont']
    >>> name_forms("mastodon", "@pierre382@framapiaf.org")
    {'pierre382@framapiaf.org'}

    Raises
    ------
    ErasureError
        If ``name`` is a link that cannot be read.
    """
    text = name.strip()
    if not _SCHEME.match(text) and re.match(r"(www\.)?[a-z0-9.-]+\.[a-z]+/", text, re.I):
        text = "https://" + text
    if not _SCHEME.match(text):
        return {text.lstrip("@").lower()} - {""}
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError as error:
        raise ErasureError(
            _("{name!r} is not a link that can be read ({error}); nothing was changed").format(
                name=name, error=error
            )
        ) from None
    path = [unquote(segment) for segment in parts.path.split("/") if segment]
    found = {_without_scheme(text)}
    if path:
        first, rest = path[0], path[1:]
        if host == "bsky.app" and first == "profile" and rest:
            found.add(rest[0])
        elif host in ("t.me", "telegram.me"):
            found.add(rest[0] if first == "s" and rest else first)
        elif host in ("x.com", "twitter.com", "mobile.twitter.com"):
            found.update(parse_qs(parts.query).get("screen_name", [first]))
        elif first in ("u", "user") and rest and "reddit" in host:
            found.add(rest[0])
        elif first == "r" and rest and rest[0].startswith("u_") and "reddit" in host:
            found.add(rest[0][2:])
        elif first.startswith("@"):
            user = first[1:]
            found.add(user if "@" in user else f"{user}@{host}")
        elif first == "users" and rest:
            found.add(f"{rest[0]}@{host}")
        elif first == "channel" and rest:
            found.add(rest[0])
    return {form.lstrip("@").lower() for form in found} - {""}


def _host(url: str) -> str:
    """The host of a payload's ``url``, lower-cased ("" if it has none or cannot be read)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _needle_regex(needle: str) -> str:
    """The regular expression finding ``needle`` whole: not inside a longer name."""
    escaped = re.escape(needle)
    letters = r"\w\-" if "-" in needle else r"\w"
    after = rf"(?![{letters}]|[.@]\w)"
    if "/" in needle:  # a link: may follow a subdomain ("mobile.twitter.com/…")
        return rf"(?<![{letters}]){escaped}{after}"
    if len(needle) < 4 and re.fullmatch(r"\w+", needle):
        # a short plain name only as a whole JSON value, a path segment, a tag's text or a
        # mention: a word of a text is anyone's
        return (
            rf'(?:(?<="){escaped}(?=")|(?<=/){escaped}(?=[/?#"]|$)|(?<=>){escaped}(?=<)'
            rf"|(?<=@){escaped}{after})"
        )
    return rf"(?<![{letters}.])@?{escaped}{after}"


def _compile(needles: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(needles), key=lambda needle: (-len(needle), needle))
    if not ordered:
        return None
    return re.compile("|".join(map(_needle_regex, ordered)), re.IGNORECASE)


def _skeleton(needle: str) -> tuple[bytes, ...] | None:
    """The runs of ASCII letters and digits of ``needle`` (three or more), lower-cased: a line
    holding the needle in any escaping holds them all (None: too short to tell, every line
    is searched).

    >>> _skeleton("Chloe-540.bsky.social")
    (b'chloe', b'540', b'bsky', b'social')
    """
    runs = tuple(run for run in _SKELETON.findall(needle.lower().encode()) if len(run) >= 3)
    return runs or None


def _holds(line: bytes, skeletons: Iterable[tuple[bytes, ...]]) -> bool:
    lowered = line.lower()
    return any(all(run in lowered for run in skeleton) for skeleton in skeletons)


@dataclass(eq=False)
class Identifiers:
    """Every form under which one account appears, and where each form names it.

    ``forms`` name it wherever they are found (a DID, a handle with a dot, a Mastodon
    address, a profile link); ``words`` (a Telegram channel, an X account: plain names) only
    in runs and rows of its platform; ``local`` only in the pages of one host (a Mastodon
    user without its host, the numeric id an instance gives it, a forum user name);
    ``mentions`` (``@user``) only in texts of its platform.

    >>> who = Identifiers("x", {"pierre38"})
    >>> who.names("merci @pierre38 !", in_platform=True)
    True
    >>> who.names("merci @pierre382 !", in_platform=True)
    False
    >>> who.redact("voir x.com/Pierre38/status/1 et pierre38-bis", in_platform=True)
    'voir [effacé]/status/1 et [effacé]-bis'
    >>> who.redact("pierre38", in_platform=False)  # a plain name elsewhere is anyone's
    'pierre38'
    """

    platform: str
    account_ids: set[str]
    forms: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    local: dict[str, set[str]] = field(default_factory=dict)
    mentions: set[str] = field(default_factory=set)
    post_ids: set[str] = field(default_factory=set)  # raw ids: its posts, posts naming it
    runs: set[str] = field(default_factory=set)  # runs holding records of its platform

    def __post_init__(self) -> None:
        self._patterns: dict[tuple, re.Pattern[str] | None] = {}
        for name in [*self.account_ids, *self.words]:
            self.add_name(name)

    # -- building --

    def add_name(self, name: str | None, host: str | None = None) -> None:
        """Add a form of the account; ``host``: a form only that host's pages use."""
        name = (name or "").strip().lstrip("@")
        if len(name) < 2 or name.lower() in _NOT_NAMES:
            return
        self._patterns.clear()
        if host:
            self.local.setdefault(host.lower(), set()).add(name)
        elif _SCHEME.match(name) or "/" in name.partition("@")[0]:  # a link
            self.forms.add(_without_scheme(name))
        elif "@" in name:
            user, _, home = name.partition("@")
            self.forms.add(name)
            if user and home:  # user@host: the user alone, on its own site
                self.add_name(user, home.split("/")[0])
                self.mentions.add("@" + user)
                if self.platform == "mastodon":  # its profile and ActivityPub links
                    self.forms.update({f"{home}/@{user}", f"{home}/users/{user}"})
        elif any(mark in name for mark in ".:"):
            self.forms.add(name)
        else:
            self.words.add(name)
            self.forms.update(
                form.format(name) for form in _PLAIN_NAME_LINKS.get(self.platform, ())
            )
            if self.platform == "reddit" and not name.startswith("u_"):
                self.words.add("u_" + name)  # the user's own subreddit

    def with_forms(self, forms: Iterable[str]) -> Identifiers:
        """A copy that also finds ``forms`` everywhere (e.g. the pseudonyms in a store)."""
        return replace(
            self,
            account_ids=set(self.account_ids),
            forms=self.forms | {form for form in forms if form},
            words=set(self.words),
            local={host: set(names) for host, names in self.local.items()},
            mentions=set(self.mentions),
            post_ids=set(self.post_ids),
            runs=set(self.runs),
        )

    # -- matching --

    def _pattern(self, in_platform: bool, host: str | None = None, texts: bool = False):
        key = (in_platform, host, texts)
        if key not in self._patterns:
            needles = set(self.forms)
            if in_platform:
                needles |= self.words
                if texts:
                    needles |= self.mentions
                if host == "*":
                    needles |= set().union(*self.local.values())
                elif host:
                    needles |= self.local.get(host, set())
            self._patterns[key] = _compile(needles)
        return self._patterns[key]

    def _every_needle(self) -> set[str]:
        """Every form, in any run, text or page: what the quick tests look for."""
        return self.forms | self.words | self.mentions | set().union(*self.local.values())

    def _skeletons(self) -> list[tuple[bytes, ...]] | None:
        if "skeletons" not in self._patterns:
            needles = self._every_needle()
            found = {_skeleton(needle) for needle in needles}
            self._patterns["skeletons"] = None if None in found else sorted(found)
        return self._patterns["skeletons"]

    def may_name(self, line: bytes) -> bool:
        """A quick test: False when ``line`` holds no form of the account in any spelling."""
        skeletons = self._skeletons()
        return skeletons is None or _holds(line, skeletons)

    def names(self, text: str, in_platform: bool, host: str | None = None) -> bool:
        """Whether ``text`` names the account (``in_platform``: ``text`` comes from its
        platform, where plain names and mentions count too)."""
        pattern = self._pattern(in_platform, host, texts=True)
        if pattern is None or not text:
            return False
        return bool(pattern.search(text) or ("%" in text and pattern.search(unquote(text))))

    def redact(self, text: str, in_platform: bool, host: str | None = None) -> str:
        """``text`` with every name of the account replaced by :data:`REDACTED`."""
        pattern = self._pattern(in_platform, host, texts=True)
        if pattern is None or not text:
            return text
        redacted = pattern.sub(REDACTED, text)
        if "%" in redacted and pattern.search(unquote(redacted)):
            return REDACTED  # named in an escaped form that cannot be cut out
        return redacted

    def scrub(self, value: Any, in_platform: bool, host: str | None = None) -> Any:
        """A JSON value without the account: strings redacted, list entries and keys naming
        it left out."""
        if isinstance(value, str):
            return self.redact(value, in_platform, host)
        if isinstance(value, list):
            return [
                self.scrub(item, in_platform, host)
                for item in value
                if not (isinstance(item, str) and self.names(item, in_platform, host))
            ]
        if isinstance(value, dict):
            return {
                key: self.scrub(item, in_platform, host)
                for key, item in value.items()
                if not (isinstance(key, str) and self.names(key, in_platform, host))
            }
        return value

    def payload_names(self, line: bytes, in_platform: bool) -> bool:
        """Whether a payload line names the account (its URL, parameters, headers, body in
        any JSON, HTML or URL escaping, base64 bodies decoded)."""
        base64_body = _BASE64 in line
        if not base64_body and not self.may_name(line):
            return False
        try:
            payload = msgspec.json.decode(line, type=Payload)
        except msgspec.DecodeError:
            return self.names(_searchable(line.decode("utf-8", "replace")), in_platform, "*")
        host = _host(payload.url) or None
        pattern = self._pattern(in_platform, host)
        if pattern is None:
            return False
        texts = [line.decode("utf-8", "replace")]
        if base64_body:
            try:
                content = base64.b64decode(payload.body)
            except ValueError:
                content = b""
            for encoding in ("utf-8", "cp1252", "latin-1"):
                try:
                    texts.append(content.decode(encoding))
                    break
                except UnicodeDecodeError:
                    continue
        return any(pattern.search(_searchable(text)) for text in texts)

    def in_scope(self, run: Run) -> bool:
        """Whether plain names count in ``run``: it holds records of the platform, is of
        that source, or is an import (which may hold any platform)."""
        return self.source_in_scope(run.run_id, run.source)

    def source_in_scope(self, run_id: str, source: str) -> bool:
        """:meth:`in_scope` for a run known by its id and source."""
        return run_id in self.runs or source == self.platform or source.startswith("import-")

    def sql_pattern(self) -> str | None:
        """A regular expression (RE2) any text naming the account matches: the quick test
        a store runs before :meth:`names` decides (percent-encoded forms aside)."""
        needles = self._every_needle()
        if not needles:
            return None
        return "(?i)(" + "|".join(re.escape(needle) for needle in sorted(needles)) + ")"


def _searchable(text: str) -> str:
    """``text`` with JSON escapes (nested ones too), HTML entities and URL escapes undone:
    where the forms of an account are searched (never written back)."""
    for _round in range(3):
        unescaped = _JSON_ESCAPE.sub(_unescape, text)
        if unescaped == text:
            break
        text = unescaped
    if "&" in text:
        text = html.unescape(text)
    if "%" in text:
        text = text + "\n" + unquote(text)
    return text


def _unescape(match: re.Match[str]) -> str:
    escape = match[1]
    if escape[0] == "u":
        return chr(int(escape[1:], 16))
    return " " if escape in "bfnrt" else escape


# --- finding the account --------------------------------------------------------------------


class _Line(msgspec.Struct):
    """The fields of a record line that say whose it is and what it refers to."""

    type: str
    platform: str | None = None
    handle: str | None = None
    author_id: str | None = None
    account_id: str | None = None
    actor_id: str | None = None
    follower_id: str | None = None
    followee_id: str | None = None
    post_id: str | None = None
    target_post_id: str | None = None
    reply_to: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    via: str | None = None
    via_actor_id: str | None = None


_decode_line = msgspec.json.Decoder(_Line).decode


def _runs(raw_dir: Path, warn: Warn) -> Iterator[tuple[Path, Run, Path]]:
    """``(manifest, run, run file)`` of every finished run; unreadable manifests are named
    through ``warn`` and passed over."""
    for manifest in find_runs(raw_dir):
        try:
            run = read_manifest(manifest)
        except RawRunError as error:
            warn(_("{error}; this run was passed over.").format(error=error))
            continue
        yield manifest, run, manifest.with_name(f"{run.run_id}.jsonl.gz")


def _lines(path: Path, warn: Warn) -> Iterator[tuple[bytes, _Line | None]]:
    """The lines of a run file, each with its record (None: a payload or a blank line). A
    line that is not a record and a damaged file are named through ``warn``, the first
    passed over, the second after its readable lines."""
    try:
        for number, line in iter_lines(path):
            if line.startswith(PAYLOAD_PREFIX) or not line.strip():
                yield line, None
                continue
            try:
                yield line, _decode_line(line)
            except msgspec.DecodeError as error:
                warn(_("{path}, line {line}: not a record essaim can read ({error}); it was "
                       "passed over.").format(path=path, line=number, error=error))  # fmt: skip
    except RawRunError as error:
        warn(_("{error}; the rest of this run was not searched.").format(error=error))


def _once(warn: Warn) -> Warn:
    """``warn``, saying each message once."""
    said: set[str] = set()

    def say(message: str) -> None:
        if message not in said:
            said.add(message)
            warn(message)

    return say


def _objects(value: Any) -> Iterator[dict]:
    """Every JSON object inside ``value`` (without recursion: nesting may be deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _profiles(line: bytes) -> Iterator[tuple[str, dict, str]]:
    """``(platform, object, host)`` for the account objects of a payload: Mastodon accounts
    (``acct`` and ``username``) and Bluesky profiles (``did`` and ``handle``)."""
    try:
        payload = msgspec.json.decode(line, type=Payload)
        if payload.encoding != "utf-8" or payload.body.lstrip()[:1] not in ("{", "["):
            return
        body = msgspec.json.decode(payload.body)
    except (msgspec.DecodeError, RecursionError):
        return
    host = _host(payload.url)
    for item in _objects(body):
        if isinstance(item.get("acct"), str) and isinstance(item.get("username"), str):
            yield "mastodon", item, host
        elif isinstance(item.get("did"), str) and isinstance(item.get("handle"), str):
            yield "bluesky", item, host


def _address(account: dict, host: str) -> str:
    acct = account["acct"].lstrip("@")
    return acct if "@" in acct else f"{acct}@{host}"


def _profile_forms(platform: str, item: dict, host: str) -> set[str]:
    """The forms under which a payload's account object may be asked for (lower-cased)."""
    if platform == "bluesky":
        return {item["did"].lower(), item["handle"].lower()}
    forms = {_address(item, host).lower()}
    forms.update(
        _without_scheme(item[key]) for key in ("url", "uri") if isinstance(item.get(key), str)
    )
    if item.get("id") is not None:
        forms.add(str(item["id"]))
    return forms


def _account_of(platform: str, item: dict, host: str) -> str:
    return item["did"] if platform == "bluesky" else _address(item, host)


def find_account(
    raw_dir: Path, platform: str, name: str, warn: Warn = _ignore
) -> Identifiers | None:
    """The account of ``platform`` that ``name`` names in the raw runs, with every form it
    has there; None if none.

    ``name`` may be an id or a handle (``@`` or not), a Mastodon address with or without its
    host or the numeric id an instance gives it, a profile link, a channel name.

    Raises
    ------
    ErasureError
        If ``name`` names several accounts (e.g. a Mastodon user on two instances).
    """
    platform, warn = platform.lower(), _once(warn)
    wanted = name_forms(platform, name)
    runs = list(_runs(raw_dir, warn))
    exact: set[str] = set()
    loose: set[str] = set()  # by handle, or a user without its host
    for _manifest, _run, path in runs:
        for _line, record in _lines(path, warn):
            if record is None or record.platform != platform:
                continue
            for value in (getattr(record, f) for f in _ACCOUNT_NAMING_FIELDS):
                if not value:
                    continue
                if value.lower() in wanted:
                    exact.add(value)
                elif "@" in value and value.partition("@")[0].lower() in wanted:
                    loose.add(value)
            if record.type == "account" and (record.handle or "").lstrip("@").lower() in wanted:
                loose.add(record.account_id)
    found = exact or loose
    if not found:
        found = _named_in_payloads(runs, platform, wanted, warn)
    if not found:
        return None
    if len({account.lower() for account in found}) > 1:
        raise ErasureError(  # two or more accounts: the plural only
            _(
                "{name!r} names {count} {platform} accounts in the raw runs; give its full "
                "id (user@host, a DID…) to say which, nothing was changed"
            ).format(name=name, count=len(found), platform=platform)
        )
    return _gather(runs, Identifiers(platform, set(found)), warn)


def _named_in_payloads(runs, platform: str, wanted: set[str], warn: Warn) -> set[str]:
    """The accounts whose objects in the payloads have a form in ``wanted`` (a numeric id,
    a profile URL on another domain)."""
    skeletons = [s for s in map(_skeleton, wanted) if s] or [()]
    found = set()
    for _manifest, _run, path in runs:
        for line, record in _lines(path, warn):
            if record is not None or not line.startswith(PAYLOAD_PREFIX):
                continue
            if not _holds(line, skeletons):
                continue
            for kind, item, host in _profiles(line):
                if kind == platform and _profile_forms(kind, item, host) & wanted:
                    found.add(_account_of(kind, item, host))
    return found


def _gather(runs, who: Identifiers, warn: Warn) -> Identifiers:
    """Add every form the account has in the runs: its handles, its posts, and the ids and
    links its payload objects carry."""
    wanted = {account.lower() for account in who.account_ids}
    skeletons = [s for s in map(_skeleton, {a.partition("@")[0] for a in wanted}) if s]
    for _manifest, run, path in runs:
        for line, record in _lines(path, warn):
            if record is None and line.startswith(PAYLOAD_PREFIX):
                if skeletons and not _holds(line, skeletons):
                    continue
                for kind, item, host in _profiles(line):
                    if kind == who.platform and _account_of(kind, item, host).lower() in wanted:
                        _add_profile(who, kind, item, host)
                continue
            if record is None or record.platform != who.platform:
                continue
            who.runs.add(run.run_id)
            if record.type == "account" and record.account_id in who.account_ids:
                _add_handle(who, record.account_id, record.handle)
            elif record.type == "post" and record.author_id in who.account_ids:
                who.post_ids.add(record.post_id)
    return who


def _add_handle(who: Identifiers, account_id: str, handle: str | None) -> None:
    """A handle without the host its id has (a forum's user name) names the account on that
    host's pages, and as a mention."""
    home = account_id.partition("@")[2].split("/")[0]
    handle = (handle or "").lstrip("@")
    if home and handle and "@" not in handle:
        who.add_name(handle, home)
        who.mentions.add("@" + handle)
    else:
        who.add_name(handle)


def _add_profile(who: Identifiers, kind: str, item: dict, host: str) -> None:
    if kind == "bluesky":
        who.add_name(item["handle"])
        return
    if item.get("id") is not None:
        who.add_name(str(item["id"]), host)  # the numeric id is the instance's own
    for key in ("url", "uri"):
        if isinstance(item.get(key), str):
            who.add_name(_without_scheme(item[key]))


# --- rewriting the runs ---------------------------------------------------------------------


@dataclass
class _Plan:
    """One run to rewrite: its files where they really lie, and whether the rewritten run
    file waits beside it (``<file>.erasing``, as its new manifest always does)."""

    run: Run
    manifest: Path
    run_file: Path
    file_changed: bool
    removed: int
    redacted: int
    manifest_changed: bool

    def targets(self) -> list[Path]:
        """The files a commit replaces, the run file before its manifest."""
        return [self.run_file] * self.file_changed + [self.manifest]


@dataclass
class PreparedErasure:
    """The rewritten runs and manifests, written aside: :meth:`commit` puts them in place,
    :meth:`discard` forgets them. Nothing changes until :meth:`commit`."""

    plans: list[_Plan]
    journal: Path

    @property
    def rewritten(self) -> list[tuple[str, str]]:
        """``(run_id, new SHA-256)`` of the runs whose file changes: what a store records in
        the same transaction as its own erasure."""
        return [(plan.run.run_id, plan.run.file_sha256) for plan in self.plans if plan.file_changed]

    def commit(self) -> list[RunErasure]:
        """Put every rewritten file in place. The list of them is written first (the
        journal): if this stops half-way, :func:`finish_erasure` ends it."""
        data_dir = self.journal.parent.parent
        targets = [str(t.relative_to(data_dir)) for plan in self.plans for t in plan.targets()]
        if targets:
            try:
                _write_durably(self.journal, msgspec.json.encode(targets))
            except BaseException:
                self.journal.unlink(missing_ok=True)
                self.discard()
                raise
            for target in targets:
                _put_in_place(data_dir / target)
            self.journal.unlink()
        changed = [
            RunErasure(plan.run.run_id, plan.run.file_sha256 or "", plan.removed,
                       plan.redacted, plan.manifest_changed)
            for plan in self.plans
        ]  # fmt: skip
        self.plans = []
        return changed

    def discard(self) -> None:
        for plan in self.plans:
            for target in plan.targets():
                _partial(target).unlink(missing_ok=True)
        self.plans = []


def _partial(target: Path) -> Path:
    """Where the new content of ``target`` waits."""
    return target.with_name(target.name + ".erasing")


def _write_durably(path: Path, content: bytes) -> None:
    """Write ``path`` and make sure it is on disk."""
    with open(path, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _put_in_place(target: Path) -> None:
    """Replace ``target`` by its waiting new content, read-only (done already: nothing)."""
    partial = _partial(target)
    try:
        partial.chmod(SEALED_MODE)
        os.replace(partial, target)
    except FileNotFoundError:
        if target.exists():
            return  # put in place by another process finishing the same erasure
        raise


def finish_erasure(raw_dir: Path, warn: Warn = _ignore) -> bool:
    """End an erasure whose commit stopped half-way (a crash, a full disk): put in place the
    files its journal lists. Return whether there was one."""
    journal = Path(raw_dir) / JOURNAL_NAME
    try:
        targets = msgspec.json.decode(journal.read_bytes(), type=list[str])
    except FileNotFoundError:
        return False
    except msgspec.DecodeError:  # the journal never reached the disk whole: nothing moved
        journal.unlink()
        return False
    data_dir = Path(raw_dir).parent
    for target in targets:
        path = data_dir / target
        if _partial(path).exists():
            _put_in_place(path)
    journal.unlink()
    warn(
        ngettext(
            "an erasure stopped half-way was finished ({count} files put in place).",
            "an erasure stopped half-way was finished ({count} files put in place).",
            len(targets),
        ).format(count=len(targets))
    )
    return True


class _Refused(Exception):
    pass


def _where(path: Path, data_dir: Path) -> Path:
    """Where ``path`` really lies, if it may be rewritten there; else :class:`_Refused`."""
    real = path.resolve()
    if not real.is_relative_to(data_dir):
        raise _Refused(
            _(
                "{path} is a link to {real}, outside the data directory {data_dir}, and must be "
                "rewritten for the erasure: copy the run into the data directory and try "
                "again; nothing was changed"
            ).format(path=path, real=real, data_dir=data_dir)
        )
    if real.exists() and real.stat().st_nlink > 1:
        raise _Refused(
            _(
                "{path} has other hard links, which would keep what is erased: make it a file "
                "of its own and try again; nothing was changed"
            ).format(path=path)
        )
    return real


def prepare_erasure(raw_dir: Path, who: Identifiers, warn: Warn = _ignore) -> PreparedErasure:
    """Write aside every run and manifest rewritten without the account (nothing changes
    yet; see :func:`prepare_rewrite`)."""

    def rewriter(run: Run) -> tuple[LineEraser, bool]:
        in_scope = who.in_scope(run)
        return (lambda line: _erase_line(line, who, in_scope)), _scrub_manifest(run, who, in_scope)

    return prepare_rewrite(raw_dir, rewriter, N_("the account"), warn)


def prepare_rewrite(
    raw_dir: Path, rewriter: Rewriter, whom: str, warn: Warn = _ignore
) -> PreparedErasure:
    """Write aside every run and manifest an erasure of ``whom`` ("the account") changes:
    ``rewriter(run)`` scrubs the manifest it is given (saying whether it changed) and gives
    the function rewriting each line. Nothing changes until the commit.

    Raises
    ------
    ErasureError
        If a file that must change is a link out of the data directory (``raw_dir``'s
        parent) or has other hard links; nothing is left behind.
    """
    data_dir = Path(raw_dir).resolve().parent
    prepared = PreparedErasure([], Path(raw_dir).resolve() / JOURNAL_NAME)
    try:
        for manifest, run, path in _runs(raw_dir, warn):
            try:
                plan = _plan(manifest, run, path, rewriter, data_dir)
            except RawRunError as error:
                warn(
                    _("{error}; this run was left as it is and may still name {whom}.").format(
                        error=error, whom=_(whom)
                    )
                )
                continue
            if plan is not None:
                prepared.plans.append(plan)
    except _Refused as refusal:
        prepared.discard()
        raise ErasureError(str(refusal)) from None
    except BaseException:
        prepared.discard()
        raise
    return prepared


def erase_account(raw_dir: Path, who: Identifiers, warn: Warn = _ignore) -> list[RunErasure]:
    """Rewrite every finished run naming the account; return what changed (see
    :func:`prepare_erasure`)."""
    return prepare_erasure(raw_dir, who, warn).commit()


def _plan(manifest: Path, run: Run, path: Path, rewriter: Rewriter, data_dir: Path) -> _Plan | None:
    erase, manifest_changed = rewriter(run)
    changes = any(_rewrite(path, run, erase, None))  # a look first: most runs stay
    if not (changes or manifest_changed):
        return None
    plan = _Plan(run, _where(manifest, data_dir), path, changes, 0, 0, manifest_changed)
    try:
        if changes:
            plan.run_file = _where(path, data_dir)
            partial = _partial(plan.run_file)
            plan.removed, plan.redacted = _rewrite(path, run, erase, partial)
            run.file_sha256 = sha256_of(partial)
            run.erased_lines += plan.removed + plan.redacted
        content = msgspec.json.format(msgspec.json.encode(run))
        _partial(plan.manifest).write_bytes(content)
    except BaseException:
        for target in plan.targets():
            _partial(target).unlink(missing_ok=True)
        raise
    return plan


def _rewrite(path: Path, run: Run, erase: LineEraser, partial: Path | None) -> tuple[int, int]:
    """Write the run's lines, each as ``erase`` gives it, to ``partial``; return how many
    lines go and how many are rewritten. Without ``partial``, only tell whether any would
    change: ``(0, 0)`` or the first change."""
    removed = redacted = 0
    with gzip.open(partial, "wb", compresslevel=6) if partial else nullcontext() as out:
        for _, lines in iter_line_blocks(path, expected_sha256=run.file_sha256):
            kept = []
            for line in lines:
                new = erase(line)
                if new is None:
                    removed += 1
                else:
                    redacted += new is not line
                    kept.append(new)
                if out is None and (removed or redacted):
                    return removed, redacted
            if kept and out is not None:
                out.write(b"\n".join(kept) + b"\n")
    return removed, redacted


def _scrub_manifest(run: Run, who: Identifiers, in_scope: bool) -> bool:
    """Take the account out of a run's query, parameters and incidents; say if any did."""
    host = "*" if in_scope else None
    query = who.redact(run.query, in_scope, host)
    parameters = who.scrub(run.parameters, in_scope, host)
    changed = query != run.query or parameters != run.parameters
    run.query, run.parameters = query, parameters
    for incident in run.incidents:
        where, message = (
            who.redact(incident.where, in_scope, host),
            who.redact(incident.message, in_scope, host),
        )
        changed |= (where, message) != (incident.where, incident.message)
        incident.where, incident.message = where, message
    return changed


def _erase_line(line: bytes, who: Identifiers, in_scope: bool) -> bytes | None:
    """``line`` as it is, rewritten without the account, or None when it goes."""
    if not line.strip():
        return line
    if line.startswith(PAYLOAD_PREFIX):
        return None if who.payload_names(line, in_scope) else line
    try:
        record = _decode_line(line)
    except msgspec.DecodeError:  # not a record (named when the account was looked for)
        return None if who.names(_searchable(line.decode("utf-8", "replace")), True, "*") else line
    same = record.platform == who.platform
    if same and (
        any(getattr(record, f) in who.account_ids for f in _ACCOUNT_FIELDS)
        or any(getattr(record, f) in who.post_ids for f in _POST_FIELDS)
    ):
        return None
    refers = same and (
        any(getattr(record, f) in who.post_ids for f in _REFERENCE_FIELDS)
        or any(getattr(record, f) in who.account_ids for f in _ACCOUNT_REFERENCE_FIELDS)
    )
    if not refers and not who.may_name(line):
        return line
    fields = msgspec.json.decode(line)
    for name in (*_ACCOUNT_FIELDS, *_POST_FIELDS):
        value = fields.get(name)
        if isinstance(value, str) and who.names(value, same):
            if same and name in _POST_FIELDS:
                who.post_ids.add(value)  # a post of the account: references to it go too
            return None
    removed = set()
    for names, known in ((_REFERENCE_FIELDS, who.post_ids),
                         (_ACCOUNT_REFERENCE_FIELDS, who.account_ids)):  # fmt: skip
        for name in names:
            value = fields.get(name)
            if isinstance(value, str) and ((same and value in known) or who.names(value, same)):
                removed.add(name)
    if removed & set(_VIA):
        removed.update(name for name in _VIA if name in fields)
    for name in removed:
        value = fields.pop(name)
        if same and name in _REFERENCE_FIELDS and isinstance(value, str):
            who.post_ids.add(value)  # the account's: references to it go too
    changed = bool(removed)
    for name, value in list(fields.items()):
        if name in _KEPT_FIELDS or name in _ACCOUNT_FIELDS or name in _POST_FIELDS:
            continue
        scrubbed = who.scrub(value, same)
        if scrubbed != value:
            fields[name], changed = scrubbed, True
    if not changed:
        return line
    try:
        return encode_record(decode_record(msgspec.json.encode(fields)))
    except msgspec.DecodeError:  # the record no longer holds without the name: it goes
        return None


def seal_unfinished_runs(raw_dir: Path, warn: Warn = _ignore) -> None:
    """Before an erasure: finish an erasure stopped half-way, delete what one that never
    committed wrote aside, and seal the runs that stopped without being closed (crash, kill),
    as a resumed collection does, so that the erasure reaches them; runs still being written
    are named."""
    raw_dir = Path(raw_dir)
    finish_erasure(raw_dir, warn)
    for partial in raw_dir.parent.rglob("*.erasing"):
        partial.unlink()
    folders = sorted(p for p in raw_dir.iterdir() if p.is_dir()) if raw_dir.is_dir() else []
    data_dir = raw_dir.parent.resolve()
    for folder in folders:
        try:
            runs = unfinished_runs(raw_dir, folder.name)
            if runs and not folder.resolve().is_relative_to(data_dir):
                warn(
                    ngettext(
                        "{folder} is a link to {real}, outside the data directory {data_dir}: "
                        "its {count} unfinished runs were left as they are.",
                        "{folder} is a link to {real}, outside the data directory {data_dir}: "
                        "its {count} unfinished runs were left as they are.",
                        len(runs),
                    ).format(
                        folder=folder, real=folder.resolve(), data_dir=data_dir, count=len(runs)
                    )
                )
                continue
            for run in runs:
                salvage_run(raw_dir, run)
        except (OSError, RawRunError) as error:
            warn(_("{error}; an unfinished run there was left as it is.").format(error=error))
        for partial in sorted(folder.glob("*.manifest.json.partial")):
            if not partial.with_suffix("").exists():
                warn(
                    _(
                        "{partial} is a run not finished (still being written, or damaged), "
                        "which the erasure cannot reach: run `essaim forget` again once it is "
                        "sealed."
                    ).format(partial=partial)
                )


def delete_runs_before(raw_dir: Path, cutoff: datetime, warn: Warn = _ignore) -> list[str]:
    """Delete the finished runs collected before ``cutoff``; return their ids."""
    deleted = []
    data_dir = Path(raw_dir).parent.resolve()
    for manifest, run, _file in _runs(raw_dir, warn):
        if (run.finished_at or run.started_at) >= cutoff:
            continue
        path, _manifest = run_paths(raw_dir, run.source, run.run_id)
        for file in (path, manifest):
            real = file.resolve()
            if file.is_symlink() and real.is_relative_to(data_dir):
                real.unlink(missing_ok=True)  # the link's target, where the run really is
            elif file.is_symlink():
                warn(_("{file} is a link to {real}, outside the data directory: only the "
                       "link was deleted.").format(file=file, real=real))  # fmt: skip
            file.unlink(missing_ok=True)
        deleted.append(run.run_id)
    return deleted
