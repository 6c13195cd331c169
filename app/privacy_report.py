"""The record of processing printed by ``essaim privacy-report``: facts from the database,
the configuration and the audit log, laid out for a data-protection impact assessment."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

from app.config import Settings
from app.console import cell
from collectors import __version__
from graph.store import Store
from graph.store import queries as q

__all__ = ["AUDIT_NAME", "ERASED_NAME", "privacy_report", "report_markdown"]

#: The audit log and the erasure list, in the data directory.
AUDIT_NAME, ERASED_NAME = "audit.jsonl", "erased-accounts.txt"

#: What each stored table is for, and what it keeps of people.
_TABLE_NOTES = {
    "accounts": "accounts seen; handle and display name only for allow-listed institutions",
    "posts": "public posts linking or spreading resources; URL only for institutions; "
    "text as privacy.keep_text says",
    "links": "links found in posts, with the catalogue resource they match",
    "interactions": "who reposted, quoted, replied to or liked which post, and when",
    "follows": "who follows whom, with when it was first and last observed",
}


def privacy_report(settings: Settings) -> dict:
    """Gather the report's facts (a dict ready for JSON)."""
    privacy = settings.config.privacy
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "essaim_version": __version__,
        "configuration": str(settings.config_path or "built-in defaults"),
        "tracked_domains": settings.config.tracking.domains,
        "pseudonymisation": privacy.pseudonymise,
        "keep_text": privacy.keep_text,
        "retention": privacy.retention or None,
        "files": _files(settings),
        "sources": [], "fields": {}, "accounts": [], "posts": [], "totals": {},
    }  # fmt: skip
    if settings.database.exists():
        with Store(settings.database, read_only=True) as store:
            _from_store(store, report)
    report["audit"] = _audit_summary(settings.data_dir / AUDIT_NAME)
    return report


def _from_store(store: Store, report: dict) -> None:
    connection = store.connection
    stored_mode = store.setting("pseudonymisation")
    if stored_mode is not None:
        report["pseudonymisation"] = stored_mode == "on"
    report["sources"] = _rows(connection, q.PRIVACY_SOURCES)
    for table, column in connection.execute(q.PRIVACY_FIELDS, [list(_TABLE_NOTES)]).fetchall():
        report["fields"].setdefault(table, []).append(column)
    report["accounts"] = _rows(connection, q.PRIVACY_ACCOUNTS)
    report["posts"] = _rows(connection, q.PRIVACY_POSTS)
    report["totals"] = _rows(connection, q.PRIVACY_COUNTS)[0]


def _rows(connection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _files(settings: Settings) -> list[dict]:
    files = [
        ("database", settings.database),
        ("raw runs (payloads as received)", settings.raw_dir),
        ("pseudonymisation secret", settings.secret_file),
        ("audit log", settings.data_dir / AUDIT_NAME),
        ("erased accounts (keyed digests)", settings.data_dir / ERASED_NAME),
    ]
    return [{"what": what, "path": str(path), "mode": _mode(path)} for what, path in files]


def _mode(path: Path) -> str:
    try:
        return stat.filemode(path.stat().st_mode)
    except OSError:
        return "absent"


def _audit_summary(path: Path) -> dict:
    events = []
    if path.exists():
        events = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    last_prune = [event["at"] for event in events if event["action"] == "prune"]
    return {
        "erasures": sum(event["action"] == "forget" for event in events),
        "prunes": len(last_prune),
        "last_prune": last_prune[-1] if last_prune else None,
    }


def report_markdown(report: dict) -> str:
    """The report as Markdown."""
    lines = [
        "# essaim: record of processing",
        "",
        f"Generated {report['generated_at']} by essaim {report['essaim_version']} "
        f"(configuration: {report['configuration']}).",
        "",
        "## Purpose and data subjects",
        "",
        "Measuring how teacher-training resources (tracked domains: "
        f"{', '.join(report['tracked_domains'])}) spread on public platforms. Data subjects: "
        "authors of public posts, comments and reshares that link or spread them, and the "
        "accounts that follow them. Only public traces are collected; robots.txt and opt-out "
        "signals (Bluesky !no-unauthenticated, Mastodon #nobot / #noindex / not discoverable) "
        "are honoured: such accounts' texts are not kept and their reshares not collected.",
        "",
        "## Safeguards",
        "",
        f"- Pseudonymisation: {'on' if report['pseudonymisation'] else 'OFF'} "
        "(individuals' ids become keyed HMAC-SHA256 pseudonyms; handles and names dropped; "
        "institutions on the allow-list keep their names).",
        f"- Post texts kept: {report['keep_text']}.",
        f"- Retention: {report['retention'] or 'none configured (data kept until pruned)'}.",
        f"- Erasure requests carried out: {report['audit']['erasures']}; prunes: "
        f"{report['audit']['prunes']} (last: {report['audit']['last_prune'] or 'never'}).",
        "- Credentials are read from the environment or the OS keyring and never written.",
        "",
        "## Sources",
        "",
        *_markdown_table(report["sources"]),
        "## Fields kept",
        "",
    ]
    for table_name, columns in report["fields"].items():
        lines.append(f"- **{table_name}** ({_TABLE_NOTES[table_name]}): {', '.join(columns)}")
    lines += ["", "## Accounts", "", *_markdown_table(report["accounts"])]
    lines += ["## Posts", "", *_markdown_table(report["posts"])]
    lines += ["## Other records", "", *_markdown_table([report["totals"]] if report["totals"]
                                                      else [])]  # fmt: skip
    lines += ["## Where the data is", "", *_markdown_table(report["files"])]
    return "\n".join(lines).rstrip()


def _markdown_table(rows: list[dict]) -> list[str]:
    if not rows:
        return ["(none)", ""]
    names = list(rows[0])
    return [
        "| " + " | ".join(name.replace("_", " ") for name in names) + " |",
        "|" + "---|" * len(names),
        *("| " + " | ".join(cell(row[name]) for name in names) + " |" for row in rows),
        "",
    ]
