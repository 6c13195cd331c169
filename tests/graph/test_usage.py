"""Usage rows mapped to catalogue resources, worked by hand."""

from datetime import UTC, date, datetime

import pandas as pd

from graph.usage import (
    SITE_COLUMNS,
    USAGE_COLUMNS,
    kind_spans,
    resource_spans,
    resource_usage,
    site_usage,
)

CATALOGUE = pd.DataFrame({
    "resource_id": ["r1", "r2"],
    "url_patterns": [["e-inspe.fr/course/view.php?id=42"], ["e-inspe.fr/parcours/geo*"]],
})  # fmt: skip
D1, D2 = date(2026, 9, 1), date(2026, 9, 2)


def rows(*given):
    return pd.DataFrame([dict.fromkeys(USAGE_COLUMNS) | row for row in given],
                        columns=USAGE_COLUMNS)  # fmt: skip


def test_course_ids_map_on_the_same_host_only_and_the_rest_is_listed():
    usage = rows(
        {"site": "www.e-inspe.fr", "day": D1, "kind": "enrolment", "count": 3, "course_id": "42"},
        {"site": "e-inspe.fr", "day": D1, "kind": "enrolment", "count": 2, "course_id": "42"},
        {"site": "autre.fr", "day": D1, "kind": "enrolment", "count": 5, "course_id": "42"},
        {"site": "e-inspe.fr", "day": D2, "kind": "view", "count": 4, "course_id": "7"},
        {"site": "e-inspe.fr", "day": D2, "kind": "visit", "count": 6,
         "url": "/parcours/geo/intro?utm_source=x", "channel": "social:bluesky"},
        {"site": "brevo", "day": D2, "kind": "recipient", "count": 900,
         "channel": "newsletter:12"},
    )  # fmt: skip
    daily, unmatched = resource_usage(usage, CATALOGUE)
    # www. aside, both e-inspe.fr rows are course 42 (3 + 2); autre.fr's course 42 is not
    assert daily[["resource_id", "day", "kind", "channel", "count"]].values.tolist() == [
        ["r1", D1, "enrolment", None, 5],
        ["r2", D2, "visit", "social:bluesky", 6],
    ]
    # the newsletter's recipients name no resource: neither matched nor unmatched
    assert sorted(map(tuple, unmatched[["site", "course_id", "count"]].values.tolist())) == [
        ("autre.fr", "42", 5), ("e-inspe.fr", "7", 4)]  # fmt: skip


def test_events_are_counted_once_when_their_daily_count_is_stored_too():
    at = datetime(2026, 9, 1, 9, tzinfo=UTC)
    key = {"site": "e-inspe.fr", "day": D1, "kind": "enrolment", "course_id": "42",
           "event": "user_enrolment_created"}  # fmt: skip
    usage = rows(
        key | {"count": 3, "learners": 3},  # the daily count of the three events below
        key | {"count": 1, "learner": "u_a", "occurred_at": at},
        key | {"count": 1, "learner": "u_a", "occurred_at": at.replace(hour=10)},
        key | {"count": 1, "learner": "u_b", "occurred_at": at},
        {**key, "kind": "view", "count": 4, "learners": 2},  # only counted: kept
    )
    daily, _ = resource_usage(usage, CATALOGUE)
    found = daily.set_index("kind")
    assert found.loc["enrolment", "count"] == 3  # not 6
    assert found.loc["enrolment", "learners"] == 2  # u_a twice, u_b
    assert found.loc["view", "count"] == 4 and found.loc["view", "learners"] == 2


def test_nothing_loaded_gives_empty_tables_and_no_span():
    daily, unmatched = resource_usage(rows(), CATALOGUE)
    assert daily.empty and unmatched.empty
    assert kind_spans(rows()).empty


def test_spans_tell_visits_by_channel_apart():
    usage = rows(
        {"site": "s", "day": D1, "kind": "visit", "count": 1, "channel": "campaign:EREC-1"},
        {"site": "s", "day": D2, "kind": "click", "count": 1, "channel": "newsletter:3"},
        {"site": "s", "day": D2, "kind": "visit", "count": 1, "channel": "direct"},
    )  # fmt: skip
    spans = kind_spans(usage).set_index("figure")
    assert spans.loc["visit", ["first_day", "last_day"]].tolist() == [D1, D2]
    assert spans.loc["visit:campaign", "last_day"] == D1
    assert "visit:social" not in spans.index and "click:newsletter" in spans.index


def test_site_wide_rows_are_totalled_per_site_kind_and_channel():
    at = datetime(2026, 9, 1, 9, tzinfo=UTC)
    usage = rows(
        {"site": "s", "day": D1, "kind": "visit", "count": 5, "channel": "social:bluesky"},
        {"site": "s", "day": D2, "kind": "visit", "count": 0, "channel": "social:bluesky"},
        {"site": "s", "day": D2, "kind": "visit", "count": 2, "channel": "social:mastodon"},
        {"site": "s", "day": D1, "kind": "visit", "count": 3, "channel": "campaign:EREC-1"},
        {"site": "brevo", "day": D1, "kind": "recipient", "count": 900, "channel": "newsletter:12"},
        {"site": "brevo", "day": D1, "kind": "click", "count": 7, "channel": "newsletter:12"},
        # a click on a link, a page's visits: they name a page, so they are not site-wide
        {"site": "brevo", "day": D1, "kind": "click", "count": 4, "channel": "newsletter:12",
         "url": "https://www.e-inspe.fr/course/view.php?id=42"},
        {"site": "s", "day": D1, "kind": "visit", "count": 9, "url": "/parcours/geo"},
        # a daily count and its two events, once; a site-wide count of no channel
        {"site": "m", "day": D1, "kind": "view", "count": 2, "event": "e"},
        {"site": "m", "day": D1, "kind": "view", "count": 1, "event": "e", "learner": "u_a",
         "occurred_at": at},
        {"site": "m", "day": D1, "kind": "view", "count": 1, "event": "e", "learner": "u_b",
         "occurred_at": at},
    )  # fmt: skip
    table = site_usage(usage)
    assert table.values.tolist() == [
        ["brevo", "click", "newsletter:12", 7, 1, D1, D1],
        ["brevo", "recipient", "newsletter:12", 900, 1, D1, D1],
        ["m", "view", None, 2, 1, D1, D1],
        ["s", "visit", "campaign:EREC-1", 3, 1, D1, D1],
        ["s", "visit", "social:bluesky", 5, 2, D1, D2],  # a day of 0 visits is a day covered
        ["s", "visit", "social:mastodon", 2, 1, D2, D2],
    ]
    assert site_usage(rows()).empty and list(site_usage(rows()).columns) == SITE_COLUMNS


def test_resource_spans_cover_only_the_rows_naming_a_page_or_a_course():
    usage = rows(
        {"site": "s", "day": D1, "kind": "visit", "count": 5, "channel": "social:bluesky"},
        {"site": "s", "day": D1, "kind": "visit", "count": 9, "url": "/parcours/geo"},
        {"site": "s", "day": D2, "kind": "visit", "count": 3, "url": "/autre", "channel": "social"},
        {"site": "s", "day": D2, "kind": "enrolment", "count": 1, "course_id": "7"},
        {"site": "s", "day": D2, "kind": "visit", "count": 3, "channel": "campaign:EREC-1"},
    )  # fmt: skip
    spans = resource_spans(usage).set_index("figure")
    # a page outside the catalogue is a page: it says the source counts per page that day
    assert spans.loc["visit", ["first_day", "last_day"]].tolist() == [D1, D2]
    assert spans.loc["visit:social", ["first_day", "last_day"]].tolist() == [D2, D2]
    assert spans.loc["enrolment", "first_day"] == D2
    assert "visit:campaign" not in spans.index  # only site-wide campaign rows
    # kind_spans: every row, but a bare "social" names no network for the campaigns
    wide = kind_spans(usage).set_index("figure")
    assert wide.loc["visit:social", ["first_day", "last_day"]].tolist() == [D1, D1]
    assert wide.loc["visit:campaign", "first_day"] == D2
