"""Real Mailchimp reports (tests/fixtures/real/import-mailchimp/) through the importer.

Two items of GET /3.0/reports that Airbyte's source-mailchimp recorded from its test account
(MIT, see the sidecar), each report's ``data`` kept unchanged. Every expected value was read
by hand from the file (``emails_sent``, ``bounces``, ``opens.unique_opens``,
``clicks.unique_subscriber_clicks``, ``send_time``, ``campaign_title``), never from the
importer's output.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from collectors.imports.usage import UsageOptions, import_usage
from tests.collectors.test_analytics_imports import records

REPORTS = (
    Path(__file__).parents[1] / "fixtures" / "real" / "import-mailchimp" / "airbyte-reports.json"
)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("mailchimp")
    outcome = import_usage(
        tmp_path / "raw", "mailchimp", REPORTS, UsageOptions(pseudonymise=str)
    )  # Europe/Paris
    return outcome, records(tmp_path, outcome)


def test_two_campaigns_are_read_and_none_refused(imported):
    outcome, found = imported
    assert (outcome.rows, outcome.refused) == (2, [])
    assert {r.site for r in found} == {"mailchimp"}
    assert {r.source for r in found} == {"import-mailchimp"}


def test_recipients_opens_and_clicks_of_each_campaign(imported):
    _, found = imported
    assert [(r.channel, r.kind, r.count, r.url) for r in found] == [
        # a79651273b: emails_sent 50, every bounce 0; unique_opens 50;
        # unique_subscriber_clicks 33 (unique_clicks is 47, clicks_total 48)
        ("newsletter:a79651273b", "recipient", 50, None),
        ("newsletter:a79651273b", "open", 50, None),
        ("newsletter:a79651273b", "click", 33, None),
        # 7847cdaeff: emails_sent 1, no bounce; unique_opens 1; nobody clicked
        ("newsletter:7847cdaeff", "recipient", 1, None),
        ("newsletter:7847cdaeff", "open", 1, None),
        ("newsletter:7847cdaeff", "click", 0, None),
    ]
    assert [r.event for r in found[:3]] == [
        "emails_sent - bounces",
        "unique_opens",
        "unique_subscriber_clicks",
    ]


def test_each_campaign_is_on_its_sending_day_with_its_title(imported):
    _, found = imported
    by_campaign = {(r.channel, r.day, r.occurred_at, r.title) for r in found}
    assert by_campaign == {
        # send_time "2022-12-27T08:36:55+00:00": 09:36 in Paris, same day
        (
            "newsletter:a79651273b",
            date(2022, 12, 27),
            datetime(2022, 12, 27, 8, 36, 55, tzinfo=UTC),
            "Untitled",
        ),
        # send_time "2023-11-06T20:17:44+00:00": 21:17 in Paris, same day
        (
            "newsletter:7847cdaeff",
            date(2023, 11, 6),
            datetime(2023, 11, 6, 20, 17, 44, tzinfo=UTC),
            "Invitation to unsubscribe",
        ),
    }


def test_the_day_follows_the_time_zone_asked(tmp_path):
    options = UsageOptions(pseudonymise=str, timezone="Pacific/Auckland")
    outcome = import_usage(tmp_path / "raw", "mailchimp", REPORTS, options)
    days = {r.channel: r.day for r in records(tmp_path, outcome)}
    # 2023-11-06T20:17:44Z is 09:17 on 7 November in Auckland (UTC+13 in summer);
    # 2022-12-27T08:36:55Z is 21:36 on 27 December there
    assert days == {
        "newsletter:a79651273b": date(2022, 12, 27),
        "newsletter:7847cdaeff": date(2023, 11, 7),
    }
