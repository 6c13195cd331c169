"""``essaim prune``, ``essaim forget`` and ``essaim privacy-report``: the GDPR side of essaim.

Every change they make is written to ``<data>/audit.jsonl`` (what was done, when, how many
rows and lines) without the identifier of anyone.
"""

from __future__ import annotations

import json
from collections.abc import Container
from datetime import UTC, datetime
from pathlib import Path

import click

from app.config import Settings
from app.console import EXIT_OK, EXIT_USER_ERROR, checked_by, err, out
from app.privacy_report import AUDIT_NAME, ERASED_NAME, privacy_report, report_markdown
from collectors.erasure import account_ids_named, delete_runs_before, erase_account, erased_runs
from graph.privacy import (
    KEEP_TEXT,
    ErasureList,
    forget_account,
    minimise_texts,
    note_raw_changes,
    prune_store,
    retention_cutoff,
)
from graph.pseudonyms import Pseudonymiser, load_or_create_secret, read_institutions
from graph.store import Store
from graph.store.load import check_secret

__all__ = [
    "apply_retention",
    "audit",
    "erased_accounts",
    "erasure_list",
    "forget",
    "privacy_report_command",
    "prune",
]


def _settings(context: click.Context) -> Settings:
    return context.find_root().obj()


def audit(settings: Settings, action: str, **details) -> None:
    """Append one event to the audit log (never an identifier: counts, dates, settings)."""
    event = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "action": action, **details}
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / AUDIT_NAME, "a", encoding="utf-8") as log:
        log.write(json.dumps(event, default=str) + "\n")


def erasure_list(settings: Settings) -> ErasureList:
    """The accounts erased on request in this data directory."""
    return ErasureList(settings.data_dir / ERASED_NAME, load_or_create_secret(settings.secret_file))


def erased_accounts(settings: Settings) -> Container[tuple[str, str]]:
    """What a load leaves out: the erasure list if there is one (no secret is created
    for an installation that never erased anyone)."""
    if not (settings.data_dir / ERASED_NAME).exists():
        return ()
    return erasure_list(settings)


def apply_retention(settings: Settings, store: Store, age: str) -> dict:
    """Remove from the store and the raw runs what is older than ``age``; log it; return the
    rows removed per table and the raw runs deleted."""
    cutoff = retention_cutoff(age)
    removed = prune_store(store, cutoff)
    deleted = delete_runs_before(settings.raw_dir, cutoff)
    note_raw_changes(store, deleted=deleted)
    summary = {"older_than": age, "cutoff": cutoff, "rows_removed": removed,
               "raw_runs_deleted": len(deleted)}  # fmt: skip
    audit(settings, "prune", **summary)
    return summary


@click.command()
@click.option(
    "--older-than",
    callback=checked_by(retention_cutoff),
    help="Remove what is older than this (90d, 6w, 18m, 2y) [default: privacy.retention].",
)
@click.option(
    "--keep-text",
    type=click.Choice(KEEP_TEXT[:2]),
    help="Also reduce every stored text to an excerpt, or remove it.",
)
@click.pass_context
def prune(context: click.Context, older_than: str | None, keep_text: str | None) -> int:
    """Remove old data from the database and the raw runs, or minimise stored texts.

    Posts and interactions dated before the cut-off, follows not seen since, then links of
    removed posts and accounts nothing refers to are removed from the database, and raw runs
    collected before the cut-off are deleted. Analyses are removed when data is: run
    `essaim analyze` again.
    """
    settings = _settings(context)
    age = older_than or settings.config.privacy.retention
    if not age and not keep_text:
        raise click.UsageError("give --older-than or --keep-text (or set privacy.retention)")
    with Store(settings.database) as store:
        if age:
            summary = apply_retention(settings, store, age)
            rows = sum(summary["rows_removed"].values())
            out.print(
                f"Removed {rows:,} rows older than {summary['cutoff']:%Y-%m-%d} and "
                f"{summary['raw_runs_deleted']} raw runs collected before then."
            )
            if rows:
                out.print("Analyses were removed with the data: run `essaim analyze` again.")
        if keep_text:
            changed = minimise_texts(store, keep_text)
            audit(settings, "minimise-texts", keep_text=keep_text, posts_changed=changed)
            out.print(f"Texts kept as {keep_text}: {changed:,} posts changed.")
    return EXIT_OK


@click.command()
@click.argument("platform")
@click.argument("handle")
@click.pass_context
def forget(context: click.Context, platform: str, handle: str) -> int:
    """Erase one account on request: from the database, the raw runs and later loads.

    HANDLE is the account's handle or platform id (e.g. alice.bsky.social, @alice@piaille.fr,
    did:plc:…). Its account, posts, their links, interactions and follows leave the database;
    raw runs holding it are rewritten without its records and without the payloads that name
    it. The audit log records the erasure without the identifier; a keyed digest keeps later
    loads from bringing the account back.
    """
    settings = _settings(context)
    platform = platform.lower()
    ids = account_ids_named(settings.raw_dir, platform, handle)
    if not ids:
        err.print(
            f"[red]error:[/red] no {platform} account {handle!r} in the raw runs of "
            f"{settings.data_dir}; nothing was changed.",
            highlight=False,
        )
        return EXIT_USER_ERROR
    pseudonyms = Pseudonymiser(
        load_or_create_secret(settings.secret_file), read_institutions(settings.institutions)
    )
    removed: dict[str, int] = {}
    if settings.database.exists():
        with Store(settings.database) as store:
            if store.setting("pseudonymisation") == "on":
                check_secret(store, pseudonyms)  # before anything is changed
    erased = erasure_list(settings)
    for account_id in ids:
        erased.add(platform, account_id)
    if settings.database.exists():
        with Store(settings.database) as store:
            stored_ids = ids | {pseudonyms.account(platform, account_id) for account_id in ids}
            for stored in stored_ids:
                for table, count in forget_account(store, platform, stored).items():
                    removed[table] = removed.get(table, 0) + count
    changed = erase_account(settings.raw_dir, platform, ids, [handle.lstrip("@")])
    if settings.database.exists():
        with Store(settings.database) as store:
            note_raw_changes(store, rewritten=erased_runs(settings.raw_dir))
    lines = sum(run.lines for run in changed)
    audit(settings, "forget", platform=platform, rows_removed=removed,
          raw_runs_rewritten=len(changed), raw_lines_removed=lines)  # fmt: skip
    out.print(
        f"Erased the {platform} account: {sum(removed.values()):,} rows from the database, "
        f"{lines:,} lines from {len(changed)} raw runs. Run `essaim analyze` again."
    )
    return EXIT_OK


@click.command("privacy-report")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of printing it.",
)
@click.pass_context
def privacy_report_command(context: click.Context, as_json: bool, output: Path | None) -> int:
    """A record of processing for a data-protection impact assessment (Markdown).

    Sources and runs, fields kept, pseudonymisation, text minimisation, retention, opt-outs,
    erasures and counts, from the database and the audit log.
    """
    settings = _settings(context)
    report = privacy_report(settings)
    text = json.dumps(report, default=str, indent=2) if as_json else report_markdown(report)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"Wrote {output}.")
    else:
        click.echo(text)
    return EXIT_OK
