"""Real phpBB and Forumactif topic pages (tests/fixtures/real/forum/) through the forum parser.

Both pages were saved by adbar/trafilatura (Apache-2.0) for its extraction benchmark. Every
expected value was read by hand from the HTML (the message ids, the author lines, the links
of the message body), never from the parser's output.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.parsing import ParseContext
from collectors.rawrun import Payload
from collectors.records import Account, Interaction, Post
from collectors.registry import parser_for

REAL = Path(__file__).parents[1] / "fixtures" / "real" / "forum"
READ_AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def parse_page(name: str, url: str, **note: str):
    """Parse a saved page as the forum spider stores it: its note says engine, forum, zone."""
    payload = Payload(
        seq=1,
        received_at=READ_AT,
        url=url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=(REAL / name).read_text(encoding="utf-8"),
        params=note,
    )
    context = ParseContext("forum", "conformance", READ_AT)
    records = parser_for("forum")(payload, context)
    assert not context.ignored
    found: dict[type, list] = {Post: [], Account: [], Interaction: []}
    for record in records:
        found[type(record)].append(record)
    return found


# --- phpBB 3.2, prosilver ----------------------------------------------------------------


class TestPhpbbTopic:
    """foren.myoos.de, topic 167 "Was ist Freie Software": one message, a quote, links."""

    FORUM = "foren.myoos.de"
    URL = "https://foren.myoos.de/viewtopic.php?f=4&t=167"  # sid left out, as the spider does

    @pytest.fixture(scope="class")
    @classmethod
    def found(cls):
        return parse_page(
            "foren.myoos.de.viewtopic-t167.html",
            cls.URL,
            engine="phpbb",
            forum=cls.FORUM,
            timezone="Europe/Berlin",  # footer: "Alle Zeiten sind UTC+02:00" (Europa/Berlin)
        )

    def test_one_message_by_r23(self, found):
        # "1 Beitrag"; div#p453, profile link memberlist.php?mode=viewprofile&u=5 "r23"
        (post,) = found[Post]
        assert post.post_id == "foren.myoos.de/p453"
        assert post.url == f"{self.URL}#p453"
        assert post.author_id == "r23@foren.myoos.de"
        assert post.reply_to is None  # its only quote is <blockquote class="uncited">
        assert post.community.forum == self.FORUM
        assert [(a.account_id, a.handle) for a in found[Account]] == [("r23@foren.myoos.de", "r23")]
        assert found[Interaction] == []

    def test_the_text_without_the_quote_nor_the_signature(self, found):
        (post,) = found[Post]
        assert post.text.startswith("Was ist Freie Software und warum ist sie wichtig?\n")
        assert "von Georg C. F. Greve" in post.text
        assert "Richard Stallman" in post.text  # after the quote, the message's own words
        assert "Der fundamentale Akt von Freundschaft" not in post.text  # the quote
        # the last line is a link whose text is its address
        assert post.text.endswith(
            "Leitfaden Open Source Software\nhttp://www.bitkom.org/de/publikationen/38336_39870.aspx"
        )
        assert "Digitalagentur" not in post.text  # div#sig453, outside div.content

    def test_the_links_of_the_body_in_page_order(self, found):
        (post,) = found[Post]
        # the eleven a.postlink of div.content; the signature's https://blog.r23.de is not
        assert post.links == [
            "http://www.gnu.org/philosophy/free-sw.de.html",
            "http://www.unesco.org/webworld/portal_freesoft/",
            "http://fsfeurope.org/documents/eur5greve.html",
            "http://www.germany.fsfeurope.org/documents/eur5greve.de.html",
            "http://fsfeurope.org",
            "http://www.germany.fsfeurope.org/INDEX.de.html",
            "http://freie-software.bpb.de",
            "http://mail.fsfeurope.org/mailman/listinfo/discussion",
            "http://mail.gnu.org/mailman/listinfo/fsfe-de",
            "http://freie-software.bpb.de/",
            "http://www.bitkom.org/de/publikationen/38336_39870.aspx",
        ]

    def test_the_time_as_printed_in_berlin(self, found):
        (post,) = found[Post]
        # p.author: "von r23 » 21.01.2009, 05:42"; Berlin is UTC+1 in January
        assert post.created_at == datetime(2009, 1, 21, 4, 42, tzinfo=UTC)


# --- Forumactif (Forumieren), post-entry theme -------------------------------------------


class TestForumactifTopic:
    """wolfsrebellen-netz.forumieren.com/t7-forums-regeln: three messages and an ad block."""

    FORUM = "wolfsrebellen-netz.forumieren.com"
    URL = "https://wolfsrebellen-netz.forumieren.com/t7-forums-regeln"
    MESSAGES = ("p7", "p655", "p702")  # "Beitrag #1" to "#3"; "#4" is the ad, div#p0

    @pytest.fixture(scope="class")
    @classmethod
    def found(cls):
        return parse_page(
            "wolfsrebellen-netz.forumieren.com.t7.html",
            cls.URL,
            engine="forumactif",
            forum=cls.FORUM,
            timezone="Europe/Berlin",  # the page prints no zone: the forum's, as configured
        )

    def test_the_three_messages_of_lupa_with_their_times(self, found):
        posts = {post.post_id: post for post in found[Post]}
        # p.author: "von lupa am 26/10/13, 03:48 pm", "… 26/05/14, 07:41 am",
        # "… 30/05/14, 11:17 pm"; Berlin: UTC+2 in summer time (until 27 October 2013)
        expected = {
            "p7": datetime(2013, 10, 26, 13, 48, tzinfo=UTC),
            "p655": datetime(2014, 5, 26, 5, 41, tzinfo=UTC),
            "p702": datetime(2014, 5, 30, 21, 17, tzinfo=UTC),
        }
        for number, created_at in expected.items():
            post = posts[f"{self.FORUM}/{number}"]
            assert post.url == f"{self.URL}#{number}"
            assert post.author_id == f"lupa@{self.FORUM}"
            assert post.created_at == created_at
            assert post.reply_to is None  # no blockquote in any of them
            assert post.links == []  # no <a> in their div.post-entry
        assert {a.account_id for a in found[Account]} == {f"lupa@{self.FORUM}"}
        assert found[Interaction] == []

    def test_the_sponsored_block_is_not_a_message(self, found):
        assert [post.post_id for post in found[Post]] == [
            f"{self.FORUM}/{number}" for number in self.MESSAGES
        ]

    def test_the_texts_of_the_messages(self, found):
        posts = {post.post_id: post for post in found[Post]}
        rules = posts[f"{self.FORUM}/p7"].text
        assert rules.startswith("Forums - Regeln")
        assert "Wir pflegen hier ein sehr freundschaftliches Miteinander" in rules
        assert "gez. Admin lupa" in rules
        assert posts[f"{self.FORUM}/p655"].text.startswith("2. Nachtrag\n")
        third = posts[f"{self.FORUM}/p702"].text
        assert third.startswith("30.05.2014 23:07:56")
        assert "]b]3. Nachtrag[/b]" in third  # the message's own broken BBCode, as printed
        # the signature (div#sig655, div#sig702) is outside div.post-entry
        assert all("ich bin nicht da" not in post.text for post in posts.values())
