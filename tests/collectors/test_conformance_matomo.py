"""A real answer of Matomo's Reporting API (tests/fixtures/real/matomo/) through the parser.

Referrers.getSocials for one day, period=day, format=json, as hasgeek/funnel keeps it in its
unit tests (AGPL-3.0, see the sidecar): three social networks. Every expected value was read
by hand from the file (label, nb_visits), never from the parser's output.

funnel asked ``date=yesterday`` and does not say which day that was; Matomo answers a single
day with the rows alone, so the answer is given here as to ``date=2023-06-10`` (the eve of
the commit that added it), a stand-in for the day: essaim names days, never "yesterday".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from collectors.parsing import ParseContext
from collectors.rawrun import Payload
from collectors.records import Usage
from collectors.registry import parser_for

ANSWER = Path(__file__).parents[1] / "fixtures" / "real" / "matomo" / "funnel-getSocials-day.json"
READ_AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DAY = "2023-06-10"  # stand-in for funnel's date=yesterday, see above
URL = (
    "https://matomo.test/index.php?module=API&idSite=1&format=JSON"
    f"&method=Referrers.getSocials&period=day&date={DAY}&filter_limit=-1"
)


@pytest.fixture(scope="module")
def parsed():
    payload = Payload(
        seq=1,
        received_at=READ_AT,
        url=URL,
        method="POST",
        status=200,
        params={"site": "hasgeek.com"},
        headers={"Content-Type": "application/json; charset=utf-8"},
        body=ANSWER.read_text(encoding="utf-8"),
    )
    context = ParseContext("matomo", "conformance", READ_AT)
    return parser_for("matomo")(payload, context), context


def test_each_network_is_a_day_s_visits_of_its_channel(parsed):
    records, context = parsed
    assert all(isinstance(r, Usage) for r in records)
    # LinkedIn nb_visits 4, Twitter 2, GitHub 1, in the answer's order
    assert [(r.channel, r.count) for r in records] == [
        ("social:linkedin", 4),
        ("social:twitter", 2),
        ("social:github", 1),
    ]
    assert context.ignored == {}


def test_the_visits_are_of_the_day_asked_and_name_no_page(parsed):
    records, _ = parsed
    assert {(r.day, r.kind, r.url, r.event, r.site) for r in records} == {
        (date(2023, 6, 10), "visit", None, "Referrers.getSocials", "hasgeek.com")
    }
