"""Privacy controls on the store: retention, minimised texts, erasure of one account or
learner.

Retention removes what is older than a cut-off: posts and interactions by their date (their
collection time when undated), follows not observed since, then the links of removed posts
and the accounts nothing refers to any more. Texts are kept whole, as an excerpt (200
characters, every identifier masked: see :mod:`graph.privacy.identifiers`) or not at all.
Erasure removes one account, its posts and their links, its interactions and follows, and takes it
out of others' rows: acts on its posts go, references to them and to its reshares are cut,
links to it go, texts and run options naming it are redacted. Erasure of a learner of the usage
imports removes its events (known by its pseudonym). Each of these also removes the
analyses computed before, which may name what was removed: ``essaim analyze`` computes them
again.

Accounts and learners erased on request are remembered as keyed digests
(:class:`ErasureList`), never by their identifiers, so that later loads leave them out.

Examples
--------
>>> from datetime import datetime, UTC
>>> retention_cutoff("18m", now=datetime(2026, 11, 23, tzinfo=UTC)).date().isoformat()
'2025-05-23'
>>> retention_cutoff("90d", now=datetime(2026, 11, 23, tzinfo=UTC)).date().isoformat()
'2026-08-25'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from collectors.speech import _
from graph.privacy.raw import Identifiers
from graph.store import Store
from graph.store import queries as q
from graph.store.results import RESULT_TABLES

__all__ = [
    "KEEP_TEXT",
    "ErasureList",
    "KeepText",
    "forget_account",
    "forget_learner",
    "learner_rows",
    "mark_runs_pruned",
    "minimise_texts",
    "prune_store",
    "retention_cutoff",
]

KeepText = Literal["none", "excerpt", "full"]
#: What ``--keep-text`` accepts, from the least kept to the most.
KEEP_TEXT: tuple[KeepText, ...] = ("none", "excerpt", "full")

_AGE = re.compile(r"\s*(\d+)\s*([dwmy])\s*", re.I)
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def retention_cutoff(age: str, now: datetime | None = None) -> datetime:
    """The instant ``age`` ago ("90d", "6w", "18m", "2y": days, weeks, months, years).

    Raises
    ------
    ValueError
        If ``age`` is not a whole number followed by d, w, m or y.
    """
    match = _AGE.fullmatch(age)
    if not match or int(match[1]) == 0:
        raise ValueError(_("{age!r} is not an age such as 90d, 6w, 18m or 2y").format(age=age))
    offset = pd.DateOffset(**{_UNITS[match[2].lower()]: int(match[1])})
    return (pd.Timestamp(now or datetime.now(UTC)) - offset).to_pydatetime()


def prune_store(store: Store, before: datetime) -> dict[str, int]:
    """Remove what is older than ``before``; return the rows removed per table."""
    removed = {}
    with store.transaction() as connection:
        for table, statement in q.PRUNE.items():
            parameters = [before] if "?" in statement else []
            removed[table] = connection.execute(statement, parameters).fetchone()[0]
        if any(removed.values()):
            _drop_analyses(connection)
    return removed


def minimise_texts(store: Store, keep: KeepText) -> int:
    """Reduce every stored text to what ``keep`` allows; return how many changed."""
    if keep == "full":
        return 0
    with store.transaction() as connection:
        return connection.execute(q.MINIMISE_TEXTS, [keep, keep]).fetchone()[0]


#: Where a store may hold a name of an erased account, and what becomes of a row naming it:
#: its ``account`` or ``post`` goes (with all the rows of it), the ``row`` goes, the
#: reference is set to ``null``, the text is ``redact``-ed, a ``list`` loses the entries naming
#: it, a ``json`` value is scrubbed.
_NAMING_PLACES: list[tuple[str, str, str]] = [
    ("accounts", "account_id", "account"),
    ("posts", "author_id", "account"),
    ("interactions", "actor_id", "account"),
    ("interactions", "via_actor_id", "account"),
    ("follows", "follower_id", "account"),
    ("follows", "followee_id", "account"),
    ("posts", "post_id", "post"),
    ("interactions", "target_post_id", "post"),
    ("interactions", "post_id", "post"),
    ("posts", "reply_to", "post"),
    ("posts", "quote_of", "post"),
    ("posts", "repost_of", "post"),
    ("interactions", "via", "post"),
    ("links", "url", "row"),
    ("links", "resolved_url", "row"),
    ("url_resolutions", "short_url", "row"),
    ("url_resolutions", "final_url", "row"),
    *(("posts", column, "redact") for column in
      ("text", "url", "forum", "board", "subreddit", "channel", "instance")),
    ("posts", "hashtags", "list"),
    ("usage", "url", "redact"),  # a visit from a profile page, a newsletter's link
    ("usage", "title", "redact"),
    ("accounts", "handle", "redact"),
    ("accounts", "display_name", "redact"),
    ("runs", "query", "redact"),
    ("runs", "parameters", "json"),
    ("runs", "incidents", "json"),
]  # fmt: skip
#: What tells whose a row is: its platform (a run: its source and id).
_OWNER = {"runs": "[source, run_id]", "url_resolutions": "NULL", "usage": "NULL"}


def forget_account(
    store: Store,
    platform: str,
    account_ids: Iterable[str],
    post_ids: Iterable[str] = (),
    names: Identifiers | None = None,
    rewritten_runs: Iterable[tuple[str, str]] = (),
) -> dict[str, dict[str, int]]:
    """Remove one account and what others' rows say of it; return the rows ``removed`` and
    ``redacted`` per table.

    ``account_ids`` and ``post_ids`` are its ids and its posts' as stored (pseudonyms, or the
    platform's ids): the account, its posts and their links, its interactions and follows go,
    and so do others' interactions with its posts; others' replies, quotes and reposts of its
    posts lose the reference, and so do others' interactions made through one of its reshares
    (``via`` and ``via_actor_id``). With ``names`` (its forms, from the raw runs),
    rows naming it are found too: ids naming it count as its own, links to it go, texts, run
    queries, parameters and incidents have the names replaced
    (:data:`graph.privacy.raw.REDACTED`).
    ``rewritten_runs``: ``(run_id, SHA-256)`` of the raw runs the erasure rewrites, recorded in
    the same transaction so that loading them again accepts them.
    """
    removed: dict[str, int] = {}
    redacted: dict[str, int] = {}
    with store.transaction() as connection:
        connection.execute(q.FORGET_TABLES[0], [sorted(set(account_ids))])
        connection.execute(q.FORGET_TABLES[1], [sorted(set(post_ids)), platform])
        if names is not None:
            for _, _, fate, _, value, owner in _naming_rows(connection, names, {"account", "post"}):
                if owner == platform and names.names(value, in_platform=True):
                    connection.execute(q.ADD_FORGOTTEN.format(kind=fate), [value])
            connection.execute(q.ADD_FORGOTTEN_AUTHORS_POSTS, [platform])
        for table, statement in q.FORGET.items():
            removed[table] = connection.execute(statement, [platform]).fetchone()[0]
        for statement in q.FORGET_REFERENCES:
            nulled = connection.execute(statement, [platform]).fetchone()[0]
            redacted["posts"] = redacted.get("posts", 0) + nulled
        if names is not None:
            _redact_naming_rows(connection, names, platform, removed, redacted)
        for statement in q.DROP_FORGOTTEN:
            connection.execute(statement)
        for run_id, sha256 in rewritten_runs:
            connection.execute(q.UPDATE_RUN_HASH, [sha256, run_id])
        _drop_analyses(connection)
    return {"removed": removed, "redacted": redacted}


def learner_rows(store: Store, pseudonym: str) -> int:
    """How many usage events of the learner ``pseudonym`` the store holds."""
    return store.connection.execute(q.COUNT_LEARNER_USAGE, [pseudonym]).fetchone()[0]


def forget_learner(
    store: Store, pseudonym: str, rewritten_runs: Iterable[tuple[str, str]] = ()
) -> int:
    """Remove the usage events of the learner ``pseudonym`` (daily counts name nobody and
    stay); return how many went. ``rewritten_runs``: as for :func:`forget_account`. The
    analyses go when events did, since they counted them."""
    with store.transaction() as connection:
        removed = connection.execute(q.FORGET_LEARNER, [pseudonym]).fetchone()[0]
        for run_id, sha256 in rewritten_runs:
            connection.execute(q.UPDATE_RUN_HASH, [sha256, run_id])
        if removed:
            _drop_analyses(connection)
    return removed


def _redact_naming_rows(
    connection, names: Identifiers, platform: str, removed: dict, redacted: dict
) -> None:
    """Delete the link rows naming the account; redact the texts, lists and JSON values."""
    fates = {"row", "redact", "list", "json"}
    for table, column, fate, row_id, value, owner in _naming_rows(connection, names, fates):
        if isinstance(owner, list):  # a run: its source and id
            in_platform = names.source_in_scope(owner[1], owner[0])
        else:
            in_platform = owner == platform
        host = "*" if table == "runs" else None  # a run's incidents may name pages of a host
        if fate == "row":
            if names.names(value, in_platform):
                connection.execute(q.DELETE_ROW.format(table=table), [row_id])
                removed[table] = removed.get(table, 0) + 1
            continue
        if fate == "json":
            value = json.loads(value)
        scrubbed = names.scrub(value, in_platform, host)
        if scrubbed != value:
            new = json.dumps(scrubbed, ensure_ascii=False) if fate == "json" else scrubbed
            connection.execute(q.UPDATE_ROW.format(table=table, column=column), [new, row_id])
            redacted[table] = redacted.get(table, 0) + 1


def _naming_rows(connection, names: Identifiers, fates: set[str]):
    """``(table, column, fate, rowid, value, owner)`` of the rows whose ``column`` may name
    the account (a quick test in SQL: the caller decides)."""
    pattern = names.sql_pattern()
    if pattern is None:
        return
    for table, column, fate in _NAMING_PLACES:
        if fate in fates:
            owner = _OWNER.get(table, "platform")
            select = q.SELECT_NAMING.format(table=table, column=column, platform=owner)
            for row_id, value, row_owner in connection.execute(select, [pattern]).fetchall():
                yield table, column, fate, row_id, value, row_owner


def mark_runs_pruned(store: Store, run_ids: Iterable[str]) -> None:
    """Record in the store the raw runs retention deleted."""
    with store.transaction() as connection:
        for run_id in run_ids:
            connection.execute(q.MARK_RUN_PRUNED, [run_id])


def _drop_analyses(connection) -> None:
    for table in RESULT_TABLES:
        connection.execute(q.DROP_RESULT_TABLE.format(table=table))
    connection.execute(q.DELETE_ANALYSES)


class ErasureList:
    """Accounts erased on request, kept as keyed digests in a text file (one per line).

    The digest is an HMAC-SHA256 of the platform and account id under the installation
    secret, in a domain of its own: it matches neither a pseudonym nor anything exported.

    Examples
    --------
    >>> import tempfile
    >>> erased = ErasureList(Path(tempfile.mkdtemp()) / "erased.txt", b"k" * 32)
    >>> erased.add("bluesky", "did:plc:abc")
    >>> ("bluesky", "did:plc:abc") in erased, ("bluesky", "did:plc:xyz") in erased
    (True, False)
    """

    def __init__(self, path: Path, secret: bytes):
        self.path, self._secret = Path(path), secret
        lines = self.path.read_text("ascii").split() if self.path.exists() else []
        self._digests = set(lines)

    def digest(self, platform: str, account_id: str) -> str:
        message = f"erased\0{platform}\0{account_id}".encode()
        return hmac.digest(self._secret, message, hashlib.sha256).hex()

    def add(self, platform: str, account_id: str) -> None:
        digest = self.digest(platform, account_id)
        if digest not in self._digests:
            self._digests.add(digest)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="ascii") as file:
                file.write(digest + "\n")

    def __contains__(self, key: tuple[str, str]) -> bool:
        return self.digest(*key) in self._digests

    def __len__(self) -> int:
        return len(self._digests)
