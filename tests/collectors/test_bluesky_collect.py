"""The Bluesky spider, run by ``essaim collect bluesky`` against a local replay server."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from app.demo.replay import ReplayServer, Reply
from collectors.rawrun import find_runs, iter_lines, read_manifest, run_paths
from tests.collectors.collecting import (
    command,
    environment,
    essaim,
    store_content,
    store_counts,
    write_config,
)
from tests.fixtures import bluesky_world as world

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "bluesky"
CREDENTIALS = {
    "ESSAIM_BLUESKY_HANDLE": world.HANDLE,
    "ESSAIM_BLUESKY_APP_PASSWORD": world.PASSWORD,
}


@pytest.fixture
def server():
    with ReplayServer() as replay:
        world.serve_world(replay)
        yield replay


@pytest.fixture
def config(tmp_path, server):
    return write_config(tmp_path, server.url)


def collect(config: Path, *args: str):
    return essaim(
        config,
        "collect",
        "bluesky",
        "--domain",
        "e-inspe.fr",
        *args,
        env=environment(**CREDENTIALS),
    )


def manifests(config: Path):
    return [read_manifest(path) for path in find_runs(config.parent / "data" / "raw")]


def load(config: Path) -> dict:
    result = essaim(config, "load", "--offline")
    assert result.returncode == 0, result.stderr
    return store_counts(config.parent / "data" / "essaim.duckdb")


def expected(follows: int = 0) -> dict:
    return {**world.EXPECTED, "follows": follows}


def test_collect_then_load_gives_the_counts_of_the_world(config, server):
    result = collect(config)
    assert result.returncode == 0, result.stderr
    (run,) = manifests(config)
    assert run.status == "complete" and run.query == "domain:e-inspe.fr"
    assert load(config) == expected()


def test_follows_are_paged_and_counted(config, server):
    assert collect(config, "--follows").returncode == 0
    assert load(config) == expected(follows=world.EXPECTED_FOLLOWS)


def test_credentials_are_sent_but_never_written(config, server, tmp_path):
    assert collect(config).returncode == 0
    login = next(r for r in server.requests if r[1].endswith("createSession"))
    assert json.loads(login[3]) == {"identifier": world.HANDLE, "password": world.PASSWORD}
    search = next(r for r in server.requests if "searchPosts" in r[1])
    assert search[2]["Authorization"] == f"Bearer {world.ACCESS_TOKEN}"
    load(config)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            for secret in (world.PASSWORD, world.ACCESS_TOKEN, "eyJ.refresh"):
                assert secret.encode() not in data, path


def test_an_expired_session_is_renewed_and_the_refused_page_asked_again(config, server, tmp_path):
    page_two = {**world.DOMAIN_SEARCH, "cursor": "c1"}
    expired = Reply({"error": "ExpiredToken", "message": "Token has expired"}, status=400)
    server.add(world.SEARCH, page_two, expired, Reply({"posts": [world.P3]}))
    renewed = {
        "accessJwt": "eyJ.renewed-secret",
        "refreshJwt": "eyJ.refresh-2",
        "did": "did:plc:me",
    }
    server.add("/xrpc/com.atproto.server.refreshSession", None, Reply(renewed))
    assert collect(config).returncode == 0
    (refresh,) = [r for r in server.requests if r[1].endswith("refreshSession")]
    assert refresh[2]["Authorization"] == "Bearer eyJ.refresh"
    pages = [r for r in server.requests if "cursor=c1" in r[1] and "searchPosts" in r[1]]
    assert [r[2]["Authorization"] for r in pages] == [
        f"Bearer {world.ACCESS_TOKEN}",
        "Bearer eyJ.renewed-secret",
    ]
    assert [run.status for run in manifests(config)] == ["complete"]
    assert load(config) == expected()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            data = gzip.decompress(data) if path.suffix == ".gz" else data
            assert b"renewed-secret" not in data and b"refresh-2" not in data, path


def test_a_session_that_cannot_be_renewed_stops_with_one_sentence(config, server):
    page_two = {**world.DOMAIN_SEARCH, "cursor": "c1"}
    server.add(world.SEARCH, page_two, Reply({"error": "ExpiredToken"}, status=400))
    refusal = Reply({"error": "ExpiredToken", "message": "Token has been revoked"}, status=400)
    server.add("/xrpc/com.atproto.server.refreshSession", None, refusal)
    result = collect(config)
    assert result.returncode != 0
    assert "refused to renew it (Token has been revoked)" in result.stderr
    assert "--resume" in result.stderr
    (run,) = manifests(config)
    assert run.status == "incomplete"


def test_transient_faults_are_waited_out_and_retried(config, server):
    page_two = {**world.DOMAIN_SEARCH, "cursor": "c1"}
    server.add(
        world.SEARCH,
        page_two,
        Reply({"error": "RateLimitExceeded"}, status=429, headers={"ratelimit-reset": "1"}),
        Reply({"posts": [world.P3]}),
    )
    quotes = {"uri": world.P1["uri"], "limit": "100"}
    server.add(
        "/xrpc/app.bsky.feed.getQuotes",
        quotes,
        Reply("Internal Server Error", status=500),
        Reply({"uri": world.P1["uri"], "posts": [world.Q1]}),
    )
    thread = {"uri": world.P3["uri"], "depth": "1000", "parentHeight": "0"}
    body = {"thread": world.THREADS[world.P3["uri"]]}
    server.add(
        "/xrpc/app.bsky.feed.getPostThread",
        thread,
        Reply(body, cut=50),
        Reply(json.dumps(body)[:80]),  # a complete response holding half a JSON document
        Reply(body),
    )
    reposts = {"uri": world.P2["uri"], "limit": "100"}
    server.add(
        "/xrpc/app.bsky.feed.getRepostedBy",
        reposts,
        Reply({}, delay=1.5),
        Reply({"uri": world.P2["uri"], "repostedBy": [world.person("hugo")]}),
    )
    result = collect(config)
    assert result.returncode == 0, result.stderr
    (run,) = manifests(config)
    assert run.status == "complete"
    assert [i.kind for i in run.incidents if i.kind == "rate-limit"] == ["rate-limit"]
    assert load(config) == expected()


def test_a_page_that_keeps_failing_makes_an_incomplete_run_that_resume_finishes(config, server):
    reposts = {"uri": world.P2["uri"], "limit": "100"}
    server.add(
        "/xrpc/app.bsky.feed.getRepostedBy",
        reposts,
        Reply("<html><title>403 Forbidden</title></html>", status=403),
    )
    result = collect(config)
    assert result.returncode == 2
    assert "getRepostedBy" in result.stderr and "HTTP 403 (an HTML page)" in result.stderr
    assert "essaim collect bluesky --resume" in result.stderr
    (first,) = manifests(config)
    assert first.status == "incomplete"
    failed = [i.where for i in first.incidents if i.kind == "failed-page"]
    assert len(failed) == 1 and "getRepostedBy" in failed[0] and "p2" in failed[0]
    searches_before = server.count(world.SEARCH)
    server.add(
        "/xrpc/app.bsky.feed.getRepostedBy",
        reposts,
        Reply({"uri": world.P2["uri"], "repostedBy": [world.person("hugo")]}),
    )
    resumed = essaim(config, "collect", "bluesky", "--resume", env=environment(**CREDENTIALS))
    assert resumed.returncode == 0, resumed.stderr
    assert server.count(world.SEARCH) == searches_before  # answered from the checkpoint
    second = manifests(config)[-1]
    assert second.status == "complete" and second.resumes == first.run_id
    assert load(config) == expected()


def test_wrong_password_is_one_clear_sentence(config, server):
    server.add(
        "/xrpc/com.atproto.server.createSession",
        None,
        Reply(
            {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            status=401,
        ),
    )
    result = collect(config)
    assert result.returncode == 1
    assert (
        "Bluesky refused the login of 'collector.bsky.social' (Invalid identifier or password)"
        in result.stderr
    )
    (run,) = manifests(config)
    assert run.status == "incomplete"
    assert server.count(world.SEARCH) == 0


def test_missing_credentials_say_what_is_needed(config):
    result = essaim(config, "collect", "bluesky")
    assert result.returncode == 1
    assert (
        "ESSAIM_BLUESKY_HANDLE" in result.stderr and "ESSAIM_BLUESKY_APP_PASSWORD" in result.stderr
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_collection_resumes_to_the_same_records(tmp_path, server, stop_signal):
    config = write_config(tmp_path, server.url, extra="")
    config.write_text(config.read_text().replace("timeout = 1.0", "timeout = 20.0"))
    thread = {"uri": world.P3["uri"], "depth": "1000", "parentHeight": "0"}
    slow = Reply({"thread": world.THREADS[world.P3["uri"]]}, delay=8)
    server.add("/xrpc/app.bsky.feed.getPostThread", thread, slow)
    process = subprocess.Popen(
        command(config, "collect", "bluesky", "--domain", "e-inspe.fr"),
        cwd=tmp_path,
        env=environment(**CREDENTIALS),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any("getPostThread" in r[1] and "p3" in r[1] for r in server.requests):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    time.sleep(1.0)  # let the other answers reach the run file
    process.send_signal(stop_signal)
    process.communicate(timeout=60)
    searches_before = server.count(world.SEARCH)

    server.add("/xrpc/app.bsky.feed.getPostThread", thread, Reply(slow.body))
    resumed = essaim(config, "collect", "bluesky", "--resume", env=environment(**CREDENTIALS))
    assert resumed.returncode == 0, resumed.stderr
    first, second = manifests(config)
    assert first.status == "interrupted" and first.counts.get("payloads", 0) > 0
    assert second.status == "complete" and second.resumes == first.run_id
    assert server.count(world.SEARCH) == searches_before  # answered from the checkpoint
    assert load(config) == expected()
    calm = tmp_path / "calm"
    calm.mkdir()
    calm_config = write_config(calm, server.url)
    assert collect(calm_config).returncode == 0
    load(calm_config)
    database = Path("data") / "essaim.duckdb"
    assert store_content(tmp_path / database) == store_content(calm / database)


def test_a_capped_search_continues_in_an_earlier_window(config, server):
    oldest = "2026-09-01T06:00:00.001000+00:00"  # P3, the oldest post, plus 1 ms
    server.add(world.SEARCH, {**world.DOMAIN_SEARCH, "until": oldest}, Reply({"posts": []}))
    result = collect(config, "--window-cap", "3", "--no-interactions")
    assert result.returncode == 0, result.stderr
    searches = [r[1] for r in server.requests if world.SEARCH in r[1]]
    assert len(searches) == 3 and "until=2026-09-01T06%3A00%3A00.001000%2B00%3A00" in searches[2]


def test_since_last_asks_only_for_what_is_newer_than_the_previous_run(config, server):
    assert collect(config, "--no-interactions").returncode == 0
    (first,) = manifests(config)
    assert collect(config, "--no-interactions", "--since", "last").returncode != 1
    searches = [parse_qs(urlsplit(r[1]).query) for r in server.requests if world.SEARCH in r[1]]
    assert "since" not in searches[0]
    since = datetime.fromisoformat(searches[-1]["since"][0])
    assert since == first.started_at - timedelta(hours=1)
    assert manifests(config)[-1].parameters["since"] == since.isoformat()


def test_repost_times_come_from_the_reposters_repositories(config, server):
    for name in ("farid", "gael", "hugo"):
        service = {
            "id": "#atproto_pds",
            "type": "AtprotoPersonalDataServer",
            "serviceEndpoint": server.url,
        }
        server.add(
            f"/plc/did:plc:{name}", None, Reply({"id": f"did:plc:{name}", "service": [service]})
        )
        subject = world.P2["uri"] if name == "hugo" else world.P1["uri"]
        value = {
            "$type": "app.bsky.feed.repost",
            "subject": {"uri": subject, "cid": "c"},
            "createdAt": "2026-09-01T11:00:00Z",
        }
        other = {**value, "subject": {"uri": "at://did:plc:x/app.bsky.feed.post/other", "cid": "c"}}
        records = [
            {"uri": f"at://did:plc:{name}/app.bsky.feed.repost/2", "cid": "c", "value": other},
            {"uri": f"at://did:plc:{name}/app.bsky.feed.repost/1", "cid": "c", "value": value},
        ]
        params = {"repo": f"did:plc:{name}", "collection": "app.bsky.feed.repost", "limit": "100"}
        server.add("/xrpc/com.atproto.repo.listRecords", params, Reply({"records": records}))
    assert collect(config, "--repost-times").returncode == 0
    assert load(config) == expected()  # the same three reposts, now with their time
    with duckdb.connect(str(config.parent / "data" / "essaim.duckdb"), read_only=True) as db:
        timed = db.execute(
            "SELECT count(*) FROM interactions WHERE kind = 'repost' AND created_at IS NOT NULL"
        )
        assert timed.fetchone()[0] == 3


def _requested(server, endpoint: str) -> list[dict[str, list[str]]]:
    return [
        parse_qs(urlsplit(target).query)
        for _, target, *_ in server.requests
        if urlsplit(target).path == f"/xrpc/{endpoint}"
    ]


def test_a_reposter_of_two_posts_gets_both_times_from_one_did_document(config, server):
    server.add(
        "/xrpc/app.bsky.feed.getRepostedBy",
        {"uri": world.P2["uri"], "limit": "100"},
        Reply({"uri": world.P2["uri"], "repostedBy": [world.person("farid")]}),
    )
    service = {
        "id": "#atproto_pds",
        "type": "AtprotoPersonalDataServer",
        "serviceEndpoint": server.url,
    }
    for name in ("farid", "gael"):
        server.add(
            f"/plc/did:plc:{name}", None, Reply({"id": f"did:plc:{name}", "service": [service]})
        )
    reposts = {"farid": [world.P1, world.P2], "gael": [world.P1]}
    for name, posts in reposts.items():
        records = [
            {
                "uri": f"at://did:plc:{name}/app.bsky.feed.repost/{number}",
                "cid": "c",
                "value": {
                    "$type": "app.bsky.feed.repost",
                    "subject": {"uri": post["uri"], "cid": "c"},
                    "createdAt": f"2026-09-0{number + 2}T11:00:00Z",
                },
            }
            for number, post in enumerate(posts)
        ]
        params = {"repo": f"did:plc:{name}", "collection": "app.bsky.feed.repost", "limit": "100"}
        server.add("/xrpc/com.atproto.repo.listRecords", params, Reply({"records": records}))
    assert collect(config, "--repost-times").returncode == 0
    load(config)
    assert server.count("/plc/did:plc:farid") == 1
    with duckdb.connect(str(config.parent / "data" / "essaim.duckdb"), read_only=True) as db:
        days = db.execute(
            "SELECT day(created_at) FROM interactions WHERE kind = 'repost' ORDER BY 1"
        ).fetchall()
    assert days == [(2,), (2,), (3,)]  # farid: P1 on the 2nd, P2 on the 3rd; gael: P1 on the 2nd


def test_only_the_interactions_the_counts_announce_are_asked_for(config, server):
    assert collect(config).returncode == 0
    quoted = {query["uri"][0] for query in _requested(server, "app.bsky.feed.getQuotes")}
    threads = {query["uri"][0] for query in _requested(server, "app.bsky.feed.getPostThread")}
    reposted = {query["uri"][0] for query in _requested(server, "app.bsky.feed.getRepostedBy")}
    assert quoted == {world.P1["uri"], world.Q1["uri"]}  # quoteCount 1; others 0
    assert threads == {world.P1["uri"], world.P3["uri"]}  # R2's replies come in P3's thread
    assert reposted == {world.P1["uri"], world.P2["uri"]}


def test_profiles_are_asked_for_in_batches_the_last_one_when_the_crawl_runs_dry(config, server):
    assert collect(config).returncode == 0
    batches = [query["actors"] for query in _requested(server, "app.bsky.actor.getProfiles")]
    assert len(batches) == 1  # eight people: one batch, under the limit of 25
    assert sorted(batches[0]) == sorted(f"did:plc:{name}" for name in world.PEOPLE)


def test_a_did_web_reposter_is_found_on_its_own_host_and_its_via_kept(config, server):
    host = f"localhost%3A{server.url.rsplit(':', 1)[1]}"  # atproto allows localhost in tests
    did = f"did:web:{host}"
    server.add(
        "/xrpc/app.bsky.feed.getRepostedBy",
        {"uri": world.P2["uri"], "limit": "100"},
        Reply({"uri": world.P2["uri"], "repostedBy": [{**world.person("hugo"), "did": did}]}),
    )
    real = json.loads((REAL / "describe_repo.json").read_text())["didDoc"]  # a real document
    real["service"][0]["serviceEndpoint"] = server.url
    server.add("/.well-known/did.json", None, Reply({**real, "id": did}))
    via = {"uri": "at://did:plc:gael/app.bsky.feed.repost/3lvia", "cid": "bafyvia"}
    value = {
        "$type": "app.bsky.feed.repost",
        "subject": {"uri": world.P2["uri"], "cid": world.P2["cid"]},
        "createdAt": "2026-09-01T11:00:00Z",
        "via": via,
    }
    params = {"repo": did, "collection": "app.bsky.feed.repost", "limit": "100"}
    record = {"uri": f"at://{did}/app.bsky.feed.repost/3lr", "cid": "bafyr", "value": value}
    server.add("/xrpc/com.atproto.repo.listRecords", params, Reply({"records": [record]}))
    result = collect(config, "--repost-times")  # farid's and gael's DIDs are not served
    assert "did:web" not in result.stderr and server.count("/plc/did:web") == 0
    raw = config.parent / "data" / "raw"
    (run,) = [read_manifest(path) for path in find_runs(raw)]
    records = [
        json.loads(line)
        for _, line in iter_lines(run_paths(raw, "bluesky", run.run_id)[0])
        if line.startswith(b'{"type":"interaction"')
    ]
    (timed,) = [r for r in records if r["actor_id"] == did and r.get("created_at")]
    assert (timed["target_post_id"], timed["via"]) == (world.P2["uri"], via["uri"])
