"""The record of processing printed by ``essaim privacy-report``: facts from the database,
the configuration and the audit log, laid out for a data-protection impact assessment."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

from app.cli.console import cell, heading
from app.cli.translation import _
from app.config import Settings
from collectors import __version__
from graph.store import Store, status
from graph.store.load import IDENTIFIER_RULES

__all__ = ["AUDIT_NAME", "ERASED_NAME", "STORED", "TREATMENTS", "privacy_report", "report_markdown"]

#: The audit log and the erasure list, in the data directory.
AUDIT_NAME, ERASED_NAME = "audit.jsonl", "erased-accounts.txt"

#: The tables the report describes.
_TABLES = ("accounts", "posts", "links", "interactions", "follows", "runs", "url_resolutions",
           "catalogue", "settings", "analyses", "usage")  # fmt: skip
#: The four treatments a column can have.
TREATMENTS = ("pseudonymised", "masked", "dropped", "kept")


def _table_notes() -> dict[str, str]:
    """What each stored table is for, in the language in use."""
    return {
        "accounts": _("accounts seen"),
        "posts": _("public posts linking or spreading resources"),
        "links": _("links found in posts, with the catalogue resource they match"),
        "interactions": _("who reposted, quoted, replied to or liked which post, and when"),
        "follows": _("who follows whom, with when it was first and last observed"),
        "runs": _("each collection or import: its query, options, counts and incidents"),
        "url_resolutions": _("where shortened links lead"),
        "catalogue": _("the resources tracked"),
        "settings": _("the store's own settings: pseudonymisation mode, secret fingerprint…"),
        "analyses": _("when each analysis ran, with its options"),
        "usage": _(
            "what happened after a share (course views, enrolments, completions, visits, "
            "newsletter figures): learners are pseudonymised at import, and only daily counts "
            "per course and event are kept unless an import was told --keep-events (one row "
            "per event, its learner a pseudonym)"
        ),
    }


def _treatments() -> dict[str, tuple[str, str]]:
    """Each treatment's name and meaning, as the report explains them, in the language in
    use."""
    return {
        "pseudonymised": (_("pseudonymised"), _(
            "every value is a keyed pseudonym (u_… for accounts, p_… for posts) or the own id "
            "or name of an allow-listed institution")),
        "masked": (_("masked"), _(
            "kept, with every identifier in it replaced: accounts named by pseudonyms, "
            "mentions (@ in every Unicode form, e-mail addresses), DIDs and profile links "
            "masked or pseudonymised (graph/privacy/identifiers.py)")),
        "dropped": (_("dropped"), _("empty, except for allow-listed institutions")),
        "kept": (_("kept"), _("as collected")),
    }  # fmt: skip


#: What a pseudonymised store does to each column that could name someone; every other
#: column is kept. ``posts.text`` is measured in the database (see :func:`_text_treatment`).
STORED: dict[str, dict[str, str]] = {
    "accounts": {"account_id": "pseudonymised", "handle": "dropped", "display_name": "dropped"},
    "posts": {
        "post_id": "pseudonymised", "url": "dropped", "author_id": "pseudonymised",
        "reply_to": "pseudonymised", "quote_of": "pseudonymised", "repost_of": "pseudonymised",
        "channel": "pseudonymised", "subreddit": "masked",
    },
    "links": {"post_id": "pseudonymised", "url": "masked", "resolved_url": "masked",
              "url_key": "masked", "match_reason": "masked"},
    "interactions": {"actor_id": "pseudonymised", "target_post_id": "pseudonymised",
                     "post_id": "pseudonymised", "via": "pseudonymised",
                     "via_actor_id": "pseudonymised"},
    "follows": {"follower_id": "pseudonymised", "followee_id": "pseudonymised"},
    "runs": {"query": "masked", "parameters": "masked", "incidents": "masked"},
    "url_resolutions": {"final_url": "masked"},
    "usage": {"learner": "pseudonymised"},
}  # fmt: skip


def _why() -> dict[tuple[str, str], str]:
    """Why a column is treated so (shown in the report), in the language in use."""
    return {
        ("posts", "post_id"): _("p_… for every post, institutions' too"),
        ("posts", "channel"): _("a channel is its account"),
        ("posts", "subreddit"): _("a user's own subreddit, u_name, becomes its pseudonym"),
        ("links", "url"): _("profile links: whom they name pseudonymised, the rest of the path "
                            "digested; other links as found"),
        ("runs", "parameters"): _("channels, the account of an import, actors… pseudonymised"),
        ("runs", "incidents"): _("request locations also lose query values and long numbers"),
    }  # fmt: skip


def privacy_report(settings: Settings) -> dict:
    """Gather the report's facts (a dict ready for JSON)."""
    privacy = settings.config.privacy
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "essaim_version": __version__,
        "configuration": str(settings.config_path or _("built-in defaults")),
        "tracked_domains": settings.config.tracking.domains,
        "pseudonymisation": privacy.pseudonymise,
        "keep_text": privacy.keep_text,
        "retention": privacy.retention or None,
        "files": _files(settings),
        "sources": [], "fields": {}, "stored": {}, "accounts": [], "posts": [], "totals": {},
        "warnings": [],
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
    report["sources"] = status.privacy_sources(connection)
    for table, column in status.table_fields(connection, list(_TABLES)):
        report["fields"].setdefault(table, []).append(column)
    report["stored"] = _stored(connection, report["fields"], report["pseudonymisation"])
    if report["pseudonymisation"] and report["sources"] and store.setting(IDENTIFIER_RULES) != "1":
        report["warnings"].append(
            _(
                "Some runs were loaded by an earlier version of essaim, which kept channel "
                "names, profile links, the accounts run options name and unmasked forms of "
                "mentions: load the raw runs again into a new database to pseudonymise them."
            )
        )
    report["accounts"] = status.privacy_accounts(connection)
    report["posts"] = status.privacy_posts(connection)
    report["totals"] = status.privacy_totals(connection)


def _stored(connection, fields: dict[str, list[str]], pseudonymised: bool) -> dict:
    """Per table, its columns by treatment (every column once, in table order)."""
    text = _text_treatment(connection)
    stored = {}
    for table, columns in fields.items():
        treatments = {name: [] for name in TREATMENTS}
        for column in columns:
            treatment = STORED.get(table, {}).get(column, "kept") if pseudonymised else "kept"
            if (table, column) == ("posts", "text"):
                treatment = text
            treatments[treatment].append(column)
        stored[table] = treatments
    return stored


def _text_treatment(connection) -> str:
    """What the posts' texts are: none stored ("dropped"), every one its own excerpt
    ("masked": 200 characters, identifiers masked), or some kept whole ("kept")."""
    texts, whole = status.stored_texts(connection)
    return "dropped" if not texts else "kept" if whole else "masked"


def _files(settings: Settings) -> list[dict]:
    files = [
        (_("database"), settings.database),
        (_("raw runs (payloads as received)"), settings.raw_dir),
        (_("pseudonymisation secret"), settings.secret_file),
        (_("audit log"), settings.data_dir / AUDIT_NAME),
        (_("erased accounts (keyed digests)"), settings.data_dir / ERASED_NAME),
    ]
    return [{"what": what, "path": str(path), "mode": _mode(path)} for what, path in files]


def _mode(path: Path) -> str:
    try:
        return stat.filemode(path.stat().st_mode)
    except OSError:
        return _("absent")


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
    """The report as Markdown, in the language in use."""
    audit = report["audit"]
    lines = [
        "# " + _("essaim: record of processing"),
        "",
        _("Generated {at} by essaim {version} (configuration: {configuration}).").format(
            at=report["generated_at"], version=report["essaim_version"],
            configuration=report["configuration"]),
        "",
        "## " + _("Purpose and data subjects"),
        "",
        _("Measuring how teacher-training resources (tracked domains: {domains}) spread on "
          "public platforms. Data subjects: authors of public posts, comments and reshares "
          "that link or spread them, and the accounts that follow them. Only public traces are "
          "collected; robots.txt and opt-out signals (Bluesky !no-unauthenticated, Mastodon "
          "#nobot / #noindex / not discoverable) are honoured: such accounts' texts are never "
          "kept, and Mastodon #nobot / #noindex authors' statuses are left out and their "
          "boosts, follows and threads not collected.").format(
            domains=", ".join(report["tracked_domains"])),
        "",
        "## " + _("Safeguards"),
        "",
        "- " + _("Pseudonymisation: {state} (individuals' ids, the channels they post in and "
                 "the accounts runs name become keyed HMAC-SHA256 pseudonyms; handles, names "
                 "and post URLs dropped; profile links, mentions and DIDs pseudonymised or "
                 "masked; institutions on the allow-list keep their names).").format(
            state=_("on") if report["pseudonymisation"] else _("OFF")),
        "- " + _("Post texts kept: {keep_text}.").format(keep_text=report["keep_text"]),
        "- " + _("Retention: {retention}.").format(
            retention=report["retention"] or _("none configured (data kept until pruned)")),
        "- " + _("Erasure requests carried out: {erasures}; prunes: {prunes} (last: "
                 "{last}).").format(erasures=audit["erasures"], prunes=audit["prunes"],
                                    last=audit["last_prune"] or _("never")),
        "- " + _("Credentials are read from the environment or the OS keyring and never "
                 "written."),
        "",
        "## " + _("Sources"),
        "",
        *_markdown_table(report["sources"]),
        *("**" + _("Warning") + f"**: {warning}\n" for warning in report.get("warnings", [])),
        "## " + _("What is stored"),
        "",
        *("- " + _("{treatment}: {meaning}.").format(treatment=name.capitalize(), meaning=meaning)
          for name, meaning in _treatments().values()),
        "",
    ]  # fmt: skip
    names, notes, why = _treatments(), _table_notes(), _why()
    for table_name, treatments in report["stored"].items():
        parts = [
            f"{names[name][0]} "
            + ", ".join(f"{c} ({why[table_name, c]})" if (table_name, c) in why else c
                        for c in columns)
            for name, columns in treatments.items()
            if columns
        ]  # fmt: skip
        described = _("**{table}** ({note}): {treatments}").format(
            table=table_name, note=notes[table_name], treatments=_("; ").join(parts)
        )
        lines.append(f"- {described}")
    lines += [
        "",
        _("Analysis results (the tables `essaim analyze` writes) are computed from these: "
          "accounts and posts appear in them as stored, community labels name hashtags, "
          "instances, forums and channels as stored."),
    ]  # fmt: skip
    lines += ["", "## " + _("Accounts"), "", *_markdown_table(report["accounts"])]
    lines += ["## " + _("Posts"), "", *_markdown_table(report["posts"])]
    lines += ["## " + _("Other records"), "",
              *_markdown_table([report["totals"]] if report["totals"] else [])]  # fmt: skip
    lines += ["## " + _("Where the data is"), "", *_markdown_table(report["files"])]
    return "\n".join(lines).rstrip()


def _markdown_table(rows: list[dict]) -> list[str]:
    if not rows:
        return [_("(none)"), ""]
    names = list(rows[0])
    return [
        "| " + " | ".join(heading(name) for name in names) + " |",
        "|" + "---|" * len(names),
        *("| " + " | ".join(cell(row[name]) for name in names) + " |" for row in rows),
        "",
    ]
