"""The Mastodon spider, run by ``essaim collect mastodon`` against replayed instances."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
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
    threads = [r for r in server.requests if r[1].endswith("/context")]
    assert len(threads) == 3  # S1, S2 (once), S8: with a token, the thread is not capped
    assert all(r[2]["Authorization"] == f"Bearer {token}" for r in threads)
    assert server.count("/a/api/v1/statuses/101/reblogged_by") == 1  # S1 found twice, read once
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert token.encode() not in (gzip.decompress(data) if path.suffix == ".gz" else data)


REAL = Path(__file__).parents[1] / "fixtures" / "real" / "mastodon"


def real(name):
    return json.loads((REAL / f"{name}.json").read_text(encoding="utf-8"))


def only_instance(tmp_path, server, path, tags):
    extra = f'instances = ["{server.url}{path}"]\ntags = {json.dumps(tags)}'
    return write_config(tmp_path, server.url, extra=extra)


def test_replies_name_their_parent_on_another_page_or_in_the_thread_read(tmp_path, server):
    """Instance C's #CAPES timeline: page 1 holds Mastodon.py's recorded reply and T (olga,
    tracked, answering P), page 2 the reply's recorded parent; P is only in T's thread, which
    does not hold T. Both replies are asked for again with their parents, in one look-up."""
    reply, parent = real("status_reply"), real("status_replied_to")
    p = world.status("150", "p", world.account("paul"), "2026-09-01T07:00:00.000Z")
    t = world.status(
        "151", "t", world.account("olga"), "2026-09-01T08:00:00.000Z", world.ANCHOR,
        card=world.LINK, reply_to="150",
    )  # fmt: skip
    tag = "/c/api/v1/timelines/tag/CAPES"
    more = f'<{server.url}{tag}?limit=40&max_id=151>; rel="next"'
    server.add(tag, {"limit": 40}, Reply([reply, t], headers={"Link": more}))
    server.add(tag, {"limit": 40, "max_id": 151}, Reply([parent]))
    server.add("/c/api/v1/trends/links", {"limit": 20}, Reply([]))
    ids = [("id[]", i) for i in (reply["id"], parent["id"], "151", "150")]
    server.add("/c/api/v1/statuses", ids, Reply([reply, parent, t, p]))
    root = "/c/api/v1/statuses/151"
    server.add(root + "/reblogged_by", {"limit": 80}, Reply([]))
    server.add(root + "/favourited_by", {"limit": 80}, Reply([]))
    server.add(root + "/context", None, Reply({"ancestors": [p], "descendants": []}))
    config = only_instance(tmp_path, server, "/c", ["CAPES"])
    result, counts = collect_and_load(config)
    assert result.returncode == 0, result.stderr
    assert server.count("/c/api/v1/statuses?") == 1
    assert counts["posts"] == 4 and counts["interactions"] == {"reply": 2}
    with duckdb.connect(str(config.parent / "data" / "essaim.duckdb"), read_only=True) as db:
        replies = db.execute("SELECT count(*) FROM posts WHERE reply_to IS NOT NULL").fetchone()
    assert replies == (2,)


def trend(url: str) -> dict:
    """A trending link as ``/api/v1/trends/links`` lists it (a preview card and its history)."""
    return {
        "url": url, "title": "Parcours", "description": "", "type": "link", "author_name": "",
        "author_url": "", "provider_name": "", "provider_url": "", "html": "", "width": 0,
        "height": 0, "image": None, "embed_url": "", "blurhash": None,
        "history": [{"day": "1788134400", "accounts": "3", "uses": "4"}],
    }  # fmt: skip


def test_closed_feeds_are_reported_and_trends_are_read_page_by_page(tmp_path, server):
    """Instance D (Mastodon 4.5 feed settings): #INSPE answers 401 (the body Mastodon.py
    recorded), #CAPES 422 (Mastodon's require_user! without a user), #FLE an empty list;
    trending links come 20 by 20, the tracked one on the second page, whose timeline is
    empty (the link feed turned off)."""
    api = "/d/api/v1"
    server.add(
        f"{api}/timelines/tag/INSPE",
        {"limit": 40},
        Reply(real("timeline_anonymous_401"), status=401),
    )
    required = {"error": "This method requires an authenticated user"}
    server.add(f"{api}/timelines/tag/CAPES", {"limit": 40}, Reply(required, status=422))
    server.add(f"{api}/timelines/tag/FLE", {"limit": 40}, Reply([]))
    others = [trend(f"https://example.org/{n}") for n in range(39)]
    pages = [others[:20], [trend(world.LINK), *others[20:]], []]
    for number, page in enumerate(pages):
        offset = {"offset": 20 * number} if number else {}
        server.add(f"{api}/trends/links", {"limit": 20, **offset}, Reply(page))
    server.add(f"{api}/timelines/link", {"url": world.LINK, "limit": 40}, Reply([]))
    config = only_instance(tmp_path, server, "/d", ["INSPE", "CAPES", "FLE"])
    result = essaim(config, "collect", "mastodon")
    assert result.returncode == 0, result.stderr
    assert server.count(f"{api}/trends/links") == 3
    (manifest,) = [read_manifest(p) for p in find_runs(config.parent / "data" / "raw")]
    assert manifest.status == "complete"
    said = sorted((i.kind, i.where.split("/api/v1/")[1], i.message) for i in manifest.incidents)
    assert [(kind, where) for kind, where, _ in said] == [
        ("error", "timelines/tag/CAPES?limit=40"),
        ("error", "timelines/tag/INSPE?limit=40"),
        (
            "note",
            "timelines/link?url=https%3A%2F%2Fwww.e-inspe.fr%2Fcourse%2Fview.php%3Fid%3D101&limit=40",
        ),
        ("note", "timelines/tag/FLE?limit=40"),
    ]
    assert said[0][2].startswith("this instance requires login for the tag timeline (HTTP 422")
    assert "requires login for the tag timeline" in result.stderr
    assert "the link timeline is empty" in result.stderr
    assert "The access token is invalid" in said[1][2]
    assert said[2][2].startswith("the link timeline is empty")
    assert said[3][2].startswith("the tag timeline is empty")
