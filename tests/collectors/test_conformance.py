"""The conformance corpus: responses recorded from the real services by other public
projects (tests/fixtures/real/<source>/), each with its provenance in a sidecar, run through
essaim's parsers as essaim runs them.

Every expected value below was read by hand from the file (counted, copied from the page
or the row), never from the parser's output. Files of Bluesky, Jetstream, Mastodon,
Discourse, YouTube and Reddit are checked by their sources' own tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from collectors.imports import import_file
from collectors.parsing import ParseContext
from collectors.rawrun import Payload, iter_lines, run_paths
from collectors.records import Account, Interaction, Post, decode_record
from collectors.registry import parser_for, sources

REAL = Path(__file__).parents[1] / "fixtures" / "real"
READ_AT = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)

#: Where each source's real files live, when the folder is not named after the source.
FOLDERS = {"bluesky-live": ("bluesky-live", "jetstream")}

#: Sources with no real file yet, and why. The coverage test fails when one gets a file
#: (remove it from here) and when a source outside this list has none.
MISSING = {
    "import-piano": "no Piano Analytics (AT Internet) CSV export found in a public repository",
    "import-brevo": "no recorded answer of Brevo's GET /v3/emailCampaigns found: SDKs and"
    " projects seen hold type definitions and mocks, not answers (airbytehq/airbyte's"
    " source-brevo and source-sendinblue, the tap-sendinblue Singer taps: schemas and code)",
    "import-4cat": "no 4CAT CSV export found in a public repository"
    " (4CAT ships none: digitalmethodsinitiative/4cat holds no CSV file; the file index cannot"
    " search CSV contents, and no repository named for 4CAT data was found; neither does"
    " digitalmethodsinitiative/4cat_web_studies_extensions; alexbnewhouse/network-inference's"
    " sample_4chan.csv is made up)",
    "import-crowdtangle": "no CrowdTangle CSV download found in a licensed repository"
    " (willdoliver/crowdTangleAnalisys holds a real search-csv-export.csv but states no licence;"
    " architmeta/crowdtangle-jupyter-nb, SaikatPhys/CrowdTangle-NLP: derived CSVs, no licence;"
    " medialab/minet writes the API's columns, not the download's; jrosen48/tidycrowdtangle,"
    " jhroy/midiBIN_CrowdTangle, mr-devs/exploring_crowdtangle_lists,"
    " jennyallen/crowdtangle_domain_pull, danielkingori/phoenix: lists and code, no export)",
    "import-mcl": "no Meta Content Library CSV found (downloads are for approved researchers)",
    "import-linkedin": "no LinkedIn page analytics export found (repositories reading one,"
    " such as snikulin/linkedin-analytics and LukaszMalucha/Linkedin-Analytics, commit none)",
    "import-meta-business": "no Meta Business Suite post export found (code search found"
    " column lists of parsers, no export file)",
}


def real_files() -> list[Path]:
    """Every corpus file (sidecars left out)."""
    return sorted(
        path
        for path in REAL.rglob("*")
        if path.is_file() and not path.name.endswith(".source.json")
    )


def sidecar(path: Path) -> Path | None:
    """``<file>.source.json``, or ``<stem>.source.json`` as some helpers name it."""
    for candidate in (
        path.with_name(path.name + ".source.json"),
        path.with_name(path.stem + ".source.json"),
    ):
        if candidate.is_file():
            return candidate
    return None


def test_every_real_file_says_where_it_comes_from():
    files = real_files()
    assert files
    lacking = []
    for path in files:
        found = sidecar(path)
        if found is None:
            lacking.append(f"{path.relative_to(REAL)}: no sidecar")
            continue
        note = json.loads(found.read_text(encoding="utf-8"))
        project = note.get("project") or note.get("repository")
        missing = [k for k, v in (("project", project), ("path", note.get("path"))) if not v]
        missing += [] if note.get("licence") else ["licence"]
        if missing:
            lacking.append(f"{path.relative_to(REAL)}: sidecar lacks {', '.join(missing)}")
    assert not lacking, "\n".join(lacking)


def test_every_source_and_import_format_has_a_real_file():
    covered = {
        name
        for name in sources()
        for folder in FOLDERS.get(name, (name,))
        if (REAL / folder).is_dir() and any(sidecar(p) for p in (REAL / folder).iterdir())
    }
    uncovered = sorted(set(sources()) - covered - set(MISSING))
    assert not uncovered, f"sources with no real file in tests/fixtures/real/: {uncovered}"
    now_covered = sorted(set(MISSING) & covered)
    assert not now_covered, f"these have real files now, take them out of MISSING: {now_covered}"
    assert set(MISSING) <= set(sources()), "MISSING names a source the registry does not know"


def parse(source: str, url: str, body: str, headers: dict, **params):
    """Parse one payload as the collector stores it, with the registry's parser."""
    payload = Payload(
        seq=1, received_at=READ_AT, url=url, status=200, headers=headers, body=body, params=params
    )
    context = ParseContext(source, "conformance", READ_AT)
    return parser_for(source)(payload, context), context


def by_type(records):
    found: dict[type, list] = {Post: [], Account: [], Interaction: []}
    for record in records:
        found[type(record)].append(record)
    return found


# --- Telegram ------------------------------------------------------------------------


class TestTelegramChannelPreview:
    """t.me/s/ClashReport?before=93449, saved by cowolff/ukraine_aggregator (trimmed)."""

    @pytest.fixture(scope="class")
    @classmethod
    def found(cls):
        body = (REAL / "telegram" / "clashreport-before-93449.html").read_text(encoding="utf-8")
        records, context = parse(
            "telegram",
            "https://t.me/s/ClashReport?before=93449",
            body,
            {"Content-Type": "text/html; charset=utf-8"},
        )
        assert not context.ignored
        return by_type(records)

    def test_the_channel_and_its_subscribers(self, found):
        (channel,) = found[Account]
        # header: "@ClashReport", title "Clash Report", counter "110K subscribers"
        assert (channel.account_id, channel.display_name) == ("clashreport", "Clash Report")
        assert channel.followers_count == 110_000

    def test_five_messages_with_their_times_and_views(self, found):
        posts = {post.post_id: post for post in found[Post]}
        # five data-post attributes on the page
        assert sorted(posts) == [f"clashreport/{n}" for n in (93429, 93433, 93434, 93437, 93448)]
        first = posts["clashreport/93429"]
        assert first.author_id == "clashreport"
        assert first.url == "https://t.me/clashreport/93429"
        assert first.created_at == datetime(2026, 8, 24, 3, 46, 52, tzinfo=UTC)  # +00:00
        assert first.engagement.views == 3_120  # "3.12K"
        assert posts["clashreport/93448"].engagement.views == 697  # "697"
        edited = posts["clashreport/93437"]  # "edited" before its date: the same time kept
        assert edited.created_at == datetime(2026, 8, 24, 4, 32, 18, tzinfo=UTC)
        assert edited.engagement.views == 3_060
        assert all(post.links == [] for post in posts.values())  # no link in any text

    def test_a_reply_keeps_its_own_text_not_the_quoted_message(self, found):
        posts = {post.post_id: post for post in found[Post]}
        reply = posts["clashreport/93433"]
        assert reply.reply_to == "clashreport/93428"  # a.tgme_widget_message_reply
        assert reply.text.startswith("Britain will support Ukraine’s long-range missile")
        assert "Andy Burnham" not in reply.text  # the quoted message's text
        acts = [(i.kind, i.actor_id, i.target_post_id, i.post_id) for i in found[Interaction]]
        assert acts == [("reply", "clashreport", "clashreport/93428", "clashreport/93433")]

    def test_an_album_with_nested_text_blocks_is_read_once(self, found):
        album = next(p for p in found[Post] if p.post_id == "clashreport/93434")
        assert album.text.startswith("WATCH: US strategic bombers flew so low")
        assert album.text.count("WATCH:") == 1
        assert "Air Force One also made a low pass" in album.text


# --- Web pages -----------------------------------------------------------------------


class TestWebPage:
    """blog.python.org's "Python 3.6.0 is now available!", saved by adbar/htmldate."""

    URL = "http://blog.python.org/2016/12/python-360-is-now-available.html"

    @pytest.fixture(scope="class")
    @classmethod
    def found(cls):
        body = (REAL / "web" / "blog.python.org.html").read_text(encoding="utf-8")
        records, _ = parse(
            "web",
            cls.URL,
            body,
            {"Content-Type": "text/html; charset=UTF-8"},
            domains=["www.python.org"],
        )
        return by_type(records)

    def test_the_page_is_a_post_of_its_site_dated_as_it_says(self, found):
        (post,) = found[Post]
        (site,) = found[Account]
        assert post.post_id == post.url == self.URL
        assert post.author_id == site.account_id == "blog.python.org"
        # <abbr class='published' title='2016-12-23T05:11:00-05:00'>
        eastern = timezone(timedelta(hours=-5))
        assert post.created_at == datetime(2016, 12, 23, 5, 11, tzinfo=eastern)
        assert post.text.startswith("Python Insider: Python 3.6.0 is now available!")

    def test_only_links_to_the_tracked_host_in_page_order(self, found):
        (post,) = found[Post]
        # body anchors to www.python.org, in order (docs.python.org and the blog are not it)
        assert post.links == [
            "https://www.python.org/downloads/release/python-360/",
            "https://www.python.org/psf-landing/",
            "http://www.python.org/",
        ]

    def test_a_link_s_context_is_its_line_of_the_post_between_br(self, found):
        (post,) = found[Post]
        title, download, thanks, related = post.text.split("\n\n")
        assert title == "Python Insider: Python 3.6.0 is now available!"
        # the post body after its first <br /><br />, "here" the link (&nbsp; read as a space)
        assert download == (
            "You can download Python 3.6.0 here. Also, most third-party distributors of Python"
            " should be making 3.6.0 packages available soon."
        )
        # the P.S. <div>, 300 characters of it; the lines around it are not its context
        assert thanks.startswith("P.S. As a volunteer-staffed open source project,")
        assert len(thanks) == 300 and "We hope you enjoy" not in post.text
        assert related == "python.org"  # the sidebar's <li>


# --- Imports -------------------------------------------------------------------------


def imported(tmp_path, kind, path, **options):
    outcome = import_file(tmp_path, kind, path, **options)
    records = []
    for _, line in iter_lines(run_paths(tmp_path, outcome.run.source, outcome.run.run_id)[0]):
        if not line.startswith(b'{"type":"payload"'):
            records.append(decode_record(line))
    return outcome, by_type(records)


class TestMinetTweets:
    """twitwi's tweet-export.csv (medialab/twitwi), the format minet writes."""

    @pytest.fixture(scope="class")
    @classmethod
    def found(cls, tmp_path_factory):
        path = REAL / "import-minet" / "tweet-export.csv"
        outcome, found = imported(tmp_path_factory.mktemp("minet"), "minet", path)
        assert (outcome.rows, outcome.refused) == (4, [])
        return found

    def test_four_tweets_with_authors_and_times(self, found):
        posts = {post.post_id: post for post in found[Post]}
        assert len(posts) == 4
        first = posts["1347085867584794624"]
        assert first.platform == "x"
        assert first.author_id == "578153150"  # user_id
        # timestamp_utc 1610005273.0; local_time 2021-01-07T08:41:13 is Paris time
        assert first.created_at == datetime(2021, 1, 7, 7, 41, 13, tzinfo=UTC)
        assert (first.engagement.likes, first.engagement.reposts) == (2, 0)
        assert first.url == "https://twitter.com/Mcmo_EVE/status/1347085867584794624"

    def test_replies_quotes_and_retweets_are_parents(self, found):
        posts = {post.post_id: post for post in found[Post]}
        assert posts["1347085867584794624"].reply_to == "1347084392481615872"
        assert posts["1348560158264328198"].reply_to == "1348549611280064519"
        quote = posts["1348592722928656384"]
        assert quote.quote_of == "1348565512352112640"
        assert quote.links == [
            "https://twitter.com/LeSommierRgis/status/1348565512352112640",
            "https://twitter.com/lesommierrgis/status/1348321819657461762",
        ]
        assert quote.community.hashtags == [
            "biden",
            "bigtech",
            "gafam",
            "libertedexpression",
            "nouvelordremondial",
        ]
        assert (quote.engagement.likes, quote.engagement.reposts) == (22, 18)
        retweet = posts["1348592751940673536"]
        assert retweet.repost_of == "1348592722928656384"
        assert retweet.author_id == "762290549168701440"
        acts = sorted((i.kind, i.target_post_id) for i in found[Interaction])
        assert acts == [
            ("quote", "1348565512352112640"),
            ("reply", "1347084392481615872"),
            ("reply", "1348549611280064519"),
            ("repost", "1348592722928656384"),
        ]


class TestCustomCsv:
    """minet's tweet_attrition.csv (medialab/minet, ftest/resources), read with a mapping of
    its own columns: a CSV essaim has no shipped mapping for."""

    MAPPING = """
platform = "x"

[columns]
post_id = "tweet_id"
url = "tweet_url"
author_id = "user_id"
author_handle = "user_screen_name"
repost_of = "retweet_original_id"
"""

    @pytest.fixture(scope="class")
    @classmethod
    def outcome(cls, tmp_path_factory):
        folder = tmp_path_factory.mktemp("csv")
        mapping = folder / "tweet-attrition.toml"
        mapping.write_text(cls.MAPPING, encoding="utf-8")
        path = REAL / "import-csv" / "tweet_attrition.csv"
        return imported(folder / "raw", "csv", path, mapping=str(mapping))

    def test_fifteen_rows_and_the_account_url_without_a_tweet_is_refused(self, outcome):
        result, _ = outcome
        # 15 data rows; the last (line 16) is "twitter.com/AmliePell,,,,,,": no tweet_id
        assert result.rows == 15
        assert result.refused == [(16, "no post id (column tweet_id empty)")]

    def test_tweets_with_their_authors(self, outcome):
        _, found = outcome
        posts = {post.post_id: post for post in found[Post]}
        assert len(posts) == 14
        assert {post.platform for post in posts.values()} == {"x"}
        netflix = posts["1443602789284782096"]
        assert netflix.author_id == "2341888057"
        # the URL is kept as the file writes it, without a scheme
        assert netflix.url == "twitter.com/NetflixFR/status/1443602789284782096"
        trump = [p for p in posts.values() if p.author_id == "25073877"]
        assert len(trump) == 6  # six realDonaldTrump rows
        handles = {a.account_id: a.handle for a in found[Account]}
        assert handles["25073877"] == "realDonaldTrump"
        assert handles["862770295219916802"] == "Djebbari_JB"

    def test_the_three_retweets_point_at_their_originals(self, outcome):
        _, found = outcome
        posts = {post.post_id: post for post in found[Post]}
        # is_retweet "yes" on three rows, each with its retweet_original_id
        reposts = {pid: p.repost_of for pid, p in posts.items() if p.repost_of}
        assert reposts == {
            "1448273572833730561": "1446024037197615105",
            "1448275153595637764": "1448275076189720577",
            "1448943568958132256": "1448943124626149395",
        }
        acts = sorted((i.kind, i.actor_id, i.target_post_id) for i in found[Interaction])
        assert acts == [
            ("repost", "1565623927", "1448943124626149395"),  # Yomguithereal, of AmliePell's
            ("repost", "1726979112", "1446024037197615105"),  # Gazou_Rctest
            ("repost", "1726979112", "1448275076189720577"),
        ]
        # AmliePell's tweet that Yomguithereal retweeted is itself a row of the file
        assert posts["1448943124626149395"].author_id == "1114578902"
