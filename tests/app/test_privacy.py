"""Privacy controls: texts kept, retention, erasure on request, the record of processing."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from app.config import ConfigError, load_settings
from collectors.erasure import delete_runs_before
from collectors.rawrun import find_runs, read_manifest, sha256_of
from collectors.records import Account, Engagement, Follow, Interaction, Post
from graph.privacy import minimise_texts, prune_store
from graph.pseudonyms import Pseudonymiser
from graph.resources import Catalogue, Linker
from graph.store import Store, load_runs
from tests.app.test_cli import essaim
from tests.conftest import write_record_run, write_search_run
from tests.fixtures.bluesky import author, post_view, search_body

ana = author("ana.example", "did:plc:ana")
bob = author("bob.example", "did:plc:bob", opt_out=True)
canope = author("reseau-canope.fr", "did:plc:canope")
COURSE = "https://www.e-inspe.fr/course/view.php?id=42"
LONG = "Merci @ana.example et @bob.example@piaille.fr pour ce parcours ! " + "x" * 250
launch = post_view(canope, "1", "2026-09-01T08:00:00Z", "Nouveau parcours", card=COURSE)
share = post_view(ana, "2", "2026-09-02T09:00:00Z", LONG, quote=launch)
muted = post_view(bob, "3", "2026-09-03T10:00:00Z", "Je partage", facet_links=(COURSE,))


def rows(store, sql, *parameters):
    return store.connection.execute(sql, list(parameters)).fetchall()


def loaded_store(tmp_path, raw_dir, keep_text):
    manifest = write_search_run(raw_dir, [search_body(launch, share, muted)])
    store = Store(tmp_path / "essaim.duckdb")
    load_runs(store, [manifest], linker=Linker(["e-inspe.fr"], Catalogue([])),
              pseudonymiser=Pseudonymiser(b"k" * 32), keep_text=keep_text)  # fmt: skip
    return store


# --- texts ----------------------------------------------------------------------------------

# Worked by hand: mentions become "@…", then 199 characters and an ellipsis.
MASKED = "Merci @… et @… pour ce parcours ! " + "x" * 250
EXCERPT = MASKED[:199] + "…"


def test_excerpt_masks_mentions_and_keeps_200_characters(tmp_path, raw_dir):
    with loaded_store(tmp_path, raw_dir, "excerpt") as store:
        kept = {text for (text,) in rows(store, "SELECT text FROM posts")}
        assert kept == {EXCERPT, "Nouveau parcours", None}  # bob's opt-out: no text at all
        assert len(EXCERPT) == 200


def test_keep_text_none_keeps_no_text_and_full_keeps_it_whole(tmp_path, raw_dir):
    with loaded_store(tmp_path / "none", raw_dir, "none") as store:
        assert rows(store, "SELECT count(text) FROM posts") == [(0,)]
    with loaded_store(tmp_path / "full", raw_dir, "full") as store:
        kept = {text for (text,) in rows(store, "SELECT text FROM posts")}
        assert kept == {LONG, "Nouveau parcours", None}  # opt-outs lose their text even so


def test_minimising_stored_texts_later_is_idempotent(tmp_path, raw_dir):
    with loaded_store(tmp_path, raw_dir, "full") as store:
        assert minimise_texts(store, "excerpt") == 1  # only the long text with mentions changes
        assert {t for (t,) in rows(store, "SELECT text FROM posts")} == {
            EXCERPT, "Nouveau parcours", None,
        }  # fmt: skip
        assert minimise_texts(store, "excerpt") == 0
        assert minimise_texts(store, "none") == 2
        assert rows(store, "SELECT count(text) FROM posts") == [(0,)]


# --- retention ------------------------------------------------------------------------------


def day(n):
    return datetime(2026, 9, n, tzinfo=UTC)


def retention_records(run_id):
    def post(post_id, author_id, created, collected):
        return Post(source="test", run_id=run_id, collected_at=collected, platform="bluesky",
                    post_id=post_id, author_id=author_id, created_at=created,
                    links=[f"https://e-inspe.fr/{post_id}"],
                    engagement=Engagement(observed_at=collected, likes=1))  # fmt: skip

    def account(account_id, collected):
        return Account(source="test", run_id=run_id, collected_at=collected, platform="bluesky",
                       account_id=account_id)  # fmt: skip

    return [
        account("old-author", day(1)),  # wrote only the old post: goes
        account("new-author", day(20)),  # stays
        account("follower", day(1)),  # collected long ago but follows recently: stays
        account("liker", day(2)),  # liked long ago, nothing else: goes
        post("old", "old-author", day(1), day(1)),
        post("new", "new-author", day(20), day(20)),
        post("undated", "new-author", None, day(2)),  # undated: its collection time counts
        Interaction(source="test", run_id=run_id, collected_at=day(2), platform="bluesky",
                    kind="like", actor_id="liker", target_post_id="old", created_at=day(2)),
        Interaction(source="test", run_id=run_id, collected_at=day(21), platform="bluesky",
                    kind="repost", actor_id="new-author", target_post_id="new",
                    created_at=day(21)),
        Follow(source="test", run_id=run_id, collected_at=day(5), platform="bluesky",
               follower_id="new-author", followee_id="old-author"),
        Follow(source="test", run_id=run_id, collected_at=day(25), platform="bluesky",
               follower_id="follower", followee_id="new-author"),
    ]  # fmt: skip


def test_pruning_removes_what_is_older_than_the_cutoff(tmp_path, raw_dir):
    manifest = write_record_run(raw_dir, retention_records)
    with Store(tmp_path / "essaim.duckdb") as store:
        load_runs(store, [manifest], linker=Linker(["e-inspe.fr"], Catalogue([])),
                  pseudonymiser=None)  # fmt: skip
        store.connection.execute("CREATE TABLE cascades AS SELECT 1 AS x")
        removed = prune_store(store, day(10))
        assert removed == {"posts": 2, "interactions": 1, "follows": 1, "links": 2,
                           "accounts": 2}  # fmt: skip
        assert rows(store, "SELECT post_id FROM posts") == [("new",)]
        assert rows(store, "SELECT url FROM links") == [("https://e-inspe.fr/new",)]
        assert rows(store, "SELECT kind FROM interactions") == [("repost",)]
        assert rows(store, "SELECT follower_id FROM follows") == [("follower",)]
        assert sorted(rows(store, "SELECT account_id FROM accounts")) == [
            ("follower",), ("new-author",),
        ]  # fmt: skip
        tables = {t for (t,) in rows(store, "SELECT table_name FROM information_schema.tables")}
        assert "cascades" not in tables  # analyses may name what was removed
        assert prune_store(store, day(10)) == dict.fromkeys(removed, 0)


def test_raw_runs_collected_before_the_cutoff_are_deleted(raw_dir):
    manifest = write_record_run(raw_dir, retention_records)
    finished = read_manifest(manifest).finished_at
    assert delete_runs_before(raw_dir, finished - timedelta(seconds=1)) == []
    assert manifest.exists()
    assert delete_runs_before(raw_dir, finished + timedelta(seconds=1)) == [
        manifest.name.removesuffix(".manifest.json")
    ]
    assert not manifest.exists() and find_runs(raw_dir) == []


def write_config(tmp_path, privacy):
    config = tmp_path / "essaim.toml"
    config.write_text(f'data_dir = "data"\n[privacy]\n{privacy}\n[links]\nresolve_shorteners = '
                      "false\n")  # fmt: skip
    return config


def test_load_applies_the_configured_retention(tmp_path, raw_dir):
    now = datetime.now(UTC)

    def records(run_id):
        return [
            Post(source="test", run_id=run_id, collected_at=now, platform="bluesky",
                 post_id=post_id, author_id="someone", created_at=now - timedelta(days=age))
            for post_id, age in (("recent", 1), ("stale", 60))
        ]  # fmt: skip

    write_record_run(raw_dir, records)
    config = write_config(tmp_path, 'retention = "30d"')
    result = essaim("--config", config, "load")
    assert result.returncode == 0, result.stderr
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM posts") == [(1,)]
        assert rows(store, "SELECT count(*) FROM runs WHERE pruned_at IS NULL") == [(1,)]
    event = json.loads((tmp_path / "data" / "audit.jsonl").read_text().splitlines()[-1])
    assert event["action"] == "prune" and event["rows_removed"]["posts"] == 1


@pytest.mark.parametrize(
    ("privacy", "key"),
    [('retention = "18 months"', "privacy.retention"), ('keep_text = "some"', "privacy.keep_text")],
)
def test_wrong_privacy_settings_are_named(tmp_path, privacy, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(write_config(tmp_path, privacy))


def test_prune_command(tmp_path, raw_dir):
    write_record_run(raw_dir, retention_records)
    config = write_config(tmp_path, "")
    assert essaim("--config", config, "load").returncode == 0
    nothing = essaim("--config", config, "prune")
    assert nothing.returncode == 1 and "--older-than" in nothing.stderr
    bad = essaim("--config", config, "prune", "--older-than", "soon")
    assert bad.returncode == 1 and "90d" in bad.stderr
    age = f"{(datetime.now(UTC) - day(10)).days}d"  # the cut-off falls on 10 September
    result = essaim("--config", config, "prune", "--older-than", age)
    assert result.returncode == 0, result.stderr
    assert "Removed 8 rows" in result.stdout and "0 raw runs" in result.stdout
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM posts WHERE created_at > ?", day(10)) == [(1,)]
        assert rows(store, "SELECT count(*) FROM posts") == [(1,)]


# --- erasure --------------------------------------------------------------------------------


def all_raw_bytes(raw_dir):
    found = b""
    for path in raw_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += gzip.decompress(content) if path.suffix == ".gz" else content
    return found


@pytest.fixture
def two_runs(tmp_path, raw_dir):
    write_search_run(raw_dir, [search_body(launch), search_body(share)])
    write_search_run(raw_dir, [search_body(share)], received_at="2026-09-09T06:00:00Z")
    config = write_config(tmp_path, 'keep_text = "full"')
    assert essaim("--config", config, "load").returncode == 0
    return config


def test_forget_erases_an_account_everywhere_and_for_good(tmp_path, raw_dir, two_runs):
    data = tmp_path / "data"
    pseudonym = Pseudonymiser((tmp_path / "secret.key").read_bytes().strip()).account(
        "bluesky", "did:plc:ana"
    )
    with Store(data / "essaim.duckdb", read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM posts WHERE author_id = ?", pseudonym) == [(1,)]

    result = essaim("--config", two_runs, "forget", "bluesky", "@Ana.example")
    assert result.returncode == 0, result.stderr
    assert "2 raw runs" in result.stdout

    def check_store():
        with Store(data / "essaim.duckdb", read_only=True) as store:
            for table, column in (("accounts", "account_id"), ("posts", "author_id"),
                                  ("interactions", "actor_id")):  # fmt: skip
                assert rows(store, f"SELECT count(*) FROM {table} WHERE {column} = ?",
                            pseudonym) == [(0,)]  # fmt: skip
            # the institution's launch post, parsed from the first payload, stays
            assert rows(store, "SELECT text FROM posts") == [("Nouveau parcours",)]

    check_store()
    raw = all_raw_bytes(raw_dir).lower()
    assert b"ana.example" not in raw and b"did:plc:ana" not in raw
    assert b"nouveau parcours" in raw  # other payloads and records stay
    for manifest in find_runs(raw_dir):
        run = read_manifest(manifest)
        assert run.erased_lines > 0
        assert sha256_of(manifest.with_name(f"{run.run_id}.jsonl.gz")) == run.file_sha256
    audit = (data / "audit.jsonl").read_text()
    assert '"forget"' in audit and "ana" not in audit.lower() and pseudonym not in audit
    assert "ana" not in (data / "erased-accounts.txt").read_text()

    again = essaim("--config", two_runs, "load")  # the rewritten runs are accepted
    assert again.returncode == 0, again.stderr
    (data / "essaim.duckdb").unlink()
    fresh = essaim("--config", two_runs, "load")  # and loading from scratch leaves her out
    assert fresh.returncode == 0, fresh.stderr
    check_store()


def test_forget_does_not_bring_back_a_reposted_account_from_new_runs(tmp_path, raw_dir, two_runs):
    assert essaim("--config", two_runs, "forget", "bluesky", "did:plc:ana").returncode == 0
    write_search_run(raw_dir, [search_body(share)], received_at="2026-09-30T06:00:00Z")
    assert essaim("--config", two_runs, "load").returncode == 0
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM posts") == [(1,)]  # only the launch post


def test_forget_an_unknown_account_changes_nothing(tmp_path, raw_dir, two_runs):
    before = all_raw_bytes(raw_dir)
    result = essaim("--config", two_runs, "forget", "bluesky", "nobody.example")
    assert result.returncode == 1 and "nothing was changed" in result.stderr
    assert all_raw_bytes(raw_dir) == before


# --- record of processing -------------------------------------------------------------------


def test_privacy_report_describes_the_processing(tmp_path, raw_dir, two_runs):
    result = essaim("--config", two_runs, "privacy-report")
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert report.startswith("# essaim: record of processing")
    assert "Pseudonymisation: on" in report and "Post texts kept: full" in report
    assert "| bluesky | 2 |" in report  # two runs of one source
    assert "**posts**" in report and "text" in report
    assert "ana.example" not in report  # no individual is named
    as_json = json.loads(essaim("--config", two_runs, "privacy-report", "--json").stdout)
    assert as_json["accounts"] == [
        {"platform": "bluesky", "accounts": 2, "named": 1, "pseudonymised": 1, "with_opt_out": 0}
    ]
    assert as_json["posts"][0]["posts"] == 2 and as_json["posts"][0]["with_text"] == 2


def test_another_secret_is_refused_before_anything_changes(
    tmp_path, raw_dir, two_runs, monkeypatch
):
    before = all_raw_bytes(raw_dir)
    monkeypatch.setenv("ESSAIM_SECRET_FILE", str(tmp_path / "another.key"))
    forgot = essaim("--config", two_runs, "forget", "bluesky", "ana.example")
    assert forgot.returncode == 1 and "another secret" in forgot.stderr
    assert all_raw_bytes(raw_dir) == before and not (tmp_path / "data" / "audit.jsonl").exists()
    write_search_run(raw_dir, [search_body(share)], received_at="2026-09-30T06:00:00Z")
    loaded = essaim("--config", two_runs, "load")  # mixing pseudonyms of two secrets
    assert loaded.returncode == 1 and "another secret" in loaded.stderr
