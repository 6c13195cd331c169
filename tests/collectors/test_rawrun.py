import gzip
import os
import stat
from collections import Counter
from datetime import UTC, datetime

import msgspec
import pytest

from collectors.rawrun import (
    Payload,
    RawRunError,
    RawRunWriter,
    copy_run,
    find_runs,
    iter_lines,
    read_manifest,
    sha256_of,
)
from collectors.records import Follow


def follow(run_id, n=1):
    return [
        Follow(
            source="test",
            run_id=run_id,
            collected_at=datetime(2026, 9, 1, tzinfo=UTC),
            platform="bluesky",
            follower_id=f"a{i}",
            followee_id="b",
        )
        for i in range(n)
    ]


def payloads_of(path):
    decoder = msgspec.json.Decoder(Payload)
    return [decoder.decode(line) for _, line in iter_lines(path) if b'"payload"' in line[:20]]


def test_payloads_are_kept_exactly_as_received(raw_dir):
    bodies = [b'{"posts": []}', "texte accentué é".encode(), b"\xff\xfe not utf-8 \x00"]
    with RawRunWriter(raw_dir, "bluesky", "q") as run:
        for body in bodies:
            run.add_payload(body, url="https://bsky.social/xrpc/x", status=200)
    assert [p.content() for p in payloads_of(run.path)] == bodies
    assert [p.encoding for p in payloads_of(run.path)] == ["utf-8", "utf-8", "base64"]


def test_manifest_counts_hash_and_read_only_files(raw_dir):
    with RawRunWriter(raw_dir, "bluesky", "domain:e-inspe.fr", {"limit": 100}) as run:
        run.add_payload("{}", url="u")
        run.add_records(follow(run.run_id, 3))
        run.add_incident("rate-limit", "u", "429", wait_seconds=12.5)
    manifest = read_manifest(run.manifest_path)
    assert manifest.counts == {"follows": 3, "payloads": 1}
    assert manifest.file_sha256 == sha256_of(run.path)
    assert manifest.parameters == {"limit": 100}
    assert manifest.incidents[0].wait_seconds == 12.5
    assert manifest.started_at <= manifest.finished_at
    for path in (run.path, run.manifest_path):
        assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert [line for _, line in iter_lines(run.path)][1].startswith(b'{"type":"follow"')


def test_credentials_never_reach_the_files(raw_dir):
    secret = "s3cr3t-app-password-value"
    with RawRunWriter(raw_dir, "bluesky", "q", {"password": secret, "limit": 5}) as run:
        run.add_payload(
            "{}",
            url="https://bsky.social/xrpc/x",
            params={"access_token": secret, "q": "e-inspe"},
            headers={
                "Authorization": f"Bearer {secret}",
                "Set-Cookie": secret,
                "X-Api-Key": secret,
                "Content-Type": "application/json",
            },
        )
    written = gzip.decompress(run.path.read_bytes()) + run.manifest_path.read_bytes()
    assert secret.encode() not in written
    payload = payloads_of(run.path)[0]
    assert payload.params == {"q": "e-inspe"}
    assert payload.headers == {"Content-Type": "application/json"}


def test_a_run_is_never_overwritten(raw_dir):
    with RawRunWriter(raw_dir, "bluesky", "q", run_id="fixed-id"):
        pass
    with pytest.raises(FileExistsError):
        RawRunWriter(raw_dir, "bluesky", "q", run_id="fixed-id")


def test_a_run_stopped_by_an_error_keeps_what_was_collected(raw_dir):
    with pytest.raises(RuntimeError), RawRunWriter(raw_dir, "bluesky", "q") as run:
        run.add_payload("{}", url="u")
        raise RuntimeError("network down")
    manifest = read_manifest(run.manifest_path)
    assert manifest.counts == {"payloads": 1}
    assert "network down" in manifest.incidents[0].message


def test_a_modified_file_is_detected(raw_dir):
    with RawRunWriter(raw_dir, "bluesky", "q") as run:
        run.add_records(follow(run.run_id))
    run.path.chmod(0o644)
    run.path.write_bytes(run.path.read_bytes() + b"x")
    with pytest.raises(RawRunError, match="SHA-256"):
        list(iter_lines(run.path, read_manifest(run.manifest_path).file_sha256))


def test_truncated_gzip_names_the_last_good_line(tmp_path):
    path = tmp_path / "run.jsonl.gz"
    data = gzip.compress(b"".join(b'{"n": %d}\n' % i for i in range(5000)))
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RawRunError, match=r"run.jsonl.gz, line \d+: compressed data") as error:
        list(iter_lines(path))
    assert 0 < error.value.line < 5000


def test_runs_are_listed_in_start_order_and_copied_once(raw_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    first = RawRunWriter(elsewhere, "bluesky", "q", run_id="bluesky-z")
    first.close()
    second = RawRunWriter(elsewhere, "bluesky", "q", run_id="bluesky-a")
    second.close()
    assert find_runs(elsewhere) == [first.manifest_path, second.manifest_path]
    copied = copy_run(first.manifest_path, raw_dir)
    assert copied == raw_dir / "bluesky" / "bluesky-z.manifest.json"
    assert copy_run(first.manifest_path, raw_dir) == copied
    assert (raw_dir / "bluesky" / "bluesky-z.jsonl.gz").read_bytes() == first.path.read_bytes()


def test_copying_a_different_run_with_the_same_id_fails(raw_dir, tmp_path):
    RawRunWriter(raw_dir, "bluesky", "q", run_id="same").close()
    other = RawRunWriter(tmp_path / "other", "bluesky", "another query", run_id="same")
    other.add_payload("{}", url="u")
    other.close()
    with pytest.raises(RawRunError, match="different run with the same id"):
        copy_run(other.manifest_path, raw_dir)


def test_lines_are_read_across_gzip_members_and_blocks(tmp_path):
    path = tmp_path / "run.jsonl.gz"
    many = b"".join(b'{"n": %d}\n' % i for i in range(300_000))  # several read blocks
    path.write_bytes(gzip.compress(b"first\nsecond\n") + gzip.compress(many + b"last"))
    lines = list(iter_lines(path))
    assert lines[:3] == [(1, b"first"), (2, b"second"), (3, b'{"n": 0}')]
    assert lines[-1] == (300_003, b"last")
    assert len(lines) == 300_003


def test_unsafe_run_ids_and_sources_are_refused_wherever_a_manifest_is_read(raw_dir, tmp_path):
    good = RawRunWriter(raw_dir, "bluesky", "q", run_id="bluesky-good")
    good.close()
    for n, (field, value) in enumerate(
        [("source", "../../outside-raw"), ("run_id", "a/b"), ("run_id", ".."), ("source", "")]
    ):
        run = msgspec.json.decode(good.manifest_path.read_bytes())
        run[field] = value
        manifest = raw_dir / "bluesky" / f"bad{n}.manifest.json"
        manifest.write_bytes(msgspec.json.encode(run))
        with pytest.raises(RawRunError, match=f"{field} '.*' is not a safe file name"):
            read_manifest(manifest)
        with pytest.raises(RawRunError, match="is not a safe file name"):
            copy_run(manifest, tmp_path / "data" / "elsewhere")
        assert find_runs(raw_dir)[0] == good.manifest_path
    assert not (tmp_path / "data" / "elsewhere").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data"]
    with pytest.raises(RawRunError, match=r"'\.\./x' is not a safe file name"):
        RawRunWriter(raw_dir, "../x", "q")


def test_parts_left_out_by_parsers_are_counted_once_per_kind_in_the_manifest(tmp_path):
    with RawRunWriter(tmp_path, "bluesky", "q") as run:
        run.add_ignored(Counter({"embeds of unknown shape": 5}))
        run.add_ignored(Counter({"embeds of unknown shape": 7, "facets of unknown shape": 1}))
        run.add_ignored(Counter())
    ignored = [(i.kind, i.where, i.message) for i in run.manifest.incidents]
    assert ignored == [
        ("ignored", "records", "12 embeds of unknown shape ignored"),
        ("ignored", "records", "1 facets of unknown shape ignored"),
    ]
    assert run.manifest.status == "complete"
