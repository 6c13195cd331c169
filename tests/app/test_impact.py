"""``essaim impact`` on the toy store with usage loaded from a raw run, as users run it.

The usage, all in October 2026 on e-INSPÉ (course 42 is r1's page, course 43 r2's):

- r1's enrolments: one then two a day alternately over the 14 days before 5 October (21),
  six a day over the 7 days from it (42);
- 30 visits of r1's page on 6 October (Matomo's pages report, no channel), 4 of them from
  social networks (the pages report segmented by referrerType==social);
- campaign-coded visits (Piano's xtor and Matomo's campaigns): EREC-7 12 on the 5th and 8 on
  the 6th, rentree 5 on the 5th, EREC-7 3 on the 11th (the window's last day) and 50 on the
  12th (the day after it), "autre" 40 on the 5th;
- a Brevo newsletter sent on the 5th at 08:00 UTC: 1,000 recipients, 300 opens, 20 clicks,
  8 of them on r1's course page and 5 on a page outside the catalogue;
- 4 then 3 enrolments in course 99, which the catalogue does not know.

The campaign file has one action on r1 on 5 October: utm_campaign "rentree", xtor type
"EREC", 630 €.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from collectors.records import Usage
from tests.app.test_cli import essaim
from tests.conftest import write_record_run

SENT = datetime(2026, 10, 5, 8, tzinfo=UTC)
DAY = date(2026, 10, 5)
Z95 = 1.959963984540054


def usage(run_id):
    def row(day, kind, count, **fields):
        return Usage(source="test", run_id=run_id, collected_at=datetime(2026, 10, 20, tzinfo=UTC),
                     site=fields.pop("site", "www.e-inspe.fr"), day=day, kind=kind, count=count,
                     **fields)  # fmt: skip

    before = [1, 2] * 7
    rows = [row(DAY + timedelta(days=d - 14), "enrolment", n, course_id="42")
            for d, n in enumerate(before)]  # fmt: skip
    rows += [row(DAY + timedelta(days=d), "enrolment", 6, course_id="42") for d in range(7)]
    rows += [row(DAY + timedelta(days=1), "visit", 30, url="/course/view.php?id=42"),
             row(DAY + timedelta(days=1), "visit", 4, url="/course/view.php?id=42",
                 channel="social")]  # fmt: skip
    for offset, code, count in [(0, "EREC-7", 12), (1, "EREC-7", 8), (0, "rentree", 5),
                                (6, "EREC-7", 3), (7, "EREC-7", 50), (0, "autre", 40)]:  # fmt: skip
        rows.append(row(DAY + timedelta(days=offset), "visit", count, channel=f"campaign:{code}",
                        event=code))  # fmt: skip
    letter = {"site": "brevo", "channel": "newsletter:42", "occurred_at": SENT,
              "title": "Lettre d'octobre"}  # fmt: skip
    rows += [row(DAY, "recipient", 1000, event="delivered", **letter),
             row(DAY, "open", 300, event="uniqueViews", **letter),
             row(DAY, "click", 20, event="uniqueClicks", **letter),
             row(DAY, "click", 8, url="https://www.e-inspe.fr/course/view.php?id=42",
                 event="linksStats", **letter),
             row(DAY, "click", 5, url="https://example.org/agenda", event="linksStats",
                 **letter)]  # fmt: skip
    rows += [row(date(2026, 9, 30), "enrolment", 4, course_id="99"),
             row(date(2026, 10, 1), "enrolment", 3, course_id="99")]  # fmt: skip
    return rows


@pytest.fixture
def analysed(data, raw_dir, tmp_path):
    # the toy's r1 and r2 (their links, and their course pages) as the catalogue in use
    (data / "catalogue.csv").write_text(
        "resource_id,title,parcours,level,discipline,url_patterns,published,illustrative\n"
        "r1,Fractions,maths,,,https://e-inspe.fr/r1 https://www.e-inspe.fr/course/view.php?id=42"
        ",,yes\n"
        "r2,Géométrie,maths,,,https://e-inspe.fr/r2 https://www.e-inspe.fr/course/view.php?id=43"
        ",,yes\n"
    )
    write_record_run(raw_dir, usage)
    loaded = essaim("--data", data, "load")
    assert loaded.returncode == 0, loaded.stderr
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "date,channel,resource,utm_campaign,xtor,cost\n2026-10-05,twitter,r1,rentree,EREC,630\n"
    )
    analysed = essaim("--data", data, "analyze", "--campaigns", campaigns)
    assert analysed.returncode == 0, analysed.stderr
    return data


def test_impact_json_gives_the_funnel_the_campaigns_and_the_unmatched_usage(analysed):
    result = essaim("--data", analysed, "impact", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)

    stages = {(row["resource_id"], row["stage"]): row for row in found["funnel"]}
    r1 = {stage: row["value"] for (resource, stage), row in stages.items() if resource == "r1"}
    assert r1["enrolments"] == 21 + 42
    assert r1["visits"] == 30  # the 4 from social networks are part of the 30
    assert r1["visits_social"] == 4
    assert r1["newsletter_clicks"] == 8  # the click on r1's course page only
    # campaign-coded visits are site-wide (Piano, Matomo's campaigns): none names a page, so
    # nothing says how many reached r1: unknown, not 0; nobody imported completions
    assert r1["visits_campaign"] is None and r1["completions"] is None
    assert stages["r1", "completions"]["kind"] == "counted"
    r2 = {stage: row["value"] for (resource, stage), row in stages.items() if resource == "r2"}
    assert (r2["enrolments"], r2["newsletter_clicks"], r2["completions"]) == (0, 0, None)
    assert (r2["visits"], r2["visits_social"], r2["visits_campaign"]) == (0, 0, None)

    # the site-wide rows, per site, kind and channel: campaign codes' visits and the
    # newsletter's figures without a link (its clicks on links are mapped to pages)
    channels = {(row["site"], row["kind"], row["channel"]): row for row in found["channels"]}
    assert {key: (row["count"], row["days"]) for key, row in channels.items()} == {
        ("www.e-inspe.fr", "visit", "campaign:EREC-7"): (12 + 8 + 3 + 50, 4),
        ("www.e-inspe.fr", "visit", "campaign:rentree"): (5, 1),
        ("www.e-inspe.fr", "visit", "campaign:autre"): (40, 1),
        ("brevo", "recipient", "newsletter:42"): (1000, 1),
        ("brevo", "open", "newsletter:42"): (300, 1),
        ("brevo", "click", "newsletter:42"): (20, 1),
    }
    erec = channels["www.e-inspe.fr", "visit", "campaign:EREC-7"]
    assert (erec["first_day"][:10], erec["last_day"][:10]) == ("2026-10-05", "2026-10-12")

    unmatched = {(row["course_id"], row["url"], row["kind"]): (row["count"], row["days"])
                 for row in found["unmatched"]}  # fmt: skip
    assert unmatched == {("99", None, "enrolment"): (4 + 3, 2),
                         (None, "https://example.org/agenda", "click"): (5, 1)}  # fmt: skip

    # every timed adoption of the toy fell on 1 September: too few to measure any uptake
    assert found["uptake"] and all(row["per_100"] is None for row in found["uptake"])
    assert all("too few" in row["note"] for row in found["uptake"])

    action, letter = found["campaigns"]  # by date: the file's day (Paris midnight), then 08:00
    # EREC-7 (type EREC) over 5-11 October and rentree; not the 12th, not "autre"
    assert action["coded_visits"] == 12 + 8 + 3 + 5
    assert action["codes"] == "EREC-7, rentree"
    assert (action["source"], action["resources"], action["window_days"]) == (
        "campaign file",
        "r1",
        7,
    )
    # The rate ratio with a weekday term: each weekday saw 3 enrolments over the two weeks
    # before and 6 in the week after, so RR = 6 / 1.5 = 4, its log's variance 1/42 + 1/21
    # (Poisson, the dispersion 2.33/13 below 1); 42 − 42/4 = 31.5 excess enrolments.
    assert action["enrolments_in_window"] == 42
    assert (action["enrolments_before"], action["enrolments_after"]) == (21, 42)
    assert action["rate_ratio"] == pytest.approx(4.0)
    error = math.sqrt(1 / 42 + 1 / 21)
    low, high = 4 * math.exp(-Z95 * error), 4 * math.exp(Z95 * error)
    assert action["rate_ratio_low"] == pytest.approx(low)
    assert action["rate_ratio_high"] == pytest.approx(high)
    assert action["expected_after"] == pytest.approx(10.5)
    assert action["excess_enrolments"] == pytest.approx(31.5)
    assert action["excess_low"] == pytest.approx(42 * (1 - 1 / low))
    assert action["excess_high"] == pytest.approx(42 * (1 - 1 / high))
    assert action["cost"] == 630
    assert action["cost_per_enrolment"] == pytest.approx(20.0)
    assert action["cost_per_enrolment_low"] == pytest.approx(630 / (42 * (1 - 1 / high)))
    assert action["cost_per_enrolment_high"] == pytest.approx(630 / (42 * (1 - 1 / low)))
    assert action["cost_note"] is None

    assert (letter["action"], letter["source"], letter["label"]) == (
        "newsletter:42",
        "brevo",
        "2026-10-05 Lettre d'octobre",
    )
    assert (letter["recipients"], letter["opens"], letter["clicks"]) == (1000, 300, 20)
    assert letter["resource_clicks"] == 8 and letter["resources"] == "r1"
    assert letter["coded_visits"] is None  # a newsletter states no code: unknown
    assert letter["excess_enrolments"] == pytest.approx(31.5)  # the same days of r1
    assert letter["cost_per_enrolment"] is None
    assert letter["cost_note"] == "no cost in the campaign file"


def test_impact_prints_unknown_stages_and_the_cost_per_enrolment(analysed):
    result = essaim("--data", analysed, "impact")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    coded = next(line for line in lines if "r1" in line and "visits_campaign" in line)
    assert "unknown" in coded and " 0 " not in coded
    enrolled = next(line for line in lines if "r1" in line and "│ enrolments" in line)
    assert "63" in enrolled
    # 630 / 31.5 = 20 €; its interval from the excess's
    assert "20.00 € (17.61 to 25.96)" in result.stdout
    assert "no cost in the campaign file" in result.stdout
    assert "too few" in result.stdout
    course = next(line for line in lines if "│ 99 " in line)
    assert "enrolment" in course and "7" in course
    assert "Site-wide usage by channel" in result.stdout
    erec = next(line for line in lines if "campaign:EREC-7" in line)
    assert "73" in erec and "2026-10-12" in erec


def test_impact_of_one_resource(analysed):
    result = essaim("--data", analysed, "impact", "--resource", "r2", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert {row["resource_id"] for row in found["funnel"]} == {"r2"}
    assert found["campaigns"] == []  # both actions target r1 only
    one = essaim("--data", analysed, "impact", "--resource", "r1", "--json")
    assert len(json.loads(one.stdout)["campaigns"]) == 2
    unknown = essaim("--data", analysed, "impact", "--resource", "r9")
    assert unknown.returncode != 0 and "r9" in unknown.stdout + unknown.stderr


def test_export_writes_the_usage_tables_and_their_methods(analysed, tmp_path):
    folder = tmp_path / "export"
    result = essaim("--data", analysed, "export", "--no-graphs", "--out", folder,
                    "--no-csv-protection")  # fmt: skip
    assert result.returncode == 0, result.stderr
    tables = folder / "tables"
    for name in ("usage_daily", "usage_unmatched", "funnel", "uptake", "uptake_lags"):
        assert (tables / f"{name}.csv").exists() and (tables / f"{name}.parquet").exists()
    exported = pd.read_parquet(tables / "campaign_uptake.parquet").set_index("action")
    assert list(exported.index) == ["2", "newsletter:42"]  # the file's line 2, the newsletter
    assert exported.loc["2", "cost_per_enrolment"] == pytest.approx(20.0)
    assert pd.isna(exported.loc["newsletter:42", "cost_per_enrolment"])
    written = pd.read_csv(tables / "campaign_uptake.csv")
    assert written["excess_enrolments"].tolist() == pytest.approx([31.5, 31.5])
    sidecar = json.loads((tables / "campaign_uptake.csv.meta.json").read_text())
    assert sidecar["rows"] == 2 and "cost per enrolment" in sidecar["holds"]
    methods = (folder / "METHODS.md").read_text()
    assert "enrolments caused per 100 collected adoptions" in methods
    assert "inscriptions causées pour 100 adoptions collectées" in methods
    assert "the cost per enrolment is the cost divided by the" in methods
