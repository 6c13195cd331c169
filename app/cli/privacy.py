"""``essaim prune``, ``essaim forget`` and ``essaim privacy-report``: the GDPR side of essaim.

Every change they make is written to ``<data>/audit.jsonl`` (what was done, when, how many
rows and lines) without the identifier of anyone.
"""

from __future__ import annotations

import json
from collections.abc import Container
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import click

from app.cli.console import EXIT_OK, EXIT_USER_ERROR, checked_by, err, out, settings_of, warn
from app.cli.privacy_report import AUDIT_NAME, ERASED_NAME, privacy_report, report_markdown
from app.cli.translation import _, command, ngettext, number, option
from app.config import Settings
from graph.privacy.identifiers import account_key
from graph.privacy.learners import prepare_learner_erasure
from graph.privacy.pseudonyms import (
    LEARNERS,
    Pseudonymiser,
    load_or_create_secret,
    read_institutions,
)
from graph.privacy.raw import (
    ErasureError,
    Identifiers,
    PreparedErasure,
    RunErasure,
    delete_runs_before,
    find_account,
    prepare_erasure,
    seal_unfinished_runs,
)
from graph.privacy.store import (
    KEEP_TEXT,
    ErasureList,
    forget_account,
    forget_learner,
    learner_rows,
    mark_runs_pruned,
    minimise_texts,
    prune_store,
    retention_cutoff,
)
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
    deleted = delete_runs_before(settings.raw_dir, cutoff, warn)
    mark_runs_pruned(store, deleted)
    summary = {"older_than": age, "cutoff": cutoff, "rows_removed": removed,
               "raw_runs_deleted": len(deleted)}  # fmt: skip
    audit(settings, "prune", **summary)
    return summary


@command()
@option(
    "--older-than",
    callback=checked_by(retention_cutoff),
    help="Remove what is older than this (90d, 6w, 18m, 2y) [default: privacy.retention].",
)
@option(
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
    settings = settings_of(context)
    age = older_than or settings.config.privacy.retention
    if not age and not keep_text:
        raise click.UsageError(_("give --older-than or --keep-text (or set privacy.retention)"))
    with Store(settings.database) as store:
        if age:
            summary = apply_retention(settings, store, age)
            rows = sum(summary["rows_removed"].values())
            out.print(
                ngettext(
                    "Removed {rows} row older than {cutoff} and {runs} raw runs collected before "
                    "then.",
                    "Removed {rows} rows older than {cutoff} and {runs} raw runs collected before "
                    "then.",
                    rows,
                ).format(
                    rows=number(rows),
                    cutoff=f"{summary['cutoff']:%Y-%m-%d}",
                    runs=summary["raw_runs_deleted"],
                )
            )
            if rows:
                out.print(_("Analyses were removed with the data: run `essaim analyze` again."))
        if keep_text:
            changed = minimise_texts(store, keep_text)
            audit(settings, "minimise-texts", keep_text=keep_text, posts_changed=changed)
            said = ngettext("Texts kept as {keep_text}: {n} post changed.",
                            "Texts kept as {keep_text}: {n} posts changed.", changed)  # fmt: skip
            out.print(said.format(keep_text=keep_text, n=number(changed)))
    return EXIT_OK


@command()
@click.argument("platform")
@click.argument("name")
@click.pass_context
def forget(context: click.Context, platform: str, name: str) -> int:
    """Erase one account, or one learner, on request: from the database, the raw runs and
    later loads.

    NAME is any identifier of the account: its handle or id (alice.bsky.social, did:plc:…;
    @alice@piaille.fr, alice@piaille.fr, alice, or the numeric id an instance gives it), a
    profile link (https://bsky.app/profile/…, https://piaille.fr/@alice, https://t.me/…), a
    Telegram channel, the account of an X archive. Every form the account has in the raw
    runs is erased: its account, posts, their links, interactions and follows, and the
    payloads naming it; others' interactions with its posts go, their replies, quotes and
    reposts of its posts lose the reference, and texts, run queries, parameters and manifests
    naming it have the name replaced by "[effacé]". The audit log records counts only; a
    keyed digest keeps later loads from bringing the account back.

    `essaim forget learner NAME` erases a learner of the usage imports kept with
    --keep-events, NAME being what the imported file names the learner by (the full name in
    the log report, the user id in a logstore export, the actor's mbox, account or name in
    xAPI): its events leave the database and the raw runs (others' events and the daily
    counts stay), and later loads leave them out.
    """
    settings = settings_of(context)
    platform = platform.lower()
    if platform == "learner":
        return _forget_learner(settings, name)
    try:
        seal_unfinished_runs(settings.raw_dir, warn)
        who = find_account(settings.raw_dir, platform, name, warn)
    except ErasureError as error:
        err.print("[red]" + _("error:") + f"[/red] {error}.", highlight=False)
        return EXIT_USER_ERROR
    if who is None:
        none = _("no {platform} account {name} in the raw runs of {data}; nothing was changed.")
        none = none.format(platform=platform, name=repr(name), data=settings.data_dir)
        err.print("[red]" + _("error:") + f"[/red] {none}", highlight=False)
        return EXIT_USER_ERROR
    pseudonyms = Pseudonymiser(
        load_or_create_secret(settings.secret_file), read_institutions(settings.institutions)
    )
    counts: dict[str, dict[str, int]] = {"removed": {}, "redacted": {}}
    with Store(settings.database) if settings.database.exists() else nullcontext() as store:
        if store is not None and store.setting("pseudonymisation") == "on":
            check_secret(store, pseudonyms)  # before anything is changed
        try:
            prepared = prepare_erasure(settings.raw_dir, who, warn)
        except ErasureError as error:
            err.print("[red]" + _("error:") + f"[/red] {error}.", highlight=False)
            return EXIT_USER_ERROR
        try:
            erased = erasure_list(settings)
            for account_id in who.account_ids:
                erased.add(platform, account_id)
            if store is not None:
                counts = _forget_in_store(store, who, pseudonyms, prepared.rewritten)
        except BaseException:
            prepared.discard()
            raise
    done = {"platform": platform, "rows_removed": counts["removed"],
            "rows_redacted": counts["redacted"]}  # fmt: skip
    changed = _commit(settings, prepared, _("the account"), done)
    if changed is None:
        return EXIT_USER_ERROR
    lines = sum(run.lines for run in changed)
    rewritten = sum(run.redacted for run in changed)
    audit(settings, "forget", **done, raw_runs_rewritten=len(changed),
          raw_lines_removed=lines, raw_lines_redacted=rewritten)  # fmt: skip
    out.print(
        _(
            "Erased the {platform} account: {removed} rows removed from the database and "
            "{redacted} redacted; {lines} lines removed from {runs} raw runs and {rewritten} "
            "redacted. Run `essaim analyze` again."
        ).format(
            platform=platform,
            removed=number(sum(counts["removed"].values())),
            redacted=number(sum(counts["redacted"].values())),
            lines=number(lines),
            runs=len(changed),
            rewritten=number(rewritten),
        )
    )
    return EXIT_OK


def _forget_learner(settings: Settings, identifier: str) -> int:
    """Erase the learner ``identifier`` of the usage imports (see :func:`forget`): its
    pseudonym, computed as the import did, leaves the store's usage events and the raw runs,
    and joins the erasure list."""
    try:
        seal_unfinished_runs(settings.raw_dir, warn)
    except ErasureError as error:
        err.print("[red]" + _("error:") + f"[/red] {error}.", highlight=False)
        return EXIT_USER_ERROR
    pseudonyms = Pseudonymiser(load_or_create_secret(settings.secret_file))
    pseudonym = pseudonyms.learner(identifier)
    removed = 0
    with Store(settings.database) if settings.database.exists() else nullcontext() as store:
        if store is not None and store.setting("pseudonymisation") == "on":
            check_secret(store, pseudonyms)  # before anything is changed
        try:
            prepared = prepare_learner_erasure(settings.raw_dir, pseudonym, warn)
        except ErasureError as error:
            err.print("[red]" + _("error:") + f"[/red] {error}.", highlight=False)
            return EXIT_USER_ERROR
        if not prepared.plans and (store is None or not learner_rows(store, pseudonym)):
            none = _(
                "no learner by that identifier in the raw runs or the database of {data} (only "
                "imports with --keep-events keep learners); nothing was changed."
            ).format(data=settings.data_dir)
            err.print("[red]" + _("error:") + f"[/red] {none}", highlight=False)
            return EXIT_USER_ERROR
        try:
            erasure_list(settings).add(LEARNERS, pseudonym)
            if store is not None:
                removed = forget_learner(store, pseudonym, prepared.rewritten)
        except BaseException:
            prepared.discard()
            raise
    done = {"platform": "learner", "rows_removed": {"usage": removed}}
    changed = _commit(settings, prepared, _("the learner"), done)
    if changed is None:
        return EXIT_USER_ERROR
    lines = sum(run.lines for run in changed)
    rewritten = sum(run.redacted for run in changed)
    audit(settings, "forget", **done, raw_runs_rewritten=len(changed),
          raw_lines_removed=lines, raw_payloads_rewritten=rewritten)  # fmt: skip
    out.print(
        _(
            "Erased the learner: {removed} events removed from the database, and from {runs} "
            "raw runs {lines} lines removed and {rewritten} payloads rewritten without its "
            "events. Run `essaim analyze` again."
        ).format(
            removed=number(removed),
            runs=len(changed),
            lines=number(lines),
            rewritten=number(rewritten),
        )
    )
    return EXIT_OK


def _commit(
    settings: Settings, prepared: PreparedErasure, whom: str, done: dict
) -> list[RunErasure] | None:
    """Put the rewritten raw runs in place; if that fails, log ``done`` (an erasure of
    ``whom``) with the runs pending, say what is left to do and return None."""
    try:
        return prepared.commit()
    except OSError as error:
        audit(settings, "forget", **done, raw_runs_pending=len(prepared.plans))
        if prepared.journal.exists():
            left = _("{journal} lists what is left to do, which `essaim forget` or "
                     "`essaim load` finish").format(journal=prepared.journal)  # fmt: skip
        else:
            left = _("the raw runs were left as they were: run `essaim forget` again")
        failed = _(
            "the raw runs could not be rewritten ({error}); the database and later loads no "
            "longer hold {whom}, and {left} once the cause is fixed."
        ).format(error=error, whom=whom, left=left)
        err.print("[red]" + _("error:") + f"[/red] {failed}", highlight=False)
        return None


def _forget_in_store(
    store: Store, who: Identifiers, pseudonyms: Pseudonymiser, rewritten: list[tuple[str, str]]
) -> dict[str, dict[str, int]]:
    """Forget the account in the database, under its ids and pseudonyms both (institutions
    keep their ids), and record the new SHA-256 of the raw runs rewritten. A profile link or
    a run option naming it by handle holds the pseudonym of that handle: those of every name
    it goes by are searched for too."""
    platform = who.platform
    accounts = {pseudonyms.account(platform, account_id) for account_id in who.account_ids}
    posts = {pseudonyms.post(platform, post_id) for post_id in who.post_ids}
    names = who.account_ids | who.words | set().union(*who.local.values())
    names |= {form for form in who.forms if "/" not in form}
    spellings = {spelling for name in names
                 for spelling in (name, name.lower(), account_key(platform, name))}  # fmt: skip
    aliases = {pseudonyms.account(platform, spelling) for spelling in spellings}
    return forget_account(
        store,
        platform,
        who.account_ids | accounts,
        who.post_ids | posts,
        who.with_forms(accounts | aliases),
        rewritten,
    )


@command("privacy-report")
@option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@option(
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
    settings = settings_of(context)
    report = privacy_report(settings)
    text = json.dumps(report, default=str, indent=2) if as_json else report_markdown(report)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(_("Wrote {file}.").format(file=output))
    else:
        click.echo(text)
    return EXIT_OK
