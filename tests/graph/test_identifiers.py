"""One definition of an identifier, and every stored column that could hold one goes through it.

Expected values are written by hand; pseudonyms come from :class:`Pseudonymiser`, whose HMAC
is checked by hand in test_pseudonyms.py.
"""

import json
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.imports.run import import_file
from collectors.rawrun import RawRunWriter
from collectors.records import Account, Community, Post
from graph.privacy import identifiers
from graph.privacy.pseudonyms import Institutions, Pseudonymiser
from graph.privacy.store import minimise_texts
from graph.resources import Catalogue, CatalogueResource, Linker
from graph.store import Store, load_runs, masking
from graph.store.catalogue import install_catalogue
from tests.conftest import write_search_run
from tests.fixtures.bluesky import author, post_view, search_body

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
COURSE = "e-inspe.fr/course/view.php?id=42"
CATALOGUE = Catalogue([CatalogueResource("course", "t", "p", "", "", (COURSE,), None, True)])
INSTITUTIONS = Institutions(
    {("telegram", "einspe_actus"), ("bluesky", "reseau-canope.fr"), ("twitter", "reseau_canope")}
)
NAMES = Pseudonymiser(b"k" * 32, INSTITUTIONS)
T = datetime(2026, 9, 1, 8, tzinfo=UTC)


def u(platform, account_id):
    return NAMES.account(platform, account_id)


# --- the definition --------------------------------------------------------------------------


def test_at_signs_are_every_character_whose_nfkc_form_holds_an_at_sign():
    found = {chr(c) for c in range(sys.maxunicode + 1)
             if "@" in unicodedata.normalize("NFKC", chr(c))}  # fmt: skip
    assert found == set(identifiers.AT_SIGNS) == {"@", "\ufe6b", "\uff20"}


MASKED = [
    # mentions, in every form of the at sign and of the name
    ("Merci ＠alice !", "Merci @… !"),  # fullwidth at sign, U+FF20
    ("Merci ﹫alice !", "Merci @… !"),  # small at sign, U+FE6B
    ("Merci @Zoé_Martin.", "Merci @….",),  # an accented letter inside: the old regex left é_Martin
    ("Merci @éloïse", "Merci @…"),  # an accented first letter: the old regex left it whole
    ("Merci @ａｌｉｃｅ", "Merci @…"),  # fullwidth letters
    ("Merci @ali\u200bce", "Merci @…"),  # a zero-width space inside the name
    ("Merci @alice＿martin", "Merci @…"),  # a fullwidth low line
    ("Merci @alice@piaille.fr, bravo", "Merci @…, bravo"),
    ("Écrire à jean.dupont@ac-paris.fr.", "Écrire à @…."),  # an e-mail, its local part too
    # profile links
    ("Voir https://bsky.app/profile/alice.bsky.social/post/3k2a ici",
     "Voir https://bsky.app/profile/… ici"),
    ("(https://piaille.fr/@alice/1234)", "(https://piaille.fr/@…)"),
    ("https://mastodon.social/users/bob/statuses/1", "https://mastodon.social/users/…"),
    ("lu sur t.me/profs_celine_23 hier", "lu sur t.me/… hier"),
    ("https://t.me/s/profs_celine_23?before=20", "https://t.me/s/…"),
    ("https://x.com/jdupont/status/1234567", "https://x.com/…"),
    ("https://mobile.twitter.com/jdupont", "https://mobile.twitter.com/…"),
    ("https://www.youtube.com/@chaine_de_lea", "https://www.youtube.com/@…"),
    ("https://www.linkedin.com/in/jean-dupont-123/", "https://www.linkedin.com/in/…"),
    ("https://forum.example/u/lea_prof/summary", "https://forum.example/u/…"),
    ("https://www.reddit.com/r/u_lea_prof/comments/1abc/x", "https://www.reddit.com/r/u_…"),
    ("suivre https://x.com/intent/follow?screen_name=jdupont", "suivre https://x.com/intent/follow?screen_name=…"),
    ("https://twitter.com/intent/user?lang=fr&screen_name=jdupont&x=1",
     "https://twitter.com/intent/user?lang=fr&screen_name=…"),
    ("https://www.linkedin.com/posts/jean-dupont-123_inspe-activity-71234-abcd",
     "https://www.linkedin.com/posts/…"),
    # DIDs, plain or percent-encoded
    ("did:plc:ewvi7nxzyoun6zhxrhs64oiz a posté", "did:… a posté"),
    ("did:web:alice.example.com", "did:…"),
    ("at://did:plc:abc234/app.bsky.feed.post/3k", "at://did:…/app.bsky.feed.post/3k"),
    ("uri=at%3A%2F%2Fdid%3Aplc%3Aabc234", "uri=at%3A%2F%2Fdid:…"),
]  # fmt: skip
UNTOUCHED = [
    "Nouveau parcours https://www.e-inspe.fr/course/view.php?id=42 #eINSPE",
    "Rendez-vous à 14h @ l'INSPE, 3 @… déjà masqués",
    "box.com/files et https://x.com",
    "https://www.reddit.com/r/enseignants/comments/1abc/x",  # a subreddit, not a user's
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_every_form_of_identifier_is_masked(text, expected):
    assert masking.mask_texts([text]) == [expected]
    assert masking.mask_texts([expected]) == [expected]  # masking a mask changes nothing


def test_texts_without_identifiers_are_left_alone():
    assert masking.mask_texts([*UNTOUCHED, None]) == [*UNTOUCHED, None]


def test_request_locations_lose_query_values_and_long_numbers():
    where = "payload 3 from https://piaille.fr/api/v1/accounts/109876543210/followers?max_id=77"
    assert masking.mask_locators([where]) == [
        "payload 3 from https://piaille.fr/api/v1/accounts/…/followers?max_id=…"
    ]


@pytest.mark.parametrize(
    ("prefix", "who", "expected"),
    [
        ("https://bsky.app/profile/", "Alice.bsky.social", ("bluesky", "alice.bsky.social")),
        ("bsky.app/profile/", "did:plc:abc", ("bluesky", "did:plc:abc")),
        ("https://t.me/s/", "Profs_Celine_23", ("telegram", "profs_celine_23")),
        ("https://www.x.com/", "JDupont", ("x", "JDupont")),
        ("https://twitter.com/", "i", None),  # x.com/i/… is a page of the site
        ("https://t.me/", "+AbCdEf", None),  # an invitation
        ("https://Piaille.fr/@", "alice", ("mastodon", "alice@piaille.fr")),
        ("https://piaille.fr/@", "bob@framapiaf.org", ("mastodon", "bob@framapiaf.org")),
        ("https://mastodon.social/users/", "bob", ("mastodon", "bob@mastodon.social")),
        ("https://forum.example/u/", "lea", ("discourse", "lea@forum.example")),
        ("https://www.youtube.com/@", "lea", ("youtube", "lea")),
        ("https://www.reddit.com/r/u_", "Lea_Prof", ("reddit", "Lea_Prof")),
        ("https://x.com/intent/follow?screen_name=", "JDupont", ("x", "JDupont")),
        (
            "https://www.linkedin.com/posts/",
            "jean-dupont-123_inspe-activity-7",
            ("linkedin", "jean-dupont-123"),
        ),
        ("https://www.linkedin.com/in/", "jean-dupont-123", ("linkedin", "jean-dupont-123")),
    ],
)
def test_a_profile_link_names_an_account_of_its_platform(prefix, who, expected):
    assert identifiers.profile_account(prefix, who) == expected


def test_run_options_name_accounts_under_account_parameters_at_any_depth():
    parameters = {"channels": ["a_chan", "b_chan"], "note": {"account": "@xuser"}, "tags": ["t"]}
    assert identifiers.account_values(parameters) == ["a_chan", "b_chan", "@xuser"]


def test_names_are_replaced_everywhere_longest_first_then_masked():
    stored = {"profs_celine": "u_1", "profs_celine_23": "u_2", "einspe_actus": "einspe_actus",
              "ed": "u_3"}  # fmt: skip
    query, parameters = identifiers.replace_accounts(
        ["channels Profs_Celine_23, profs_celine, einspe_actus @bob, ed (education)",
         {"channels": ["profs_celine_23"], "file": "/exports/profs_celine.zip", "n": 3}],
        stored, masking.mask_texts,
    )  # fmt: skip
    assert query == "channels u_2, u_1, einspe_actus @…, u_3 (education)"
    assert parameters == {"channels": ["u_2"], "file": "/exports/u_1.zip", "n": 3}


# --- the store -------------------------------------------------------------------------------


def load(store, *manifests, keep_text="full", pseudonymiser=NAMES, resolver=None):
    linker = Linker(["e-inspe.fr"], CATALOGUE, resolver=resolver)
    report = load_runs(store, manifests, linker=linker, pseudonymiser=pseudonymiser,
                       keep_text=keep_text)  # fmt: skip
    assert [r.status for r in report.results] == ["loaded"] * len(manifests), report.results
    return report


def rows(store, sql):
    return store.connection.execute(sql).fetchall()


TEXT = "Merci ＠alice et @Zoé_Martin, voir https://bsky.app/profile/bob.fr et did:plc:abc234"


def telegram_run(raw_dir):
    channels = ["einspe_actus", "profs_celine_23"]
    query = "telegram channels " + ", ".join(channels)
    run = RawRunWriter(raw_dir, "telegram", query, {"channels": channels, "base": "https://t.me"})
    with run:
        common = {"source": "telegram", "run_id": run.run_id, "collected_at": T,
                  "platform": "telegram"}  # fmt: skip
        records = [Account(**common, account_id=c, handle=c) for c in channels]
        records += [
            Post(**common, post_id=f"{c}/{n}", author_id=c, text=TEXT, created_at=T,
                 community=Community(channel=c, hashtags=["einspe"]))
            for n, c in enumerate(channels)
        ]  # fmt: skip
        run.add_records(records)
        run.add_incident("failed-page", "https://t.me/s/profs_celine_23?before=20",
                         "page https://t.me/s/profs_celine_23?before=20 not read")  # fmt: skip
    return run.manifest_path


def test_channels_are_pseudonymised_and_allow_listed_channels_keep_their_names(tmp_path, raw_dir):
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, telegram_run(raw_dir))
        assert sorted(rows(store, "SELECT author_id, channel FROM posts")) == sorted(
            [("einspe_actus", "einspe_actus"),
             (u("telegram", "profs_celine_23"), u("telegram", "profs_celine_23"))]
        )  # fmt: skip
        [(query, parameters, incidents)] = rows(
            store, "SELECT query, parameters, incidents FROM runs"
        )
    pseudonym = u("telegram", "profs_celine_23")
    assert query == f"telegram channels einspe_actus, {pseudonym}"
    assert json.loads(parameters) == {
        "channels": ["einspe_actus", pseudonym],
        "base": "https://t.me",
    }
    [incident] = json.loads(incidents)
    assert incident["where"] == "https://t.me/s/…"  # the channel, then its profile link
    assert incident["message"] == "page https://t.me/s/… not read"


def test_an_account_a_run_names_by_handle_gets_the_pseudonym_of_its_id(tmp_path, raw_dir):
    feed = "https://bsky.social/xrpc/app.bsky.feed.getAuthorFeed"
    run = RawRunWriter(raw_dir, "bluesky", "feed of ana.example", {"actor": "ana.example"})
    with run:
        run.add_records([Account(source="bluesky", run_id=run.run_id, collected_at=T,
                                 platform="bluesky", account_id="did:plc:ana",
                                 handle="ana.example")])  # fmt: skip
        run.add_incident("failed-page", f"{feed}?limit=100&cursor=1725000000000", "not read")
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, run.manifest_path)
        [(query, parameters, incidents)] = rows(
            store, "SELECT query, parameters, incidents FROM runs"
        )
    ana = u("bluesky", "did:plc:ana")  # as in the accounts table
    assert (query, json.loads(parameters)) == (f"feed of {ana}", {"actor": ana})
    assert json.loads(incidents)[0]["where"] == f"{feed}?limit=…&cursor=…"


def test_channels_and_runs_keep_real_names_without_pseudonymisation(tmp_path, raw_dir):
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, telegram_run(raw_dir), pseudonymiser=None)
        assert sorted(rows(store, "SELECT channel FROM posts")) == [
            ("einspe_actus",), ("profs_celine_23",),
        ]  # fmt: skip
        [(query, incidents)] = rows(store, "SELECT query, incidents FROM runs")
    assert query == "telegram channels einspe_actus, profs_celine_23"
    assert "profs_celine_23?before=20" in incidents


def test_excerpts_mask_every_form_in_sql_at_load_and_in_prune(tmp_path, raw_dir):
    expected = "Merci @… et @…, voir https://bsky.app/profile/… et did:…"
    with Store(tmp_path / "a.duckdb") as store:
        load(store, telegram_run(raw_dir), keep_text="excerpt")
        assert rows(store, "SELECT DISTINCT text FROM posts") == [(expected,)]
    with Store(tmp_path / "b.duckdb") as store:
        load(store, *sorted(raw_dir.rglob("*.manifest.json")), keep_text="full")
        assert minimise_texts(store, "excerpt") == 2  # essaim prune --keep-text excerpt
        assert rows(store, "SELECT DISTINCT text FROM posts") == [(expected,)]


PROFILE_LINKS = [
    "https://bsky.app/profile/alice.bsky.social/post/3k2a",
    "https://bsky.app/profile/reseau-canope.fr/post/3k2b",  # an institution: kept
    "https://piaille.fr/@alice",
    "https://t.me/profs_celine_23/5",
    "https://x.com/jdupont",
    "https://x.com/search?q=inspe",  # a page of the site: kept
    "https://x.com/intent/post?text=inspe",  # sharing, without an account: kept
    "https://x.com/intent/follow?screen_name=jdupont",
    "https://www.reddit.com/r/u_lea_prof/comments/1abc/x",
    "https://www.linkedin.com/posts/jean-dupont-123_inspe-activity-71234-abcd",
    "https://www.e-inspe.fr/course/view.php?id=42",  # a resource: kept, and matched
]


def bluesky_run(raw_dir, links):
    """A Bluesky search run of one post (by ana) holding ``links``."""
    ana = author("ana.example", "did:plc:ana")
    view = post_view(ana, "1", "2026-09-01T09:00:00Z", facet_links=tuple(links))
    return write_search_run(raw_dir, [search_body(view)])


def links_run(raw_dir):
    return bluesky_run(raw_dir, [*PROFILE_LINKS, "https://bit.ly/abc"])


def test_profile_links_keep_their_site_but_not_whom_they_name(tmp_path, raw_dir):
    resolved = {"https://bit.ly/abc": "https://bsky.app/profile/did:plc:zoe"}
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, links_run(raw_dir), resolver=resolved.get)
        found = rows(store, "SELECT url, resolved_url, url_key, resource_id FROM links")
        links = {url: rest for url, *rest in found}
        [(final,)] = rows(store, "SELECT final_url FROM url_resolutions")
    alice, celine = u("bluesky", "alice.bsky.social"), u("telegram", "profs_celine_23")
    digest = NAMES.post("bluesky", "alice.bsky.social/post/3k2a")
    zoe = "https://bsky.app/profile/" + u("bluesky", "did:plc:zoe")  # a DID: the account's own
    assert set(links) == {
        f"https://bsky.app/profile/{alice}/{digest}",
        "https://bsky.app/profile/reseau-canope.fr/post/3k2b",
        f"https://piaille.fr/@{u('mastodon', 'alice@piaille.fr')}",
        f"https://t.me/{celine}/{NAMES.post('telegram', 'profs_celine_23/5')}",
        f"https://x.com/{u('x', 'jdupont')}",
        "https://x.com/search?q=inspe",
        "https://x.com/intent/post?text=inspe",
        f"https://x.com/intent/follow?screen_name={u('x', 'jdupont')}",
        f"https://www.reddit.com/r/u_{u('reddit', 'lea_prof')}/"
        + NAMES.post("reddit", "lea_prof/comments/1abc/x"),
        f"https://www.linkedin.com/posts/{u('linkedin', 'jean-dupont-123')}/"
        + NAMES.post("linkedin", "jean-dupont-123_inspe-activity-71234-abcd"),
        "https://www.e-inspe.fr/course/view.php?id=42",
        "https://bit.ly/abc",
    }
    assert links[f"https://bsky.app/profile/{alice}/{digest}"] == [
        None, f"bsky.app/profile/{alice}/{digest}", None,
    ]  # fmt: skip
    assert links["https://www.e-inspe.fr/course/view.php?id=42"] == [None, COURSE, "course"]
    assert links["https://bit.ly/abc"] == [zoe, zoe.removeprefix("https://"), None]
    assert final == zoe


def test_loading_profile_links_again_changes_nothing(tmp_path, raw_dir):
    resolved = {"https://bit.ly/abc": "https://bsky.app/profile/did:plc:zoe"}
    first = links_run(raw_dir)
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, first, resolver=resolved.get)
        before = rows(store, "SELECT * EXCLUDE (run_id) FROM links ORDER BY url")
        load(store, links_run(raw_dir / "again"))  # the resolution comes from the store now
        after = rows(store, "SELECT DISTINCT * EXCLUDE (run_id) FROM links ORDER BY url")
    assert after == before


def test_a_resolution_read_back_from_the_store_is_not_pseudonymised_twice(tmp_path, raw_dir):
    resolved = {"https://bit.ly/abc": "https://bsky.app/profile/did:plc:zoe/post/3x"}
    digest = NAMES.post("bluesky", "did:plc:zoe/post/3x")
    zoe = f"https://bsky.app/profile/{u('bluesky', 'did:plc:zoe')}/{digest}"
    bob = author("bob.example", "did:plc:bob")
    later = post_view(bob, "9", "2026-09-02T09:00:00Z", facet_links=("https://bit.ly/abc",))
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, links_run(raw_dir), resolver=resolved.get)
        load(store, write_search_run(raw_dir / "later", [search_body(later)]))  # no resolver
        found = rows(store, "SELECT DISTINCT resolved_url FROM links WHERE url LIKE '%bit.ly%'")
    assert found == [(zoe,)]


def test_two_forms_of_one_profile_link_in_a_post_are_one_link(tmp_path, raw_dir):
    manifest = bluesky_run(raw_dir, ["https://t.me/Profs_Celine", "https://t.me/profs_celine"])
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, manifest)
        assert rows(store, "SELECT url FROM links") == [
            (f"https://t.me/{u('telegram', 'profs_celine')}",)
        ]


def test_an_x_import_names_its_account_by_pseudonym_unless_allow_listed(tmp_path, raw_dir):
    archive = tmp_path / "jdupont-archive.js"
    archive.write_bytes((FIXTURES / "tweets.js").read_bytes())
    mine = import_file(raw_dir, "x-archive", archive, account="JDupont").run
    canope = tmp_path / "canope.js"  # other tweets: ids changed
    canope.write_text((FIXTURES / "tweets.js").read_text().replace('"18', '"28'))
    theirs = import_file(raw_dir, "x-archive", canope, account="reseau_canope").run
    manifests = [raw_dir / run.source / f"{run.run_id}.manifest.json" for run in (mine, theirs)]
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, *manifests)
        runs = dict(rows(store, "SELECT run_id, query || ' ' || parameters FROM runs"))
        authors = {a for (a,) in rows(store, "SELECT DISTINCT author_id FROM posts")}
    pseudonym = u("x", "JDupont")
    assert authors == {pseudonym, "reseau_canope"}  # "twitter" on the allow-list is X
    query, parameters = runs[mine.run_id].split(" ", 1)
    assert query == f"{pseudonym}-archive.js"
    assert json.loads(parameters)["account"] == pseudonym
    assert json.loads(parameters)["file"] == str(tmp_path / f"{pseudonym}-archive.js")
    assert "jdupont" not in runs[mine.run_id].lower()
    assert json.loads(runs[theirs.run_id].split(" ", 1)[1])["account"] == "reseau_canope"


def test_a_reddit_users_own_subreddit_is_its_pseudonym(tmp_path, raw_dir):
    with RawRunWriter(raw_dir, "reddit", "q") as run:
        common = {"source": "reddit", "run_id": run.run_id, "collected_at": T,
                  "platform": "reddit"}  # fmt: skip
        run.add_records(
            [Post(**common, post_id=f"t3_{name}", author_id="lea",
                  community=Community(subreddit=name)) for name in ("u_lea", "france")]
        )  # fmt: skip
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, run.manifest_path)
        assert sorted(rows(store, "SELECT subreddit FROM posts")) == sorted(
            [(u("reddit", "lea"),), ("france",)]
        )


def test_a_new_catalogue_keeps_links_resolved_now_as_a_load_would(tmp_path, raw_dir):
    resolved = {"https://bit.ly/abc": "https://bsky.app/profile/did:plc:zoe"}
    zoe = "https://bsky.app/profile/" + u("bluesky", "did:plc:zoe")
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, links_run(raw_dir))  # offline: the short link stays unresolved
        linker = Linker(["e-inspe.fr"], CATALOGUE, resolver=resolved.get)
        assert install_catalogue(store, CATALOGUE, "another digest", linker, NAMES) > 0
        [(final,)] = rows(store, "SELECT final_url FROM url_resolutions")
        [short] = rows(store, "SELECT resolved_url, url_key FROM links WHERE url LIKE '%bit.ly%'")
        stored = " ".join(map(str, rows(store, "SELECT * FROM links")))
    assert final == zoe and short == (zoe, zoe.removeprefix("https://"))
    assert "did:plc:zoe" not in stored and "jdupont" not in stored and "alice" not in stored


def test_a_new_catalogue_installed_offline_keeps_the_resolutions_the_store_has(tmp_path, raw_dir):
    resolved = {"https://bit.ly/abc": "https://bsky.app/profile/did:plc:zoe"}
    with Store(tmp_path / "essaim.duckdb") as store:
        load(store, links_run(raw_dir), resolver=resolved.get)
        before = rows(store, "SELECT url, resolved_url, url_key FROM links ORDER BY url")
        offline = Linker(["e-inspe.fr"], CATALOGUE)
        assert install_catalogue(store, CATALOGUE, "another digest", offline, NAMES) > 0
        assert rows(store, "SELECT url, resolved_url, url_key FROM links ORDER BY url") == before
