"""Matomo: parsing Reporting API answers, and ``essaim collect matomo`` over real HTTP.

Expected values are counted by hand off the fixture (tests/fixtures/matomo_site.py).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import msgspec
import pytest

from app.demo.replay import ReplayServer, Reply
from collectors.matomo.parsers import parse_payload
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload, find_runs, read_manifest
from collectors.records import Usage, decode_record
from tests.collectors.collecting import environment, essaim, write_config
from tests.fixtures import matomo_site as site

READ_AT = datetime(2026, 9, 3, 6, 0, tzinfo=UTC)
URL = "https://stats.example.org/index.php?module=API&idSite=3&format=JSON&period=day"
SOCIAL, CAMPAIGN = "&segment=referrerType%3D%3Dsocial", "&segment=referrerType%3D%3Dcampaign"


def parse(method, data, context=None, date_asked="2026-09-01,2026-09-02", status=200, segment=""):
    stored = Payload(
        seq=4,
        received_at=READ_AT,
        url=f"{URL}&method={method}&date={date_asked}{segment}",
        method="POST",
        status=status,
        params={"site": "www.e-inspe.fr"},
        body=json.dumps(data),
    )
    return parse_payload(stored, context or ParseContext("matomo", "r", READ_AT))


def test_socials_are_visits_per_day_and_network_in_lower_case():
    records = parse("Referrers.getSocials", site.SOCIALS)
    assert [(r.day, r.channel, r.count) for r in records] == [
        (date(2026, 9, 1), "social:facebook", 5),
        (date(2026, 9, 1), "social:linkedin", 2),  # "2", a string, is a count
    ]
    assert {(r.kind, r.site, r.event, r.url) for r in records} == {
        ("visit", "www.e-inspe.fr", "Referrers.getSocials", None)
    }


def test_a_row_without_visits_or_a_page_without_url_is_ignored_and_counted():
    context = ParseContext("matomo", "r", READ_AT)
    campaigns = parse("Referrers.getCampaigns", site.CAMPAIGNS, context)
    assert [(r.day, r.channel, r.count) for r in campaigns] == [
        (date(2026, 9, 1), "campaign:rentree-2026", 4),
        (date(2026, 9, 2), "campaign:rentree-2026", 1),
    ]
    pages = parse("Actions.getPageUrls", site.PAGES, context)
    assert [(r.day, r.url, r.count, r.channel) for r in pages] == [
        (date(2026, 9, 1), site.COURSE, 6, None)
    ]
    assert context.ignored == {
        "Matomo rows without nb_visits": 1,
        "Matomo page rows without url": 1,
    }


def test_pages_segmented_by_referrer_type_are_visits_of_that_channel_naming_no_network():
    social = parse("Actions.getPageUrls", site.SOCIAL_PAGES, segment=SOCIAL)
    campaign = parse("Actions.getPageUrls", site.CAMPAIGN_PAGES, segment=CAMPAIGN)
    assert [(r.day, r.url, r.channel, r.count) for r in social + campaign] == [
        (date(2026, 9, 1), site.COURSE, "social", 3),
        (date(2026, 9, 1), site.COURSE, "campaign", 2),  # "2", a string, is a count
        (date(2026, 9, 2), site.COURSE, "campaign", 0),
    ]
    assert {r.event for r in social + campaign} == {"Actions.getPageUrls"}


def test_a_report_of_another_segment_is_ignored_and_counted():
    # Another referrer type, and a segment on a report that names its channel already.
    context = ParseContext("matomo", "r", READ_AT)
    search = "&segment=referrerType%3D%3Dsearch"
    assert parse("Actions.getPageUrls", site.SOCIAL_PAGES, context, segment=search) == []
    assert parse("Referrers.getSocials", site.SOCIALS, context, segment=SOCIAL) == []
    assert context.ignored == {"Matomo reports of another segment": 2}


def test_one_day_answers_its_rows_and_a_longer_period_is_left_out():
    rows = site.SOCIALS["2026-09-01"]
    assert [r.day for r in parse("Referrers.getSocials", rows, date_asked="2026-09-01")] == [
        date(2026, 9, 1)
    ] * 2
    context = ParseContext("matomo", "r", READ_AT)
    week = {"2026-08-31,2026-09-06": rows}
    assert parse("Referrers.getSocials", week, context) == []
    assert context.ignored == {"Matomo rows of a period longer than a day": 1}


def test_error_answers_and_other_methods_give_nothing_and_a_bad_day_is_named():
    assert parse("Referrers.getSocials", site.REFUSED) == []
    assert parse("SitesManager.getSiteFromId", site.SITE) == []
    assert parse("Referrers.getSocials", {"x": 1}, status=500) == []
    with pytest.raises(
        ParseError, match=r"payload 4 \(Referrers.getSocials\): '2026-13-01' is not a day"
    ):
        parse("Referrers.getSocials", {"2026-13-01": []})


def test_zero_visits_is_a_count_and_a_negative_one_is_not():
    context = ParseContext("matomo", "r", READ_AT)
    rows = {"2026-09-01": [{"label": "X", "nb_visits": 0}, {"label": "Y", "nb_visits": -1}]}
    assert [r.count for r in parse("Referrers.getSocials", rows, context)] == [0]
    assert context.ignored == {"Matomo rows without nb_visits": 1}


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def collect(tmp_path, server, *extra, token=site.TOKEN):
    config = write_config(tmp_path, server.url, "[sources.matomo]\nrequests_per_5min = 1000000")
    arguments = ["--url", server.url, "--site-id", str(site.SITE_ID)]
    arguments += ["--since", site.SINCE, "--until", site.UNTIL]
    env = environment(ESSAIM_MATOMO_TOKEN=token)
    return essaim(config, "collect", "matomo", *arguments, *extra, env=env)


def runs(tmp_path):
    return sorted(
        (read_manifest(p) for p in find_runs(tmp_path / "data" / "raw")), key=lambda r: r.started_at
    )


def run_lines(tmp_path, run) -> list[dict]:
    path = tmp_path / "data" / "raw" / "matomo" / f"{run.run_id}.jsonl.gz"
    with gzip.open(path) as lines:
        return [json.loads(line) for line in lines]


def usages(lines) -> list[Usage]:
    return [decode_record(msgspec.json.encode(line)) for line in lines if line["type"] == "usage"]


def test_collect_posts_the_token_in_the_body_and_never_stores_it(tmp_path, server):
    site.serve(server)
    result = collect(tmp_path, server)
    assert result.returncode == 0, result.stderr
    (run,) = runs(tmp_path)
    assert run.status == "complete"
    # the site, five reports (pages thrice: all, social, campaign), the socials again (500)
    assert server.count("/index.php") == 7
    for method, target, _headers, body in server.requests:
        assert method == "POST" and body == f"token_auth={site.TOKEN}".encode()
        assert site.TOKEN not in target
    lines = run_lines(tmp_path, run)
    raw = json.dumps(lines) + json.dumps(msgspec.to_builtins(run))
    assert site.TOKEN not in raw and "token_auth" not in raw
    records = usages(lines)
    assert len(records) == 8 and sum(r.count for r in records) == 23
    pages = sorted((r.channel or "", r.day, r.count) for r in records if r.url == site.COURSE)
    assert pages == [
        ("", date(2026, 9, 1), 6),
        ("campaign", date(2026, 9, 1), 2),
        ("campaign", date(2026, 9, 2), 0),
        ("social", date(2026, 9, 1), 3),
    ]
    assert {r.site for r in records} == {"www.e-inspe.fr"}  # the site's main_url, not Matomo's
    assert site.TOKEN not in result.stdout + result.stderr


def test_a_refused_token_stops_in_one_sentence_and_resume_asks_again(tmp_path, server):
    site.serve(server, site=(Reply(site.REFUSED), Reply(site.SITE)))
    result = collect(tmp_path, server, token="wrong")
    assert (
        "Matomo refused the token: You can't access this resource" in result.stdout + result.stderr
    )
    (run,) = runs(tmp_path)
    assert run.status == "incomplete" and usages(run_lines(tmp_path, run)) == []
    again = collect(tmp_path, server, "--resume")
    assert again.returncode == 0, again.stderr
    resumed = runs(tmp_path)[-1]
    assert resumed.resumes == run.run_id and resumed.status == "complete"
    assert len(usages(run_lines(tmp_path, resumed))) == 8


def test_an_error_answer_for_one_report_fails_that_report_only(tmp_path, server):
    disabled = {"result": "error", "message": "The plugin Referrers is not enabled."}
    site.serve(server, campaigns=(Reply(disabled),))
    result = collect(tmp_path, server)
    (run,) = runs(tmp_path)
    assert run.status == "incomplete"
    failed = [i.message for i in run.incidents if i.kind == "failed-page"]
    assert failed == [
        "Matomo answered an error for Referrers.getCampaigns: The plugin Referrers is not enabled."
    ]
    records = usages(run_lines(tmp_path, run))
    assert (
        sorted(r.event for r in records)
        == ["Actions.getPageUrls"] * 4 + ["Referrers.getSocials"] * 2
    )
    assert result.returncode != 0


def test_a_failing_segmented_report_is_named_with_its_segment(tmp_path, server):
    site.serve(server)
    refused = {"result": "error", "message": "The segment is not supported."}
    social = site.report("Actions.getPageUrls", segment="referrerType==social")
    server.add("/index.php", social, Reply(refused))
    collect(tmp_path, server)
    (run,) = runs(tmp_path)
    assert [i.message for i in run.incidents if i.kind == "failed-page"] == [
        "Matomo answered an error for Actions.getPageUrls (referrerType==social): "
        "The segment is not supported."
    ]
    records = usages(run_lines(tmp_path, run))
    assert len(records) == 7 and "social" not in {r.channel for r in records}


def test_no_token_says_how_to_get_one(tmp_path, server):
    result = collect(tmp_path, server, token="")
    assert result.returncode == 1
    assert "ESSAIM_MATOMO_TOKEN" in result.stderr
