"""phpBB and Forumactif: page reading, parsing, and ``essaim collect forum`` over real HTTP.

Expected records are read off the fixture pages by hand (tests/fixtures/forums).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import duckdb
import pytest

from app.demo.replay import ReplayServer
from collectors.forum.dates import forum_time
from collectors.forum.parsers import parse_payload
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Interaction, Post
from tests.collectors.collecting import essaim, store_counts, write_config
from tests.fixtures import forums

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)  # 12:00 in Paris
PHPBB = "https://profs.example.org/ecole/"
FORUMACTIF = "https://www.profs-en-reseau.fr/"
ORAL = "https://www.e-inspe.fr/course/view.php?id=103"


def payload(engine, name, url, **note):
    """A stored page as the spider keeps it (bytes as received, in base64)."""
    return Payload(
        seq=1,
        received_at=READ_AT,
        url=url,
        status=200,
        headers=dict(forums.HTML),
        params={"engine": engine, "timezone": "Europe/Paris", **note},
        body=base64.b64encode(forums.page(engine, name)).decode(),
        encoding="base64",
    )


def records_of(engine, name, url, **note):
    return parse_payload(payload(engine, name, url, **note), ParseContext("forum", "r", READ_AT))


def posts(records):
    return {r.post_id: r for r in records if isinstance(r, Post)}


def when(*args):
    return datetime(*args, tzinfo=UTC)


class TestDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("lun. 14 sept. 2026 09:05", when(2026, 9, 14, 7, 5)),  # phpBB 3.0, CEST
            ("Mar 3 Jan 2012 - 8:20", when(2012, 1, 3, 7, 20)),  # Forumactif, CET
            ("Sat Dec 12, 2026 10:20 pm", when(2026, 12, 12, 21, 20)),  # phpBB in English
            ("03/09/2026 à 17:45", when(2026, 9, 3, 15, 45)),
            ("21.01.2009, 05:42", when(2009, 1, 21, 4, 42)),  # phpBB in German, CET
            ("1er févr. 2026 0h05", when(2026, 1, 31, 23, 5)),  # before midnight UTC
            ("Aujourd’hui à 08:00", when(2026, 9, 16, 6, 0)),
            ("Hier à 23:30", when(2026, 9, 15, 21, 30)),
            ("Yesterday, 9:00 am", when(2026, 9, 15, 7, 0)),
        ],
    )
    def test_printed_local_times_become_utc(self, text, expected):
        assert forum_time(text, "Europe/Paris", READ_AT) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "par alice",
            "31 février 2026 10:00",
            "14 sept. 2026",
            "phpBB v1.10.15 10:00",
            "3/09.2026",
        ],
    )
    def test_a_text_without_a_whole_date_gives_none(self, text):
        assert forum_time(text, "Europe/Paris", READ_AT) is None


class TestPhpbbPages:
    forum = "profs.example.org/ecole"

    def topic(self, name="viewtopic-10.html", query="t=10", **note):
        url = f"{PHPBB}viewtopic.php?{query}"
        return records_of("phpbb", name, url, forum=self.forum, board="Cycle 3", **note)

    def test_messages_authors_times_and_links(self):
        found = posts(self.topic())
        first = found[f"{self.forum}/p101"]
        assert first.author_id == f"alice@{self.forum}"
        assert first.created_at == when(2026, 9, 14, 7, 5)
        assert first.url == f"{PHPBB}viewtopic.php?t=10#p101"
        assert first.links == [f"{ORAL}&utm_source=forum&utm_medium=post"]  # no signature
        assert first.text == (
            "Bonjour à toutes et tous,\nje viens de finir ce parcours, très concret : "
            f"{ORAL}\nBon courage pour la rentrée !"
        )
        assert first.community.forum == self.forum and first.community.board == "Cycle 3"
        assert first.reply_to is None

    def test_a_quote_is_a_reply_and_its_links_stay_with_the_quoted_message(self):
        records = self.topic()
        reply = posts(records)[f"{self.forum}/p102"]
        assert reply.reply_to == f"{self.forum}/p101"
        assert reply.links == []
        assert reply.text == "Merci ! Je l'ai conseillé à ma binôme, on le suit ensemble."
        (interaction,) = [r for r in records if isinstance(r, Interaction)]
        assert (interaction.kind, interaction.actor_id, interaction.target_post_id) == (
            "reply",
            f"bob@{self.forum}",
            f"{self.forum}/p101",
        )
        assert interaction.created_at == when(2026, 9, 14, 9, 40)

    def test_a_guest_gets_an_anonymous_id_and_no_account(self):
        records = self.topic()
        guest = posts(records)[f"{self.forum}/p103"]
        assert guest.author_id == f"anonymous-p103@{self.forum}"
        accounts = {r.account_id for r in records if isinstance(r, Account)}
        assert accounts == {f"alice@{self.forum}", f"bob@{self.forum}"}

    def test_a_quote_of_a_quote_answers_the_outer_quote(self):
        found = posts(self.topic("viewtopic-10-page2.html", "t=10&start=15"))
        assert found[f"{self.forum}/p104"].reply_to == f"{self.forum}/p102"
        assert found[f"{self.forum}/p104"].links == ["https://bit.ly/oral-c3"]
        assert found[f"{self.forum}/p105"].reply_to is None

    def test_a_latin1_page_with_printed_times(self):
        (post,) = posts(self.topic("viewtopic-12.latin1.html", "t=12")).values()
        assert post.author_id == f"élodie@{self.forum}"
        assert "« évaluer sans noter »" in post.text
        assert post.created_at == when(2026, 9, 15, 19, 15)
        assert post.links == ["https://www.e-inspe.fr/course/view.php?id=104"]

    def test_board_pages_and_error_pages_hold_no_records(self):
        board = records_of(
            "phpbb", "viewforum-2.html", f"{PHPBB}viewforum.php?f=2", forum=self.forum
        )
        assert board == []

    def test_a_page_that_is_not_html_is_an_error_naming_the_payload(self):
        stored = payload("phpbb", "index.html", f"{PHPBB}viewtopic.php?t=9", forum=self.forum)
        stored.body, stored.encoding = '{"error": "maintenance"}', "utf-8"
        with pytest.raises(ParseError, match="payload 1: expected a forum page"):
            parse_payload(stored, ParseContext("forum", "run-1", READ_AT))


class TestForumactifPages:
    forum = "www.profs-en-reseau.fr"

    def topic(self, name, path, **note):
        return records_of("forumactif", name, f"{FORUMACTIF}{path}", forum=self.forum, **note)

    def test_printed_times_guests_and_links(self):
        found = posts(self.topic("t500.html", "t500-parcours-numerique-responsable"))
        lune = found[f"{self.forum}/p9001"]
        assert lune.author_id == f"Mme Lune@{self.forum}"
        assert lune.created_at == when(2026, 9, 14, 7, 5)
        assert lune.links == [
            "https://bit.ly/3numresp",
            "https://e-inspe.fr/course/view.php?id=101#etape-2",
        ]
        guest = found[f"{self.forum}/p9002"]
        assert guest.author_id == f"anonymous-p9002@{self.forum}"
        assert guest.created_at == when(2026, 9, 15, 10, 0)

    def test_quotes_naming_an_author_answer_their_latest_earlier_message(self):
        earlier = {"Mme Lune": "9001", "Invité": "9002"}  # what page 1 showed
        path = "t500p15-parcours-numerique-responsable"
        found = posts(self.topic("t500p15.html", path, earlier=earlier))
        paul, lune = found[f"{self.forum}/p9003"], found[f"{self.forum}/p9004"]
        assert paul.reply_to == f"{self.forum}/p9001"  # from the earlier page
        assert lune.reply_to == f"{self.forum}/p9003"  # same page; its inner quote ignored
        assert paul.author_id == f"Paul_Hier@{self.forum}"  # "Hier" in a name is not a date
        assert paul.created_at == when(2026, 9, 15, 21, 30)  # "Hier à 23:30"
        assert lune.created_at == when(2026, 9, 16, 6, 0)  # "Aujourd'hui à 08:00"
        assert paul.text == "Testé en GS, les élèves ont adoré l'étape 2."  # no edit notice
        assert paul.links == [] and lune.text == "Super !"

    def test_a_quote_of_an_unknown_author_is_no_reply(self):
        path = "t500p15-parcours-numerique-responsable"
        found = posts(self.topic("t500p15.html", path))
        assert found[f"{self.forum}/p9003"].reply_to is None


# --- collecting over HTTP -------------------------------------------------------------------


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def collect(tmp_path, server, url, *arguments):
    config = write_config(tmp_path, server.url)
    result = essaim(config, "collect", "forum", "--url", url, *arguments)
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    return config, result, manifest


def test_a_phpbb_forum_is_read_board_by_board_and_topic_by_topic(tmp_path, server):
    url = forums.serve_phpbb(server)
    config, result, manifest = collect(tmp_path, server, url)
    assert result.returncode == 0, result.stderr
    assert manifest.status == "complete"
    assert essaim(config, "load", "--offline").returncode == 0
    database = tmp_path / "data" / "essaim.duckdb"
    counts = store_counts(database)
    # p101-p105 (topic 10, two pages), p120 (Latin-1 topic 12), p130 (topic 13 in a
    # sub-board); topic 11 is gone (404); four registered authors, two quotes.
    assert counts["posts"] == 7
    assert counts["interactions"] == {"reply": 2}
    assert counts["accounts"] == 4
    targets = [target for _, target, *_ in server.requests]
    assert not [t for t in targets if "memberlist" in t or "search.php" in t]  # robots.txt
    assert targets.count("/ecole/viewforum.php?f=2") == 1  # the pagination loop ends
    assert targets.count("/ecole/viewtopic.php?t=10") == 1  # listed twice, read once
    assert not [t for t in targets if "reseau-canope" in t]  # stays inside the forum
    gaps = [b - a for a, b in zip(server.arrivals[1:], server.arrivals[2:], strict=False)]
    assert min(gaps) >= 0.19  # robots.txt asks for a 0.2 s crawl delay
    with duckdb.connect(str(database), read_only=True) as connection:
        boards = connection.execute(
            "SELECT DISTINCT board FROM posts WHERE platform = 'forum' ORDER BY 1"
        ).fetchall()
    assert boards == [("Animations pédagogiques",), ("Cycle 3",)]


def test_a_forumactif_topic_is_read_across_pages_and_a_server_error_retried(tmp_path, server):
    url = forums.serve_forumactif(server)
    config, result, manifest = collect(tmp_path, server, url, "--engine", "forumactif")
    assert result.returncode == 0, result.stderr
    assert manifest.status == "complete"
    assert essaim(config, "load", "--offline", "--no-pseudonymise").returncode == 0
    database = tmp_path / "data" / "essaim.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        replies = dict(
            connection.execute(
                "SELECT post_id, reply_to FROM posts WHERE reply_to IS NOT NULL"
            ).fetchall()
        )
        total = connection.execute("SELECT count(*) FROM posts").fetchone()[0]
    forum = server.url.split("://")[1]
    # p9003 quotes "Mme Lune", whose message is on the first page: the spider carried it.
    assert replies == {f"{forum}/p9003": f"{forum}/p9001", f"{forum}/p9004": f"{forum}/p9003"}
    assert total == 5  # p9001-p9004, and p9010 after its 500
    assert server.count("/t501-sortie-scolaire") == 2


def test_the_forums_search_leads_to_the_topics_it_finds(tmp_path, server):
    url = forums.serve_phpbb(server, search_allowed=True)
    config, result, _ = collect(tmp_path, server, url, "--search-domains")
    assert result.returncode == 0, result.stderr
    targets = {target for _, target, *_ in server.requests}
    assert "/ecole/search.php?keywords=e-inspe.fr&sr=topics" in targets
    assert "/ecole/search.php?keywords=reseau-canope.fr&sr=topics" in targets  # no results
    assert not [t for t in targets if "viewforum" in t or "t=12" in t]  # only what was found
    assert essaim(config, "load", "--offline").returncode == 0
    assert store_counts(tmp_path / "data" / "essaim.duckdb")["posts"] == 5  # topic 10


def test_search_pages_forbidden_by_robots_are_counted_not_failed(tmp_path, server):
    url = forums.serve_forumactif(server)
    _, result, manifest = collect(
        tmp_path, server, url, "--engine", "forumactif", "--search", "e-inspe.fr"
    )
    assert result.returncode == 0, result.stderr
    assert manifest.status == "complete"
    assert "1 pages left out: the site's robots.txt forbids them" in result.stderr
    assert server.count("/search") == 0


def test_a_bad_time_zone_is_named(tmp_path, server):
    config = write_config(tmp_path, server.url)
    result = essaim(config, "collect", "forum", "--url", server.url, "--timezone", "Paris")
    assert result.returncode == 1
    assert "'Paris' is not a time zone name" in result.stderr
