"""The Mastodon spider, run by ``essaim collect mastodon`` against two replayed instances."""

from __future__ import annotations

import gzip

import pytest

from app.demo.replay import ReplayServer, Reply
from collectors.rawrun import find_runs, read_manifest
from tests.collectors.collecting import environment, essaim, store_counts, write_config
from tests.fixtures import mastodon_world as world


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def configure(tmp_path, server):
    a, b = world.serve_world(server)
    return write_config(tmp_path, server.url, extra=f'instances = ["{a}", "{b}"]\ntags = ["INSPE"]')


def collect_and_load(config):
    result = essaim(config, "collect", "mastodon")
    assert essaim(config, "load", "--offline").returncode == 0
    return result, store_counts(config.parent / "data" / "essaim.duckdb")


def test_two_instances_give_the_counts_of_the_world(tmp_path, server):
    result, counts = collect_and_load(configure(tmp_path, server))
    assert result.returncode == 0, result.stderr
    assert counts == world.EXPECTED
    assert server.count("/a/api/v1/statuses/105") == 0  # the #nobot author is not expanded
    assert server.count("/a/api/v2/search") + server.count("/b/api/v2/search") == 0  # no token
    assert not [r for r in server.requests if "/quotes" in r[1]]


def test_rate_limit_with_an_iso_reset_is_waited_out(tmp_path, server):
    config = configure(tmp_path, server)
    root = "/a/api/v1/statuses/101/reblogged_by"
    server.add(
        root,
        {"limit": 80},
        Reply(
            {"error": "Too many requests"},
            status=429,
            headers={"X-RateLimit-Reset": "2020-01-01T00:00:00Z"},
        ),
        Reply([world.account("eve")]),
    )
    result, counts = collect_and_load(config)
    assert result.returncode == 0, result.stderr
    assert counts == world.EXPECTED
    (manifest,) = [read_manifest(p) for p in find_runs(config.parent / "data" / "raw")]
    assert [i.kind for i in manifest.incidents] == ["rate-limit"]


def test_follows_reads_the_followers_of_every_sharer_once(tmp_path, server):
    config = configure(tmp_path, server)
    sharers = ["alice", "bruno", "claire", "eve", "fanny", "gus"]
    for name in sharers:
        for instance in ("/a", "/b"):
            path = f"{instance}/api/v1/accounts/{world.account(name)['id']}/followers"
            server.add(path, {"limit": 80}, Reply([world.account("zoe")]))
    result = essaim(config, "collect", "mastodon", "--follows")
    assert result.returncode == 0, result.stderr
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(config.parent / "data" / "essaim.duckdb")
    assert counts == {**world.EXPECTED, "follows": len(sharers)}
    assert server.count("/a/api/v1/accounts/") + server.count("/b/api/v1/accounts/") == 6


def test_a_user_token_adds_search_and_quotes_and_is_never_written(tmp_path, server):
    """With a token, instance A's search finds S8 (lena) and S1's quotes give S9 (mia)."""
    config = configure(tmp_path, server)
    s8 = world.status(
        "108", "s8", world.account("lena"), "2026-09-02T08:00:00.000Z", card=world.LINK
    )
    s9 = world.status("109", "s9", world.account("mia"), "2026-09-02T09:00:00.000Z", quote=world.S1)
    for instance in ("/a", "/b"):
        for domain in ("e-inspe.fr", "reseau-canope.fr"):
            found = [world.S1, s8] if (instance, domain) == ("/a", "e-inspe.fr") else []
            query = {"q": domain, "type": "statuses", "limit": 40}
            server.add(f"{instance}/api/v2/search", query, Reply({"statuses": found}))
    for root in ("/a/api/v1/statuses/102", "/b/api/v1/statuses/201", "/a/api/v1/statuses/108"):
        server.add(root + "/quotes", {"limit": 40}, Reply([]))
    server.add("/a/api/v1/statuses/101/quotes", {"limit": 40}, Reply([s9]))
    root = "/a/api/v1/statuses/108"
    server.add(root + "/reblogged_by", {"limit": 80}, Reply([]))
    server.add(root + "/favourited_by", {"limit": 80}, Reply([]))
    server.add(root + "/context", None, Reply({"ancestors": [], "descendants": []}))
    token = "token-that-must-stay-secret"
    host = server.url.split("://")[1]
    variable = "ESSAIM_MASTODON_TOKEN_" + host.replace(".", "_").replace(":", "_")
    result = essaim(config, "collect", "mastodon", env=environment(**{variable: token}))
    assert result.returncode == 0, result.stderr
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(config.parent / "data" / "essaim.duckdb")
    expected = world.EXPECTED["interactions"]
    assert counts == {
        **world.EXPECTED,
        "posts": 8,
        "accounts": 12,
        "interactions": {**expected, "quote": expected["quote"] + 1},
    }
    authorised = [r for r in server.requests if "/search" in r[1] or "/quotes" in r[1]]
    assert len(authorised) == 4 + 3  # 2 searches per instance; S1, S2 and S8 quotes
    assert all(r[2]["Authorization"] == f"Bearer {token}" for r in authorised)
    assert server.count("/a/api/v1/statuses/101/reblogged_by") == 1  # S1 found twice, read once
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert token.encode() not in (gzip.decompress(data) if path.suffix == ".gz" else data)
