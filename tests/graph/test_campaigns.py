"""Campaign attribution by tracking-parameter families, and the rate ratio of an interrupted
time series, on cases worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graph.campaigns import (
    TOO_FEW,
    CampaignError,
    campaign_effects,
    driven_adoptions,
    rate_ratio,
    read_campaigns,
)

T0 = pd.Timestamp("2026-09-07 08:00", tz="UTC")  # a Monday, 10 h in Paris
CATALOGUE = pd.DataFrame({"resource_id": ["r1", "r2", "r3"], "parcours": ["m", "m", "x"]})
Z95 = 1.959963984540054


def _action(number, resource="r1", date=T0, **stated):
    families = {f: stated.get(f) for f in ("utm_source", "utm_medium", "utm_campaign", "xtor")}
    return {"action": number, "label": f"action {number}", "date": date, "channel": "c",
            "resource": resource, **families, "window_days": stated.get("window_days")}  # fmt: skip


def _adoptions(*links, hours=None, resources=None) -> pd.DataFrame:
    count = len(links)
    return pd.DataFrame(
        {
            "resource_id": resources or ["r1"] * count,
            "platform": "bluesky",
            "account_id": [f"a{i}" for i in range(count)],
            "adopted_at": [T0 + pd.Timedelta(hours=h) for h in (hours or [1] * count)],
            "campaign": list(links),
        }
    )


def _attributed(actions, adoptions) -> dict[str, tuple[int, str]]:
    found = driven_adoptions(pd.DataFrame(actions), adoptions, CATALOGUE)
    pairs = zip(found["action"], found["matched_on"], strict=True)
    return dict(zip(found["account_id"], pairs, strict=True))


def test_a_source_alone_attributes_links_that_carry_it_and_nothing_that_contradicts_it():
    adoptions = _adoptions(
        '{"utm_source": "newsletter"}',  # a0: its source, nothing else
        '{"utm_source": "Newsletter ", "utm_medium": "social"}',  # a1: case and spaces aside
        '{"utm_source": "bluesky"}',  # a2: another source
        '{"utm_medium": "email"}',  # a3: no stated family carried
        None,  # a4: no parameter at all
    )
    found = _attributed([_action(2, utm_source="newsletter")], adoptions)
    assert found == {"a0": (2, "utm_source"), "a1": (2, "utm_source")}
    # stating the medium too: a1's social medium contradicts the newsletter's e-mail
    found = _attributed([_action(2, utm_source="newsletter", utm_medium="email")], adoptions)
    assert found == {"a0": (2, "utm_source"), "a3": (2, "utm_medium")}


def test_xtor_codes_by_type_or_whole_code():
    adoptions = _adoptions('{"xtor": "EREC-123-[rentree]"}', '{"xtor": "erec-9"}',
                           '{"xtor": "CS1-4"}', '{"xtor": "CS1-42"}')  # fmt: skip
    assert _attributed([_action(2, xtor="EREC")], adoptions) == {
        "a0": (2, "xtor"),
        "a1": (2, "xtor"),
    }
    # a whole code: itself and its longer forms, not another code that starts alike
    assert _attributed([_action(2, xtor="CS1-4")], adoptions) == {"a2": (2, "xtor")}


def test_only_the_targeted_resources_within_the_window():
    link = '{"utm_campaign": "rentree"}'
    adoptions = _adoptions(link, link, link, link, link,
                           hours=[-1, 0, 24 * 7 - 1, 24 * 7, 2],
                           resources=["r1", "r1", "r2", "r1", "r3"])  # fmt: skip
    # a parcours action: r1 and r2 (not r3); from its time, for 7 days (not 7 days after)
    assert set(_attributed([_action(2, "m", utm_campaign="rentree")], adoptions)) == {"a1", "a2"}
    # a window of the file's own: 1 day
    assert set(_attributed([_action(2, "m", utm_campaign="rentree", window_days=1)],
                           adoptions)) == {"a1"}  # fmt: skip


def test_an_adoption_two_actions_claim_goes_to_the_campaign_then_more_then_the_latest():
    adoptions = _adoptions(
        '{"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "rentree"}',
        '{"utm_source": "newsletter", "utm_medium": "email"}',
        '{"utm_source": "newsletter"}',
        hours=[30, 30, 30],
    )
    later = T0 + pd.Timedelta(days=1)
    actions = [_action(2, utm_campaign="rentree"),
               _action(3, utm_source="newsletter", utm_medium="email"),
               _action(4, date=later, utm_source="newsletter")]  # fmt: skip
    # a0 carries action 2's campaign: action 2's, though action 3 agrees on two parameters and
    # action 4 is later; a1 agrees with action 3 on two, with 4 on one; a2 with both 3 and 4 on
    # its source alone: the later one takes it
    assert _attributed(actions, adoptions) == {
        "a0": (2, "utm_campaign"),
        "a1": (3, "utm_source+utm_medium"),
        "a2": (4, "utm_source"),
    }


def test_campaign_file_families_window_and_labels(tmp_path):
    path = tmp_path / "campaigns.csv"
    path.write_text(
        "date,channel,resource,utm_source,xtor,window_days\n"
        "2026-09-07,newsletter,r1,newsletter,,3\n"
        "2026-09-07 18:00,newsletter,r2,newsletter,,\n"
        "2026-09-14,reseau-canope.fr,r1,,EREC,\n"
    )
    table = read_campaigns(path, ["r1", "r2"], [])
    assert table["label"].tolist() == ["2026-09-07 newsletter (r1)",
                                       "2026-09-07 newsletter (r2)",
                                       "2026-09-14 reseau-canope.fr"]  # fmt: skip
    assert table["date"].iloc[0] == pd.Timestamp("2026-09-06 22:00", tz="UTC")  # Paris midnight
    assert table["window_days"].iloc[0] == 3 and pd.isna(table["window_days"].iloc[1])
    assert table["utm_campaign"].isna().all() and table["xtor"].iloc[2] == "EREC"
    path.write_text("date,channel,resource,window_days\n2026-09-07,newsletter,r1,0\n")
    with pytest.raises(CampaignError, match="line 2: window_days '0' is not a positive"):
        read_campaigns(path, ["r1"], [])
    path.write_text("date,channel,resource\n2026-09-07,newsletter,r1\n2026-31-01,bluesky,r1\n")
    with pytest.raises(CampaignError, match=r"line 3: '2026-31-01' is not a date"):
        read_campaigns(path, ["r1"], [])
    path.write_text("date,channel,resource\n2026-09-07,newsletter,r9\n")
    with pytest.raises(CampaignError, match="line 2: 'r9' is neither a catalogue resource"):
        read_campaigns(path, ["r1"], [])
    path.write_text("date,resource\n2026-09-07,r1\n")
    with pytest.raises(CampaignError, match="missing column"):
        read_campaigns(path, ["r1"], [])


# A 7 x 3 table of daily adoptions: one school-holiday week and one ordinary week before the
# action, the week after. With a weekday term, a holiday term and the step, the Poisson model
# is the log-linear independence model of this table: fitted = weekday total x week total /
# grand total. So the rate ratio is the week after over the ordinary week, 90 / 30 = 3 (not
# 90 / 22.5 = 4 as when holidays are ignored), the baseline expects 30 adoptions in the week
# after, and Var(log ratio) = 1/90 + 1/30 (Wald), scaled by Pearson's X² / 12 when above 1.
HOLIDAY_WEEK = [2, 3, 2, 3, 2, 1, 2]
ORDINARY_WEEK = [5, 6, 4, 7, 5, 2, 1]
WEEK_AFTER = [6, 8, 6, 9, 7, 4, 50]  # a busy Sunday: overdispersed (X² / 12 ≈ 2.6)


def _weeks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "adoptions": HOLIDAY_WEEK + ORDINARY_WEEK + WEEK_AFTER,
            "after": [0] * 14 + [1] * 7,
            "weekday": list(range(7)) * 3,
            "holiday": [1.0] * 7 + [0.0] * 14,
        }
    )


def test_rate_ratio_of_a_known_step_with_weekday_and_holiday_baseline():
    weeks = [HOLIDAY_WEEK, ORDINARY_WEEK, WEEK_AFTER]
    days, totals = [sum(day) for day in zip(*weeks, strict=True)], [sum(week) for week in weeks]
    grand = sum(totals)
    pearson = sum(
        (observed - days[d] * totals[w] / grand) ** 2 / (days[d] * totals[w] / grand)
        for w, week in enumerate(weeks)
        for d, observed in enumerate(week)
    )
    dispersion = max(pearson / 12, 1.0)
    assert dispersion > 1
    error = math.sqrt(dispersion * (1 / 90 + 1 / 30))

    effect = rate_ratio(_weeks())
    assert effect["rate_ratio"] == pytest.approx(3.0, rel=1e-6)
    assert effect["overdispersion"] == pytest.approx(dispersion, rel=1e-6)
    assert effect["rate_ratio_low"] == pytest.approx(3 * math.exp(-Z95 * error), rel=1e-6)
    assert effect["rate_ratio_high"] == pytest.approx(3 * math.exp(Z95 * error), rel=1e-6)
    assert effect["expected_after"] == pytest.approx(30.0, rel=1e-6)
    assert effect["adoptions_per_day_before"] == pytest.approx(45 / 14)
    assert effect["adoptions_per_day_after"] == pytest.approx(90 / 7)
    assert effect["note"] is None


def test_no_ratio_from_too_few_adoptions():
    days = _weeks()
    days.loc[days["after"] == 0, "adoptions"] = [1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    effect = rate_ratio(days, min_adoptions=5)  # 4 before
    assert effect["note"] == TOO_FEW and math.isnan(effect["rate_ratio"])
    assert effect["adoptions_per_day_before"] == pytest.approx(4 / 14)
    assert rate_ratio(days, min_adoptions=4)["note"] is None  # 4 is enough for 4


def test_effects_of_an_action_name_it_and_count_days_in_paris():
    # 3 adoptions a day at 10 h Paris for the two weeks before Monday 28 September 2026 (no
    # school holiday), 6 a day from it, and one more on a Tuesday before and one after. The
    # weekdays are balanced, so the ratio is that of the mean daily rates: (43/7)/(43/14) = 2.
    action = pd.Timestamp("2026-09-28 08:00", tz="UTC")
    days = pd.date_range("2026-09-14 08:00", "2026-10-04 08:00", freq="D", tz="UTC")
    times = [day for day in days for _ in range(3 if day < action else 6)]
    times += [pd.Timestamp(f"2026-09-{day} 08:00", tz="UTC") for day in (15, 29)]
    adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
                              "account_id": [f"a{i}" for i in range(len(times))],
                              "adopted_at": times, "campaign": None})  # fmt: skip
    campaigns = pd.DataFrame([_action(2, date=action, utm_campaign="rentree")])
    row = campaign_effects(campaigns, adoptions, CATALOGUE).iloc[0]
    assert (row["label"], row["days_before"], row["days_after"]) == ("action 2", 14, 7)
    assert (row["adoptions_before"], row["adoptions_after"]) == (43, 43)
    assert row["rate_ratio"] == pytest.approx(2.0, rel=1e-6)
    assert row["attributed_adoptions"] == 0 and row["days_to_peak"] == 1  # the Tuesday
