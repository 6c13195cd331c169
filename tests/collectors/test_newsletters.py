"""``essaim import brevo`` and ``essaim import mailchimp``: campaign reports as usage runs.

Shapes from the APIs' documentation (Brevo GET /v3/emailCampaigns, Mailchimp GET
/3.0/reports/{id} and click-details); counts worked by hand below.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from collectors.imports.usage import UsageOptions, import_usage
from tests.collectors.test_analytics_imports import records

OPTIONS = UsageOptions(pseudonymise=str)  # Europe/Paris
LINK = "https://www.e-inspe.fr/course/view.php?id=103"


def test_brevo_list_uses_campaign_stats_when_global_stats_are_zero(tmp_path):
    zero = {"delivered": 0, "sent": 0, "uniqueViews": 0, "uniqueClicks": 0}
    campaigns = {
        "count": 2,
        "campaigns": [
            {
                "id": 7,
                "name": "Lettre de septembre",
                "sentDate": "2026-09-01T22:30:00.000+00:00",  # 2 September in Paris
                "statistics": {
                    "globalStats": zero,
                    "campaignStats": [
                        {"listId": 1, "delivered": 900, "sent": 910, "uniqueViews": 300,
                         "uniqueClicks": 40},
                        {"listId": 2, "delivered": 100, "sent": 100, "uniqueViews": 20,
                         "uniqueClicks": 5},
                    ],
                    "linksStats": {LINK: 30},
                },
            },
            {"id": 8, "name": "Brouillon", "statistics": {"globalStats": zero}},
        ],
    }  # fmt: skip
    path = tmp_path / "brevo.json"
    path.write_text(json.dumps(campaigns))
    outcome = import_usage(tmp_path / "raw", "brevo", path, OPTIONS)
    found = records(tmp_path, outcome)
    assert [(r.kind, r.count, r.url) for r in found] == [
        ("recipient", 1000, None),  # 900 + 100 delivered
        ("open", 320, None),
        ("click", 45, None),
        ("click", 30, LINK),
    ]
    assert {(r.site, r.channel, r.day, r.title) for r in found} == {
        ("brevo", "newsletter:7", date(2026, 9, 2), "Lettre de septembre")
    }
    assert found[0].occurred_at == datetime(2026, 9, 1, 22, 30, tzinfo=UTC)
    assert found[0].event == "delivered"
    assert outcome.rows == 2 and outcome.refused == []  # the draft was never sent: ignored


def test_mailchimp_report_and_click_details_pair_by_campaign(tmp_path):
    report = {
        "id": "42694e9e57",
        "campaign_title": "Rentrée",
        "emails_sent": 500,
        "send_time": "2026-09-01T08:00:00+00:00",
        "bounces": {"hard_bounces": 3, "soft_bounces": 2, "syntax_errors": 0},
        "opens": {"opens_total": 400, "unique_opens": 210},
        "clicks": {"clicks_total": 90, "unique_clicks": 60, "unique_subscriber_clicks": 50},
    }
    details = {
        "campaign_id": "42694e9e57",
        "urls_clicked": [{"url": LINK, "total_clicks": 70, "unique_clicks": 44}],
    }
    orphan = {"campaign_id": "other", "urls_clicked": []}
    path = tmp_path / "mailchimp.json"
    path.write_text(json.dumps([report, details, orphan]))
    outcome = import_usage(tmp_path / "raw", "mailchimp", path, OPTIONS)
    found = records(tmp_path, outcome)
    assert [(r.kind, r.count, r.url) for r in found] == [
        ("recipient", 495, None),  # 500 sent less 3 + 2 bounces
        ("open", 210, None),
        ("click", 50, None),
        ("click", 44, LINK),
    ]
    assert {(r.channel, r.day) for r in found} == {("newsletter:42694e9e57", date(2026, 9, 1))}
    (refused,) = outcome.refused
    assert "click details of campaign other without its report" in refused[1]
