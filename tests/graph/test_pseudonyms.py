import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest

from app.config import DATASETS
from graph.privacy.pseudonyms import (
    Institutions,
    Pseudonymiser,
    load_or_create_secret,
    read_institutions,
)


def hmac_sha256_by_hand(key: bytes, message: bytes) -> str:
    """RFC 2104, written out: H((K ^ opad) || H((K ^ ipad) || m)) with 64-byte blocks."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


@pytest.mark.parametrize("secret", [b"k" * 32, b"0123456789abcdef" * 4, b"long" * 40])
def test_pseudonym_is_the_keyed_hash_of_the_account(secret):
    message = b"account\x1fbluesky\x1fdid:plc:ana"
    expected = hmac_sha256_by_hand(secret, message)
    assert expected == hmac.new(secret, message, hashlib.sha256).hexdigest()
    assert Pseudonymiser(secret).account("bluesky", "did:plc:ana") == "u_" + expected[:20]
    assert (
        Pseudonymiser(secret).post("bluesky", "x")
        == "p_" + hmac_sha256_by_hand(secret, b"post\x1fbluesky\x1fx")[:20]
    )


def test_pseudonyms_are_stable_and_depend_on_the_secret():
    first, again = Pseudonymiser(b"a" * 32), Pseudonymiser(b"a" * 32)
    other = Pseudonymiser(b"b" * 32)
    assert first.account("bluesky", "did:plc:x") == again.account("bluesky", "did:plc:x")
    assert first.account("bluesky", "did:plc:x") != other.account("bluesky", "did:plc:x")
    assert first.account("bluesky", "did:plc:x") != first.account("mastodon", "did:plc:x")
    assert first.post("bluesky", "at://x/p/1") != first.post("bluesky", "at://x/p/2")


def test_secret_is_created_private_once_and_reused(tmp_path):
    path = tmp_path / "keys" / "pseudonymisation.key"
    secret = load_or_create_secret(path)
    assert load_or_create_secret(path) == secret
    assert len(secret) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_processes_creating_the_secret_at_once_all_get_the_first_one(tmp_path, monkeypatch):
    """Another process writes the secret between this one's check and its creation (the demo
    runs its imports at once): this one must use theirs, not fail, and leave no draft."""
    path = tmp_path / "pseudonymisation.key"
    theirs = "ab" * 32
    real_link = os.link

    def link_after_them(source, target):
        Path(target).write_text(theirs + "\n", encoding="ascii")
        real_link(source, target)

    monkeypatch.setattr(os, "link", link_after_them)
    assert load_or_create_secret(path) == theirs.encode("ascii")
    assert [file.name for file in tmp_path.iterdir()] == ["pseudonymisation.key"]


def test_short_secret_is_refused(tmp_path):
    path = tmp_path / "weak.key"
    path.write_text("1234")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_secret(path)


def test_allow_list_matches_ids_and_handles_case_insensitively():
    names = Pseudonymiser(
        b"k" * 32, Institutions({("bluesky", "reseau-canope.fr"), ("mastodon", "123")})
    )
    assert names.is_named("bluesky", "did:plc:zz", "@Reseau-Canope.FR")
    assert names.is_named("mastodon", "123", None)
    assert not names.is_named("bluesky", "did:plc:zz", "someone.example")
    assert not names.is_named("mastodon", "reseau-canope.fr", None)


def test_shipped_allow_list_reads():
    institutions = read_institutions(DATASETS / "institutions.csv")
    assert ("bluesky", "reseau-canope.fr") in institutions
    assert ("twitter", "reseau_canope") in institutions
