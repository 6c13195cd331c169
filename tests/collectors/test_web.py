"""The open web: parsing pages, and ``essaim collect web`` crawling a blog over HTTP.

Expected values are read off the fixture pages by hand (tests/fixtures/web).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
from parsel import Selector

from app.demo.replay import ReplayServer
from collectors.parsing import ParseContext
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Account, Post
from collectors.web.parsers import parse_payload, tracked_links
from tests.collectors.collecting import essaim, write_config
from tests.fixtures import web

READ_AT = datetime(2026, 9, 20, 10, 0, tzinfo=UTC)
DOMAINS = ["e-inspe.fr", "reseau-canope.fr"]


def parse(name, url="https://classe-ravel.example.org/2026/09/rentree.html", content="text/html"):
    stored = Payload(
        seq=1,
        received_at=READ_AT,
        url=url,
        status=200,
        headers={"Content-Type": content},
        params={"domains": DOMAINS},
        body=(web.HERE / name).read_text(encoding="utf-8"),
    )
    return parse_payload(stored, ParseContext("web", "r", READ_AT))


def test_a_page_linking_resources_is_a_post_of_its_site_with_the_linking_context():
    post, site = parse("rentree.html")
    assert isinstance(post, Post) and isinstance(site, Account)
    assert post.author_id == site.account_id == "classe-ravel.example.org"
    assert post.created_at == datetime(2026, 9, 12, 6, 0, tzinfo=UTC)  # 08:00 in Paris
    assert post.links == [
        "https://www.e-inspe.fr/course/view.php?id=103&utm_source=blog",
        "https://www.reseau-canope.fr/notice/oral.html",
    ]
    assert post.text == (
        "Ma rentrée avec e-INSPÉ – La classe de Mme Ravel\n\n"
        "Cet été j'ai suivi le parcours sur la différenciation : cinq étapes, une classe "
        "virtuelle, très concret.\n\n"
        "Les fiches de Réseau Canopé sur l'oral."
    )
    assert "Julie" not in str(post) and post.language == "fr"  # the writer is not named


def test_on_a_blogger_page_a_link_s_context_is_its_line_between_br():
    url = "https://classe-cm1.blogspot.com/2026/09/une-semaine-de-formation.html"
    post, site = parse("blogger.html", url=url)
    assert post.author_id == site.account_id == "classe-cm1.blogspot.com"
    assert post.created_at == datetime(2026, 9, 12, 6, 0, tzinfo=UTC)  # 08:00 in Paris
    assert post.links == [
        "https://www.e-inspe.fr/course/view.php?id=103",
        "https://www.reseau-canope.fr/notice/oral.html",
        "https://www.e-inspe.fr/course/view.php?id=104",
        "https://www.e-inspe.fr/",  # the sidebar's list of links
    ]
    assert post.text == (
        "La classe de CM1: Une semaine de formation\n\n"
        "Cette semaine, j'ai terminé le parcours sur la différenciation proposé par l'INSPÉ. "
        "Je le recommande à tous les collègues.\n\n"
        "Pour l'oral, les fiches de Réseau Canopé m'ont bien servi, surtout la fiche 3.\n\n"
        "Et pour finir : le parcours sur l'évaluation, à suivre en octobre.\n\n"
        "e-INSPÉ"
    )
    assert "Julie" not in str(post) and post.language == "fr"


def test_a_post_written_in_one_cell_gives_each_link_its_own_line():
    page = Selector(
        text="<table><tr><td class='post'>Rentrée.<br><br>J'ai suivi <a "
        "href='https://www.e-inspe.fr/course/view.php?id=103'>ce parcours</a>.<br>"
        "Et <i>aussi</i> <a href='https://www.reseau-canope.fr/'>Canopé</a><br>Fin.</td></tr></table>"
    )
    assert tracked_links(page, "https://vieux-blog.example.org/", DOMAINS) == [
        ("https://www.e-inspe.fr/course/view.php?id=103", "J'ai suivi ce parcours."),
        ("https://www.reseau-canope.fr/", "Et aussi Canopé"),
    ]


def test_pages_linking_nothing_tracked_and_non_pages_give_nothing():
    assert parse("page-c.html") == []
    assert parse("rentree.html", content="application/pdf") == []


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def test_a_crawl_stays_in_the_site_obeys_robots_and_stops_at_its_depth(tmp_path, server):
    home = web.serve_blog(server)
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"# teacher blogs\n{home}\n\n")
    config = write_config(tmp_path, server.url, extra="")
    result = essaim(config, "collect", "web", "--seeds", str(seeds), "--depth", "1")
    assert result.returncode == 0, result.stderr
    targets = sorted(t for _, t, *_ in server.requests)
    assert targets == [
        "/",
        "/2026/09/rentree.html",
        "/page-c.html",
        "/robots.txt",
        "/telecharger",
    ]  # not /prive/ (robots.txt), not the PDF, not YouTube, not page-d (2 hops)
    (manifest,) = [read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")]
    assert manifest.status == "complete" and manifest.counts["posts"] == 1
    assert "1 pages left out: the site's robots.txt forbids them" in result.stderr
    assert essaim(config, "load", "--offline", "--no-pseudonymise").returncode == 0
    with duckdb.connect(str(tmp_path / "data" / "essaim.duckdb"), read_only=True) as db:
        (post_id,) = db.execute("SELECT post_id FROM posts WHERE platform = 'web'").fetchone()
    assert post_id == f"{home}2026/09/rentree.html"


def test_a_seeds_file_with_a_bad_line_is_named(tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://ok.example.org/\nblog.example.org\n")
    config = write_config(tmp_path, "http://127.0.0.1:9")
    result = essaim(config, "collect", "web", "--seeds", str(seeds))
    assert result.returncode == 1  # a user error: nothing is collected
    assert "line 2 of" in result.stderr and "'blog.example.org'" in result.stderr
