"""``essaim import``: every format on a file written like the real exports, bad rows named.

Expected records are read off the fixture files by hand (tests/fixtures/imports).
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from collectors.imports import import_file
from collectors.imports.files import ARCHIVE_LIMIT, ImportFileError
from collectors.imports.mapping import MappingError
from collectors.rawrun import iter_lines, run_paths
from collectors.records import Account, Interaction, Post, decode_record
from collectors.reparse import reparse_run
from tests.collectors.collecting import essaim, store_counts, write_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
COURSE = "https://www.e-inspe.fr/course/view.php?id={}"


def records_of(raw_dir, run):
    """The records a run holds, by type."""
    found: dict[type, list] = {Post: [], Account: [], Interaction: []}
    for _, line in iter_lines(run_paths(raw_dir, run.source, run.run_id)[0]):
        if not line.startswith(b'{"type":"payload"'):
            record = decode_record(line)
            found[type(record)].append(record)
    return found


def imported(tmp_path, kind, name, **options):
    outcome = import_file(tmp_path, kind, FIXTURES / name, **options)
    return outcome, records_of(tmp_path, outcome.run)


def when(*args):
    return datetime(*args, tzinfo=UTC)


class TestXArchive:
    def test_tweets_with_expanded_links_replies_and_a_bad_count_named(self, tmp_path):
        outcome, found = imported(tmp_path, "x-archive", "tweets.js", account="inspe_exemple")
        assert outcome.rows == 3
        assert outcome.refused == [(3, "favorite_count is not a number ('beaucoup')")]
        first, reply = found[Post]
        assert first.post_id == "1834567890123456789"
        assert first.url == "https://x.com/inspe_exemple/status/1834567890123456789"
        assert first.links == [COURSE.format(103) + "&utm_source=twitter"]  # not the t.co
        assert first.created_at == when(2026, 9, 14, 8, 30)
        assert (first.engagement.likes, first.engagement.reposts) == (12, 5)
        assert first.community.hashtags == ["einspe"] and first.platform == "x"
        assert reply.reply_to == "1834500000000000000"
        (act,) = found[Interaction]
        assert (act.kind, act.actor_id, act.post_id) == ("reply", "inspe_exemple", reply.post_id)

    def test_the_zip_archive_names_its_owner(self, tmp_path):
        archive = tmp_path / "twitter-2026-09-20.zip"
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.write(FIXTURES / "tweets.js", "data/tweets.js")
            bundle.write(FIXTURES / "account.js", "data/account.js")
        outcome = import_file(tmp_path / "raw", "x-archive", archive)
        posts = records_of(tmp_path / "raw", outcome.run)[Post]
        assert {post.author_id for post in posts} == {"inspe_exemple"}
        assert "formation@example.org" not in str(outcome.run)  # the archive's e-mail

    def test_a_file_that_is_not_an_archive_is_refused_whole(self, tmp_path):
        with pytest.raises(ImportFileError, match=r"custom\.csv: not a tweets\.js file"):
            import_file(tmp_path, "x-archive", FIXTURES / "custom.csv", account="a")
        assert not list(tmp_path.rglob("*.jsonl.gz"))  # nothing half-written

    def test_an_archive_inflating_past_the_limit_is_refused_in_one_sentence(self, tmp_path):
        bomb = tmp_path / "bomb.zip"
        with (
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle,
            bundle.open("data/tweets.js", "w", force_zip64=True) as member,
        ):
            member.write(b"window.YTD.tweets.part0 = [")
            for _ in range((ARCHIVE_LIMIT >> 20) + 1):
                member.write(b" " * (1 << 20))
        assert bomb.stat().st_size < 2 << 20
        tracemalloc.start()
        try:
            with pytest.raises(ImportFileError) as error:
                import_file(tmp_path / "raw", "x-archive", bomb, account="a")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert str(error.value).startswith(
            f"{bomb}: inflates to more than 256 MiB, the limit for an archive"
        )
        assert peak < 64 << 20  # never inflated
        assert not list(tmp_path.rglob("*.jsonl.gz"))

    def test_an_archive_member_larger_than_it_declares_is_not_read_past_it(self, tmp_path):
        liar = tmp_path / "liar.zip"
        with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("data/tweets.js", b"[" + b" " * (8 << 20) + b"]")
        data = bytearray(liar.read_bytes())
        directory = data.rfind(b"PK\x01\x02")
        struct.pack_into("<I", data, directory + 24, 100)  # declares 100 bytes inflated
        liar.write_bytes(data)
        with pytest.raises(ImportFileError, match=r"liar\.zip:data/tweets\.js: damaged archive"):
            import_file(tmp_path / "raw", "x-archive", liar, account="a")


class TestMappedCsv:
    def test_crowdtangle_rows_multiline_values_and_bad_lines(self, tmp_path):
        outcome, found = imported(tmp_path, "crowdtangle", "crowdtangle-facebook.csv")
        assert outcome.rows == 4
        (line, reason), (short_line, short_reason) = outcome.refused
        assert (line, reason) == (5, "column 'Likes' is not a number ('beaucoup')")
        assert short_line == 6 and short_reason.startswith("5 values where the header has")
        canope, group = found[Post]
        assert canope.author_id == "ReseauCanope" and canope.platform == "facebook"
        assert canope.created_at == when(2024, 3, 1, 9, 0)  # 10:00 CET
        assert canope.text == 'Découvrez le parcours "Différencier sa pédagogie" sur e-INSPÉ'
        assert canope.links == [COURSE.format(103), "https://bit.ly/diff-ped"]
        engagement = canope.engagement
        assert (engagement.likes, engagement.replies, engagement.reposts) == (100, 10, 20)
        assert group.text == f"Qui a suivi ce parcours ?\nLe lien : {COURSE.format(103)}"
        assert group.links == [COURSE.format(103)]  # found in the text
        followers = {a.account_id: a.followers_count for a in found[Account]}
        assert followers == {"ReseauCanope": 61_000, "profsdu93": 3_100}

    def test_minet_retweets_and_quotes(self, tmp_path):
        outcome, found = imported(tmp_path, "minet", "minet-twitter.csv")
        assert outcome.refused == []
        original, retweet, quote = found[Post]
        assert original.author_id == "111" and original.created_at == when(2025, 9, 14, 8, 30)
        assert original.engagement.views == 1520
        assert original.community.hashtags == ["einspe", "formation"]
        assert retweet.repost_of == original.post_id and quote.quote_of == original.post_id
        acts = {(a.kind, a.actor_id, a.target_post_id) for a in found[Interaction]}
        assert acts == {("repost", "222", original.post_id), ("quote", "333", original.post_id)}
        handles = {a.account_id: a.handle for a in found[Account]}
        assert handles == {"111": "ReseauCanope", "222": "prof_ana", "333": "prof_ben"}

    def test_a_linkedin_page_export_in_windows_1252(self, tmp_path):
        outcome, found = imported(tmp_path, "linkedin", "linkedin-page.csv", account="canope")
        assert outcome.refused == [(3, "clicks cannot be negative ('-4')")]
        (post,) = found[Post]
        assert post.text.startswith("Rentrée : trois parcours e-INSPÉ")
        assert post.links == [COURSE.format(101)]
        assert post.created_at == when(2026, 9, 1)
        counts = post.engagement
        assert (counts.views, counts.clicks, counts.likes, counts.reposts) == (4210, 188, 96, 14)
        (page,) = found[Account]
        assert (page.account_id, page.kind) == ("canope", "institution")
        assert "Camille" not in str(found)  # who posted for the page is not kept

    def test_a_linkedin_export_needs_its_account(self, tmp_path):
        with pytest.raises(ImportFileError, match="with --account"):
            import_file(tmp_path, "linkedin", FIXTURES / "linkedin-page.csv")

    def test_meta_business_suite_and_content_library(self, tmp_path):
        _, business = imported(tmp_path, "meta-business", "meta-business-suite.csv")
        (post,) = business[Post]
        assert post.post_id == "100064000000001_555" and post.links == [COURSE.format(104)]
        assert (post.engagement.views, post.engagement.clicks) == (5320, 201)
        assert post.created_at == when(2026, 9, 10, 14, 5)
        _, library = imported(tmp_path, "mcl", "meta-content-library.csv")
        (post,) = library[Post]
        assert (post.author_id, post.created_at) == ("4455", when(2026, 9, 12, 7, 0))
        assert post.links == [COURSE.format(101)] and post.engagement.reposts == 6

    def test_4cat_needs_the_platform(self, tmp_path):
        with pytest.raises(ImportFileError, match="--platform"):
            import_file(tmp_path, "4cat", FIXTURES / "4cat-telegram.csv")
        _, found = imported(tmp_path, "4cat", "4cat-telegram.csv", platform="telegram")
        first, second = found[Post]
        assert first.created_at == when(2026, 9, 14, 8, 30)  # unix_timestamp
        assert second.created_at == when(2026, 9, 15, 17, 2, 11)  # timestamp, unix empty
        assert second.reply_to == "profs_numerique-40" and first.engagement.views == 1200
        assert first.community.channel == "profs_numerique"

    def test_a_custom_mapping_with_semicolons_and_french_dates(self, tmp_path):
        outcome, found = imported(
            tmp_path, "csv", "custom.csv", mapping=str(FIXTURES / "custom.toml")
        )
        assert outcome.refused == [(3, "no author (column auteur empty)")]
        (post,) = found[Post]
        assert (post.platform, post.created_at) == ("newsletter", when(2026, 9, 14, 9, 5))
        assert post.links == [COURSE.format(102)] and post.engagement.reposts == 4

    def test_ndjson_with_nested_keys_and_a_broken_line(self, tmp_path):
        mapping = str(FIXTURES / "zeeschuimer.toml")
        outcome, found = imported(tmp_path, "4cat", "zeeschuimer.ndjson", mapping=mapping)
        (line, reason) = outcome.refused[0]
        assert len(outcome.refused) == 1 and line == 2 and reason.startswith("not JSON")
        first, second = found[Post]
        assert (first.post_id, first.author_id, first.platform) == ("3311", "77", "threads")
        assert first.created_at == when(2026, 9, 14, 7, 30)  # taken_at, unix seconds
        assert first.links == [COURSE.format(103)]
        assert (first.engagement.likes, first.engagement.replies) == (14, 2)
        assert first.engagement.reposts == 1 and second.engagement.reposts is None
        assert {a.handle for a in found[Account]} == {"prof.ines", "prof.jo"}

    def test_a_row_nested_too_deeply_is_refused_by_line_and_the_rest_imported(self, tmp_path):
        rows = (FIXTURES / "zeeschuimer.ndjson").read_text().splitlines()
        deep = '{"data": ' + "[" * 100_000 + "]" * 100_000 + "}"
        source = tmp_path / "deep.ndjson"
        source.write_text("\n".join([rows[0], deep, *rows[2:]]) + "\n")
        mapping = str(FIXTURES / "zeeschuimer.toml")
        outcome, found = imported(tmp_path, "4cat", source, mapping=mapping)
        assert outcome.refused == [(2, "nested too deeply to be read")]
        assert outcome.run.status == "complete"
        assert [post.post_id for post in found[Post]] == ["3311", "3313"]

    @pytest.mark.parametrize(
        ("mapping", "message"),
        [
            (None, "needs a column mapping"),
            ("nonexistent", r"no mapping 'nonexistent' \(shipped: 4cat, crowdtangle-facebook"),
        ],
    )
    def test_a_missing_mapping_is_named(self, tmp_path, mapping, message):
        with pytest.raises((ImportFileError, MappingError), match=message):
            import_file(tmp_path, "csv", FIXTURES / "custom.csv", mapping=mapping)

    def test_a_mapping_with_an_unknown_field_is_named(self, tmp_path):
        bad = tmp_path / "bad.toml"
        bad.write_text('platform = "x"\n[columns]\npost_id = "id"\nauthor = "a"\n')
        with pytest.raises(MappingError, match=r"unknown field.*author in \[columns\]"):
            import_file(tmp_path, "csv", FIXTURES / "custom.csv", mapping=str(bad))

    def test_a_binary_file_is_refused_whole(self, tmp_path):
        binary = tmp_path / "export.csv"
        binary.write_bytes(b"PK\x03\x04\x00\x00binary")
        with pytest.raises(ImportFileError, match="binary file, not a text export"):
            import_file(tmp_path, "crowdtangle", binary)


def test_import_then_load_keeps_the_good_rows_and_reparse_reads_them_again(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    source = FIXTURES / "crowdtangle-facebook.csv"
    result = essaim(config, "import", "crowdtangle", str(source))
    assert result.returncode == 2  # some rows refused
    assert "line 5: column 'Likes' is not a number ('beaucoup')" in result.stderr
    assert "4 rows read" in result.stdout
    assert essaim(config, "load", "--offline").returncode == 0
    counts = store_counts(tmp_path / "data" / "essaim.duckdb")
    assert (counts["posts"], counts["accounts"]) == (2, 2)
    raw = tmp_path / "data" / "raw"
    (manifest,) = raw.glob("import-crowdtangle/*.manifest.json")
    again = reparse_run(raw, manifest.name.removesuffix(".manifest.json"))
    assert again.counts == {"accounts": 2, "posts": 2}
    assert [incident.message[:7] for incident in again.incidents] == ["line 5:", "line 6:"]


def test_an_imported_retweet_is_one_adoption_in_its_cascade(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    assert essaim(config, "import", "minet", str(FIXTURES / "minet-twitter.csv")).returncode == 0
    assert essaim(config, "load", "--offline", "--no-pseudonymise").returncode == 0
    assert essaim(config, "analyze").returncode == 0
    with duckdb.connect(str(tmp_path / "data" / "essaim.duckdb"), read_only=True) as db:
        rows = db.execute(
            "SELECT account_id, kind, parent_post_id FROM adoptions ORDER BY adopted_at"
        ).fetchall()
    original = "1900000000000000001"
    # The retweet is a post of its own (repost_of) and a repost interaction: once, not twice;
    # the quote joins the cascade too.
    assert rows == [
        ("111", "original", None),
        ("222", "repost", original),
        ("333", "quote", original),
    ]
