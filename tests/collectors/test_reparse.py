import pytest

from collectors.errors import NotFound
from collectors.rawrun import RawRunWriter, iter_lines, read_manifest
from collectors.records import decode_record
from collectors.reparse import reparse_run
from tests.conftest import SEARCH_URL, at, write_search_run
from tests.fixtures.bluesky import author, post_view, search_body


def records_of(manifest_path):
    run_file = manifest_path.with_name(manifest_path.name.replace(".manifest.json", ".jsonl.gz"))
    return [
        decode_record(line)
        for _, line in iter_lines(run_file)
        if not line.startswith(b'{"type":"payload"')
    ]


def without_run_id(records):
    return [
        type(r)(**{**{f: getattr(r, f) for f in r.__struct_fields__}, "run_id": ""})
        for r in records
    ]


def test_reparse_gives_the_same_records_in_a_new_run(raw_dir):
    view = post_view(
        author("ana.example"), "3k1", "2026-09-01T08:00:00Z", card="https://e-inspe.fr/x"
    )
    original = write_search_run(raw_dir, [search_body(view)])
    run_id = read_manifest(original).run_id
    new = reparse_run(raw_dir, run_id)
    assert new.reparse_of == run_id
    assert new.run_id != run_id
    new_manifest = original.with_name(f"{new.run_id}.manifest.json")
    assert all(r.run_id == new.run_id for r in records_of(new_manifest))
    assert without_run_id(records_of(new_manifest)) == without_run_id(records_of(original))
    assert new.counts == {"accounts": 1, "posts": 1}


def test_reparse_of_a_reparse_replaces_the_newest_version(raw_dir):
    original = read_manifest(write_search_run(raw_dir, [search_body()])).run_id
    first = reparse_run(raw_dir, original)
    second = reparse_run(raw_dir, original)
    assert second.reparse_of == first.run_id


def test_a_payload_the_parser_rejects_is_noted_and_the_others_parsed(raw_dir):
    view = post_view(author("ana.example"), "3k1", "2026-09-01T08:00:00Z")
    with RawRunWriter(raw_dir, "bluesky", "q") as run:
        run.add_payload(
            "<html>oops</html>", url=SEARCH_URL, status=200, received_at=at("2026-09-01")
        )
        run.add_payload(search_body(view), url=SEARCH_URL, status=200, received_at=at("2026-09-01"))
    new = reparse_run(raw_dir, run.run_id)
    assert new.counts == {"accounts": 1, "posts": 1}
    assert [(i.kind, i.where) for i in new.incidents] == [("error", f"payload 1 from {SEARCH_URL}")]
    assert "expected JSON" in new.incidents[0].message


def test_unknown_run_and_source_without_parser(raw_dir):
    with pytest.raises(NotFound, match="no run 'nope'"):
        reparse_run(raw_dir, "nope")
    RawRunWriter(raw_dir, "mystery", "q", run_id="m1").close()
    with pytest.raises(NotFound, match="no parser for source 'mystery'"):
        reparse_run(raw_dir, "m1")
