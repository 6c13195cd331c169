"""The Mastodon spider, run by ``essaim collect mastodon`` against two replayed instances."""

from __future__ import annotations

import pytest

from collectors.rawrun import find_runs, read_manifest
from tests.collectors.collecting import essaim, store_counts, write_config
from tests.fixtures import mastodon_world as world
from tests.replay import ReplayServer, Reply


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
