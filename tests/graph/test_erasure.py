"""Erasure in raw runs: every form of an account, every place it is named, links, bad files.

Runs are written by hand (payloads as the platforms send them, records as the parsers make
them) so that what must go, what must be rewritten and what must stay is known line by line.
"""

import gzip
import json
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from collectors.imports.run import import_file
from collectors.rawrun import RawRunWriter, iter_lines, read_manifest, sha256_of
from collectors.records import Account, Follow, Interaction, Post
from graph.privacy import raw as erasure
from graph.privacy.raw import (
    REDACTED,
    ErasureError,
    Identifiers,
    delete_runs_before,
    erase_account,
    find_account,
    prepare_erasure,
    seal_unfinished_runs,
)

AT = datetime(2026, 9, 1, tzinfo=UTC)
IMPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def post(run_id, platform, post_id, author, **fields):
    return Post(source=platform, run_id=run_id, collected_at=AT, platform=platform,
                post_id=post_id, author_id=author, **fields)  # fmt: skip


def account(run_id, platform, account_id, handle=None):
    return Account(source=platform, run_id=run_id, collected_at=AT, platform=platform,
                   account_id=account_id, handle=handle or account_id)  # fmt: skip


def act(run_id, platform, kind, actor, target, post_id=None):
    return Interaction(source=platform, run_id=run_id, collected_at=AT, platform=platform,
                       kind=kind, actor_id=actor, target_post_id=target,
                       post_id=post_id)  # fmt: skip


def write_run(raw_dir, source, payloads=(), records=lambda run_id: [], **kw):
    """A run of ``source``: the payloads ``(url, body)`` then the records."""
    with RawRunWriter(raw_dir, source, kw.pop("query", "q"), kw.pop("parameters", {})) as run:
        for url, body in payloads:
            body = body if isinstance(body, str | bytes) else json.dumps(body)
            run.add_payload(body, url=url,
                            received_at=AT)  # fmt: skip
        run.add_records(records(run.run_id))
        for where, message in kw.pop("incidents", ()):
            run.add_incident("failed-page", where, message)
    return run.manifest_path


def lines_of(manifest):
    run = read_manifest(manifest)
    path = manifest.with_name(f"{run.run_id}.jsonl.gz")
    return [msgspec.json.decode(line) for _, line in iter_lines(path, run.file_sha256)]


def payload_urls(manifest):
    return [line["url"] for line in lines_of(manifest) if line["type"] == "payload"]


def records_of(manifest):
    return [line for line in lines_of(manifest) if line["type"] != "payload"]


def everything(raw_dir):
    """Every byte under ``raw_dir``, run files decompressed, lower-cased."""
    found = b""
    for path in sorted(raw_dir.rglob("*")):
        if path.is_file():
            content = path.read_bytes()
            found += gzip.decompress(content) if path.name.endswith(".gz") else content
    return found.lower()


# --- Mastodon: an address with and without its host, per-instance numeric ids -----------------

PIERRE = "pierre382@framapiaf.org"
HER_STATUS = "https://framapiaf.org/users/pierre382/statuses/1"
FRAMAPIAF = "https://framapiaf.org/api/v1/statuses/9/reblogged_by"
PIAILLE = "https://piaille.fr/api/v1/timelines/tag/inspe"
MASTODON_PAYLOADS = [
    # her home instance writes her acct without its host, here without any link
    (FRAMAPIAF, [{"id": "109300000000002832", "username": "pierre382", "acct": "pierre382"}]),
    # a reply to her on her instance names her by that instance's numeric id only
    (FRAMAPIAF + "?page=2", [{"id": "5", "in_reply_to_account_id": "109300000000002832",
                              "account": {"id": "77", "username": "lea", "acct": "lea"}}]),
    # another instance gives her another id, with her full address
    (PIAILLE, [{"id": "110000000000000007", "username": "pierre382", "acct": PIERRE}]),
    (PIAILLE + "&max_id=9", [{"id": "6", "in_reply_to_account_id": "110000000000000007"}]),
    # what stays: another pierre382 (of mastodon.social), pierre38 of her instance and his id
    ("https://mastodon.social/api/v1/timelines/tag/inspe",
     [{"id": "109300000000002832", "username": "pierre382", "acct": "pierre382"}]),
    (FRAMAPIAF + "?page=3",
     [{"id": "109300000000002833", "username": "pierre38", "acct": "pierre38"}]),
]  # fmt: skip


def mastodon_records(run_id):
    return [
        account(run_id, "mastodon", PIERRE),
        post(run_id, "mastodon", HER_STATUS, PIERRE, text="Mon parcours"),
        account(run_id, "mastodon", "lea@framapiaf.org"),
        post(run_id, "mastodon", "https://framapiaf.org/users/lea/statuses/2", "lea@framapiaf.org",
             reply_to=HER_STATUS, text="@pierre382 merci, voir https://framapiaf.org/@pierre382"),
        act(run_id, "mastodon", "like", "lea@framapiaf.org", HER_STATUS),
        account(run_id, "mastodon", "pierre38@framapiaf.org"),
    ]  # fmt: skip


@pytest.fixture
def mastodon_run(raw_dir):
    return write_run(raw_dir, "mastodon", MASTODON_PAYLOADS, mastodon_records)


@pytest.mark.parametrize(
    "name",
    [
        "@pierre382@framapiaf.org",
        "Pierre382@Framapiaf.org",
        "pierre382",  # without its host: one account of that name in the runs
        "110000000000000007",  # the numeric id an instance gives her
        "https://framapiaf.org/@pierre382",
        "https://framapiaf.org/users/pierre382",
        "https://piaille.fr/@pierre382@framapiaf.org",
    ],
)
def test_every_mastodon_form_names_the_account(raw_dir, mastodon_run, name):
    assert find_account(raw_dir, "mastodon", name).account_ids == {PIERRE}


def test_a_numeric_id_two_instances_give_is_refused(raw_dir, mastodon_run):
    with pytest.raises(ErasureError, match="names 2 mastodon accounts"):
        find_account(raw_dir, "mastodon", "109300000000002832")  # framapiaf's and m.s's


def test_a_user_without_host_on_two_instances_is_refused(raw_dir, mastodon_run):
    write_run(
        raw_dir, "mastodon", records=lambda r: [account(r, "mastodon", "pierre382@a.example")]
    )
    with pytest.raises(ErasureError, match="names 2 mastodon accounts"):
        find_account(raw_dir, "mastodon", "pierre382")
    assert find_account(raw_dir, "mastodon", "pierre382@a.example").account_ids == {
        "pierre382@a.example"
    }


def test_mastodon_erasure_reaches_the_home_instance_acct_and_every_numeric_id(
    raw_dir, mastodon_run
):
    who = find_account(raw_dir, "mastodon", "@pierre382@framapiaf.org")
    (changed,) = erase_account(raw_dir, who)
    # worked by hand: 4 payloads, her account, her post and the like of it go
    assert (changed.lines, changed.redacted) == (7, 1)
    assert payload_urls(mastodon_run) == [
        "https://mastodon.social/api/v1/timelines/tag/inspe",
        FRAMAPIAF + "?page=3",
    ]
    assert records_of(mastodon_run) == [
        {"type": "account", "source": "mastodon", "run_id": changed.run_id,
         "collected_at": "2026-09-01T00:00:00Z", "platform": "mastodon",
         "account_id": "lea@framapiaf.org", "handle": "lea@framapiaf.org"},
        {"type": "post", "source": "mastodon", "run_id": changed.run_id,
         "collected_at": "2026-09-01T00:00:00Z", "platform": "mastodon",
         "post_id": "https://framapiaf.org/users/lea/statuses/2",
         "author_id": "lea@framapiaf.org",
         "text": f"{REDACTED} merci, voir https://{REDACTED}", "community": {}},  # no reply_to
        {"type": "account", "source": "mastodon", "run_id": changed.run_id,
         "collected_at": "2026-09-01T00:00:00Z", "platform": "mastodon",
         "account_id": "pierre38@framapiaf.org", "handle": "pierre38@framapiaf.org"},
    ]  # fmt: skip
    assert who.post_ids == {HER_STATUS}


# --- Bluesky: a DID, its handles, and what others did to its posts ------------------------------

ANA = "did:plc:ana"
ANA_POST = f"at://{ANA}/app.bsky.feed.post/1"
ANA_UNSEEN = f"at://{ANA}/app.bsky.feed.post/9"  # a post of hers no run collected
SEARCH = "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts"
BLUESKY_PAYLOADS = [
    (SEARCH, {"posts": [{"uri": ANA_POST, "author": {"did": ANA, "handle": "ana.example"}}]}),
    # her profile under a handle she had before
    ("https://public.api.bsky.app/xrpc/app.bsky.actor.getProfiles",
     {"profiles": [{"did": ANA, "handle": "ana-old.example"}]}),
    (SEARCH + "?cursor=2", {"posts": [{"record": {"text": "merci ana-old.example !"}}]}),
    # what stays: diana.example, did:plc:anabel
    (SEARCH + "?cursor=3", {"posts": [{"author": {"did": "did:plc:diana",
                                                  "handle": "diana.example"}}]}),
    (SEARCH + "?cursor=4", {"posts": [{"author": {"did": "did:plc:anabel"}}]}),
]  # fmt: skip


def bluesky_records(run_id):
    def reply(n, **fields):
        return post(run_id, "bluesky", f"at://did:plc:bob/app.bsky.feed.post/{n}",
                    "did:plc:bob", **fields)  # fmt: skip

    return [
        account(run_id, "bluesky", ANA, "ana.example"),
        post(run_id, "bluesky", ANA_POST, ANA, text="Mon parcours"),
        account(run_id, "bluesky", "did:plc:bob", "bob.example"),
        reply(2, reply_to=ANA_POST, text="@ana.example bravo, et diana.example aussi",
              links=["https://bsky.app/profile/ana.example", "https://www.e-inspe.fr/x"]),
        reply(3, quote_of=ANA_UNSEEN, text="À lire"),
        reply(4, repost_of=ANA_POST),
        act(run_id, "bluesky", "reply", "did:plc:bob", ANA_POST, "at://did:plc:bob/app.bsky.feed.post/2"),
        act(run_id, "bluesky", "repost", "did:plc:dan", ANA_POST),
        act(run_id, "bluesky", "like", "did:plc:eve", ANA_UNSEEN),
        act(run_id, "bluesky", "like", "did:plc:eve", "at://did:plc:anabel/app.bsky.feed.post/5"),
        Follow(source="bluesky", run_id=run_id, collected_at=AT, platform="bluesky",
               follower_id=ANA, followee_id="did:plc:bob"),
        Follow(source="bluesky", run_id=run_id, collected_at=AT, platform="bluesky",
               follower_id="did:plc:bob", followee_id="did:plc:diana"),
    ]  # fmt: skip


@pytest.fixture
def bluesky_run(raw_dir):
    return write_run(raw_dir, "bluesky", BLUESKY_PAYLOADS, bluesky_records)


@pytest.mark.parametrize(
    "name",
    ["did:plc:ana", "ana.example", "@Ana.example", "https://bsky.app/profile/ana.example",
     "bsky.app/profile/did:plc:ana"],
)  # fmt: skip
def test_every_bluesky_form_names_the_account(raw_dir, bluesky_run, name):
    assert find_account(raw_dir, "bluesky", name).account_ids == {ANA}


def test_others_replies_quotes_reposts_and_likes_of_her_posts_lose_her(raw_dir, bluesky_run):
    who = find_account(raw_dir, "bluesky", "ana.example")
    assert "ana-old.example" in who.forms  # from her profile in a payload
    (changed,) = erase_account(raw_dir, who)
    # by hand: 3 payloads; her account, post, follow; bob's reply act, dan's repost, eve's like
    assert (changed.lines, changed.redacted) == (9, 3)
    assert payload_urls(bluesky_run) == [SEARCH + "?cursor=3", SEARCH + "?cursor=4"]
    kept = [(r["type"], r.get("post_id") or r.get("account_id") or r.get("follower_id"),
             {k: r[k] for k in ("reply_to", "quote_of", "repost_of", "text", "links") if k in r})
            for r in records_of(bluesky_run)]  # fmt: skip
    assert kept == [
        ("account", "did:plc:bob", {}),
        ("post", "at://did:plc:bob/app.bsky.feed.post/2",
         {"text": f"{REDACTED} bravo, et diana.example aussi",
          "links": ["https://www.e-inspe.fr/x"]}),
        ("post", "at://did:plc:bob/app.bsky.feed.post/3", {"text": "À lire"}),
        ("post", "at://did:plc:bob/app.bsky.feed.post/4", {}),
        ("interaction", None, {}),  # eve's like of anabel's post
        ("follow", "did:plc:bob", {}),
    ]  # fmt: skip
    assert who.post_ids == {ANA_POST, ANA_UNSEEN}  # for the database
    raw = everything(raw_dir)
    assert b"did:plc:ana/" not in raw and b'did:plc:ana"' not in raw
    assert b"ana.example" not in raw.replace(b"diana.example", b"")
    assert b"ana-old" not in raw


def repost_through(run_id, actor, via, via_actor_id):
    return Interaction(source="bluesky", run_id=run_id, collected_at=AT, platform="bluesky",
                       kind="repost", actor_id=actor,
                       target_post_id="at://did:plc:carl/app.bsky.feed.post/1", via=via,
                       via_actor_id=via_actor_id)  # fmt: skip


def test_reposts_made_through_her_repost_keep_their_act_but_lose_her_repost(raw_dir):
    eve_repost = "at://did:plc:eve/app.bsky.feed.repost/3k"
    manifest = write_run(raw_dir, "bluesky", records=lambda r: [
        repost_through(r, "did:plc:bob", f"at://{ANA}/app.bsky.feed.repost/3k", ANA),
        # a via naming her by a handle no run ties to her: her account says whose it is
        repost_through(r, "did:plc:dan", "at://ana-2024.example/app.bsky.feed.repost/7", ANA),
        repost_through(r, "did:plc:fay", eve_repost, "did:plc:eve"),
    ])  # fmt: skip
    who = find_account(raw_dir, "bluesky", ANA)  # named only as the account of a via
    assert who.account_ids == {ANA}
    (changed,) = erase_account(raw_dir, who)
    assert (changed.lines, changed.redacted) == (0, 2)  # by hand: bob's and dan's reposts
    kept = [(r["actor_id"], r.get("via"), r.get("via_actor_id")) for r in records_of(manifest)]
    assert kept == [
        ("did:plc:bob", None, None),
        ("did:plc:dan", None, None),
        ("did:plc:fay", eve_repost, "did:plc:eve"),
    ]
    raw = everything(raw_dir)
    assert b"did:plc:ana" not in raw and b"ana-2024" not in raw


def test_a_name_inside_a_longer_name_is_left_alone(raw_dir):
    manifest = write_run(
        raw_dir, "x",
        [("file", {"text": "@pierre382 et pierre38_bis et mon_pierre38"}),
         ("file", {"text": "@pierre38 !"})],
        lambda r: [account(r, "x", "pierre38"), account(r, "x", "pierre382"),
                   post(r, "x", "1", "pierre382",
                        text="cc @pierre38, pas pierre382 ni x.com/pierre382")],
    )  # fmt: skip
    erase_account(raw_dir, find_account(raw_dir, "x", "pierre38"))
    assert [line.get("body") for line in lines_of(manifest) if line["type"] == "payload"] == [
        '{"text": "@pierre382 et pierre38_bis et mon_pierre38"}'
    ]
    assert [r.get("text") for r in records_of(manifest)] == [
        None,
        f"cc {REDACTED}, pas pierre382 ni x.com/pierre382",
    ]


def test_payloads_name_the_account_in_any_escaping(raw_dir):
    page = "https://forum.example/viewtopic.php?t=1"
    manifest = write_run(
        raw_dir, "forum",
        [(page, "Réponse de lucie1965".encode("latin-1")),  # not UTF-8: kept as base64
         (page + "&p=2", {"text": "merci\nlucie1965"}),  # after an escaped line break
         ("https://forum.example/search?author=%40lucie1965", "<p>résultats</p>"),
         (page + "&p=3", "<p>Réponse de lucie19650</p>")],
        lambda r: [account(r, "forum", "lucie1965@forum.example", "lucie1965")],
    )  # fmt: skip
    (changed,) = erase_account(raw_dir, find_account(raw_dir, "forum", "lucie1965"))
    assert changed.lines == 4 and payload_urls(manifest) == [page + "&p=3"]


def test_a_short_name_counts_only_where_it_is_a_name(raw_dir):
    manifest = write_run(
        raw_dir, "import-x-archive",
        [("file", {"text": "bo bo, il a dit bo"}), ("file", {"screen_name": "bo"})],
        lambda r: [account(r, "x", "bo"), account(r, "x", "alice"),
                   post(r, "x", "2", "alice", text="@bo merci, bo")],
    )  # fmt: skip
    (changed,) = erase_account(raw_dir, find_account(raw_dir, "x", "@bo"))
    assert (changed.lines, changed.redacted) == (2, 1)
    assert [r.get("text") for r in records_of(manifest)] == [None, f"@{REDACTED} merci, bo"]


@pytest.mark.parametrize(
    ("name", "text", "named"),
    [
        ("bob", "merci bob", False),  # three letters: a word of a text is anyone's
        ("bob", "merci @bob", True),
        ("bobby", "merci bobby", True),  # four or more: a name wherever it stands whole
        ("bobby", "merci bobby2", False),
    ],
)
def test_short_plain_names_count_as_mentions_only(name, text, named):
    assert Identifiers("x", {name}).names(text, in_platform=True) is named


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("vu sur ana.example.", True),  # a full stop ends the sentence, not the name
        ("vu sur ana.example.org", False),  # another account's handle
        ("ana.example@piaille.fr", False),  # another account's address
        ("did:plc:ana/app.bsky.feed.post/1", True),
        ("https://bsky.app/profile/did%3Aplc%3Aana/post/1", True),  # percent-encoded
        ("at%3A%2F%2Fdid%3Aplc%3Aana%2Fapp.bsky.feed.post%2F1", True),
    ],
)
def test_a_name_followed_by_more_of_a_name_is_another_one(text, named):
    who = Identifiers("bluesky", {"did:plc:ana"})
    who.add_name("ana.example")
    assert who.names(text, in_platform=True) is named


def test_the_handle_many_accounts_share_names_none_of_them():
    who = Identifiers("bluesky", {"did:plc:ana"})
    who.add_name("handle.invalid")  # Bluesky's handle for accounts whose handle broke
    assert not who.names("did:plc:bob is handle.invalid", in_platform=True)
    assert who.names("did:plc:ana is handle.invalid", in_platform=True)


def test_acts_on_posts_whose_ids_do_not_name_the_account_go_too(raw_dir):
    hers, theirs = "echanges.example/t/22/1", "echanges.example/t/22/2"
    manifest = write_run(
        raw_dir, "discourse",
        records=lambda r: [
            account(r, "discourse", "hugo.1026@echanges.example", "hugo.1026"),
            post(r, "discourse", hers, "hugo.1026@echanges.example"),
            post(r, "discourse", theirs, "sarah@echanges.example", reply_to=hers),
            act(r, "discourse", "like", "sarah@echanges.example", hers),
            act(r, "discourse", "reply", "sarah@echanges.example", hers, theirs),
        ],
    )  # fmt: skip
    (changed,) = erase_account(raw_dir, find_account(raw_dir, "discourse", "@hugo.1026"))
    assert (changed.lines, changed.redacted) == (4, 1)
    assert [(r["type"], r["post_id"], r.get("reply_to")) for r in records_of(manifest)] == [
        ("post", theirs, None)
    ]


# --- Telegram: a channel in the query, parameters, incidents ------------------------------------

TELEGRAM_QUERY = "telegram channels einspe_actus, profs_marie"
TELEGRAM_PARAMETERS = {"channels": ["einspe_actus", "profs_marie"], "since": None,
                       "max_pages": 200, "base": "https://t.me"}  # fmt: skip


def telegram_records(run_id):
    return [
        account(run_id, "telegram", "profs_marie"),
        post(run_id, "telegram", "profs_marie/7", "profs_marie", url="https://t.me/profs_marie/7"),
        account(run_id, "telegram", "einspe_actus"),
        post(run_id, "telegram", "einspe_actus/3", "einspe_actus", repost_of="profs_marie/7",
             text="Transféré de @Profs_Marie", url="https://t.me/einspe_actus/3"),
        act(run_id, "telegram", "forward", "einspe_actus", "profs_marie/7", "einspe_actus/3"),
        post(run_id, "telegram", "profs_marie_bis/1", "profs_marie_bis", text="profs_marie_bis"),
    ]  # fmt: skip


def test_a_telegram_channel_leaves_the_query_parameters_incidents_and_pages(raw_dir):
    manifest = write_run(
        raw_dir, "telegram",
        [("https://t.me/s/profs_marie", "<div>@profs_marie</div>"),
         ("https://t.me/s/einspe_actus", '<a href="https://t.me/profs_marie/7">transféré</a>'),
         ("https://t.me/s/einspe_actus?before=3", "<div>einspe_actus</div>")],
        telegram_records, query=TELEGRAM_QUERY, parameters=TELEGRAM_PARAMETERS,
        incidents=[("https://t.me/s/profs_marie?before=7", "HTTP 500 for t.me/s/profs_marie")],
    )  # fmt: skip
    (changed,) = erase_account(
        raw_dir, find_account(raw_dir, "telegram", "https://t.me/Profs_Marie")
    )
    assert (changed.lines, changed.redacted, changed.manifest) == (5, 1, True)
    run = read_manifest(manifest)
    assert run.query == f"telegram channels einspe_actus, {REDACTED}"
    assert run.parameters == {**TELEGRAM_PARAMETERS, "channels": ["einspe_actus"]}
    assert (run.incidents[0].where, run.incidents[0].message) == (
        f"https://{REDACTED}?before=7",
        f"HTTP 500 for {REDACTED}",
    )
    assert run.file_sha256 == sha256_of(manifest.with_name(f"{run.run_id}.jsonl.gz"))
    assert run.erased_lines == 6
    assert stat.S_IMODE(manifest.stat().st_mode) & 0o222 == 0  # read-only again
    assert payload_urls(manifest) == ["https://t.me/s/einspe_actus?before=3"]
    forwarded = [r for r in records_of(manifest) if r.get("post_id") == "einspe_actus/3"]
    assert forwarded[0]["text"] == f"Transféré de {REDACTED}" and "repost_of" not in forwarded[0]
    assert b"profs_marie" not in everything(raw_dir).replace(b"profs_marie_bis", b"")


def test_a_run_naming_the_account_only_in_its_query_gets_a_new_manifest(raw_dir):
    manifest = write_run(raw_dir, "telegram", query=TELEGRAM_QUERY, parameters=TELEGRAM_PARAMETERS)
    other = write_run(
        raw_dir, "telegram", records=lambda r: [account(r, "telegram", "profs_marie")]
    )
    before = sha256_of(manifest.with_name(f"{read_manifest(manifest).run_id}.jsonl.gz"))
    prepared = prepare_erasure(raw_dir, find_account(raw_dir, "telegram", "@profs_marie"))
    ((other_id, other_sha),) = prepared.rewritten  # only files that change have a new SHA-256
    prepared.commit()
    run = read_manifest(manifest)
    assert run.query == f"telegram channels einspe_actus, {REDACTED}"
    assert run.file_sha256 == before and run.erased_lines == 0
    assert (other_id, other_sha) == (read_manifest(other).run_id, read_manifest(other).file_sha256)


# --- X: the account of an archive import --------------------------------------------------------


def test_the_account_of_an_x_archive_leaves_its_import(raw_dir):
    outcome = import_file(raw_dir, "x-archive", IMPORTS / "tweets.js", account="inspe_exemple")
    manifest = raw_dir / outcome.run.source / f"{outcome.run.run_id}.manifest.json"
    who = find_account(raw_dir, "x", "https://x.com/inspe_exemple")
    (changed,) = erase_account(raw_dir, who)
    run = read_manifest(manifest)
    assert run.parameters["account"] == REDACTED and changed.manifest
    assert lines_of(manifest) == []  # every tweet was hers, and every payload names her
    assert b"inspe_exemple" not in everything(raw_dir)


# --- files: links, hard links, unreadable manifests ----------------------------------------------


def linked_run(raw_dir, folder):
    """A Bluesky run whose file is moved into ``folder`` and linked from where it was:
    ``(manifest, link, target)``."""
    manifest = write_run(raw_dir, "bluesky", BLUESKY_PAYLOADS, bluesky_records)
    link = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
    target = folder / link.name
    target.parent.mkdir()
    os.replace(link, target)
    link.symlink_to(target)
    return manifest, link, target


def test_a_linked_run_file_inside_the_data_directory_is_rewritten_where_it_lies(tmp_path, raw_dir):
    manifest, link, target = linked_run(raw_dir, tmp_path / "data" / "archive")
    erase_account(raw_dir, find_account(raw_dir, "bluesky", ANA))
    assert link.is_symlink() and link.resolve() == target
    assert b"ana.example" not in gzip.decompress(target.read_bytes()).replace(b"diana", b"")
    assert read_manifest(manifest).file_sha256 == sha256_of(target)
    assert not list((tmp_path / "data").rglob("*.erasing"))


def test_a_linked_run_file_outside_the_data_directory_is_refused(tmp_path, raw_dir):
    _, link, _ = linked_run(raw_dir, tmp_path / "elsewhere")
    write_run(raw_dir, "bluesky", records=bluesky_records)  # a run it may rewrite
    before = everything(tmp_path)
    who = find_account(raw_dir, "bluesky", ANA)
    with pytest.raises(ErasureError) as refused:
        erase_account(raw_dir, who)
    message = str(refused.value)
    assert str(link) in message and "outside the data directory" in message
    assert "\n" not in message and message.count(". ") == 0
    assert everything(tmp_path) == before and not list(tmp_path.rglob("*.erasing"))


def test_an_unreadable_manifest_is_named_and_passed_over(raw_dir):
    manifest = write_run(raw_dir, "bluesky", BLUESKY_PAYLOADS, bluesky_records)
    broken = raw_dir / "bluesky" / "broken.manifest.json"
    broken.write_text("{not json")
    warnings = []
    who = find_account(raw_dir, "bluesky", "ana.example", warnings.append)
    (changed,) = erase_account(raw_dir, who, warn=warnings.append)
    assert (changed.run_id, changed.file_sha256) == (
        read_manifest(manifest).run_id, read_manifest(manifest).file_sha256
    )  # fmt: skip
    later = datetime.now(UTC) + timedelta(days=1)
    assert delete_runs_before(raw_dir, later, warnings.append) == [read_manifest_id(manifest)]
    assert len(warnings) == 3 and all(str(broken) in warning for warning in warnings)
    assert all(warning.count(". ") == 0 and warning.endswith(".") for warning in warnings)
    assert broken.exists()


def read_manifest_id(manifest):
    return manifest.name.removesuffix(".manifest.json")


def test_a_hard_linked_run_file_is_refused(raw_dir):
    manifest = write_run(raw_dir, "bluesky", BLUESKY_PAYLOADS, bluesky_records)
    run_file = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
    os.link(run_file, raw_dir / "copy.jsonl.gz")
    with pytest.raises(ErasureError, match="other hard links"):
        erase_account(raw_dir, find_account(raw_dir, "bluesky", ANA))
    assert b"did:plc:ana" in gzip.decompress(run_file.read_bytes())


def test_a_run_a_crash_left_unfinished_is_sealed_and_erased(raw_dir):
    run = RawRunWriter(raw_dir, "bluesky", "q")
    run.add_records(bluesky_records(run.run_id))
    run.flush()
    run._lock.close()  # the process died: nothing holds the run any more
    warnings = []
    seal_unfinished_runs(raw_dir, warnings.append)
    assert warnings == [] and read_manifest(run.manifest_path).status == "interrupted"
    erase_account(raw_dir, find_account(raw_dir, "bluesky", ANA))
    assert b"did:plc:ana" not in everything(raw_dir).replace(b"did:plc:anabel", b"")


def test_retention_deletes_the_target_of_a_linked_run_inside_the_data_directory(tmp_path, raw_dir):
    manifest, link, target = linked_run(raw_dir, tmp_path / "data" / "archive")
    assert delete_runs_before(raw_dir, datetime.now(UTC) + timedelta(days=1)) == [
        read_manifest_id(manifest)
    ]
    assert not link.is_symlink() and not target.exists() and not manifest.exists()


def test_the_quick_sql_test_finds_names_local_to_a_host():
    who = Identifiers("forum", {"pierre38@forum.example/forum"})
    assert re.search(who.sql_pattern(), "messages de pierre38 sur le forum")


@pytest.mark.parametrize(
    ("platform", "account_id", "handle", "text"),
    [
        ("x", "1234567", "JDupont", "voir https://x.com/jdupont/status/1"),
        ("x", "1234567", "JDupont", "https://twitter.com/intent/user?screen_name=jdupont"),
        ("telegram", "-100123", "profs_celine", "lu sur t.me/s/profs_celine"),
        ("reddit", "t2_abc", "lea_prof", "https://old.reddit.com/user/lea_prof/"),
        ("reddit", "t2_abc", "lea_prof", "https://www.reddit.com/r/u_lea_prof/comments/1x"),
        ("youtube", "UCabc", "chaine_de_lea", "https://www.youtube.com/@chaine_de_lea"),
        ("youtube", "UCabc", "chaine_de_lea", "https://youtube.com/c/chaine_de_lea/videos"),
    ],
)
def test_links_name_an_account_by_a_handle_learnt_after_its_id(platform, account_id, handle, text):
    who = Identifiers(platform, {account_id})
    assert not who.names(text, in_platform=False)
    who.add_name(handle)  # as find_account learns it from the account's records
    assert who.names(text, in_platform=False)  # a link names it on any platform
    assert REDACTED in who.redact(text, in_platform=False)


def test_a_reddit_user_subreddit_names_the_user_in_reddit_runs_only():
    who = Identifiers("reddit", {"lea_prof"})
    assert who.names('{"subreddit": "u_lea_prof"}', in_platform=True)
    assert not who.names('{"subreddit": "u_lea_prof"}', in_platform=False)
    assert not who.names('{"subreddit": "u_lea_prof2"}', in_platform=True)
    assert who.with_forms(()).words == {"lea_prof", "u_lea_prof"}  # a copy adds no u_u_…


def test_a_youtube_channel_link_names_the_channel_by_its_id():
    assert Identifiers("youtube", {"UCabc"}).names("youtube.com/channel/UCabc", in_platform=False)


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("https://x.com/intent/follow?screen_name=JDupont",
         {"jdupont", "x.com/intent/follow?screen_name=jdupont"}),
        ("https://www.reddit.com/r/u_Lea_Prof/", {"lea_prof", "www.reddit.com/r/u_lea_prof"}),
        ("https://www.reddit.com/user/Lea_Prof", {"lea_prof", "www.reddit.com/user/lea_prof"}),
    ],
)  # fmt: skip
def test_profile_links_given_by_hand_name_their_account(name, forms):
    from graph.privacy.raw import name_forms

    assert name_forms(name.split("/")[2].split(".")[-2], name) == forms


# --- an erasure stopped half-way -------------------------------------------------------------


def two_bluesky_runs(raw_dir):
    return [write_run(raw_dir, "bluesky", BLUESKY_PAYLOADS, bluesky_records) for _ in range(2)]


def check_sealed(raw_dir):
    """Every run reads whole against its manifest's SHA-256; nothing waits aside."""
    for manifest in raw_dir.rglob("*.manifest.json"):
        lines_of(manifest)  # raises if the run file and its manifest disagree
    assert not list(raw_dir.parent.rglob("*.erasing"))
    assert not (raw_dir / erasure.JOURNAL_NAME).exists()


def failing_after(calls, real):
    """``real``, failing as a full disk does from call number ``calls + 1`` on."""
    done = []

    def replace(*arguments):
        if len(done) == calls:
            raise OSError(28, "No space left on device")
        done.append(arguments)
        return real(*arguments)

    return replace


@pytest.mark.parametrize("calls", [0, 1, 2, 3])  # run file 1, manifest 1, run file 2, manifest 2
def test_an_erasure_stopped_half_way_is_finished_from_its_journal(raw_dir, monkeypatch, calls):
    manifests = two_bluesky_runs(raw_dir)
    prepared = prepare_erasure(raw_dir, find_account(raw_dir, "bluesky", ANA))
    with monkeypatch.context() as patched, pytest.raises(OSError):
        patched.setattr(erasure.os, "replace", failing_after(calls, os.replace))
        prepared.commit()
    assert (raw_dir / erasure.JOURNAL_NAME).exists()
    warnings = []
    assert erasure.finish_erasure(raw_dir, warnings.append)
    assert len(warnings) == 1 and "finished" in warnings[0]
    check_sealed(raw_dir)
    assert b"did:plc:ana" not in everything(raw_dir).replace(b"did:plc:anabel", b"")
    assert all(read_manifest(m).erased_lines > 0 for m in manifests)
    assert not erasure.finish_erasure(raw_dir)  # nothing left to do


def test_a_journal_that_cannot_be_written_leaves_every_run_as_it_was(raw_dir, monkeypatch):
    two_bluesky_runs(raw_dir)
    before = everything(raw_dir)
    prepared = prepare_erasure(raw_dir, find_account(raw_dir, "bluesky", ANA))

    def full_disk(path, content):
        path.write_bytes(content[:3])  # a torn write
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(erasure, "_write_durably", full_disk)
    with pytest.raises(OSError):
        prepared.commit()
    assert everything(raw_dir) == before
    check_sealed(raw_dir)


def test_a_torn_journal_moves_nothing(raw_dir):
    two_bluesky_runs(raw_dir)
    before = everything(raw_dir)
    (raw_dir / erasure.JOURNAL_NAME).write_bytes(b'["blue')
    assert not erasure.finish_erasure(raw_dir)
    assert everything(raw_dir) == before and not (raw_dir / erasure.JOURNAL_NAME).exists()


def test_what_an_erasure_that_never_committed_wrote_aside_is_deleted_before_the_next(raw_dir):
    (manifest,) = two_bluesky_runs(raw_dir)[:1]
    prepare_erasure(raw_dir, find_account(raw_dir, "bluesky", ANA))  # then the process died
    stray = list(raw_dir.rglob("*.erasing"))
    assert len(stray) == 4
    for partial in stray:
        partial.chmod(0o400)  # as a commit leaves them just before it renames
    seal_unfinished_runs(raw_dir)
    assert not list(raw_dir.rglob("*.erasing"))
    assert read_manifest(manifest).erased_lines == 0  # nothing was put in place
    erase_account(raw_dir, find_account(raw_dir, "bluesky", ANA))  # not stopped by them
    check_sealed(raw_dir)


def test_a_file_another_process_put_in_place_already_is_left_alone(tmp_path):
    target = tmp_path / "run.jsonl.gz"
    target.write_bytes(b"new")
    erasure._put_in_place(target)  # its partial is gone: the other process renamed it
    assert target.read_bytes() == b"new"
    with pytest.raises(FileNotFoundError):
        erasure._put_in_place(tmp_path / "missing.jsonl.gz")


# --- what cannot be read -------------------------------------------------------------------------


def test_a_link_that_cannot_be_read_is_refused_in_one_sentence(raw_dir):
    write_run(raw_dir, "bluesky", BLUESKY_PAYLOADS, bluesky_records)
    with pytest.raises(ErasureError) as refused:
        find_account(raw_dir, "mastodon", "https://[x/@a")
    message = str(refused.value)
    assert "'https://[x/@a'" in message and "nothing was changed" in message
    assert "\n" not in message and message.count(". ") == 0


def test_a_line_that_is_not_a_record_is_named_and_goes_only_if_it_names_the_account(raw_dir):
    odd = [
        b'{"type": "post", "platform": "bluesky", "author_id": 7, "text": "did:plc:ana"}',
        b'{"type": "post", "platform": "bluesky", "author_id": 7, "text": "did:plc:bob"}',
    ]
    manifest = write_run(
        raw_dir, "bluesky", [("https://[broken/xrpc", {"did": ANA, "handle": "ana.example"})],
        bluesky_records,
    )  # fmt: skip
    run = read_manifest(manifest)
    path = manifest.with_name(f"{run.run_id}.jsonl.gz")
    content = gzip.decompress(path.read_bytes()) + b"\n".join(odd) + b"\n"
    path.chmod(0o600)
    path.write_bytes(gzip.compress(content))
    run.file_sha256 = sha256_of(path)
    manifest.chmod(0o600)
    manifest.write_bytes(msgspec.json.encode(run))
    warnings = []
    who = find_account(raw_dir, "bluesky", "ana.example", warnings.append)
    assert who is not None and len(warnings) == 2  # each odd line named once, not per pass
    assert all(f"{path}, line " in w and "not a record" in w for w in warnings)
    erase_account(raw_dir, who, warn=warnings.append)
    kept = gzip.decompress(path.read_bytes())
    assert odd[0] not in kept and odd[1] in kept
    assert b"did:plc:ana" not in kept.replace(b"did:plc:anabel", b"")


def test_unfinished_runs_in_a_folder_linked_from_outside_are_left_there(tmp_path, raw_dir):
    outside = tmp_path / "elsewhere"
    run = RawRunWriter(outside.parent / "elsewhere-raw", "bluesky", "q")
    run.add_records(bluesky_records(run.run_id))
    run.flush()
    run._lock.close()  # the process died
    os.replace(outside.parent / "elsewhere-raw" / "bluesky", outside)
    raw_dir.mkdir(parents=True)
    (raw_dir / "bluesky").symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir())
    warnings = []
    seal_unfinished_runs(raw_dir, warnings.append)
    assert sorted(p.name for p in outside.iterdir()) == before  # nothing written there
    assert len(warnings) == 1 and "outside the data directory" in warnings[0]
    assert "1 unfinished runs" in warnings[0] and str(raw_dir / "bluesky") in warnings[0]
