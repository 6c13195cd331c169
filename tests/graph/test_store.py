import gzip
import hashlib
from datetime import UTC, date, datetime

import duckdb
import msgspec
import pytest

from collectors.rawrun import RawRunWriter, read_manifest
from collectors.records import Account, Community, Follow, Interaction, Post, Usage
from graph.privacy.pseudonyms import Institutions, Pseudonymiser
from graph.resources import Catalogue, CatalogueResource, Linker
from graph.store import Store, StoreError, load_runs, queries
from graph.store import database as database_module
from graph.store import load as load_module
from graph.store.catalogue import install_catalogue
from graph.store.queries import NATURAL_KEYS
from graph.store.status import store_status
from tests.conftest import write_record_run, write_search_run
from tests.fixtures.bluesky import author, post_view, search_body

TABLES = ("accounts", "posts", "links", "interactions", "follows")
COURSE = "e-inspe.fr/course/view.php?id=42"
CATALOGUE = Catalogue([CatalogueResource("course", "t", "p", "", "", (COURSE,), None, True)])
INSTITUTIONS = Institutions({("bluesky", "reseau-canope.fr")})

ana = author("ana.example", "did:plc:ana")
canope = author("reseau-canope.fr", "did:plc:canope")
launch = post_view(
    canope,
    "1",
    "2026-09-01T08:00:00Z",
    card="https://www.e-inspe.fr/course/view.php?id=42&utm_campaign=rentree",
    counts=(3, 1, 0, 0),
)
share = post_view(
    ana,
    "2",
    "2026-09-01T09:00:00Z",
    quote=launch,
    facet_links=("https://e-inspe.fr/parcours/inconnu",),
)


def account(run_id, account_id, day):
    return Account(source="test", run_id=run_id, collected_at=datetime(2026, 9, day, tzinfo=UTC),
                   platform="bluesky", account_id=account_id)  # fmt: skip


def follow(run_id, follower_id, followee_id, day):
    return Follow(source="test", run_id=run_id, collected_at=datetime(2026, 9, day, tzinfo=UTC),
                  platform="bluesky", follower_id=follower_id, followee_id=followee_id)  # fmt: skip


def with_likes(view, likes):
    return {**view, "likeCount": likes}


def linker(resolver=None):
    return Linker(["e-inspe.fr"], CATALOGUE, resolver=resolver)


def names(secret=b"k" * 32):
    return Pseudonymiser(secret, INSTITUTIONS)


def load(store, *manifests, pseudonymiser="default", resolver=None):
    pseudonymiser = names() if pseudonymiser == "default" else pseudonymiser
    return load_runs(store, manifests, linker=linker(resolver), pseudonymiser=pseudonymiser)


def snapshot(store):
    return {
        table: sorted(map(repr, store.connection.execute(f"SELECT * FROM {table}").fetchall()))
        for table in (*TABLES, "runs")
    }


def rows(store, sql):
    return store.connection.execute(sql).fetchall()


def test_migrations_are_recorded_and_applied_once(tmp_path):
    with Store(tmp_path / "essaim.duckdb") as store:
        assert rows(store, "SELECT version, name FROM schema_version") == [
            (1, "core tables"),
            (2, "run status and resumed runs"),
            (3, "analyses"),
            (4, "raw runs deleted by retention"),
            (5, "the reshare an interaction came through"),
            (6, "the account of that reshare"),
            (7, "usage after a share"),
        ]
    with Store(tmp_path / "essaim.duckdb") as store:
        assert store.migrate() == []


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    Store(tmp_path / "essaim.duckdb").close()
    last = database_module.MIGRATIONS[-1][0]
    broken = (last + 1, "broken", ["CREATE TABLE half_done (x INTEGER)", "CREATE TABLE oops ("])
    monkeypatch.setattr(database_module, "MIGRATIONS", [*database_module.MIGRATIONS, broken])
    with pytest.raises(Exception, match=r"(?i)syntax|parser"):
        Store(tmp_path / "essaim.duckdb")
    monkeypatch.undo()
    with Store(tmp_path / "essaim.duckdb") as store:
        assert store.schema_version() == last
        tables = {t for (t,) in rows(store, "SELECT table_name FROM information_schema.tables")}
        assert "half_done" not in tables


def test_loading_twice_changes_nothing(tmp_path, raw_dir):
    manifests = [
        write_search_run(raw_dir, [search_body(launch, share)]),
        write_search_run(
            raw_dir, [search_body(with_likes(launch, 8))], received_at="2026-09-20T00:00:00Z"
        ),
    ]
    with Store(tmp_path / "essaim.duckdb") as store:
        first = load(store, *manifests)
        before = snapshot(store)
    with Store(tmp_path / "essaim.duckdb") as store:
        second = load(store, *manifests)
        assert snapshot(store) == before
    assert [r.status for r in first.results] == ["loaded", "loaded"]
    assert [r.status for r in second.results] == ["skipped", "skipped"]
    assert first.records == 7 + 2


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["old first", "new first"])
def test_newer_counts_win_whatever_the_load_order(tmp_path, raw_dir, order):
    runs = [
        write_search_run(
            raw_dir, [search_body(with_likes(launch, 3))], received_at="2026-09-08T00:00:00Z"
        ),
        write_search_run(
            raw_dir, [search_body(with_likes(launch, 9))], received_at="2026-09-22T00:00:00Z"
        ),
    ]
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, *(runs[i] for i in order))
        assert rows(store, "SELECT likes, counts_observed_at FROM posts") == [
            (9, datetime(2026, 9, 22, tzinfo=UTC))
        ]


def without_counts(view):
    """A view of a post that carries no counts (as an embedded post may)."""
    return {k: v for k, v in view.items() if not k.endswith("Count")}


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["counts first", "counts last"])
def test_a_later_view_without_counts_keeps_the_counts_known(tmp_path, raw_dir, order):
    runs = [
        write_search_run(
            raw_dir, [search_body(with_likes(launch, 3))], received_at="2026-09-08T00:00:00Z"
        ),
        write_search_run(  # later, in a run of its own and after counts in the same run
            raw_dir, [search_body(with_likes(launch, 5)), search_body(without_counts(launch))],
            received_at="2026-09-22T00:00:00Z",
        ),
    ]  # fmt: skip
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, *(runs[i] for i in order))
        assert rows(store, "SELECT likes, reposts, counts_observed_at FROM posts") == [
            (5, 1, datetime(2026, 9, 22, tzinfo=UTC))
        ]
    with Store(tmp_path / "alone.duckdb") as store:  # never any counts: unknown, not zero
        load(store, write_search_run(raw_dir / "alone", [search_body(without_counts(launch))]))
        assert rows(store, "SELECT likes, counts_observed_at FROM posts") == [(None, None)]


def corrupt_copy(manifest_path, raw_dir, bad_line_number):
    """A run whose file holds a damaged record line, with a manifest that matches the file."""
    run = read_manifest(manifest_path)
    lines = gzip.decompress(manifest_path.with_name(f"{run.run_id}.jsonl.gz").read_bytes())
    lines = lines.splitlines(keepends=True)
    lines = [line.replace(run.run_id.encode(), b"corrupt-run") for line in lines]
    lines.insert(bad_line_number - 1, b'{"type":"post","source":"bluesky","run_id":"corrupt-run"\n')
    data = gzip.compress(b"".join(lines))
    folder = raw_dir / "bluesky"
    (folder / "corrupt-run.jsonl.gz").write_bytes(data)
    run.run_id, run.file_sha256 = "corrupt-run", hashlib.sha256(data).hexdigest()
    (folder / "corrupt-run.manifest.json").write_bytes(msgspec.json.encode(run))
    return folder / "corrupt-run.manifest.json"


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_rows_seen_again_keep_the_newest_observation_in_every_table(tmp_path, raw_dir, order):
    def seen(day, followers, repost_time):
        def make(run_id):
            when = datetime(2026, 9, day, tzinfo=UTC)
            return [
                Account(source="test", run_id=run_id, collected_at=when, platform="bluesky",
                        account_id="did:plc:ana", followers_count=followers,
                        counts_observed_at=when),
                follow(run_id, "did:plc:ana", "did:plc:canope", day),
                Interaction(source="test", run_id=run_id, collected_at=when, platform="bluesky",
                            kind="repost", actor_id="did:plc:ana", target_post_id="at://p/1",
                            created_at=repost_time),
            ]  # fmt: skip

        return make

    older = write_record_run(raw_dir, seen(1, 10, None))
    newer = write_record_run(raw_dir, seen(5, 20, datetime(2026, 9, 4, 12, tzinfo=UTC)))
    runs = [older, newer] if order == "older first" else [newer, older]
    with Store(tmp_path / "essaim.duckdb") as store:
        for run in runs:  # one load each: the second one updates what the first wrote
            load(store, run)
        assert rows(store, "SELECT followers_count FROM accounts") == [(20,)]
        assert rows(store, "SELECT first_observed_at, last_observed_at FROM follows") == [
            (datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 5, tzinfo=UTC))
        ]
        assert rows(store, "SELECT created_at FROM interactions") == [
            (datetime(2026, 9, 4, 12, tzinfo=UTC),)
        ]


def test_a_corrupt_run_is_rejected_whole_with_its_file_and_line(tmp_path, raw_dir):
    good = write_search_run(raw_dir, [search_body(launch)])
    bad = corrupt_copy(write_search_run(tmp_path / "other", [search_body(share)]), raw_dir, 4)
    last = write_search_run(raw_dir, [search_body(share)], received_at="2026-09-09T00:00:00Z")
    with Store(tmp_path / "essaim.duckdb") as store:
        report = load(store, good, bad, last)
        assert [r.status for r in report.results] == ["loaded", "rejected", "loaded"]
        assert "corrupt-run.jsonl.gz, line 4: not a valid record" in report.results[1].message
        for table in TABLES:
            assert rows(store, f"SELECT count(*) FROM {table} WHERE run_id = 'corrupt-run'") == [
                (0,)
            ]
        assert rows(store, "SELECT count(*) FROM runs WHERE run_id = 'corrupt-run'") == [(0,)]


def test_a_run_whose_file_changed_is_rejected(tmp_path, raw_dir):
    manifest = write_search_run(raw_dir, [search_body(launch)])
    run_file = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
    run_file.chmod(0o644)
    run_file.write_bytes(gzip.compress(b"{}\n"))
    with Store(tmp_path / "essaim.duckdb") as store:
        result = load(store, manifest).results[0]
    assert result.status == "rejected"
    assert "does not match the SHA-256 in its manifest" in result.message


def test_a_run_failing_half_way_is_rejected_and_leaves_the_database_as_it_was(
    tmp_path, raw_dir, monkeypatch
):
    first = write_search_run(raw_dir, [search_body(launch)])
    second = write_record_run(
        raw_dir,
        lambda run_id: [
            account(run_id, "did:plc:new", day=9),
            follow(run_id, "did:plc:new", "did:plc:ana", day=9),
        ],
    )
    third = write_record_run(raw_dir, lambda run_id: [account(run_id, "did:plc:third", day=9)])
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, first)
        before = snapshot(store)
        with monkeypatch.context() as patched:
            patched.setitem(queries.INSERT_NEW, "follows", "INSERT INTO nowhere SELECT 1")
            second_result = load(store, second).results[0]
        assert snapshot(store) == before
        assert second_result.status == "rejected"
        assert second_result.message.startswith(f"{second.parent}")
        assert "not loaded (CatalogException" in second_result.message
        assert "nowhere" in second_result.message and "\n" not in second_result.message
        assert load(store, third).results[0].status == "loaded"


def test_an_unexpected_error_rejects_its_run_and_the_others_load(tmp_path, raw_dir, monkeypatch):
    good = write_search_run(raw_dir, [search_body(launch)])
    failing = write_record_run(raw_dir, lambda run_id: [account(run_id, "did:plc:x", day=9)])
    last = write_search_run(raw_dir, [search_body(share)], received_at="2026-09-09T00:00:00Z")
    real_rows = load_module._Identities.account_rows

    def fail_on_x(self, ids):
        if "did:plc:x" in ids[1]:
            raise TypeError("an unforeseen value")
        return real_rows(self, ids)

    monkeypatch.setattr(load_module._Identities, "account_rows", fail_on_x)
    with Store(tmp_path / "essaim.duckdb") as store:
        report = load(store, good, failing, last)
        assert [r.status for r in report.results] == ["loaded", "rejected", "loaded"]
        assert "not loaded (TypeError: an unforeseen value)" in report.results[1].message
        assert rows(store, "SELECT count(*) FROM runs") == [(2,)]
        assert rows(store, "SELECT count(*) FROM posts") == [(2,)]


def test_a_database_failure_still_stops_the_load(tmp_path, raw_dir, monkeypatch):
    run = write_search_run(raw_dir, [search_body(launch)])

    def disk_full(*_):
        raise duckdb.IOException('Could not write file "x.wal": No space left on device')

    monkeypatch.setattr(load_module, "save_resolutions", disk_full)
    with Store(tmp_path / "essaim.duckdb") as store, pytest.raises(duckdb.IOException):
        load(store, run)


def test_a_field_too_long_for_duckdbs_json_reader_is_cut_and_the_run_loads(tmp_path, raw_dir):
    huge = "é" * (17 << 20)  # 34 MiB of UTF-8: DuckDB's JSON reader refuses more than 32 MiB

    def posts(run_id):
        return [
            Post(source="test", run_id=run_id, collected_at=datetime(2026, 9, 1, tzinfo=UTC),
                 platform="forum", post_id=str(n), author_id="a", text=text,
                 community=Community(board=text))
            for n, text in enumerate(["before", huge, "after"])
        ]  # fmt: skip

    manifest = write_record_run(raw_dir, posts)
    with Store(tmp_path / "essaim.duckdb") as store:
        result = load_runs(store, [manifest], linker=linker(), pseudonymiser=None).results[0]
        assert (result.status, result.records) == ("loaded", 3)
        assert "1 record(s) had a field longer than 1,000,000 characters" in result.message
        kept = rows(store, "SELECT post_id, text, board FROM posts WHERE post_id <> '1' ORDER BY 1")
        assert kept == [("0", "before", "before"), ("2", "after", "after")]
        assert store.connection.execute(
            "SELECT text = repeat('é', ?), board = text FROM posts WHERE post_id = '1'",
            [load_module.MAX_FIELD_CHARS],
        ).fetchall() == [(True, True)]
    kept = gzip.decompress(manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
                           .read_bytes())  # fmt: skip
    assert huge.encode() in kept


def test_a_malformed_link_is_kept_with_its_reason_and_the_run_loads(tmp_path, raw_dir):
    bad = "https://www.e-inspe.fr:8o80/x"
    odd = post_view(ana, "3", "2026-09-01T10:00:00Z",
                    facet_links=(bad, "http://[::1/y", "https://", "/x"))  # fmt: skip
    manifest = write_search_run(raw_dir, [search_body(launch, odd)])
    with Store(tmp_path / "essaim.duckdb") as store:
        assert load(store, manifest).results[0].status == "loaded"
        links = rows(store, "SELECT url, url_key, tracked, resource_id, match_reason FROM links")
        assert len(links) == 5
        found = {url: row for url, *row in links}
        for hostless in ("https://", "/x"):
            assert found[hostless][3] == "malformed link, kept as found (it has no host)"
        assert found[bad][:3] == [bad, True, None]
        assert found[bad][3].startswith("malformed link, kept as found (Port could not be cast")
        assert found["http://[::1/y"][1:3] == [False, None]
        assert rows(store, "SELECT count(*) FROM links WHERE resource_id = 'course'") == [(1,)]
        assert [bad] in [[r["example"]] for r in store_status(store)["unmatched_links"]]


def test_individuals_are_pseudonymised_consistently_and_institutions_named(tmp_path, raw_dir):
    runs = [
        write_search_run(raw_dir, [search_body(share)]),
        write_search_run(
            raw_dir, [search_body(with_likes(share, 4))], received_at="2026-09-30T00:00:00Z"
        ),
    ]
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, *runs)
        accounts = dict(
            (account_id, (named, handle))
            for account_id, named, handle in rows(
                store, "SELECT account_id, named, handle FROM accounts"
            )
        )
        ana_id = names().account("bluesky", "did:plc:ana")
        assert accounts == {ana_id: (False, None), "did:plc:canope": (True, "reseau-canope.fr")}
        posts = dict(rows(store, "SELECT author_id, url FROM posts"))
        assert posts == {
            ana_id: None,
            "did:plc:canope": "https://bsky.app/profile/reseau-canope.fr/post/1",
        }
        quote = rows(store, "SELECT actor_id, target_post_id FROM interactions")
        assert quote == [(ana_id, names().post("bluesky", launch["uri"]))]
        stored_text = repr(snapshot(store))
        assert "did:plc:ana" not in stored_text and "ana.example" not in stored_text


def test_another_secret_gives_other_pseudonyms(tmp_path, raw_dir):
    manifest = write_search_run(raw_dir, [search_body(share)])
    ids = []
    for secret in (b"a" * 32, b"b" * 32):
        with Store(tmp_path / f"{secret[:1].decode()}.duckdb") as store:
            load(store, manifest, pseudonymiser=names(secret))
            ids.append(rows(store, "SELECT account_id FROM accounts WHERE NOT named"))
    assert ids[0] != ids[1]


def test_no_pseudonymise_keeps_ids_and_modes_do_not_mix(tmp_path, raw_dir):
    manifest = write_search_run(raw_dir, [search_body(share)])
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, manifest, pseudonymiser=None)
        assert ("did:plc:ana", "ana.example") in rows(
            store, "SELECT account_id, handle FROM accounts"
        )
        assert rows(store, "SELECT pseudonymised FROM runs") == [(False,)]
        with pytest.raises(StoreError, match="pseudonymisation off"):
            load(store, write_search_run(raw_dir, [search_body(launch)]))


def test_an_institution_recognised_later_is_renamed_everywhere(tmp_path, raw_dir):
    follow_run = write_record_run(
        raw_dir,
        lambda run_id: [
            follow(run_id, "did:plc:ana", "did:plc:canope", day=1),
            account(run_id, "did:plc:canope", day=1),
        ],
    )
    profile = write_search_run(raw_dir, [search_body(launch)], received_at="2026-09-02T00:00:00Z")
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, follow_run)
        load(store, profile)
        assert rows(store, "SELECT followee_id FROM follows") == [("did:plc:canope",)]
        assert rows(
            store,
            "SELECT account_id, named FROM accounts WHERE platform = 'bluesky' "
            "AND account_id NOT LIKE 'u_%'",
        ) == [("did:plc:canope", True)]
        assert rows(store, "SELECT count(*) FROM accounts") == [(1,)]  # the pseudonym row is gone


def test_an_institution_first_seen_in_a_rejected_run_is_renamed_when_it_loads(
    tmp_path, raw_dir, monkeypatch
):
    follow_run = write_record_run(
        raw_dir, lambda run_id: [follow(run_id, "did:plc:ana", "did:plc:canope", day=1)]
    )
    profile = write_search_run(raw_dir, [search_body(launch)], received_at="2026-09-02T00:00:00Z")
    calls = []
    real_table = load_module.link_info_table

    def fail_once(infos):
        calls.append(1)
        return real_table(infos) if len(calls) > 1 else 1 / 0

    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, follow_run)
        monkeypatch.setattr(load_module, "link_info_table", fail_once)
        report = load(store, profile, profile)  # rejected, then loaded in the same load
        assert [result.status for result in report.results] == ["rejected", "loaded"]
        assert rows(store, "SELECT followee_id FROM follows") == [("did:plc:canope",)]


def test_links_are_keyed_matched_and_campaigns_kept(tmp_path, raw_dir):
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, write_search_run(raw_dir, [search_body(launch, share)]))
        links = rows(store, "SELECT url_key, tracked, resource_id, campaign FROM links ORDER BY 1")
    assert links == [
        (COURSE, True, "course", '{"utm_campaign": "rentree"}'),
        ("e-inspe.fr/parcours/inconnu", True, None, None),
    ]


def test_shortener_resolutions_are_cached_in_the_store(tmp_path, raw_dir):
    view = post_view(ana, "3", "2026-09-01T10:00:00Z", card="https://bit.ly/abc")
    target = "https://www.e-inspe.fr/course/view.php?id=42"
    with Store(tmp_path / "essaim.duckdb") as store:
        load(
            store,
            write_search_run(raw_dir, [search_body(view)]),
            resolver={"https://bit.ly/abc": target}.get,
        )
        again = post_view(ana, "4", "2026-09-02T10:00:00Z", card="https://bit.ly/abc")
        load(
            store,
            write_search_run(raw_dir, [search_body(again)]),
            resolver=lambda url: pytest.fail("resolved twice"),
        )
        assert rows(store, "SELECT DISTINCT resolved_url, resource_id FROM links") == [
            (target, "course")
        ]


def test_reparsed_run_replaces_what_the_old_run_contributed(tmp_path, raw_dir):
    old = write_search_run(raw_dir, [search_body(share)])
    old_id = read_manifest(old).run_id
    with RawRunWriter(raw_dir, "bluesky", "q", reparse_of=old_id) as new:
        new.add_records([account(new.run_id, "did:plc:ana", day=8)])
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, old)
        assert rows(store, "SELECT count(*) FROM links") == [(2,)]
        load(store, new.manifest_path)
        for table in ("posts", "links", "interactions"):
            assert rows(store, f"SELECT count(*) FROM {table}") == [(0,)]
        assert rows(store, "SELECT run_id FROM accounts") == [(new.run_id,)]
        assert rows(store, f"SELECT superseded_by FROM runs WHERE run_id = '{old_id}'") == [
            (new.run_id,)
        ]


def test_installing_a_catalogue_matches_stored_links_again(tmp_path, raw_dir):
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, write_search_run(raw_dir, [search_body(share)]))
        wider = Catalogue(
            [
                CatalogueResource(
                    "parcours", "t", "p", "", "", ("e-inspe.fr/parcours/*",), None, True
                )
            ]
        )
        new_linker = Linker(["e-inspe.fr"], wider)
        assert (
            install_catalogue(store, wider, "digest-1", new_linker, names()) == 2
        )  # share + quoted launch
        assert rows(store, "SELECT url_key, resource_id, match_reason FROM links ORDER BY 1") == [
            (COURSE, None, "on a tracked domain, but no catalogue pattern matches this URL key"),
            (
                "e-inspe.fr/parcours/inconnu",
                "parcours",
                "URL key starts with the pattern 'e-inspe.fr/parcours/*'",
            ),
        ]
        assert rows(store, "SELECT resource_id FROM catalogue") == [("parcours",)]
        assert install_catalogue(store, wider, "digest-1", new_linker, names()) == 0


def enrolments(run_id, count, collected_day=1, **fields):
    return Usage(source="import-moodle-log", run_id=run_id, kind="enrolment", count=count,
                 collected_at=datetime(2026, 9, collected_day, tzinfo=UTC), site="e-inspe.fr",
                 day=date(2026, 9, 1), course_id="42", **fields)  # fmt: skip


def test_overlapping_runs_never_duplicate_a_natural_key(tmp_path, raw_dir):
    def follows(run_id):
        return [
            *(follow(run_id, "did:plc:ana", "did:plc:canope", day) for day in (1, 2)),
            enrolments(run_id, 3),  # url, channel, event, learner and at are NULL in the key
            enrolments(run_id, 3, event="\\core\\event\\user_enrolment_created"),
        ]

    body = search_body(launch, share, launch)  # the same post twice in one payload
    runs = [
        write_search_run(raw_dir, [body, body]),
        write_search_run(raw_dir, [search_body(share)], received_at="2026-09-09T00:00:00Z"),
        write_record_run(raw_dir, follows),
        write_record_run(raw_dir, follows),
    ]
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, *runs)
        for table, keys in NATURAL_KEYS.items():
            columns = ", ".join(keys)
            total, distinct = store.connection.execute(
                f"SELECT count(*), count(DISTINCT ({columns})) FROM {table}"
            ).fetchone()
            assert total == distinct > 0, table
        assert rows(store, "SELECT first_observed_at, last_observed_at FROM follows") == [
            (datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC))
        ]


def _post(run_id, post_id, author_id, day, text):
    return Post(source="test", run_id=run_id, collected_at=datetime(2026, 9, day, tzinfo=UTC),
                platform="bluesky", post_id=post_id, author_id=author_id, text=text)  # fmt: skip


def _account_seeing(run_id, day, opt_out):
    return Account(source="test", run_id=run_id, collected_at=datetime(2026, 9, day, tzinfo=UTC),
                   platform="bluesky", account_id="did:plc:zoe", opt_out=opt_out)  # fmt: skip


def test_an_opt_out_stays_until_a_source_that_sees_opt_outs_clears_it_and_takes_texts(
    tmp_path, raw_dir
):
    def seen_on(day, opt_out, text=None):
        def records(run_id):
            account = _account_seeing(run_id, day, opt_out)
            return [account, _post(run_id, f"at://zoe/{day}", "did:plc:zoe", day, text)]

        return write_record_run(raw_dir, records)

    before = seen_on(1, None, "avant")
    seen = seen_on(2, ["no-unauthenticated"])
    blind = seen_on(3, None, "pendant")
    cleared = seen_on(4, [], "après")
    with Store(tmp_path / "db.duckdb") as store:
        load(store, before)
        assert rows(store, "SELECT opt_out FROM accounts") == [(None,)]
        assert rows(store, "SELECT text FROM posts") == [("avant",)]
        load(store, seen)  # learnt after the text was stored: the text goes
        assert rows(store, "SELECT text FROM posts") == [(None,), (None,)]
        load(store, blind)  # a newer view that cannot see opt-outs keeps it, and its text goes
        assert rows(store, "SELECT opt_out FROM accounts") == [(["no-unauthenticated"],)]
        assert rows(store, "SELECT text FROM posts") == [(None,)] * 3
        load(store, cleared)  # a source that sees opt-outs says there is none any more
        assert rows(store, "SELECT opt_out FROM accounts") == [([],)]
        texts = rows(store, "SELECT text FROM posts ORDER BY collected_at")
        assert texts == [(None,), (None,), (None,), ("après",)]


def _repost(run_id, day, via, via_actor_id=None, actor_id="did:plc:ana"):
    return Interaction(source="test", run_id=run_id, kind="repost", actor_id=actor_id,
                       target_post_id="at://canope/p", platform="bluesky", via=via,
                       via_actor_id=via_actor_id,
                       collected_at=datetime(2026, 9, day, tzinfo=UTC))  # fmt: skip


def test_via_is_stored_as_the_pseudonym_of_the_reshare_and_filled_when_learnt_later(
    tmp_path, raw_dir
):
    through = "at://did:plc:bob/app.bsky.feed.repost/3k"
    without = write_record_run(raw_dir, lambda r: [_repost(r, 1, None)])
    later = write_record_run(raw_dir, lambda r: [
        _repost(r, 2, through), _post(r, through, "did:plc:bob", 2, None)])  # fmt: skip
    with Store(tmp_path / "db.duckdb") as store:
        load(store, without)
        assert rows(store, "SELECT via FROM interactions") == [(None,)]
        load(store, later)
        (via,), (stored,) = (
            rows(store, "SELECT via FROM interactions"),
            rows(store, "SELECT post_id FROM posts"),
        )
        assert via == stored and "did:plc:bob" not in via and via != through


THROUGH_BOB = "at://did:plc:bob/app.bsky.feed.repost/3k"
THROUGH_CARL = "at://did:plc:carl/app.bsky.feed.repost/3k"


def test_the_account_of_a_via_is_pseudonymised_as_that_account_and_joins_with_it(tmp_path, raw_dir):
    without = write_record_run(raw_dir, lambda r: [_repost(r, 1, None)])
    later = write_record_run(raw_dir, lambda r: [
        _repost(r, 2, THROUGH_BOB, "did:plc:bob"),  # ana reposted through bob's repost
        _repost(r, 2, None, actor_id="did:plc:bob"),  # bob's repost itself
        _post(r, "at://did:plc:bob/app.bsky.feed.post/1", "did:plc:bob", 2, None)])  # fmt: skip
    with Store(tmp_path / "db.duckdb") as store:
        load(store, without)
        assert rows(store, "SELECT via_actor_id FROM interactions") == [(None,)]
        load(store, later)  # learnt later: filled, like via
        ana, bob = (
            names().account("bluesky", "did:plc:ana"),
            names().account("bluesky", "did:plc:bob"),
        )
        assert rows(
            store, "SELECT actor_id, via_actor_id FROM interactions ORDER BY actor_id"
        ) == sorted([(ana, bob), (bob, None)])
        # the same pseudonym as bob's acts and posts: the via's account joins with them
        assert rows(
            store,
            """SELECT a.actor_id, b.actor_id, p.author_id FROM interactions a
            JOIN interactions b ON b.actor_id = a.via_actor_id
            JOIN posts p ON p.author_id = a.via_actor_id""",
        ) == [(ana, bob, bob)]
        load(store, write_record_run(raw_dir, lambda r: [_repost(r, 3, None)]))
        assert rows(store, f"SELECT via_actor_id FROM interactions WHERE actor_id = '{ana}'") == [
            (bob,)
        ]  # a later view without via keeps it


def test_the_account_of_a_via_keeps_its_name_when_allow_listed(tmp_path, raw_dir):
    through = "at://did:plc:canope/app.bsky.feed.repost/3k"
    before = write_record_run(raw_dir, lambda r: [_repost(r, 1, through, "did:plc:canope")])
    canope = account("_", "did:plc:canope", 2)
    canope.handle = "reseau-canope.fr"
    recognised = write_record_run(raw_dir, lambda r: [
        _repost(r, 2, through, "did:plc:canope", actor_id="did:plc:bob"),
        msgspec.structs.replace(canope, run_id=r)])  # fmt: skip
    with Store(tmp_path / "db.duckdb") as store:
        load(store, before)  # not known yet as the allow-listed reseau-canope.fr
        pseudonym = names().account("bluesky", "did:plc:canope")
        assert rows(store, "SELECT via_actor_id FROM interactions") == [(pseudonym,)]
        load(store, recognised)  # recognised now: the earlier row is renamed too
        assert rows(store, "SELECT via_actor_id FROM interactions") == [
            ("did:plc:canope",),
            ("did:plc:canope",),
        ]


def test_a_version_5_store_gains_the_account_of_a_via(tmp_path, raw_dir, monkeypatch):
    monkeypatch.setattr(database_module, "MIGRATIONS", database_module.MIGRATIONS[:5])
    with Store(tmp_path / "db.duckdb") as store:
        assert store.schema_version() == 5
        store.connection.execute(
            "INSERT INTO interactions BY NAME SELECT 'bluesky' AS platform, 'repost' AS kind, "
            "'did:plc:ana' AS actor_id, 'at://canope/p' AS target_post_id, '' AS post_id, "
            "? AS via, 'test' AS source, 'r0' AS run_id, now() AS collected_at",
            [THROUGH_BOB],
        )
    monkeypatch.undo()
    with Store(tmp_path / "db.duckdb") as store:
        assert store.schema_version() == len(database_module.MIGRATIONS)
        assert rows(store, "SELECT via, via_actor_id FROM interactions") == [(THROUGH_BOB, None)]
        learnt = write_record_run(raw_dir, lambda r: [_repost(r, 2, THROUGH_BOB, "did:plc:bob")])
        load(store, learnt, pseudonymiser=None)
        assert rows(store, "SELECT via, via_actor_id FROM interactions") == [
            (THROUGH_BOB, "did:plc:bob")
        ]


def test_others_lose_the_via_of_an_account_erased_on_request_and_keep_their_acts(tmp_path, raw_dir):
    manifest = write_record_run(raw_dir, lambda r: [
        _repost(r, 1, THROUGH_BOB, "did:plc:bob"),
        _repost(r, 1, THROUGH_CARL, "did:plc:carl", actor_id="did:plc:dan")])  # fmt: skip
    with Store(tmp_path / "db.duckdb") as store:
        load_runs(store, [manifest], linker=linker(), pseudonymiser=None,
                  erased={("bluesky", "did:plc:bob")})  # fmt: skip
        assert rows(store, "SELECT actor_id, via, via_actor_id FROM interactions ORDER BY 1") == [
            ("did:plc:ana", None, None),
            ("did:plc:dan", THROUGH_CARL, "did:plc:carl"),
        ]


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_a_later_export_of_a_days_usage_replaces_its_count_whatever_the_load_order(
    tmp_path, raw_dir, order
):
    older = write_record_run(raw_dir, lambda run_id: [enrolments(run_id, 3, 2, learners=3)])
    newer = write_record_run(raw_dir, lambda run_id: [enrolments(run_id, 5, 9, learners=4)])
    other_course = write_record_run(
        raw_dir, lambda run_id: [enrolments(run_id, 7, 1, url="https://e-inspe.fr/x")]
    )
    runs = [older, newer] if order == "older first" else [newer, older]
    with Store(tmp_path / "essaim.duckdb") as store:
        for run in [*runs, other_course]:
            load(store, run)
        assert rows(store, "SELECT url, count, learners FROM usage ORDER BY count") == [
            (None, 5, 4),
            ("https://e-inspe.fr/x", 7, None),
        ]


def test_a_reparsed_usage_run_replaces_its_counts(tmp_path, raw_dir):
    first = write_record_run(raw_dir, lambda run_id: [enrolments(run_id, 3)])
    first_id = read_manifest(first).run_id
    again = write_record_run(
        raw_dir, lambda run_id: [enrolments(run_id, 2, event="e")], reparse_of=first_id
    )
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, first)
        load(store, again)
        assert rows(store, "SELECT event, count FROM usage") == [("e", 2)]


def test_usage_is_read_for_the_analysis_and_pruned_by_its_day(tmp_path, raw_dir):
    from graph.builders import read_usage
    from graph.privacy.store import prune_store

    def usage(run_id):
        return [enrolments(run_id, 3), enrolments(run_id, 4, event="late")]

    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, write_record_run(raw_dir, usage))
        frame = read_usage(store.connection)
        assert sorted(frame["count"]) == [3, 4]
        assert set(frame["course_id"]) == {"42"}
        # both counted on 1 September: a cut-off just after it removes them, one before keeps them
        assert prune_store(store, datetime(2026, 9, 1, tzinfo=UTC))["usage"] == 0
        assert prune_store(store, datetime(2026, 9, 1, 0, 1, tzinfo=UTC))["usage"] == 2
        assert read_usage(store.connection).empty


def test_a_profile_link_in_usage_is_masked_like_any_text(tmp_path, raw_dir):
    profile = "https://bsky.app/profile/ana.example"

    def usage(run_id):
        return [
            enrolments(run_id, 2, url=profile),
            enrolments(run_id, 1, url="https://e-inspe.fr/x"),
        ]

    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, write_record_run(raw_dir, usage))
        urls = [url for (url,) in rows(store, "SELECT url FROM usage ORDER BY count")]
        assert urls[0] == "https://e-inspe.fr/x"
        assert "ana.example" not in urls[1] and urls[1].startswith("https://bsky.app/profile/")


def _reply(run_id, reply_to, text="re", post_id="at://ana/r"):
    return Post(source="test", run_id=run_id, collected_at=datetime(2026, 9, 1, tzinfo=UTC),
                platform="bluesky", post_id=post_id, author_id="did:plc:ana", text=text,
                reply_to=reply_to)  # fmt: skip


@pytest.mark.parametrize("secret", [b"a" * 32, b"b" * 32, b"c" * 32])
@pytest.mark.parametrize("parent_first", [True, False])
def test_a_reply_seen_twice_at_once_keeps_the_parent_one_line_knows(
    tmp_path, raw_dir, secret, parent_first
):
    # A Mastodon reply read in an answer holding its parent, then in one that does not: the
    # two lines are as new, and the parent known by one of them is the post's, whatever the
    # pseudonyms (which once decided which line staging kept).
    def lines(run_id):
        both = [_reply(run_id, "at://bob/p"), _reply(run_id, None)]
        return both if parent_first else both[::-1]

    run = write_record_run(raw_dir, lines)
    with Store(tmp_path / "db.duckdb") as store:
        load(store, run, pseudonymiser=names(secret))
        ((reply_to,),) = rows(store, "SELECT reply_to FROM posts")
        assert reply_to is not None and reply_to.startswith("p_")


@pytest.mark.parametrize("secret", [b"a" * 32, b"b" * 32, b"c" * 32])
def test_of_two_lines_as_new_the_later_in_the_run_wins(tmp_path, raw_dir, secret):
    run = write_record_run(
        raw_dir, lambda r: [_reply(r, None, "avant"), _reply(r, None, "après modification")]
    )
    with Store(tmp_path / "db.duckdb") as store:
        load(store, run, pseudonymiser=names(secret))
        assert rows(store, "SELECT text FROM posts") == [("après modification",)]


@pytest.mark.parametrize("via_first", [True, False])
def test_a_repost_seen_twice_at_once_keeps_the_via_one_line_knows(tmp_path, raw_dir, via_first):
    def lines(run_id):
        both = [_repost(run_id, 1, THROUGH_BOB, "did:plc:bob"), _repost(run_id, 1, None)]
        return both if via_first else both[::-1]

    run = write_record_run(raw_dir, lines)
    with Store(tmp_path / "db.duckdb") as store:
        load(store, run)
        ((via, via_actor),) = rows(store, "SELECT via, via_actor_id FROM interactions")
        assert via is not None and via_actor is not None


def test_of_two_reposts_as_new_naming_different_vias_the_later_line_wins(tmp_path, raw_dir):
    run = write_record_run(
        raw_dir,
        lambda r: [
            _repost(r, 1, THROUGH_BOB, "did:plc:bob"),
            _repost(r, 1, THROUGH_CARL, "did:plc:carl"),
        ],
    )
    with Store(tmp_path / "db.duckdb") as store:
        load(store, run, pseudonymiser=None)
        assert rows(store, "SELECT via, via_actor_id FROM interactions") == [
            (THROUGH_CARL, "did:plc:carl")
        ]


@pytest.mark.parametrize("blind_last", [True, False])
def test_an_account_seen_twice_at_once_keeps_its_opt_out_and_the_later_counts(
    tmp_path, raw_dir, blind_last
):
    # Seen on one day by a view that reads labels and by one that cannot: the opt-out stays.
    # Of the two follower counts read at the same moment, the later line's is kept.
    def lines(run_id):
        seeing = _account_seeing(run_id, 1, ["no-unauthenticated"])
        blind = _account_seeing(run_id, 1, None)
        both = [seeing, blind] if blind_last else [blind, seeing]
        for line, followers in zip(both, (10, 12), strict=True):
            line.followers_count = followers
            line.counts_observed_at = datetime(2026, 9, 1, tzinfo=UTC)
        return both

    with Store(tmp_path / "db.duckdb") as store:
        load(store, write_record_run(raw_dir, lines))
        assert rows(store, "SELECT opt_out, followers_count FROM accounts") == [
            (["no-unauthenticated"], 12)
        ]


def test_an_account_seen_in_passing_after_its_counts_were_read_keeps_them(tmp_path, raw_dir):
    # One run: the profile with its counts, then the same account as a liker (no counts) with
    # a newer handle. The handle is the newer line's, the counts the older line's.
    def lines(run_id):
        profile = _account_seeing(run_id, 1, [])
        profile.handle, profile.followers_count, profile.following_count = "zoe.old", 40, 7
        profile.counts_observed_at = datetime(2026, 9, 1, tzinfo=UTC)
        passing = _account_seeing(run_id, 2, None)
        passing.handle = "zoe.new"
        return [profile, passing]

    with Store(tmp_path / "db.duckdb") as store:
        load(store, write_record_run(raw_dir, lines), pseudonymiser=None)
        assert rows(
            store,
            "SELECT handle, followers_count, following_count, counts_observed_at, opt_out"
            " FROM accounts",
        ) == [("zoe.new", 40, 7, datetime(2026, 9, 1, tzinfo=UTC), [])]


def test_a_line_cut_for_a_too_long_field_keeps_its_place_in_the_run(tmp_path, raw_dir, monkeypatch):
    # Cutting rewrites the rows holding a long field (a list and a struct are among the
    # columns it sets), which DuckDB moves to the table's end: the later line must still win.
    monkeypatch.setattr(load_module, "MAX_FIELD_CHARS", 35)
    run = write_record_run(
        raw_dir,
        lambda r: [
            _reply(r, None, "a first version of the text, too long to keep"),
            _reply(r, None, "later"),
        ],
    )
    with Store(tmp_path / "db.duckdb") as store:
        load(store, run, pseudonymiser=None)
        assert rows(store, "SELECT text FROM posts") == [("later",)]


def test_a_repost_keeps_the_via_and_its_account_of_one_line(tmp_path, raw_dir):
    # The later line names bob's reshare without its account (a via whose URI names a
    # handle); the earlier one names carl's with carl: bob's must not get carl as its account.
    one_run = write_record_run(
        raw_dir,
        lambda r: [
            _repost(r, 1, THROUGH_CARL, "did:plc:carl"),
            _repost(r, 1, THROUGH_BOB),
        ],
    )
    later_run = write_record_run(raw_dir, lambda r: [_repost(r, 2, THROUGH_CARL, "did:plc:carl")])
    with Store(tmp_path / "db.duckdb") as store:
        load(store, one_run, pseudonymiser=None)
        assert rows(store, "SELECT via, via_actor_id FROM interactions") == [(THROUGH_BOB, None)]
        load(store, later_run, pseudonymiser=None)  # another reshare's account is not bob's
        assert rows(store, "SELECT via, via_actor_id FROM interactions") == [(THROUGH_BOB, None)]


def test_an_accounts_two_counts_come_from_the_same_reading(tmp_path, raw_dir):
    # The newer reading gives followers only (as a channel's page does): the following count
    # of the older reading is not carried beside it as if read at the same time.
    def lines(run_id):
        older = _account_seeing(run_id, 1, None)
        older.followers_count, older.following_count = 40, 7
        older.counts_observed_at = datetime(2026, 9, 1, tzinfo=UTC)
        newer = _account_seeing(run_id, 2, None)
        newer.followers_count, newer.counts_observed_at = 45, datetime(2026, 9, 2, tzinfo=UTC)
        return [older, newer]

    with Store(tmp_path / "db.duckdb") as store:
        load(store, write_record_run(raw_dir, lines), pseudonymiser=None)
        assert rows(
            store, "SELECT followers_count, following_count, counts_observed_at FROM accounts"
        ) == [(45, None, datetime(2026, 9, 2, tzinfo=UTC))]


def _timed_repost(run_id, day, created_day):
    created_at = None if created_day is None else datetime(2026, 9, created_day, tzinfo=UTC)
    return Interaction(source="test", run_id=run_id, kind="repost", actor_id="did:plc:ana",
                       target_post_id="at://canope/p", platform="bluesky", created_at=created_at,
                       collected_at=datetime(2026, 9, day, tzinfo=UTC))  # fmt: skip


@pytest.mark.parametrize("untimed_last", [True, False])
def test_a_repost_seen_untimed_and_timed_in_one_run_keeps_its_earliest_time(
    tmp_path, raw_dir, untimed_last
):
    # getRepostedBy lists the repost with no time; listRecords gives its time, twice here
    # (the 3rd, then the 2nd: the earlier is kept).
    def lines(run_id):
        timed = [_timed_repost(run_id, 1, 3), _timed_repost(run_id, 1, 2)]
        untimed = _timed_repost(run_id, 1, None)
        return [*timed, untimed] if untimed_last else [untimed, *timed]

    with Store(tmp_path / "db.duckdb") as store:
        load(store, write_record_run(raw_dir, lines), pseudonymiser=None)
        assert rows(store, "SELECT created_at FROM interactions") == [
            (datetime(2026, 9, 2, tzinfo=UTC),)
        ]
