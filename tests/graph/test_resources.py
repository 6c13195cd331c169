"""URL identity: every expected key below was written by hand from the rules in
graph/resources.py (no scheme, no www., no trailing slash or fragment, host lower-cased, path
case kept, tracking and campaign parameters removed, other parameters kept and sorted)."""

import pytest

from app.config import DATASETS
from graph.resources import (
    Catalogue,
    CatalogueError,
    CatalogueResource,
    Linker,
    campaign_parameters,
    is_shortened,
    is_tracked,
    read_catalogue,
    url_key,
)

COURSE = "e-inspe.fr/course/view.php?id=42"
NOTICE = "reseau-canope.fr/notice/la-cooperation-entre-eleves.html"

URL_VARIANTS = [
    # scheme, www, trailing slash, port, credentials
    ("https://www.e-inspe.fr/course/view.php?id=42", COURSE),
    ("http://www.e-inspe.fr/course/view.php?id=42", COURSE),
    ("https://e-inspe.fr/course/view.php?id=42", COURSE),
    ("e-inspe.fr/course/view.php?id=42", COURSE),
    ("www.e-inspe.fr/course/view.php?id=42", COURSE),
    ("https://www.e-inspe.fr:443/course/view.php?id=42", COURSE),
    ("https://user:pass@www.e-inspe.fr/course/view.php?id=42", COURSE),
    ("https://www.e-inspe.fr/parcours/gestion-de-classe/", "e-inspe.fr/parcours/gestion-de-classe"),
    ("https://www.e-inspe.fr/parcours/gestion-de-classe", "e-inspe.fr/parcours/gestion-de-classe"),
    ("https://www.e-inspe.fr/", "e-inspe.fr"),
    ("https://www.e-inspe.fr", "e-inspe.fr"),
    ("https://www.e-inspe.fr/index.html", "e-inspe.fr"),
    # case: host case does not matter, path case does
    ("HTTPS://WWW.E-INSPE.FR/course/view.php?id=42", COURSE),
    ("https://www.E-Inspe.fr/Parcours/X", "e-inspe.fr/Parcours/X"),
    # fragments
    ("https://www.e-inspe.fr/course/view.php?id=42#section-3", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42#", COURSE),
    # campaign and tracking parameters are not identity
    ("https://www.e-inspe.fr/course/view.php?id=42&utm_source=bluesky", COURSE),
    ("https://www.e-inspe.fr/course/view.php?utm_medium=social&id=42&utm_campaign=rentree", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&xtor=CS1-3", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&fbclid=IwAR0abc", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&mtm_campaign=lettre&mtm_kwd=x", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&pk_campaign=lettre", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&gclid=abc", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&at_medium=email", COURSE),
    ("https://www.e-inspe.fr/course/view.php?id=42&_hsenc=p2A&_hsmi=9", COURSE),
    ("https://www.reseau-canope.fr/notice/la-cooperation-entre-eleves.html?xtor=CS1-12", NOTICE),
    # Moodle ids are identity, and parameter order does not matter
    ("https://www.e-inspe.fr/course/view.php?id=43", "e-inspe.fr/course/view.php?id=43"),
    ("https://www.e-inspe.fr/mod/page/view.php?id=1234", "e-inspe.fr/mod/page/view.php?id=1234"),
    (
        "https://www.e-inspe.fr/course/view.php?section=2&id=42",
        "e-inspe.fr/course/view.php?id=42&section=2",
    ),
    (
        "https://www.e-inspe.fr/course/view.php?id=42&section=2",
        "e-inspe.fr/course/view.php?id=42&section=2",
    ),
    # percent-encoding
    ("https://www.e-inspe.fr/parcours/caf%C3%A9", "e-inspe.fr/parcours/café"),
    ("https://www.e-inspe.fr/parcours/café", "e-inspe.fr/parcours/café"),
    ("https://www.e-inspe.fr/parcours/%C3%A9cole-inclusive", "e-inspe.fr/parcours/école-inclusive"),
    # redirect wrappers
    (
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.e-inspe.fr%2Fcourse%2Fview.php%3Fid%3D42&h=AT0",
        COURSE,
    ),
    (
        "https://lm.facebook.com/l.php?u=https%3A%2F%2Fwww.e-inspe.fr%2Fcourse%2Fview.php%3Fid%3D42",
        COURSE,
    ),
    ("https://www.google.com/url?q=https://www.e-inspe.fr/course/view.php?id%3D42&sa=D", COURSE),
    (
        "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fwww.e-inspe.fr%2Fcourse%2Fview.php%3Fid%3D42&urlhash=a",
        COURSE,
    ),
    (
        "https://out.reddit.com/t3_abc?url=https%3A%2F%2Fwww.e-inspe.fr%2Fcourse%2Fview.php%3Fid%3D42&token=z",
        COURSE,
    ),
    # AMP
    (
        "https://www.google.fr/amp/s/www.reseau-canope.fr/notice/la-cooperation-entre-eleves.html",
        NOTICE,
    ),
    (
        "https://www-reseau--canope-fr.cdn.ampproject.org/c/s/www.reseau-canope.fr/notice/la-cooperation-entre-eleves.html",
        NOTICE,
    ),
    ("https://www.reseau-canope.fr/notice/la-cooperation-entre-eleves.html?amp=1", NOTICE),
    ("https://www.reseau-canope.fr/notice/la-cooperation-entre-eleves.html/amp", NOTICE),
    # mobile subdomain
    ("https://m.reseau-canope.fr/notice/la-cooperation-entre-eleves.html", NOTICE),
    # shorteners are keys of their own until resolved
    ("https://bit.ly/3AbCdEf", "bit.ly/3AbCdEf"),
    ("https://t.co/AbC123", "t.co/AbC123"),
]


def test_at_least_forty_variants_are_covered():
    assert len(URL_VARIANTS) >= 40


@pytest.mark.parametrize(("url", "expected"), URL_VARIANTS)
def test_url_key(url, expected):
    assert url_key(url) == expected


def test_campaign_parameters_are_kept_as_attributes():
    url = (
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fe-inspe.fr%2F%3Futm_source%3Dfb"
        "%26utm_campaign%3Drentree%26id%3D4"
    )
    assert campaign_parameters(url) == {"utm_campaign": "rentree", "utm_source": "fb"}
    assert campaign_parameters("https://e-inspe.fr/?XTOR=CS1-3&mtm_kwd=a") == {
        "mtm_kwd": "a",
        "xtor": "CS1-3",
    }
    assert campaign_parameters("https://e-inspe.fr/course/view.php?id=4") == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://bit.ly/x", True),
        ("https://lnkd.in/x", True),
        ("https://t.co/x", True),
        ("https://huit.re/x", True),
        ("https://bl.ink/x", True),
        ("https://urlz.fr/x", True),
        ("https://www.e-inspe.fr/x", False),
        ("https://t.me/s/canal", False),
    ],
)
def test_shortener_detection(url, expected):
    assert is_shortened(url) is expected


def test_tracked_domains_include_subdomains_only():
    domains = ["e-inspe.fr", "reseau-canope.fr"]
    assert is_tracked("e-inspe.fr/x", domains)
    assert is_tracked("moodle.e-inspe.fr/x", domains)
    assert not is_tracked("notre-e-inspe.fr/x", domains)
    assert not is_tracked("example.org/e-inspe.fr", domains)


def resource(resource_id, *patterns):
    return CatalogueResource(resource_id, "t", "p", "", "", patterns, None, True)


CATALOGUE = Catalogue(
    [
        resource("course", COURSE),
        resource("parcours", "e-inspe.fr/parcours/*"),
        resource("classe", "e-inspe.fr/parcours/gestion-de-classe*"),
    ]
)


def test_matching_prefers_exact_then_longest_prefix_and_says_why():
    assert CATALOGUE.match(COURSE).resource_id == "course"
    assert "equals" in CATALOGUE.match(COURSE).reason
    assert CATALOGUE.match("e-inspe.fr/parcours/gestion-de-classe/etape-2").resource_id == "classe"
    assert CATALOGUE.match("e-inspe.fr/parcours/autre").resource_id == "parcours"
    assert "starts with" in CATALOGUE.match("e-inspe.fr/parcours/autre").reason
    assert CATALOGUE.match("e-inspe.fr/course/view.php?id=43") is None


def test_linker_resolves_shortened_links_once_and_keeps_campaigns():
    calls = []

    def resolver(url):
        calls.append(url)
        return "https://www.e-inspe.fr/course/view.php?id=42&utm_source=newsletter"

    linker = Linker(["e-inspe.fr"], CATALOGUE, resolver=resolver)
    first = linker.info("https://bit.ly/3AbC")
    linker.info("https://bit.ly/3AbC")
    assert calls == ["https://bit.ly/3AbC"]
    assert (first.key, first.resource_id, first.shortened) == (COURSE, "course", True)
    assert first.campaign == {"utm_source": "newsletter"}
    assert linker.new_resolutions == {"https://bit.ly/3AbC": first.resolved_url}


def test_linker_offline_and_failing_resolutions_leave_links_unresolved():
    def broken(url):
        raise TimeoutError("no network")

    for linker in (
        Linker(["e-inspe.fr"], CATALOGUE),
        Linker(["e-inspe.fr"], CATALOGUE, resolver=broken),
    ):
        info = linker.info("https://bit.ly/zz")
        assert (info.resolved_url, info.resource_id, info.tracked) == (None, None, False)
        assert info.match_reason == "shortened link not resolved yet"


def test_linker_uses_its_cache_before_the_resolver():
    linker = Linker(
        ["e-inspe.fr"],
        CATALOGUE,
        {"https://bit.ly/c": "https://e-inspe.fr/parcours/x"},
        resolver=lambda url: pytest.fail("resolver called"),
    )
    assert linker.info("https://bit.ly/c").resource_id == "parcours"


def test_unmatched_tracked_links_say_so():
    info = Linker(["e-inspe.fr"], CATALOGUE).info("https://e-inspe.fr/course/view.php?id=99")
    assert info.tracked and info.resource_id is None
    assert "no catalogue pattern" in info.match_reason


def test_shipped_catalogue_is_valid_and_marked_illustrative():
    catalogue = read_catalogue(DATASETS / "catalogue" / "e-inspe.csv")
    assert len(catalogue.resources) >= 10
    assert all(r.illustrative for r in catalogue.resources)
    assert catalogue.match(url_key("https://www.e-inspe.fr/course/view.php?id=101&utm_source=x"))


HEADER = "resource_id,title,parcours,level,discipline,url_patterns,published,illustrative\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("resource_id,title\nr1,t\n", r"line 1: missing column\(s\) parcours"),
        (
            HEADER + "r1,t,p,l,d,e-inspe.fr/a,2025-01-01,no\nr1,t,p,l,d,e-inspe.fr/b,,no\n",
            "line 3: duplicate resource_id 'r1'",
        ),
        (HEADER + "r1,t,p,l,d,e-inspe.fr/a,01/02/2025,no\n", "line 2: published '01/02/2025'"),
        (HEADER + "r1,t,p,l,d,,2025-01-01,no\n", "line 2: r1 has no url_patterns"),
        (HEADER + "r1,t,p,l,d,e-inspe.fr/a,,maybe\n", "line 2: illustrative must be yes or no"),
        (HEADER + ",t,p,l,d,e-inspe.fr/a,,no\n", "line 2: empty resource_id"),
        (
            HEADER + "r1,t,p,l,d,https://,,no\n",
            r"line 2: r1 has a URL pattern that is not a URL \(it has no host\)",
        ),
        (
            HEADER + "r1,t,p,l,d,e-inspe.fr:8o80/a,,no\n",
            "line 2: r1 has a URL pattern that is not a URL",
        ),
    ],
)
def test_catalogue_errors_name_the_line(tmp_path, body, message):
    path = tmp_path / "catalogue.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        read_catalogue(path)


def test_catalogue_patterns_are_normalised_like_links(tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text(
        HEADER + "r1,t,p,l,d,https://www.E-INSPE.fr/course/view.php?id=7&utm_source=x "
        "https://www.e-inspe.fr/parcours/x/*,,no\n",
        encoding="utf-8",
    )
    catalogue = read_catalogue(path)
    assert catalogue.resources[0].url_patterns == (
        "e-inspe.fr/course/view.php?id=7",
        "e-inspe.fr/parcours/x*",
    )
