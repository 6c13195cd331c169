"""``essaim import mailchimp FILE``: Mailchimp Marketing's campaign reports.

The file is the JSON of ``GET /3.0/reports/{campaign_id}`` (a report), of ``GET /3.0/reports``
(``{"reports": [...]}``), of ``GET /3.0/reports/{campaign_id}/click-details``
(``{"urls_clicked": [...]}``), or a list of these. Each campaign is one payload: its report
and the click details of the same ``campaign_id``. Recipients are the successful deliveries
(``emails_sent`` less the bounces), opens ``opens.unique_opens``, clicks in total
``clicks.unique_subscriber_clicks`` (the subscribers who clicked) and per link
``unique_clicks``. Click details without their report give no day: they are refused.
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

__all__ = ["import_mailchimp", "parse_mailchimp"]


def import_mailchimp(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import the Mailchimp report(s) ``path`` as a run of ``import-mailchimp``."""
    data = read_json(path)
    answers = data if isinstance(data, list) else [data]
    by_campaign: dict[str, list[Any]] = {}
    for answer in answers:
        if not isinstance(answer, dict):
            raise ImportFileError(
                _("{path}: not Mailchimp reports (GET /3.0/reports)").format(path=path)
            )
        for report in answer.get("reports", [answer]):
            if not isinstance(report, dict):
                raise ImportFileError(
                    _("{path}: not Mailchimp reports (GET /3.0/reports)").format(path=path)
                )
            key = report.get("campaign_id") or report.get("id")
            if not isinstance(key, str):
                raise ImportFileError(
                    _("{path}: a Mailchimp report without its campaign id").format(path=path)
                )
            by_campaign.setdefault(key, []).append(report)
    note = {"timezone": options.timezone}
    payloads = (
        (json.dumps(parts, ensure_ascii=False).encode(), {**note, "campaign": key})
        for key, parts in by_campaign.items()
    )
    parameters = {"timezone": options.timezone}
    return write_import_run(
        raw_dir, "import-mailchimp", path, parameters, payloads, parse_mailchimp
    )


def parse_mailchimp(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored Mailchimp campaign (its report and click details) into records."""
    parts = decode_json(payload)
    if not isinstance(parts, list):
        raise ParseError(f"payload {payload.seq}: not a Mailchimp campaign's reports")
    reports = [p for p in parts if isinstance(p, dict) and "urls_clicked" not in p]
    details = [p for p in parts if isinstance(p, dict) and "urls_clicked" in p]
    if not reports:
        raise ParseError(
            f"payload {payload.seq}: click details of campaign {payload.params.get('campaign')} "
            "without its report (GET /3.0/reports/{campaign_id}), which gives the day"
        )
    report = reports[0]
    bounces = report.get("bounces") or {}
    sent = report.get("emails_sent")
    lost = sum(int(bounces.get(k) or 0) for k in ("hard_bounces", "soft_bounces", "syntax_errors"))
    delivered = sent - lost if isinstance(sent, int) else None
    counts = [
        ("recipient", delivered, None, "emails_sent - bounces"),
        ("open", (report.get("opens") or {}).get("unique_opens"), None, "unique_opens"),
        ("click", (report.get("clicks") or {}).get("unique_subscriber_clicks"), None,
         "unique_subscriber_clicks"),
        *(("click", link.get("unique_clicks"), link.get("url"), "urls_clicked.unique_clicks")
          for detail in details for link in detail["urls_clicked"]),
    ]  # fmt: skip
    title, sent_at = report.get("campaign_title"), report.get("send_time")
    campaign = Campaign("mailchimp", report["id"], title, sent_at)
    return campaign_usage(campaign, counts, payload, context)
