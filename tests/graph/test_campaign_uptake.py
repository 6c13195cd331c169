"""What each campaign action brought: coded visits, enrolments, the rate ratio's excess and the
cost per enrolment, worked by hand.

The days are in October 2026 (no school holidays before the Toussaint on the 17th), so the
interrupted time series has a weekday term only. With two weeks before (B enrolments, the
same weekday pattern each week as the week after's) and one week after (A), its rate ratio is
RR = (A/7)/(B/14) = 2A/B and the variance of log RR is 1/A + 1/B.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from graph.campaign_uptake import CAMPAIGN_UPTAKE_COLUMNS, campaign_uptake
from graph.campaigns import CampaignError, read_campaigns
from graph.usage import USAGE_COLUMNS, kind_spans, resource_usage

DAY = date(2026, 10, 5)
Z95 = 1.959963984540054
CATALOGUE = pd.DataFrame({"resource_id": ["r1", "r2"], "parcours": ["maths", "maths"],
                          "url_patterns": [["e-inspe.fr/course/view.php?id=1"],
                                           ["e-inspe.fr/course/view.php?id=2"]]})  # fmt: skip


def rows(*found):
    """Usage rows from ``(day offset from DAY, kind, count, fields)``."""
    table = [{"site": "www.e-inspe.fr", "day": DAY + timedelta(days=offset), "kind": kind,
              "count": count, **fields} for offset, kind, count, fields in found]  # fmt: skip
    return pd.DataFrame(table, columns=USAGE_COLUMNS, dtype=object).astype({"count": "int64"})


def enrolled(before, after, course="1"):
    """Enrolments of a course over the 14 days before DAY and the 7 from it."""
    counts = [*before, *after]
    return rows(*((d - 14, "enrolment", n, {"course_id": course}) for d, n in enumerate(counts)))


def action(**stated):
    found = {"action": 2, "label": "2026-10-05 newsletter", "channel": "newsletter",
             "date": pd.Timestamp("2026-10-05", tz="Europe/Paris").tz_convert("UTC"),
             "resource": "r1", "utm_source": None, "utm_medium": None, "utm_campaign": None,
             "xtor": None, "window_days": None, "cost": math.nan}  # fmt: skip
    return pd.DataFrame([{**found, **stated}])


def uptake(campaigns, usage, **options):
    daily, _ = resource_usage(usage, CATALOGUE)
    return campaign_uptake(campaigns, usage, daily, kind_spans(usage), CATALOGUE, **options)


def test_coded_visits_are_the_actions_codes_within_its_window():
    visits = rows(
        *((offset, "visit", count, {"channel": f"campaign:{code}"}) for offset, code, count in [
            (0, "EREC-7", 1), (0, "erec", 2), (6, "Rentree", 4),  # its codes, to the last day
            (0, "ERECX-1", 100), (0, "autre", 200),  # other codes
            (-1, "EREC-7", 300), (7, "EREC-7", 400),  # the day before, the day after the window
        ]),
    )  # fmt: skip
    usage = pd.concat([enrolled([1] * 14, [1] * 7), visits])
    found = uptake(action(utm_campaign="rentree", xtor="EREC"), usage).iloc[0]
    assert found["coded_visits"] == 1 + 2 + 4
    assert found["codes"] == "EREC-7, Rentree, erec"
    whole = uptake(action(xtor="erec-7", window_days=8), usage).iloc[0]
    assert whole["coded_visits"] == 1 + 400  # a whole code: only its own; the 8th day counted
    assert whole["codes"] == "EREC-7"
    assert whole["enrolments_in_window"] == 7  # the enrolment data ends on the 7th day


def test_unknown_figures_stay_unknown():
    usage = enrolled([1] * 14, [1] * 7)
    found = uptake(action(utm_campaign="rentree"), usage).iloc[0]
    assert math.isnan(found["coded_visits"])  # no campaign-coded visits imported
    assert math.isnan(found["recipients"]) and found["codes"] is None
    late = pd.concat([usage, rows((30, "visit", 5, {"channel": "campaign:rentree"}))])
    assert math.isnan(uptake(action(utm_campaign="rentree"), late).iloc[0]["coded_visits"])
    no_code = pd.concat([usage, rows((0, "visit", 5, {"channel": "campaign:rentree"}))])
    assert math.isnan(uptake(action(), no_code).iloc[0]["coded_visits"])  # states no code
    visits = rows((0, "visit", 5, {"channel": "campaign:rentree"}))
    alone = uptake(action(utm_campaign="rentree"), visits).iloc[0]
    assert alone["coded_visits"] == 5 and math.isnan(alone["enrolments_in_window"])
    assert alone["note"] == "no enrolments loaded"


def test_excess_and_cost_per_enrolment():
    # B = 21 (1, 2, 1, 2… then 2, 1, 2…), A = 42: RR = 4, excess 42 − 42/4 = 31.5; 630 €
    found = uptake(action(cost=630.0), enrolled([1, 2] * 7, [6] * 7)).iloc[0]
    error = math.sqrt(1 / 42 + 1 / 21)
    low, high = 4 * math.exp(-Z95 * error), 4 * math.exp(Z95 * error)
    assert (found["enrolments_before"], found["enrolments_after"]) == (21, 42)
    assert found["rate_ratio"] == pytest.approx(4)
    assert (found["rate_ratio_low"], found["rate_ratio_high"]) == pytest.approx((low, high))
    assert found["expected_after"] == pytest.approx(10.5)
    assert found["excess_enrolments"] == pytest.approx(31.5)
    assert found["excess_low"] == pytest.approx(42 * (1 - 1 / low))
    assert found["excess_high"] == pytest.approx(42 * (1 - 1 / high))
    assert found["cost_per_enrolment"] == pytest.approx(20)
    assert found["cost_per_enrolment_low"] == pytest.approx(630 / (42 * (1 - 1 / high)))
    assert found["cost_per_enrolment_high"] == pytest.approx(630 / (42 * (1 - 1 / low)))
    assert found["cost_note"] is None and found["note"] is None


def test_an_interval_reaching_no_excess_has_no_upper_cost():
    # B = 7 (1, 0, 1, 0…), A = 7: RR = 2, excess 3.5, 35 € → 10 €; RR_low < 1, no upper end
    found = uptake(action(cost=35.0), enrolled([1, 0] * 7, [1] * 7)).iloc[0]
    low = 2 * math.exp(-Z95 * math.sqrt(2 / 7))
    assert found["rate_ratio"] == pytest.approx(2)  # to the fit's tolerance (zero counts)
    assert found["rate_ratio_low"] == pytest.approx(low, rel=1e-5)
    assert low < 1 and found["excess_low"] == pytest.approx(7 * (1 - 1 / low), rel=1e-4)
    assert found["cost_per_enrolment"] == pytest.approx(10)
    assert math.isnan(found["cost_per_enrolment_high"])


def test_no_cost_per_enrolment_without_an_excess():
    fewer = uptake(action(cost=100.0), enrolled([2] * 14, [1] * 7)).iloc[0]
    assert fewer["rate_ratio"] == pytest.approx(0.5)
    assert fewer["excess_enrolments"] == pytest.approx(7 * (1 - 2))
    assert math.isnan(fewer["cost_per_enrolment"]) and fewer["cost_note"] == "no excess enrolments"
    # 5 enrolments after is enough (min_enrolments), 4 is too few
    assert uptake(action(), enrolled([1] * 14, [1] * 5 + [0] * 2)).iloc[0]["note"] is None
    few = uptake(action(cost=100.0), enrolled([1] * 14, [1] * 4 + [0] * 3)).iloc[0]
    assert few["note"] == "too few enrolments to measure" and math.isnan(few["rate_ratio"])
    assert few["enrolments_after"] == 4 and math.isnan(few["excess_enrolments"])
    assert few["cost_note"] == "excess enrolments unknown"
    assert uptake(action(), enrolled([1] * 14, [1] * 7)).iloc[0]["cost_note"] == (
        "no cost in the campaign file"
    )


def test_a_parcours_action_counts_the_enrolments_of_its_resources():
    usage = pd.concat([enrolled([1] * 14, [1] * 7), enrolled([0] * 14, [2] * 7, course="2")])
    found = uptake(action(resource="maths"), usage).iloc[0]
    assert found["resources"] == "r1, r2"
    assert found["enrolments_in_window"] == 7 + 14 and found["enrolments_after"] == 21
    assert found["rate_ratio"] == pytest.approx(3)  # 21/7 a day after, 14/14 before


def test_newsletters_become_actions():
    sent = pd.Timestamp("2026-10-05 16:30", tz="UTC")
    letter = {"site": "mailchimp", "channel": "newsletter:abc", "occurred_at": sent,
              "title": "Octobre"}  # fmt: skip
    usage = pd.concat([
        enrolled([1] * 14, [1] * 7),
        rows((0, "recipient", 900, letter), (0, "open", 400, letter), (0, "click", 50, letter),
             (0, "click", 7, {**letter, "url": "https://www.e-inspe.fr/course/view.php?id=1"}),
             (0, "click", 9, {**letter, "url": "https://example.org/"})),
        rows((0, "recipient", 10, {**letter, "channel": "newsletter:x", "title": None})),
    ])  # fmt: skip
    found = uptake(None, usage).set_index("action")
    mine = found.loc["newsletter:abc"]
    assert (mine["source"], mine["label"], mine["channel"]) == (
        "mailchimp",
        "2026-10-05 Octobre",
        "newsletter",
    )
    assert mine["date"] == sent and mine["window_days"] == 7
    assert (mine["recipients"], mine["opens"], mine["clicks"]) == (900, 400, 50)
    assert mine["resource_clicks"] == 7 and mine["resources"] == "r1"
    assert mine["enrolments_in_window"] == 7 and mine["rate_ratio"] == pytest.approx(1)
    other = found.loc["newsletter:x"]  # no click per link, no title
    assert other["label"] == "2026-10-05 newsletter:x" and math.isnan(other["resource_clicks"])
    assert other["note"] == "its links lead to no catalogue resource"
    assert math.isnan(other["clicks"]) and math.isnan(other["enrolments_in_window"])


def test_nothing_to_report_is_an_empty_table_of_the_same_columns():
    found = uptake(None, rows().iloc[0:0])
    assert found.empty and list(found.columns) == CAMPAIGN_UPTAKE_COLUMNS


def test_the_campaign_file_may_give_a_cost(tmp_path):
    path = tmp_path / "campaigns.csv"
    path.write_text("date,channel,resource,cost\n2026-10-05,x,r1,1200\n2026-10-06,x,r1,\n"
                    "2026-10-07,x,r1,\"1200,50\"\n2026-10-08,x,r1,0\n")  # fmt: skip
    costs = read_campaigns(path, ["r1"], [])["cost"].tolist()
    assert costs[0] == 1200 and math.isnan(costs[1]) and costs[2:] == [1200.5, 0]
    for bad in ("douze", "-3", "inf"):
        path.write_text(f"date,channel,resource,cost\n2026-10-05,x,r1,{bad}\n")
        with pytest.raises(CampaignError, match=f"line 2: cost '{bad}' is not a number of euros"):
            read_campaigns(path, ["r1"], [])
    path.write_text("date,channel,resource\n2026-10-05,x,r1\n")
    assert math.isnan(read_campaigns(path, ["r1"], [])["cost"].iloc[0])
