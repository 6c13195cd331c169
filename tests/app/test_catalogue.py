"""``essaim catalogue from-moodle`` and ``from-sitemap``, run as users run them, against the
Moodle site and the sitemaps of tests/fixtures/catalogue_sites.py served on 127.0.0.1 (the
replay server acting as the sites' proxy, so they keep their names).

Expected rows are read off the fixture pages by hand.
"""

from __future__ import annotations

import csv

import pytest

from app.demo.replay import ReplayServer, Reply
from graph.resources import read_catalogue, url_key
from tests.collectors.collecting import environment, essaim, write_config
from tests.fixtures.catalogue_sites import serve_moodle, serve_sitemaps

MOODLE = "http://formation.example/"
SITE = "http://ressources.example/"


@pytest.fixture
def site(tmp_path):
    """The two sites served; the configuration and environment that reach them."""
    with ReplayServer() as server:
        serve_moodle(server)
        serve_sitemaps(server)
        config = write_config(tmp_path, server.url, "[sources.web]\nrequests_per_5min = 1000000")
        proxy = {"http_proxy": server.url, "HTTP_PROXY": server.url, "no_proxy": "", "NO_PROXY": ""}
        yield server, config, environment(**proxy)


def rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def asked(server) -> list[str]:
    return sorted(target for _, target, *_ in server.requests)


def test_from_moodle_catalogues_every_course_a_guest_can_see(site, tmp_path):
    server, config, env = site
    out = tmp_path / "moodle.csv"
    result = essaim(config, "catalogue", "from-moodle", MOODLE, "--out", str(out), env=env)
    assert result.returncode == 2, result.stderr  # some pages could not be read
    index = f"{MOODLE}course/index.php"
    notes = sorted(line for line in result.stderr.splitlines() if line.startswith("note"))
    assert notes == [
        f"note {index}?categoryid=2: the site sends guests to its login page, not read",
        f"note {index}?categoryid=4: a course box has no course/view.php?id= link "
        f"({MOODLE}mod/page/view.php?id=88)",
        f"note {index}?categoryid=5: HTTP 404, not read",
        f"note {index}?categoryid=6: the site's robots.txt forbids reading it, not read",
    ]
    paging = "browse=courses&perpage=2&page="
    assert asked(server) == [
        index,
        f"{index}?categoryid=1",
        f"{index}?categoryid=1&{paging}0",
        f"{index}?categoryid=1&{paging}1",
        f"{index}?categoryid=2",  # answered by a redirection to the login page, not followed
        f"{index}?categoryid=3",
        f"{index}?categoryid=4",
        f"{index}?categoryid=5",
        f"{MOODLE}robots.txt",
    ]
    assert "6 courses in 3 categories" in result.stdout
    found = rows(out)
    assert list(found[0]) == [
        "resource_id", "title", "parcours", "level", "discipline", "url_patterns", "published",
        "illustrative", "category_path", "summary", "lastmod",
    ]  # fmt: skip
    top, cycle1, classe = (
        "Parcours d'autoformation",
        "Parcours d'autoformation / Cycle 1",
        "Parcours d'autoformation / Gestion de classe",
    )
    assert [
        (r["resource_id"], r["title"], r["parcours"], r["category_path"], r["summary"])
        for r in found
    ] == [
        ("formation.example-course-101", "Structurer le temps à l'école maternelle", "Cycle 1",
         cycle1, "Cinq étapes pour construire le temps avec les élèves de maternelle."),
        ("formation.example-course-102", "Gérer la classe au quotidien", "Gestion de classe",
         classe, "Installer des routines. Prévenir les conflits. Étape 1 : l'accueil "
         "Étape 2 : les règles"),
        ("formation.example-course-103", "Enseigner l'oral en maternelle", "Cycle 1", cycle1,
         "Faire parler tous les élèves. Une classe virtuelle en fin de parcours."),
        ("formation.example-course-110", "Éthique et déontologie de l'enseignant", top, top,
         "Les principes qui guident l'action de l'enseignant."),
        ("formation.example-course-111", "Enseigner la citoyenneté européenne", top, top,
         "L'Europe à l'école : histoire, institutions, projets."),
        ("formation.example-course-112", "Évaluer pour faire apprendre", top, top, ""),
    ]  # fmt: skip
    assert found[1]["url_patterns"] == (
        f"{MOODLE}course/view.php?id=102 {MOODLE}enrol/index.php?id=102"
    )
    same = ("level", "discipline", "published", "illustrative", "lastmod")
    assert {tuple(r[c] for c in same) for r in found} == {("", "", "", "no", "")}
    catalogue = read_catalogue(out)  # what `essaim catalogue import` reads
    link = "https://www.formation.example/enrol/index.php?id=102&utm_source=lettre"
    assert catalogue.match(url_key(link)).resource_id == "formation.example-course-102"
    validated = essaim(config, "catalogue", "validate", str(out), env=env)
    assert "6 resources, 0 illustrative; valid." in validated.stdout


def test_from_a_category_page_only_that_category_and_those_below_it_are_read(site, tmp_path):
    server, config, env = site
    out = tmp_path / "parcours.csv"
    start = f"{MOODLE}course/index.php?categoryid=1"
    result = essaim(config, "catalogue", "from-moodle", start, "--out", str(out), env=env)
    assert result.returncode == 2  # category 4's box without a course
    assert [r["resource_id"].rsplit("-", 1)[1] for r in rows(out)] == [
        "101", "102", "103", "110", "111", "112",
    ]  # fmt: skip
    assert not [t for t in asked(server) if t.endswith(("categoryid=2", "categoryid=5"))]
    assert f"{MOODLE}course/index.php" not in asked(server)


def test_a_site_that_sends_every_guest_to_its_login_page_gives_no_file(site, tmp_path):
    server, config, env = site
    login = "http://ferme.example/login/index.php"
    server.add(
        "ferme.example/course/index.php", None, Reply(status=303, headers={"Location": login})
    )
    out = tmp_path / "ferme.csv"
    ferme = "http://ferme.example"
    result = essaim(config, "catalogue", "from-moodle", ferme, "--out", str(out), env=env)
    assert result.returncode == 1
    assert (
        "note http://ferme.example/course/index.php: the site sends guests to its login page, "
        "not read" in result.stderr
    )
    assert f"nothing found to catalogue; {out} not written" in result.stderr.replace("\n", "")
    assert not out.exists()
    assert not [t for t in asked(server) if "login" in t]


def test_from_sitemap_reads_the_sitemaps_robots_txt_names_gzip_and_index_included(site, tmp_path):
    _, config, env = site
    out = tmp_path / "site.csv"
    result = essaim(config, "catalogue", "from-sitemap", SITE, "--out", str(out), env=env)
    assert result.returncode == 2, result.stderr
    notices = f"{SITE}sitemaps/notices.xml.gz"
    notes = sorted(line for line in result.stderr.splitlines() if line.startswith("note"))
    assert notes == [
        f"note {SITE}prive/sitemap.xml: the site's robots.txt forbids reading it, not read",
        f"note {SITE}sitemaps/ancien.xml: HTTP 404, not read",
        f"note {notices}: line 16: a <url> without <loc>, skipped",
        f"note {notices}: line 19: <loc> '/notice/sans-adresse-complete.html' is not a web "
        "address, skipped",
        f"note {notices}: line 22: <lastmod> 'hier' of {SITE}notice/gerer-la-classe.html is "
        "not a date, left empty",
    ]
    assert "6 pages of 6 listed" in result.stdout
    found = rows(out)
    assert list(found[0])[-3:] == ["category_path", "summary", "lastmod"]  # as from Moodle
    assert [(r["resource_id"], r["url_patterns"], r["lastmod"]) for r in found] == [
        ("ressources-example", SITE, "2025-11-02"),
        ("ressources-example-agenda-webinaire-oral", f"{SITE}agenda/webinaire-oral", "2025-10"),
        # listed twice: the later date is kept
        ("ressources-example-notice-enseigner-l-oral", f"{SITE}notice/enseigner-l-oral.html",
         "2025-10-06T08:30:00+02:00"),
        ("ressources-example-notice-gerer-la-classe", f"{SITE}notice/gerer-la-classe.html", ""),
        ("ressources-example-notice-la-cooperation-entre-eleves",
         f"{SITE}notice/la-cooperation-entre-eleves.html", "2024-05-02"),
        ("ressources-example-recherche-page-2-q-oral", f"{SITE}recherche?q=oral&page=2", ""),
    ]  # fmt: skip
    same = ("title", "parcours", "published", "illustrative", "category_path", "summary")
    assert {tuple(r[c] for c in same) for r in found} == {("", "", "", "no", "", "")}
    assert len(read_catalogue(out).resources) == 6


def test_include_and_exclude_are_globs_on_the_whole_url(site, tmp_path):
    server, config, env = site
    out = tmp_path / "notices.csv"
    index = f"{SITE}sitemap_index.xml"
    patterns = ["--include", "*/notice/*", "--include", "*[?]*", "--exclude", "*cooperation*"]
    command = ["catalogue", "from-sitemap", index, "--out", str(out), *patterns]
    result = essaim(config, *command, env=env)
    assert "3 pages of 6 listed" in result.stdout
    assert [r["url_patterns"] for r in rows(out)] == [
        f"{SITE}notice/enseigner-l-oral.html",
        f"{SITE}notice/gerer-la-classe.html",
        f"{SITE}recherche?q=oral&page=2",
    ]
    assert f"{SITE}robots.txt" in asked(server)  # robots.txt is obeyed all the same
    again = essaim(config, "catalogue", "from-sitemap", index, "--out", str(out), env=env)
    assert again.returncode == 1 and "exists; give --force to replace it" in again.stderr
    assert len(rows(out)) == 3
