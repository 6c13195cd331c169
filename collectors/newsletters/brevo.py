"""``essaim import brevo FILE``: Brevo's report of e-mail campaigns, as its API gives it.

The file is the JSON of ``GET /v3/emailCampaigns/{id}`` (one campaign) or of
``GET /v3/emailCampaigns`` (``{"campaigns": [...]}``), with ``statistics``. Each campaign is
one payload. Its recipients are ``delivered`` (else ``sent``), its opens ``uniqueViews``, its
clicks ``uniqueClicks``, from ``globalStats`` or, when Brevo left those at zero as it does for
some campaigns, summed over the lists of ``campaignStats``; each link of ``linksStats``
(``{url: clicks}``) gives its clicks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from collectors.imports.files import ImportFileError
from collectors.imports.run import ImportOutcome, write_import_run
from collectors.imports.usage import UsageOptions
from collectors.newsletters.parsers import Campaign, campaign_usage, read_json
from collectors.parsing import ParseContext, ParseError, decode_json
from collectors.rawrun import Payload
from collectors.records import Record
from collectors.speech import _

__all__ = ["import_brevo", "parse_brevo"]

_STATS = ("delivered", "sent", "uniqueViews", "uniqueClicks")


def import_brevo(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import the Brevo report ``path`` as a run of ``import-brevo``."""
    data = read_json(path)
    campaigns = data.get("campaigns") if isinstance(data, dict) and "campaigns" in data else [data]
    if not isinstance(campaigns, list) or not all(isinstance(c, dict) for c in campaigns):
        raise ImportFileError(
            _("{path}: not Brevo's campaigns (GET /v3/emailCampaigns)").format(path=path)
        )
    note = {"timezone": options.timezone}
    payloads = (
        (json.dumps(campaign, ensure_ascii=False).encode(), {**note, "line": index})
        for index, campaign in enumerate(campaigns, start=1)
    )
    parameters = {"timezone": options.timezone}
    return write_import_run(raw_dir, "import-brevo", path, parameters, payloads, parse_brevo)


def parse_brevo(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Brevo campaign into its recipients, opens and clicks."""
    data = decode_json(payload)
    if not isinstance(data, dict) or "id" not in data:
        raise ParseError(f"payload {payload.seq}: not a Brevo campaign")
    statistics = data.get("statistics") or {}
    stats = _totals(statistics)
    delivered = "delivered" if stats["delivered"] else "sent"
    links = statistics.get("linksStats") or {}
    if not isinstance(links, dict):
        raise ParseError(f"payload {payload.seq}: linksStats is not an object of links")
    counts = [
        ("recipient", stats[delivered], None, delivered),
        ("open", stats["uniqueViews"], None, "uniqueViews"),
        ("click", stats["uniqueClicks"], None, "uniqueClicks"),
        *(("click", clicks, url, "linksStats") for url, clicks in links.items()),
    ]
    campaign = Campaign("brevo", data["id"], data.get("name"), data.get("sentDate"))
    return campaign_usage(campaign, counts, payload, context)


def _totals(statistics: dict[str, Any]) -> dict[str, Any]:
    """The campaign's counts: ``globalStats``, else the sum of ``campaignStats`` over lists."""
    totals = statistics.get("globalStats") or {}
    if any(totals.get(name) for name in _STATS):
        return {name: totals.get(name) for name in _STATS}
    lists = statistics.get("campaignStats") or []
    if not lists:
        return {name: totals.get(name) for name in _STATS}
    return {name: sum(int(one.get(name) or 0) for one in lists) for name in _STATS}
