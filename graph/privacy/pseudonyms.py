"""Pseudonymisation at load: a keyed hash replaces who people are, institutions keep names.

Individuals' account ids become ``u_<hash>`` and post ids ``p_<hash>``, where the hash is an
HMAC-SHA256 keyed with a per-installation secret kept outside the database. The same account
therefore gets the same pseudonym in every run, and nobody without the secret can recompute
it from a known handle. Accounts on the institutional allow-list keep their ids and names.

Examples
--------
>>> allow = Institutions({("bluesky", "reseau-canope.fr")})
>>> names = Pseudonymiser(b"secret", allow)
>>> names.account("bluesky", "did:plc:abc")
'u_...'
>>> names.account("bluesky", "did:plc:abc") == names.account("bluesky", "did:plc:abc")
True
>>> names.is_named("bluesky", "did:plc:xyz", "Reseau-Canope.fr")
True
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from collectors.speech import _

__all__ = [
    "LEARNERS",
    "PLATFORM_ALIASES",
    "Institutions",
    "Pseudonymiser",
    "load_or_create_secret",
    "read_institutions",
]

#: The "platform" of learners' pseudonyms (usage imports with --keep-events).
LEARNERS = "learners"
#: Platforms known under two names: X imports say "x", the allow-list may say "twitter".
PLATFORM_ALIASES = {"twitter": "x", "x": "twitter"}
_HEX_CHARS = 20  # 80 bits: collisions stay negligible for hundreds of millions of ids
_BLOCK = 64  # SHA-256 block size in bytes


@dataclass(frozen=True)
class Institutions:
    """The allow-list: ``(platform, account id or lower-case handle)`` pairs kept named."""

    names: frozenset[tuple[str, str]] | set[tuple[str, str]] = field(default_factory=frozenset)

    def __contains__(self, item: tuple[str, str]) -> bool:
        return item in self.names


def read_institutions(path: Path) -> Institutions:
    """Read ``datasets/institutions.csv`` (columns: platform, account_id, handle, name, …)."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    names = set()
    for row in rows:
        platform = (row.get("platform") or "").strip().lower()
        for value in (row.get("account_id"), row.get("handle")):
            value = (value or "").strip().lstrip("@").lower()
            if platform and value:
                names.add((platform, value))
                if platform in PLATFORM_ALIASES:
                    names.add((PLATFORM_ALIASES[platform], value))
    return Institutions(frozenset(names))


def load_or_create_secret(path: Path) -> bytes:
    """Return the installation's pseudonymisation secret, creating it (mode 0600) if absent.

    Processes starting at once (the demo runs its imports together) all get the secret the
    first of them wrote: it is written whole to a file of its own, then linked to ``path``,
    which fails when ``path`` exists.
    """
    path = Path(path).expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="ascii", dir=path.parent, prefix=f".{path.name}."
        ) as draft:  # created with mode 0600
            draft.write(secrets.token_hex(32) + "\n")
            draft.flush()
            # another process may have written it first: theirs is then the secret
            with contextlib.suppress(FileExistsError):
                os.link(draft.name, path)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise ValueError(_("{path}: the pseudonymisation secret is too short").format(path=path))
    return secret.encode("ascii")


class Pseudonymiser:
    """Keyed pseudonyms for accounts and posts of one installation."""

    def __init__(self, secret: bytes, institutions: Institutions | None = None):
        # HMAC (RFC 2104) with the padded-key states computed once: same result as
        # hmac.digest(secret, message, "sha256"), about twice as fast for millions of ids.
        key = hashlib.sha256(secret).digest() if len(secret) > _BLOCK else secret
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
        self.institutions = institutions or Institutions()

    def _digest(self, kind: str, platform: str, value: str) -> str:
        inner = self._inner.copy()
        inner.update(f"{kind}\x1f{platform}\x1f{value}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:_HEX_CHARS]

    def account(self, platform: str, account_id: str) -> str:
        """Return the pseudonym of an account id."""
        return "u_" + self._digest("account", platform, account_id)

    def learner(self, identifier: str) -> str:
        """Return the pseudonym of a learner of a usage import, by the identifier its file
        gives (a full name, a user id, an xAPI actor): an account of :data:`LEARNERS`."""
        return self.account(LEARNERS, identifier)

    def post(self, platform: str, post_id: str) -> str:
        """Return the pseudonym of a post id."""
        return "p_" + self._digest("post", platform, post_id)

    def fingerprint(self) -> str:
        """A keyed digest telling which secret this is, without revealing it (stored in the
        database, so that pseudonyms of two secrets are never mixed)."""
        return self._digest("fingerprint", "", "essaim")

    def is_named(self, platform: str, account_id: str, handle: str | None) -> bool:
        """Tell whether an account is on the allow-list (by id or by handle; X accounts under
        "x" or "twitter")."""
        platform = platform.lower()
        names = {account_id.lower(), (handle or "").lstrip("@").lower()} - {""}
        platforms = {platform, PLATFORM_ALIASES.get(platform, platform)}
        return any((p, name) in self.institutions for p in platforms for name in names)
