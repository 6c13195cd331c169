"""Privacy controls on the store: retention, minimised texts, erasure of one account.

Retention removes what is older than a cut-off: posts and interactions by their date (their
collection time when undated), follows not observed since, then the links of removed posts
and the accounts nothing refers to any more. Texts are kept whole, as an excerpt (200
characters, @mentions masked) or not at all. Erasure removes one account, its posts and
their links, its interactions and follows. Each of these also removes the analyses computed
before, which may name what was removed: ``essaim analyze`` computes them again.

Accounts erased on request are remembered as keyed digests (:class:`ErasureList`), never by
their identifiers, so that later loads leave them out.

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
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from graph.store import Store
from graph.store import queries as q

__all__ = [
    "KEEP_TEXT",
    "ErasureList",
    "KeepText",
    "forget_account",
    "minimise_texts",
    "note_raw_changes",
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
        raise ValueError(f"{age!r} is not an age such as 90d, 6w, 18m or 2y")
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


def forget_account(store: Store, platform: str, account_id: str) -> dict[str, int]:
    """Remove one account (its id as stored) and everything it wrote or did; return the rows
    removed per table."""
    removed = {}
    with store.transaction() as connection:
        for table, statement in q.FORGET.items():
            removed[table] = connection.execute(statement, [platform, account_id]).fetchone()[0]
        _drop_analyses(connection)
    return removed


def note_raw_changes(
    store: Store, deleted: Iterable[str] = (), rewritten: Iterable[tuple[str, str]] = ()
) -> None:
    """Record in the store the raw runs retention deleted and the new SHA-256 of the runs an
    erasure rewrote (``(run_id, sha256)``), so that loading again accepts them."""
    with store.transaction() as connection:
        for run_id in deleted:
            connection.execute(q.MARK_RUN_PRUNED, [run_id])
        for run_id, sha256 in rewritten:
            connection.execute(q.UPDATE_RUN_HASH, [sha256, run_id])


def _drop_analyses(connection) -> None:
    from graph.analysis import RESULT_TABLES

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
