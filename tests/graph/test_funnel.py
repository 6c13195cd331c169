"""The funnel: unknown is null, none is 0, weeks are ISO weeks."""

from datetime import date

import pandas as pd

from graph.funnel import funnel
from graph.usage import resource_spans

REACH = pd.DataFrame({"resource_id": ["r1", "r1", "r1", "r2"],
                      "figure": ["potential_reach", "unique_audience", "clicks", "potential_reach"],
                      "value": [500.0, 200.0, 14.0, 50.0], "low": [500.0, 200.0, 14.0, 50.0],
                      "high": [500.0, 260.0, 14.0, 50.0]})  # fmt: skip


def test_stages_are_null_without_a_source_and_zero_without_use():
    # visits imported over 2026-09-07..20, enrolments only on 2026-09-14; no completions
    daily = pd.DataFrame({
        "resource_id": ["r1", "r1", "r1", "r1"],
        "day": [date(2026, 9, 7), date(2026, 9, 8), date(2026, 9, 14), date(2026, 9, 14)],
        "kind": ["visit", "visit", "visit", "enrolment"],
        "channel": ["social:bluesky", "campaign:EREC-1", None, None],
        "count": [3, 2, 4, 1]})  # fmt: skip
    spans = pd.DataFrame({"figure": ["visit", "visit:social", "visit:campaign", "enrolment"],
                          "first_day": [date(2026, 9, 7)] * 3 + [date(2026, 9, 14)],
                          "last_day": [date(2026, 9, 20)] * 3 + [date(2026, 9, 14)]})  # fmt: skip
    table = funnel(REACH, daily, spans)
    whole = table[table["period"] == "all"].set_index(["resource_id", "stage"])
    assert whole.loc[("r1", "potential_audience"), ["value", "kind"]].tolist() == [
        500.0,
        "estimate",
    ]
    assert whole.loc[("r1", "unique_audience"), "high"] == 260.0
    assert whole.loc[("r1", "platform_clicks"), "value"] == 14.0
    assert pd.isna(whole.loc[("r1", "newsletter_clicks"), "value"])  # no newsletter imported
    assert whole.loc[("r1", "visits"), "value"] == 9.0
    assert whole.loc[("r1", "visits_social"), "value"] == 3.0
    assert whole.loc[("r1", "visits_campaign"), "value"] == 2.0
    assert whole.loc[("r1", "enrolments"), "value"] == 1.0
    assert pd.isna(whole.loc[("r1", "completions"), "value"])
    # r2 was shared, never visited though visits were imported: 0, not unknown
    assert whole.loc[("r2", "visits"), "value"] == 0.0
    assert pd.isna(whole.loc[("r2", "platform_clicks"), "value"])
    weeks = table[table["resource_id"] == "r1"]["period"].unique().tolist()
    # Monday 7 and Tuesday 8 are ISO week 37; Monday 14 starts week 38
    assert weeks == ["all", "2026-W37", "2026-W38"]
    w37 = table[(table["period"] == "2026-W37")].set_index("stage")["value"]
    assert w37["visits"] == 5.0 and pd.isna(w37["potential_audience"])
    # the enrolments' data covers only the 14th: unknown in week 37, 1 in week 38
    assert pd.isna(w37["enrolments"])
    w38 = table[(table["period"] == "2026-W38")].set_index("stage")["value"]
    assert w38["enrolments"] == 1.0 and w38["visits"] == 4.0


def test_site_wide_channel_rows_leave_a_resource_s_channel_stages_unknown():
    # Matomo's socials and campaigns reports name no page: their rows map to no resource and
    # cover nothing per resource. The pages report (no channel) covers the visits.
    daily = pd.DataFrame({"resource_id": ["r1"], "day": [date(2026, 9, 7)], "kind": ["visit"],
                          "channel": [None], "count": [6]})  # fmt: skip
    wide = pd.DataFrame({"site": "www.e-inspe.fr", "day": [date(2026, 9, 7)] * 3,
                         "kind": "visit", "count": [6, 5, 4], "course_id": None,
                         "url": ["/course/view.php?id=42", None, None],
                         "channel": [None, "social:bluesky", "campaign:EREC-1"]})  # fmt: skip
    whole = funnel(REACH, daily, resource_spans(wide)).query("period == 'all'")
    r1 = whole[whole["resource_id"] == "r1"].set_index("stage")["value"]
    assert r1["visits"] == 6.0
    assert pd.isna(r1["visits_social"]) and pd.isna(r1["visits_campaign"])


def test_pages_segmented_by_referrer_type_count_in_their_channel_not_in_the_visits():
    # r1's page: 10 visits on the 7th, 4 of them from social networks (the pages report
    # segmented by referrerType==social) and 1 from a campaign, plus a Piano-like row naming
    # both a page and a code (2); r2 has no row but the segments cover the day: 0 each.
    day = date(2026, 9, 7)
    page = "/course/view.php?id=42"
    usage = pd.DataFrame({"site": "s", "day": [day] * 4, "kind": "visit", "count": [10, 4, 1, 2],
                          "course_id": None, "url": page,
                          "channel": [None, "social", "campaign", "campaign:EREC-1"]})  # fmt: skip
    daily = usage.assign(resource_id="r1")[["resource_id", "day", "kind", "channel", "count"]]
    whole = funnel(REACH, daily, resource_spans(usage)).query("period == 'all'")
    r1 = whole[whole["resource_id"] == "r1"].set_index("stage")["value"]
    assert (r1["visits"], r1["visits_social"], r1["visits_campaign"]) == (12.0, 4.0, 3.0)
    r2 = whole[whole["resource_id"] == "r2"].set_index("stage")["value"]
    assert (r2["visits"], r2["visits_social"], r2["visits_campaign"]) == (0.0, 0.0, 0.0)
    assert pd.isna(r2["enrolments"])
