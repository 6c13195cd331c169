"""Privacy controls: texts kept, retention, erasure on request, the record of processing."""

import gzip
import json
import os
import re
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.config import ConfigError, load_settings
from collectors.rawrun import RawRunWriter, find_runs, iter_lines, read_manifest, sha256_of
from collectors.records import Account, Engagement, Follow, Interaction, Post
from graph.privacy.pseudonyms import Pseudonymiser
from graph.privacy.raw import Identifiers, delete_runs_before
from graph.privacy.store import forget_account, minimise_texts, prune_store
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
        account("via-only", day(1)),  # new-author reposted through its repost: stays
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
                    created_at=day(21), via="via-only/repost", via_actor_id="via-only"),
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
        assert removed == {"posts": 2, "interactions": 1, "follows": 1, "usage": 0,
                           "links": 2, "accounts": 2}  # fmt: skip
        assert rows(store, "SELECT post_id FROM posts") == [("new",)]
        assert rows(store, "SELECT url FROM links") == [("https://e-inspe.fr/new",)]
        assert rows(store, "SELECT kind FROM interactions") == [("repost",)]
        assert rows(store, "SELECT follower_id FROM follows") == [("follower",)]
        assert sorted(rows(store, "SELECT account_id FROM accounts")) == [
            ("follower",), ("new-author",), ("via-only",),
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


# Others' acts about ana's share: cleo replies to it, dan quotes it, eve likes it.
cleo = author("cleo.example", "did:plc:cleo")
dan = author("dan.example", "did:plc:dan")
reply = post_view(cleo, "4", "2026-09-04T10:00:00Z", "Bravo @ana.example !", reply_to=share["uri"])
quote = post_view(dan, "5", "2026-09-05T10:00:00Z", "À lire", quote=share)
FORMS = ("ana.example", "did:plc:ana")
ANA_REPOST = "at://did:plc:ana/app.bsky.feed.repost/3k"


def likes_of_share(run_id):
    at = datetime(2026, 9, 6, tzinfo=UTC)
    return [
        Interaction(source="bluesky", run_id=run_id, collected_at=at, platform="bluesky",
                    kind="like", actor_id="did:plc:eve", target_post_id=share["uri"]),
        # fay reposts the launch through ana's repost of it (Bluesky's via)
        Interaction(source="bluesky", run_id=run_id, collected_at=at, platform="bluesky",
                    kind="repost", actor_id="did:plc:fay", target_post_id=launch["uri"],
                    via=ANA_REPOST, via_actor_id="did:plc:ana"),
        Follow(source="bluesky", run_id=run_id, collected_at=at, platform="bluesky",
               follower_id="did:plc:eve", followee_id="did:plc:ana"),
    ]  # fmt: skip


def text_cells(store):
    """Every text cell of every table (lists and JSON as text), lower-cased."""
    found = []
    for table, column in rows(
        store,
        "SELECT table_name, column_name FROM "
        "information_schema.columns WHERE table_schema = 'main'",
    ):
        found += [
            str(value).lower()
            for (value,) in rows(
                store,
                f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}" WHERE "{column}" IS NOT NULL',
            )
        ]
    return found  # fmt: skip


@pytest.mark.parametrize("pseudonymise", [True, False])
def test_forget_takes_the_account_out_of_others_rows_in_the_database(
    tmp_path, raw_dir, pseudonymise
):
    write_search_run(raw_dir, [search_body(launch, share), search_body(reply, quote)])
    write_record_run(raw_dir, likes_of_share, source="bluesky")
    config = write_config(tmp_path, 'keep_text = "full"')
    flags = [] if pseudonymise else ["--no-pseudonymise"]
    assert essaim("--config", config, "load", *flags).returncode == 0
    names = Pseudonymiser((tmp_path / "secret.key").read_bytes().strip()) if pseudonymise else None
    stored_share = names.post("bluesky", share["uri"]) if names else share["uri"]
    stored_reply = names.post("bluesky", reply["uri"]) if names else reply["uri"]
    fay_id = names.account("bluesky", "did:plc:fay") if names else "did:plc:fay"
    stored_via = names.post("bluesky", ANA_REPOST) if names else ANA_REPOST
    ana_id = names.account("bluesky", "did:plc:ana") if names else "did:plc:ana"
    database = tmp_path / "data" / "essaim.duckdb"
    fays = "SELECT via, via_actor_id FROM interactions WHERE actor_id = ?"
    with Store(database, read_only=True) as store:  # what must go is there
        assert rows(store, "SELECT count(*) FROM interactions WHERE target_post_id = ?",
                    stored_share) == [(3,)]  # fmt: skip
        assert rows(store, fays, fay_id) == [(stored_via, ana_id)]  # her id as stored

    result = essaim("--config", config, "forget", "bluesky", "ana.example")
    assert result.returncode == 0, result.stderr
    with Store(database, read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM interactions WHERE target_post_id = ?",
                    stored_share) == [(0,)]  # the reply, the quote and the like  # fmt: skip
        assert rows(store, "SELECT count(*) FROM follows") == [(0,)]
        assert rows(store, "SELECT reply_to, text FROM posts WHERE post_id = ?", stored_reply) == [
            (None, "Bravo [effacé] !")
        ]
        assert rows(store, "SELECT count(*) FROM posts WHERE quote_of IS NOT NULL") == [(0,)]
        assert rows(store, "SELECT count(*) FROM posts") == [(3,)]  # launch, reply, quote
        assert rows(store, fays, fay_id) == [(None, None)]  # fay's repost stays
        cells = text_cells(store)
    needles = (*FORMS, ana_id.lower(), stored_share.lower(), stored_via.lower())
    assert not [cell for cell in cells if any(needle in cell for needle in needles)]
    audit = (tmp_path / "data" / "audit.jsonl").read_text().lower()
    printed = (result.stdout + result.stderr).lower()
    assert '"forget"' in audit and '"rows_redacted"' in audit
    for needle in (*needles, "bsky.app"):
        assert needle not in audit and needle not in printed
    assert "ana" not in (tmp_path / "data" / "erased-accounts.txt").read_text()


def test_forget_takes_out_a_profile_link_naming_the_account_by_its_handle(tmp_path, raw_dir):
    link = "https://bsky.app/profile/Ana.Example/post/2"  # her handle, not her DID
    pointing = post_view(canope, "8", "2026-09-04T08:00:00Z", "Voir", facet_links=(link,))
    write_search_run(raw_dir, [search_body(launch, share, pointing)])
    config = write_config(tmp_path, 'keep_text = "full"')
    assert essaim("--config", config, "load").returncode == 0
    names = Pseudonymiser((tmp_path / "secret.key").read_bytes().strip())
    stored = "https://bsky.app/profile/" + names.account("bluesky", "ana.example") + "/"
    count = "SELECT count(*) FROM links WHERE starts_with(url, ?)"
    database = tmp_path / "data" / "essaim.duckdb"
    with Store(database, read_only=True) as store:
        assert rows(store, count, stored) == [(1,)]
    assert essaim("--config", config, "forget", "bluesky", "did:plc:ana").returncode == 0
    with Store(database, read_only=True) as store:
        assert rows(store, count, stored) == [(0,)]
        assert rows(store, "SELECT count(*) FROM posts WHERE author_id = 'did:plc:canope'") == [
            (2,)
        ]  # hers are gone, the institution's stay


def test_an_account_found_by_name_loses_its_posts_links_and_the_acts_on_them(tmp_path, raw_dir):
    at = datetime(2026, 9, 2, tzinfo=UTC)
    alice = "https://piaille.fr/users/alice"  # her id in the store names her address

    def records(run_id):
        common = {"source": "mastodon", "run_id": run_id, "collected_at": at,
                  "platform": "mastodon"}  # fmt: skip
        return [
            Post(**common, post_id="s1", author_id=alice, created_at=at, links=[COURSE]),
            Post(**common, post_id="s2", author_id="bob@piaille.fr", created_at=at,
                 reply_to="s1", links=[COURSE]),
            Interaction(**common, kind="like", actor_id="bob@piaille.fr", target_post_id="s1",
                        created_at=at),
        ]  # fmt: skip

    manifest = write_record_run(raw_dir, records, source="mastodon")
    with Store(tmp_path / "essaim.duckdb") as store:
        load_runs(store, [manifest], linker=Linker(["e-inspe.fr"], Catalogue([])),
                  pseudonymiser=None)  # fmt: skip
        forget_account(store, "mastodon", [], [], Identifiers("mastodon", {"alice@piaille.fr"}))
        assert rows(store, "SELECT post_id, reply_to FROM posts") == [("s2", None)]
        assert rows(store, "SELECT post_id FROM links") == [("s2",)]
        assert rows(store, "SELECT count(*) FROM interactions") == [(0,)]


@pytest.mark.parametrize("by_name", [False, True])
def test_others_lose_a_via_through_the_account_even_when_its_uri_does_not_name_it(
    tmp_path, raw_dir, by_name
):
    at = datetime(2026, 9, 2, tzinfo=UTC)
    old_handle = "at://ana-old.example/app.bsky.feed.repost/3k"  # a handle, not her DID

    def records(run_id):
        common = {"source": "bluesky", "run_id": run_id, "collected_at": at, "kind": "repost",
                  "platform": "bluesky", "target_post_id": launch["uri"]}  # fmt: skip
        return [
            Interaction(**common, actor_id="did:plc:fay", via=old_handle,
                        via_actor_id="did:plc:ana"),
            Interaction(**common, actor_id="did:plc:gus", via=ANA_REPOST.replace("ana", "bob"),
                        via_actor_id="did:plc:bob"),
        ]  # fmt: skip

    manifest = write_record_run(raw_dir, records, source="bluesky")
    with Store(tmp_path / "essaim.duckdb") as store:
        load_runs(store, [manifest], linker=Linker(["e-inspe.fr"], Catalogue([])),
                  pseudonymiser=None)  # fmt: skip
        if by_name:  # found by her id in the rows, as `essaim forget` does
            forget_account(store, "bluesky", [], [], Identifiers("bluesky", {"did:plc:ana"}))
        else:
            forget_account(store, "bluesky", ["did:plc:ana"])
        assert rows(store, "SELECT actor_id, via, via_actor_id FROM interactions ORDER BY 1") == [
            ("did:plc:fay", None, None),
            ("did:plc:gus", "at://did:plc:bob/app.bsky.feed.repost/3k", "did:plc:bob"),
        ]


def telegram_records(run_id):
    at = datetime(2026, 9, 2, tzinfo=UTC)
    return [
        Account(source="telegram", run_id=run_id, collected_at=at, platform="telegram",
                account_id="profs_marie", handle="profs_marie"),
        Post(source="telegram", run_id=run_id, collected_at=at, platform="telegram",
             post_id="profs_marie/7", author_id="profs_marie", created_at=at,
             url="https://t.me/profs_marie/7", links=[COURSE]),
    ]  # fmt: skip


def test_forget_takes_a_telegram_channel_out_of_run_queries_and_parameters(tmp_path, raw_dir):
    query = "telegram channels einspe_actus, profs_marie"
    parameters = {"channels": ["einspe_actus", "profs_marie"], "max_pages": 200}
    for make in (telegram_records, lambda run_id: []):  # the second run only asked for her
        with RawRunWriter(raw_dir, "telegram", query, parameters) as run:
            run.add_records(make(run.run_id))
    config = write_config(tmp_path, "")
    assert essaim("--config", config, "load").returncode == 0
    result = essaim("--config", config, "forget", "telegram", "@Profs_Marie")
    assert result.returncode == 0, result.stderr
    assert "2 raw runs" in result.stdout
    pseudonym = Pseudonymiser((tmp_path / "secret.key").read_bytes().strip()).account(
        "telegram", "profs_marie"
    )
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        runs = rows(store, "SELECT query, parameters FROM runs")
        assert len(runs) == 2
        for stored_query, stored_parameters in runs:  # the other channel as the store keeps it
            assert stored_query.endswith(", [effacé]")
            assert len(json.loads(stored_parameters)["channels"]) == 1
        assert not [
            cell for cell in text_cells(store) if "profs_marie" in cell or pseudonym in cell
        ]
    for manifest in find_runs(raw_dir):
        assert b"profs_marie" not in manifest.read_bytes().lower()
    assert b"profs_marie" not in all_raw_bytes(raw_dir).lower()


def test_forget_takes_the_account_of_an_x_import_out_of_its_run(tmp_path):
    config = write_config(tmp_path, "")
    archive = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "tweets.js"
    imported = essaim("--config", config, "import", "x-archive", archive,
                      "--account", "inspe_exemple")  # fmt: skip
    assert imported.returncode in (0, 2), imported.stderr  # one row of the fixture is refused
    assert essaim("--config", config, "load").returncode == 0
    result = essaim("--config", config, "forget", "x", "@inspe_exemple")
    assert result.returncode == 0, result.stderr
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        assert not [cell for cell in text_cells(store) if "inspe_exemple" in cell]
        assert rows(store, "SELECT count(*) FROM posts") == [(0,)]
    assert b"inspe_exemple" not in all_raw_bytes(tmp_path / "data" / "raw").lower()


def test_forget_refuses_a_run_file_linked_from_outside_and_changes_nothing(
    tmp_path, raw_dir, two_runs
):
    manifest = find_runs(raw_dir)[0]
    linked = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
    outside = tmp_path / "elsewhere" / linked.name
    outside.parent.mkdir()
    os.replace(linked, outside)
    linked.symlink_to(outside)
    before = all_raw_bytes(tmp_path)
    result = essaim("--config", two_runs, "forget", "bluesky", "ana.example")
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert str(linked) in message.replace(" ", "") or linked.name in message
    assert "outside the data directory" in message and "nothing was changed" in message
    assert all_raw_bytes(tmp_path) == before
    assert not (tmp_path / "data" / "audit.jsonl").exists()
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM accounts") == [(2,)]


def test_forget_names_an_unreadable_manifest_and_goes_on(tmp_path, raw_dir, two_runs):
    broken = raw_dir / "bluesky" / "broken.manifest.json"
    broken.write_text("{not json")
    result = essaim("--config", two_runs, "forget", "bluesky", "did:plc:ana")
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr and "broken.manifest.json" in result.stderr
    assert b"did:plc:ana" not in all_raw_bytes(raw_dir).replace(broken.read_bytes(), b"")


def demo_records(raw_dir, platform):
    """The records of ``platform`` in the raw runs, payloads aside."""
    for manifest in find_runs(raw_dir):
        run = read_manifest(manifest)
        for _, line in iter_lines(manifest.with_name(f"{run.run_id}.jsonl.gz")):
            if line.strip() and not line.startswith(b'{"type":"payload"'):
                record = json.loads(line)
                if record.get("platform") == platform:
                    yield record


def most_answered(raw_dir, platform, keep=lambda account_id: True):
    """The account of ``platform`` (among those ``keep`` accepts) whose posts others replied
    to or acted on most in the raw runs."""
    authors, acts = {}, Counter()
    for record in demo_records(raw_dir, platform):
        if record["type"] == "post":
            authors[record["post_id"]] = record["author_id"]
            acts[record.get("reply_to")] += 1
        elif record["type"] == "interaction":
            acts[record["target_post_id"]] += 1
    answered = Counter()
    for post_id, count in acts.items():
        if post_id in authors and keep(authors[post_id]):
            answered[authors[post_id]] += count
    return answered.most_common(1)[0][0]


def teacher_channel(raw_dir):
    """A teacher's Telegram channel the demo collected (institutions' are not ``profs_``)."""
    (manifest,) = (raw_dir / "telegram").glob("*.manifest.json")
    return min(c for c in read_manifest(manifest).parameters["channels"] if c.startswith("profs_"))


def demo_forms(raw_dir, platform, account_id):
    """The forms of a demo account, found independently of the erasure: its id, the user of
    a Mastodon address, every handle and numeric id its payload objects give it."""
    user = account_id.partition("@")[0] if platform == "mastodon" else None
    forms = {account_id, *([user] if user else [])}
    forms |= {record["handle"] for record in demo_records(raw_dir, platform)
              if record["type"] == "account" and record["account_id"] == account_id
              and record.get("handle")}  # fmt: skip
    for path in raw_dir.rglob("*.jsonl.gz"):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            if not line.startswith(b'{"type":"payload"') or (
                account_id.encode() not in line and (not user or user.encode() not in line)
            ):
                continue
            payload = json.loads(line)
            host = payload["url"].split("/")[2]
            stack = [json.loads(payload["body"])] if payload["body"][:1] in "[{" else []
            while stack:
                item = stack.pop()
                if isinstance(item, list):
                    stack.extend(item)
                elif isinstance(item, dict):
                    stack.extend(item.values())
                    if item.get("did") == account_id and item.get("handle"):
                        forms.add(item["handle"])
                    acct = item.get("acct")
                    if acct and (acct if "@" in acct else f"{acct}@{host}") == account_id:
                        forms.add(str(item["id"]))
    return forms


def whole_names(text, forms):
    """The forms found in ``text`` whole (not inside a longer name), without case."""
    text, found = text.lower(), []
    for form in forms:
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            before, after = text[start - 1 : start], text[end : end + 1]
            if not re.fullmatch(r"[\w.-]", before) and not re.fullmatch(r"[\w-]", after):
                found.append(form)
            start = text.find(form, end)
    return found


def form_hits(data, forms):
    """Where the forms occur, whole and without case, in a data directory: every file (run
    files decompressed) and every text cell of the database."""
    forms = sorted({form.lower() for form in forms})
    found = []
    for path in data.rglob("*"):
        if path.is_file() and path.suffix != ".duckdb":
            content = path.read_bytes()
            content = gzip.decompress(content) if path.suffix == ".gz" else content
            found += [(path.name, form) for form in whole_names(content.decode(), forms)]
    anywhere = "(?i)(" + "|".join(re.escape(form) for form in forms) + ")"
    with Store(data / "essaim.duckdb", read_only=True) as store:
        columns = rows(store, "SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema = 'main'")  # fmt: skip
        for table, column in columns:
            cell = f'CAST("{column}" AS VARCHAR)'
            select = f'SELECT {cell} FROM "{table}" WHERE regexp_matches({cell}, ?)'
            found += [(f"{table}.{column}", form)
                      for (text,) in rows(store, select, anywhere)
                      for form in whole_names(text, forms)]  # fmt: skip
    return found


def test_forget_on_the_demo_leaves_no_form_of_the_accounts(demo_run, tmp_path, monkeypatch):
    """One account of each kind erased, then searched for in the whole data directory (raw
    runs, manifests, every cell of the database, the audit log) and in a full export."""
    finished, demo = demo_run
    assert finished.returncode == 0, finished.stderr[-2000:]
    data = tmp_path / "demo"
    shutil.copytree(demo, data)
    config = data / "essaim-demo.toml"
    monkeypatch.setenv("ESSAIM_SECRET_FILE", str(data / "pseudonymisation.key"))
    archive = Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "tweets.js"
    imported = essaim("--config", config, "import", "x-archive", archive,
                      "--account", "prof_lemaire")  # fmt: skip
    assert imported.returncode in (0, 2), imported.stderr  # one row of the fixture is refused
    raw_dir = data / "raw"
    pseudonyms = Pseudonymiser((data / "pseudonymisation.key").read_bytes().strip())
    accounts = [
        # its home instance, the one collected, writes its address without the host
        ("mastodon", most_answered(raw_dir, "mastodon", lambda a: a.endswith("@piaille.fr"))),
        ("mastodon", most_answered(raw_dir, "mastodon", lambda a: not a.endswith("@piaille.fr"))),
        ("bluesky", most_answered(raw_dir, "bluesky")),
        ("forum", most_answered(raw_dir, "forum")),
        ("discourse", most_answered(raw_dir, "discourse")),
        ("telegram", teacher_channel(raw_dir)),
    ]
    forms = {"prof_lemaire", pseudonyms.account("x", "prof_lemaire")}
    for platform, account_id in accounts:
        found = demo_forms(raw_dir, platform, account_id)
        assert form_hits(data, found), account_id  # the demo has it
        forms |= found | {pseudonyms.account(platform, account_id)}
    typed = {"mastodon": "@{}", "bluesky": "{}", "forum": "{}", "discourse": "{}",
             "telegram": "https://t.me/{}"}  # fmt: skip
    requests = [(p, typed[p].format(a)) for p, a in accounts] + [("x", "@prof_lemaire")]
    for platform, name in requests:
        result = essaim("--config", config, "forget", platform, name)
        assert result.returncode == 0, (name, result.stderr)
        assert not [form for form in forms if form.lower() in result.stdout.lower()]
    assert (data / "audit.jsonl").exists()
    assert form_hits(data, forms) == []
    for command in (("load",), ("analyze",), ("export", "--out", tmp_path / "export")):
        done = essaim("--config", config, *command)
        assert done.returncode == 0, (command, done.stderr)
    exported = [path for path in (tmp_path / "export").rglob("*") if path.is_file()]
    assert any(path.suffix == ".gexf" for path in exported)
    text = "\n".join(path.read_text(errors="replace") for path in exported)
    assert whole_names(text, sorted({form.lower() for form in forms})) == []


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
    assert not (tmp_path / "data" / "erased-accounts.txt").exists()  # nor the erasure list
    write_search_run(raw_dir, [search_body(share)], received_at="2026-09-30T06:00:00Z")
    loaded = essaim("--config", two_runs, "load")  # mixing pseudonyms of two secrets
    assert loaded.returncode == 1 and "another secret" in loaded.stderr


def test_a_forget_stopped_while_rewriting_runs_is_finished_by_the_next_load(
    tmp_path, raw_dir, two_runs, monkeypatch
):
    from click.testing import CliRunner

    from app.cli.main import cli
    from graph.privacy import raw as erasure

    real_replace = os.replace

    def full_disk(source, target):
        if str(target).endswith(".manifest.json"):  # the first run file went, not its manifest
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(erasure.os, "replace", full_disk)
        arguments = ["--config", str(two_runs), "forget", "bluesky", "ana.example"]
        result = CliRunner().invoke(cli, arguments, standalone_mode=False)
    assert result.exception is None and result.return_value == 1
    message = " ".join(result.output.split())
    assert "No space left on device" in message and "essaim load" in message
    assert erasure.JOURNAL_NAME in "".join(message.split())  # the console wraps long names
    audit = [json.loads(line) for line in (tmp_path / "data" / "audit.jsonl").open()]
    assert audit[-1]["action"] == "forget" and audit[-1]["raw_runs_pending"] == 2
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        assert rows(store, "SELECT count(*) FROM accounts") == [(1,)]  # ana is gone already

    loaded = essaim("--config", two_runs, "load")
    assert loaded.returncode == 0, loaded.stderr
    assert "finished" in loaded.stderr and "rejected" not in loaded.stdout + loaded.stderr
    assert b"did:plc:ana" not in all_raw_bytes(raw_dir)
    assert not list(raw_dir.rglob("*.erasing"))
    for manifest in find_runs(raw_dir):  # the store accepts the runs as they now are
        run = read_manifest(manifest)
        assert sha256_of(manifest.with_name(f"{run.run_id}.jsonl.gz")) == run.file_sha256
    with Store(tmp_path / "data" / "essaim.duckdb", read_only=True) as store:
        stored = dict(rows(store, "SELECT run_id, file_sha256 FROM runs"))
    assert stored == {read_manifest(m).run_id: read_manifest(m).file_sha256
                      for m in find_runs(raw_dir)}  # fmt: skip
