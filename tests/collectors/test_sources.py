"""What every source's descriptor shares: the ``--since`` and ``--until`` bounds, and the
web source's seeds file (the one option read from a file)."""

from datetime import timedelta

import pytest

from collectors.rawrun import RawRunWriter
from collectors.registry import sources
from collectors.sources import Option, OptionError, Request


def _request(tmp_path, said=None, **given):
    return Request(
        source="telegram",
        given=given,
        section=None,
        domains=["e-inspe.fr"],
        catalogue_urls=list,
        raw_dir=tmp_path,
        say=(said if said is not None else []).append,
    )


def test_a_moment_is_read_in_utc_and_a_naive_one_is_utc(tmp_path):
    request = _request(tmp_path, since="2026-03-01T10:00:00+02:00", until="2026-03-02")
    assert request.since("q") == "2026-03-01T08:00:00+00:00"
    assert request.moment("--until") == "2026-03-02T00:00:00+00:00"
    assert _request(tmp_path, since=None).since("q") is None


def test_a_wrong_moment_names_its_option(tmp_path):
    with pytest.raises(OptionError, match="'1er mars' is not a date") as raised:
        _request(tmp_path, until="1er mars").moment("--until")
    assert raised.value.option == "--until"


def test_since_last_starts_an_hour_before_the_last_run_of_the_same_query(tmp_path):
    started = {}
    # the run ids of the two runs of query a sort against the order they started in
    names = ("telegram-20990101T000000Z-aaaaaa", "telegram-20000101T000000Z-bbbbbb", None)
    for query, name in zip(("channels:a", "channels:a", "channels:b"), names, strict=True):
        with RawRunWriter(tmp_path, "telegram", query, run_id=name) as run:
            pass
        started[query] = run.manifest.started_at
    said = []
    since = _request(tmp_path, said, since="last").since("channels:a")
    assert since == (started["channels:a"] - timedelta(hours=1)).isoformat()
    assert said == []
    assert _request(tmp_path, said, since="last").since("channels:c") is None
    assert said == ["No earlier run of this query: collecting everything."]


def test_an_option_reaches_the_request_under_its_name_or_its_dest():
    assert Option("--max-pages", "").key == "max_pages"
    assert Option("--channel", "", "channels").key == "channels"


def test_the_seeds_file_names_the_line_that_is_not_a_web_address(tmp_path):
    web = sources()["web"]
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# start pages\nhttps://a.example/blog  # a blog\n\nftp://b.example/\n")
    with pytest.raises(OptionError, match=r"line 4 of .* is not a web address: 'ftp://b.example/'"):
        web.choose(_request(tmp_path, seeds=seeds, depth=1, allowed=(), max_pages=5))
    seeds.write_text("# nothing yet\n")
    with pytest.raises(OptionError, match="holds no URL"):
        web.choose(_request(tmp_path, seeds=seeds, depth=1, allowed=(), max_pages=5))
    seeds.write_text("https://a.example/blog  # a blog\nhttp://b.example/\n")
    wanted = web.choose(
        _request(tmp_path, seeds=seeds, depth=2, allowed=("c.example",), max_pages=5)
    )
    assert wanted.seeds == ["https://a.example/blog", "http://b.example/"]
    assert wanted.domains == ["e-inspe.fr"] and wanted.allowed == ["c.example"]
