"""The demo's usage layer: the planted effect is what the drawn data give, organic use has a
weekly rhythm and drops on school holidays, and the files say what the truth says."""

from __future__ import annotations

import json
import lzma
import re

import numpy as np
import pandas as pd
import pytest

from app.config import DATASETS
from app.demo.usage import (
    LOG_COLUMNS,
    UsageShape,
    brevo_campaigns,
    draw_usage,
    matomo_api,
    matomo_reports,
    moodle_log,
    organic_rhythm,
)
from app.demo.usage_recovery import effect_recovery

START = pd.Timestamp("2026-09-01", tz="UTC")
END = pd.Timestamp("2026-12-01", tz="UTC")
RESOURCES = pd.DataFrame(
    {
        "resource_id": ["r1", "r2", "page", "elsewhere"],
        "title": ["Fractions", "Géométrie", "Entrée dans le métier", "Coopération"],
        "url": [
            "https://www.e-inspe.fr/course/view.php?id=101",
            "https://www.e-inspe.fr/course/view.php?id=102",
            "https://www.e-inspe.fr/parcours/entree-dans-le-metier",
            "https://www.reseau-canope.fr/notice/la-cooperation",
        ],
    }
)
NO_NEWSLETTER = pd.DataFrame(columns=["resource", "date", "utm_campaign"])
QUIET = {"organic_visits": 0.0, "revisits": 0.0}


def adoptions(count: int, resource: str = "r1", seed: int = 0, days: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    at = START + pd.to_timedelta(np.sort(rng.random(count)) * days, unit="D")
    return pd.DataFrame({"resource_id": resource, "platform": "bluesky", "at": at, "link": None})


def test_the_planted_effect_is_what_the_drawn_enrolments_give_on_average():
    # 0.6 visits per adoption, each enrolling with probability 0.08: 4.8 enrolments per 100
    # adoptions. 20,000 adoptions caused Poisson(960) enrolments: sd 31, i.e. 0.155 per 100.
    shape = UsageShape(**QUIET)
    assert shape.planted == pytest.approx(4.8)
    drawn = draw_usage(adoptions(20_000), RESOURCES, NO_NEWSLETTER, START, END,
                       np.random.default_rng(1), shape)  # fmt: skip
    truth = drawn.truth.set_index("resource_id")
    assert truth.loc["r1", "caused_visits"] / 20_000 == pytest.approx(0.6, abs=0.03)
    assert 100 * truth.loc["r1", "caused_enrolments"] / 20_000 == pytest.approx(4.8, abs=0.62)
    assert truth.loc["r1", ["organic_enrolments", "newsletter_enrolments"]].tolist() == [0, 0]
    assert truth.loc["r1", "planted_per_100"] == pytest.approx(4.8)
    # A page that is not a course is visited but nobody can enrol in it; a resource off the
    # measured site has no use at all: nothing to recover in either.
    assert np.isnan(truth.loc["page", "planted_per_100"])
    assert truth.loc["elsewhere", ["visits", "enrolments"]].tolist() == [0, 0]


def test_enrolments_per_adoption_average_the_planted_rate_over_seeds():
    # Ten draws of 2,000 adoptions: the mean rate is 4.8 per 100 within 4 standard errors
    # (sd of one draw sqrt(96)/20 = 0.49; of the mean, 0.155).
    shape = UsageShape(**QUIET)
    rates = []
    for seed in range(10):
        drawn = draw_usage(adoptions(2_000, seed=seed), RESOURCES, NO_NEWSLETTER, START, END,
                           np.random.default_rng(seed), shape)  # fmt: skip
        rates.append(100 * drawn.truth.set_index("resource_id").loc["r1", "enrolments"] / 2_000)
    assert np.mean(rates) == pytest.approx(4.8, abs=0.62)


def test_visits_follow_their_adoption_after_the_log_normal_delay():
    # One adoption at noon bringing many visits: the median delay is 6 h; P(delay > 7 days)
    # = P(Z > ln(168 / 6) / 1.2 = 2.78) = 0.0027.
    one = adoptions(1)
    shape = UsageShape(visits_per_adoption=20_000, **QUIET)
    drawn = draw_usage(one, RESOURCES, NO_NEWSLETTER, START, END, np.random.default_rng(2),
                       shape)  # fmt: skip
    delay = (drawn.visits["at"] - one["at"].iloc[0]).dt.total_seconds() / 3600
    assert delay.min() > 0
    assert delay.median() == pytest.approx(6, rel=0.05)
    assert (delay > 7 * 24).mean() < 0.006


def test_nothing_happens_after_the_collection_moment():
    late = adoptions(500, days=1).assign(at=lambda f: f["at"] + (END - START - pd.Timedelta("1D")))
    drawn = draw_usage(late, RESOURCES, NO_NEWSLETTER, START, END, np.random.default_rng(3),
                       UsageShape())  # fmt: skip
    assert drawn.visits["at"].max() < END
    assert drawn.events["at"].max() < END


def test_organic_rhythm_by_hand():
    # Profile (1, 1, 2, 1, 1, 1, 1) has mean 8/7: an ordinary Wednesday is 2 / (8/7) = 1.75.
    # Toussaint 2026 runs from Saturday 17 to Sunday 1 November in every zone.
    shape = UsageShape(weekday=(1, 1, 2, 1, 1, 1, 1), holidays=0.5)
    days = pd.DatetimeIndex(["2026-10-14", "2026-10-16", "2026-10-17", "2026-11-01",
                             "2026-11-02"])  # fmt: skip
    assert organic_rhythm(days, shape).tolist() == pytest.approx([1.75, 0.875, 0.4375, 0.4375,
                                                                   0.875])  # fmt: skip


def test_organic_visits_have_a_weekly_rhythm_and_drop_on_holidays():
    # 200 visits a day on average: Wednesdays (1.3) against Sundays (0.6) outside holidays,
    # and ordinary weekdays inside the Toussaint holidays against outside (0.5).
    shape = UsageShape(organic_visits=200.0, revisits=0.0)
    drawn = draw_usage(adoptions(0), RESOURCES, NO_NEWSLETTER, START, END,
                       np.random.default_rng(4), shape)  # fmt: skip
    visits = drawn.visits[drawn.visits["resource_id"] == "r1"]
    day = visits["at"].dt.tz_convert("Europe/Paris").dt.tz_localize(None).dt.normalize()
    per_day = day.value_counts().sort_index()
    holidays = (per_day.index >= "2026-10-17") & (per_day.index <= "2026-11-01")
    outside = per_day[~holidays]
    ratio = outside[outside.index.day_of_week == 2].mean() / outside[outside.index.day_of_week == 6]
    assert ratio.mean() == pytest.approx(1.3 / 0.6, rel=0.1)
    weekdays = per_day.index.day_of_week < 5
    drop = per_day[holidays & weekdays].mean() / per_day[~holidays & weekdays].mean()
    assert drop == pytest.approx(0.5, rel=0.1)


def newsletter_draw():
    actions = pd.DataFrame({"resource": ["r2"], "date": [pd.Timestamp("2026-09-07 08:00",
                            tz="UTC")], "utm_campaign": ["rentree"]})  # fmt: skip
    shape = UsageShape(organic_visits=3.0)
    posts = adoptions(300).assign(link="https://e-inspe.fr/course/view.php?id=101&utm_campaign=x")
    return draw_usage(posts, RESOURCES, actions, START, END, np.random.default_rng(5), shape)


def test_the_moodle_log_is_the_french_report_of_the_drawn_events():
    drawn = newsletter_draw()
    log = moodle_log(drawn.events, RESOURCES, np.random.default_rng(6))
    assert list(log.columns) == LOG_COLUMNS
    assert re.fullmatch(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} "
                        r"[a-zéû]+ 2026, \d\d:\d\d", log["Heure"].iloc[0])  # fmt: skip
    names = log["Nom de l'événement"].value_counts()
    truth = drawn.truth.set_index("resource_id")
    assert names["Utilisateur inscrit au cours"] == truth["enrolments"].sum()
    assert names["Cours terminé"] == truth["completions"].sum()
    courses = log["Description"].str.extract(r"course with id '(\d+)'")[0]
    assert set(courses) == {"101", "102"}  # the page and the other site have no course
    # Newest first, as the report lists them; addresses from the documentation range.
    assert log["Adresse IP"].str.startswith("192.0.2.").all()
    enrolled = log[log["Nom de l'événement"] == "Utilisateur inscrit au cours"]
    assert (enrolled["Utilisateur concerné"] == enrolled["Nom complet de l'utilisateur"]).all()


def test_matomo_reports_count_every_visit_by_page_and_the_coded_ones_by_campaign():
    drawn = newsletter_draw()
    reports = matomo_reports(drawn.visits)
    truth = drawn.truth.set_index("resource_id")
    pages = pd.DataFrame([row for rows in reports["Actions.getPageUrls"].values() for row in rows])
    by_url = pages.groupby("url")["nb_visits"].sum()
    assert by_url["https://www.e-inspe.fr/course/view.php?id=102"] == truth.loc["r2", "visits"]
    assert by_url["https://www.e-inspe.fr/parcours/entree-dans-le-metier"] == truth.loc[
        "page", "visits"]  # fmt: skip
    campaigns = (
        pd.DataFrame([row for rows in reports["Referrers.getCampaigns"].values() for row in rows])
        .groupby("label")["nb_visits"]
        .sum()
    )
    assert campaigns["rentree"] == truth.loc["r2", "newsletter_visits"]
    assert campaigns["x"] == truth.loc["r1", "caused_visits"]  # the posts' links are coded
    answer = matomo_api(reports)
    days = answer([("method", "Actions.getPageUrls"), ("period", "day"),
                   ("date", "2026-08-30,2026-09-02")]).body  # fmt: skip
    assert list(days) == ["2026-08-30", "2026-08-31", "2026-09-01", "2026-09-02"]
    assert days["2026-08-30"] == [] and days["2026-09-01"] != []
    refused = answer([("method", "VisitsSummary.get"), ("period", "day"), ("date", "a,b")]).body
    assert refused["result"] == "error"


def page_visits(report: dict) -> pd.Series:
    """A pages report's visits per day and URL."""
    rows = [{"day": day, **row} for day, found in report.items() for row in found]
    return pd.DataFrame(rows, columns=["day", "url", "nb_visits"]).set_index(["day", "url"])[
        "nb_visits"
    ]


def test_matomo_pages_segmented_by_referrer_type_are_the_social_and_coded_visits():
    # r1's 300 adoptions carry no link: their visits come from Bluesky (social); r2's
    # newsletter link is coded (campaign); organic visits are search or direct (neither).
    actions = pd.DataFrame({"resource": ["r2"], "date": [pd.Timestamp("2026-09-07 08:00",
                            tz="UTC")], "utm_campaign": ["rentree"]})  # fmt: skip
    drawn = draw_usage(adoptions(300), RESOURCES, actions, START, END, np.random.default_rng(7),
                       UsageShape(organic_visits=3.0))  # fmt: skip
    reports = matomo_reports(drawn.visits)
    truth = drawn.truth.set_index("resource_id")
    every = page_visits(reports["Actions.getPageUrls"])
    social = page_visits(reports["Actions.getPageUrls referrerType==social"])
    coded = page_visits(reports["Actions.getPageUrls referrerType==campaign"])
    r1, r2 = RESOURCES["url"].iloc[0], RESOURCES["url"].iloc[1]
    assert social.xs(r1, level="url").sum() == truth.loc["r1", "caused_visits"] > 0
    assert coded.xs(r2, level="url").sum() == truth.loc["r2", "newsletter_visits"] > 0
    assert r2 not in social.index.get_level_values("url")
    assert r1 not in coded.index.get_level_values("url")
    # each page's social and coded visits of a day are part of its visits that day
    parts = social.add(coded, fill_value=0)
    assert (parts <= every.reindex(parts.index)).all() and (parts < every.reindex(
        parts.index)).any()  # fmt: skip
    socials = sum(row["nb_visits"] for rows in reports["Referrers.getSocials"].values()
                  for row in rows)  # fmt: skip
    assert social.sum() == socials
    answer = matomo_api(reports)
    asked = [("method", "Actions.getPageUrls"), ("period", "day"),
             ("date", "2026-09-01,2026-09-30")]  # fmt: skip
    days = answer([*asked, ("segment", "referrerType==social")]).body
    september = social[social.index.get_level_values("day") <= "2026-09-30"]
    assert list(days) == list(pd.date_range("2026-09-01", "2026-09-30").strftime("%Y-%m-%d"))
    assert page_visits(days).sum() == september.sum() > 0
    assert answer([*asked, ("segment", "referrerType==search")]).body["result"] == "error"


def test_the_brevo_report_matches_the_newsletter_drawn():
    drawn = newsletter_draw()
    sent = drawn.newsletters.iloc[0]
    report = brevo_campaigns(drawn.newsletters, RESOURCES)["campaigns"][0]
    stats = report["statistics"]["globalStats"]
    assert stats["sent"] == 12_000 and stats["uniqueViews"] == sent["opens"]
    assert stats["uniqueClicks"] == sent["clicks"] + sent["clicks_other"]
    assert report["sentDate"] == "2026-09-07T10:00:00.000+02:00"
    # Every click on the resource's link is a visit of its page (before the collection).
    assert sent["clicks"] == drawn.truth.set_index("resource_id").loc["r2", "newsletter_visits"]


def test_the_committed_demo_s_usage_files_agree_with_its_truth():
    folder = DATASETS / "demo"
    truth = pd.read_csv(folder / "usage-truth.csv")
    assert json.loads((folder / "demo.json").read_text())["usage"]["planted_per_100_adoptions"] == (
        pytest.approx(4.8)
    )
    log = pd.read_csv(folder / "moodle-log.csv.xz")
    assert (log["Nom de l'événement"] == "Utilisateur inscrit au cours").sum() == truth[
        "enrolments"
    ].sum()
    with lzma.open(folder / "matomo.json.xz", "rt", encoding="utf-8") as file:
        reports = json.load(file)
    pages = page_visits(reports["Actions.getPageUrls"])
    assert pages.sum() == truth["visits"].sum()
    social = page_visits(reports["Actions.getPageUrls referrerType==social"])
    coded = page_visits(reports["Actions.getPageUrls referrerType==campaign"])
    parts = social.add(coded, fill_value=0)
    assert len(parts) and (parts <= pages.reindex(parts.index)).all()
    for segmented, report in ((social, "Referrers.getSocials"), (coded, "Referrers.getCampaigns")):
        whole = sum(row["nb_visits"] for rows in reports[report].values() for row in rows)
        assert segmented.sum() == whole


def test_an_interval_bound_equal_to_the_reference_covers_it():
    uptake = pd.DataFrame({"scope": ["resource", "pooled"], "resource_id": ["r", None],
                           "first_day": "2026-09-15", "last_day": "2026-09-30",
                           "adoptions": [80, 80], "per_100": [6.5, 7.0],
                           "per_100_low": [6.0, np.nan], "per_100_high": [7.0, np.nan],
                           "placebo_contains_zero": [False, None]})  # fmt: skip
    truth = pd.DataFrame({"resource_id": ["r", "page"], "planted_per_100": [4.8, np.nan]})
    # True adoptions counted from the 14 lag days before the first day fitted (2026-09-01,
    # Paris) to the last (23:30 Paris on the 30th still counts, 00:30 on Oct 1 does not, nor
    # 23:59 on Aug 31): 100. Reference 4.8 × 100 / 80 = 6.0, the interval's low bound.
    at = pd.to_datetime(["2026-08-31 21:59"] + ["2026-08-31 22:00"] * 99
                        + ["2026-09-30 21:30", "2026-09-30 22:30"], utc=True)  # fmt: skip
    found = effect_recovery(uptake, truth, pd.DataFrame({"resource_id": "r", "at": at}))
    assert found[["resource", "true", "reference", "covers", "covers_planted"]].values.tolist() == [
        ["r", 100, pytest.approx(6.0), True, False],
        ["pooled", 100, pytest.approx(6.0), None, None],
    ]
    assert found["placebo"].fillna("none").tolist() == ["effect", "none"]
