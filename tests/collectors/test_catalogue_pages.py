"""Reading a Moodle course index and sitemaps (what ``essaim catalogue from-moodle`` and
``from-sitemap`` crawl).

Expected values are read off the fixture files by hand (tests/fixtures/moodle/,
tests/fixtures/sitemaps/; their shapes are described in tests/fixtures/catalogue_sites.py).
"""

from __future__ import annotations

import gzip

import pytest

from app.cli.catalogue import sitemap_rows
from collectors import sitemaps
from collectors.moodle_index import Category, Course, is_login_page, read_index_page
from collectors.sitemaps import SitemapEntry, read_sitemap
from tests.fixtures.catalogue_sites import HERE

ROOT = "http://formation.example/"
INDEX = f"{ROOT}course/index.php"


def page(name: str, url: str):
    return read_index_page((HERE / "moodle" / name).read_text(encoding="utf-8"), url, ROOT)


def test_the_combo_list_gives_the_category_tree_its_nested_course_and_every_category_page():
    found = page("index.html", INDEX)
    boxes = [
        Category(1, "Parcours d'autoformation", None),
        Category(3, "Cycle 1", 1),  # nested in category 1's box
        Category(4, "Gestion de classe", 1),  # collapsed, nothing loaded
        Category(2, "Classes virtuelles", None),
        Category(5, "Ressources Canopé", None),
        Category(6, "Espace formateurs", None),
    ]
    menu = [  # the category menu, in its order, parents read from "Parent / Child"
        Category(1, "Parcours d'autoformation", None),
        Category(3, "Cycle 1", 1),
        Category(4, "Gestion de classe", 1),
        Category(2, "Classes virtuelles", None),
        Category(5, "Ressources Canopé", None),
        Category(6, "Espace formateurs", None),
    ]
    assert found.categories == boxes + menu
    assert found.courses == [
        Course(
            101,
            "Structurer le temps à l'école maternelle",
            "Cinq étapes pour construire le temps avec les élèves de maternelle.",
            3,
        )
    ]
    assert found.pages == [f"{INDEX}?categoryid={n}" for n in (1, 3, 4, 2, 5, 6)]
    assert found.problems == []


def test_a_category_page_gives_its_courses_subcategories_and_next_page():
    found = page("category-1.html", f"{INDEX}?categoryid=1")
    assert [c for c in found.categories if c.category_id in (3, 4)][:2] == [
        Category(3, "Cycle 1", 1),  # listed on category 1's page: its children
        Category(4, "Gestion de classe", 1),
    ]
    assert found.courses == [
        Course(
            110,
            "Éthique et déontologie de l'enseignant",
            "Les principes qui guident l'action de l'enseignant.",
            1,
        ),
        Course(
            111,
            "Enseigner la citoyenneté européenne",
            "L'Europe à l'école : histoire, institutions, projets.",  # &nbsp; as a space
            1,
        ),
    ]
    second = f"{INDEX}?categoryid=1&browse=courses&perpage=2&page=1"
    assert second in found.pages
    assert f"{INDEX}?categoryid=1" not in found.pages  # the page itself ("#", current)


def test_the_second_page_links_back_to_the_first_and_a_course_may_have_no_summary():
    found = page("category-1-page-2.html", f"{INDEX}?categoryid=1&browse=courses&perpage=2&page=1")
    assert found.courses == [Course(112, "Évaluer pour faire apprendre", "", 1)]
    assert f"{INDEX}?categoryid=1&browse=courses&perpage=2&page=0" in found.pages
    assert not [p for p in found.pages if "page=1" in p]


def test_a_summary_keeps_its_paragraphs_lines_and_items_apart_and_a_box_without_course_is_named():
    found = page("category-4.html", f"{INDEX}?categoryid=4")
    assert found.courses == [
        Course(
            102,
            "Gérer la classe au quotidien",
            "Installer des routines. Prévenir les conflits. Étape 1 : l'accueil "
            "Étape 2 : les règles",
            4,
        )
    ]
    assert found.problems == [
        "a course box has no course/view.php?id= link "
        "(http://formation.example/mod/page/view.php?id=88)"
    ]
    inline = page("category-3.html", f"{INDEX}?categoryid=3").courses[1]
    # "Faire parler&nbsp;<b>tous</b>&nbsp;les élèves." then a second paragraph
    assert (
        inline.summary == "Faire parler tous les élèves. Une classe virtuelle en fin de parcours."
    )


def test_the_login_page_is_recognised_by_its_address_or_its_body():
    login = (HERE / "moodle" / "login.html").read_text(encoding="utf-8")
    assert is_login_page(f"{ROOT}login/index.php", "")
    assert is_login_page(f"{ROOT}course/index.php?categoryid=2", login)  # shown, not redirected
    index = (HERE / "moodle" / "index.html").read_text(encoding="utf-8")
    assert not is_login_page(INDEX, index)  # its header links the login page, it is not it


def notices() -> bytes:
    return gzip.compress((HERE / "sitemaps" / "notices.xml").read_bytes())


def test_a_gzipped_urlset_gives_its_pages_and_names_its_bad_entries_by_line():
    found = read_sitemap(notices())
    assert found.urls == [
        # its image:loc is the image extension's, not a page
        SitemapEntry(
            "http://ressources.example/notice/la-cooperation-entre-eleves.html", "2024-05-02"
        ),
        SitemapEntry(
            "http://ressources.example/notice/enseigner-l-oral.html", "2025-10-06T08:30:00+02:00"
        ),
        SitemapEntry("http://ressources.example/notice/gerer-la-classe.html", ""),
    ]
    assert found.sitemaps == []
    assert found.problems == [
        "line 16: a <url> without <loc>, skipped",
        "line 19: <loc> '/notice/sans-adresse-complete.html' is not a web address, skipped",
        "line 22: <lastmod> 'hier' of http://ressources.example/notice/gerer-la-classe.html "
        "is not a date, left empty",
    ]


def test_an_index_lists_its_sitemaps_with_their_dates():
    found = read_sitemap((HERE / "sitemaps" / "sitemap_index.xml").read_bytes())
    base = "http://ressources.example/"
    assert found.sitemaps == [
        SitemapEntry(f"{base}sitemaps/notices.xml.gz", "2025-10-06T08:30:00+02:00"),
        SitemapEntry(f"{base}sitemaps/pages.xml", ""),
        SitemapEntry(f"{base}prive/sitemap.xml", ""),
        SitemapEntry(f"{base}sitemaps/ancien.xml", ""),
    ]
    assert found.urls == [] and found.problems == []


def test_a_sitemap_that_is_not_well_formed_keeps_the_entries_before_the_error():
    body = (HERE / "sitemaps" / "pages.xml").read_bytes()
    before = [
        "http://ressources.example/",
        "http://ressources.example/notice/enseigner-l-oral.html",
    ]
    cut = read_sitemap(body[: body.index(b"/agenda/")])  # a download cut in the third <url>
    assert [e.loc for e in cut.urls] == before  # not 'http://ressources.example'
    (problem,) = cut.problems
    assert problem == (
        "line 5, column 38: not well-formed XML (Premature end of data in tag loc line 5); "
        "the entries before it are kept"
    )
    bare = read_sitemap(body.replace(b"webinaire-oral", b"webinaire?a=1&b=2"))  # line 5
    assert [e.loc for e in bare.urls] == before  # line 6's '&amp;' is not read amiss either
    assert bare.problems == [
        "line 5, column 61: not well-formed XML (EntityRef: expecting ';'); "
        "the entries before it are kept"
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'<rss version="2.0"><channel/></rss>', "not a sitemap: its root element is <rss>"),
        (b"\x1f\x8b\x08\x00garbage", "not a readable gzip file"),
        (gzip.compress(b"<urlset/>")[:12], "not a readable gzip file (cut short)"),
        (b"", "empty, not a sitemap"),
        (b"<urlset", "line 1, column 8: not well-formed XML"),
    ],
)
def test_what_is_not_a_sitemap_is_named(body, problem):
    found = read_sitemap(body)
    assert found.urls == found.sitemaps == []
    assert found.problems[0].startswith(problem)


def test_a_sitemap_without_the_protocol_s_namespace_is_read_all_the_same():
    body = b"<urlset><url><loc>https://a.example/</loc><lastmod>2025-10</lastmod></url></urlset>"
    assert read_sitemap(body).urls == [SitemapEntry("https://a.example/", "2025-10")]


def test_a_gzip_larger_than_the_protocol_allows_is_refused(monkeypatch):
    monkeypatch.setattr(sitemaps, "MAX_SIZE", 100)
    found = read_sitemap(notices())
    assert found.urls == [] and found.problems[0].startswith("larger than the protocol's")


@pytest.mark.parametrize(
    ("lastmod", "kept"),
    [("2025", True), ("2025-10", True), ("2025-10-06T08:30Z", True),
     ("2025-10-06T08:30:00.5+02:00", True), ("2025-13-01", False), ("2025-02-30", False),
     ("06/10/2025", False), ("2025-10-06 08:30", False)],
)  # fmt: skip
def test_lastmod_is_a_w3c_date(lastmod, kept):
    body = (
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        f"<loc>https://a.example/</loc><lastmod>{lastmod}</lastmod></url></urlset>"
    ).encode()
    assert read_sitemap(body).urls == [SitemapEntry("https://a.example/", lastmod if kept else "")]


def test_a_real_sitemap_written_by_pkgdown_is_read_whole():
    """tests/fixtures/real/sitemaps/rtweet.info-sitemap.xml (ropensci/rtweet, MIT): counted by
    hand, 70 <url>: the home page, 64 reference pages, 5 articles; no <lastmod>."""
    body = (HERE / "real" / "sitemaps" / "rtweet.info-sitemap.xml").read_bytes()
    found = read_sitemap(body)
    assert found.problems == [] and found.sitemaps == []
    assert len(found.urls) == 70
    assert found.urls[0] == SitemapEntry("https://rtweet.info/index.html", "")
    assert sum("/reference/" in e.loc for e in found.urls) == 64
    articles = [e for e in found.urls if "/articles/" in e.loc]
    assert [e.loc.rsplit("/", 1)[1] for e in articles] == [
        "FAQ.html", "auth.html", "intro.html", "reviewer-reply.html", "stream.html",
    ]  # fmt: skip
    assert {e.lastmod for e in found.urls} == {""}
    assert [row["resource_id"] for row in sitemap_rows(articles, [])] == [
        "rtweet-info-articles-faq",
        "rtweet-info-articles-auth",
        "rtweet-info-articles-intro",
        "rtweet-info-articles-reviewer-reply",
        "rtweet-info-articles-stream",
    ]
