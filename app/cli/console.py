"""What every command shares: the two consoles and the exit codes.

Exit codes: 0 everything worked; 1 a user error, explained in one sentence; 2 partial success
(some inputs were rejected or some pages failed; each is listed with the reason); 3 an
unexpected error, which is a bug in essaim.
"""

import errno
import math
import re
from collections.abc import Callable
from datetime import datetime

import click
from rich.console import Console
from rich.table import Table

from app.cli.translation import _, language, number
from app.config import Settings
from app.web.i18n import COLUMNS, PHRASED, WORDED, phrase, word

__all__ = [
    "EXIT_BUG",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USER_ERROR",
    "cell",
    "checked_by",
    "err",
    "explain_io_error",
    "explain_os_error",
    "heading",
    "out",
    "settings_of",
    "table",
    "warn",
]

EXIT_OK, EXIT_USER_ERROR, EXIT_PARTIAL, EXIT_BUG = 0, 1, 2, 3

out = Console()
err = Console(stderr=True, soft_wrap=True)  # a message is one line, whatever its length


def settings_of(context: click.Context) -> Settings:
    """The settings of the command being run (read once, from --config, --data and the
    environment, when first asked for)."""
    return context.find_root().obj()


def warn(message: str) -> None:
    """Print a warning (one sentence) on the error console."""
    err.print("[yellow]" + _("warning:") + f"[/yellow] {message}", highlight=False)


def checked_by(parse: Callable[[str], object]) -> Callable:
    """A click option callback refusing a value that ``parse`` rejects (``ValueError``), with
    the parser's message; the option keeps the text as given."""

    def check(_context, _parameter, value: str | None) -> str | None:
        if value is not None:
            try:
                parse(value)
            except ValueError as error:
                raise click.BadParameter(str(error)) from None
        return value

    return check


def table(title: str, rows: list[dict], columns: list[str] | None = None) -> Table:
    """A titled table of ``rows`` (dicts), with ``columns`` or every key of the first row."""
    shown = Table(title=title, title_justify="left", title_style="bold")
    columns = columns or (list(rows[0]) if rows else [])
    for column in columns:
        shown.add_column(heading(column), overflow="fold")
    for row in rows:
        shown.add_row(*(cell(_said(column, row[column])) for column in columns))
    return shown


def _said(column: str, value):
    """``value`` in the language in use when it is a phrase of the analysis (a note, a flag)
    or a word of the app's vocabulary (a kind), as the app writes them; else unchanged."""
    if language() == "en" or not isinstance(value, str):
        return value
    if column in PHRASED:
        return phrase(value, "fr")
    return word(value, "fr") if column in WORDED else value


def heading(column: str) -> str:
    """A column's header: the name spaced, in French the app's word for it
    (``app.web.i18n.COLUMNS``) or the command line's.

    >>> heading("run_id"), heading("a_new_one"), heading("peak_per_hour_change")
    ('run id', 'a new one', 'peak per hour change')
    """
    words = {
        "run_id": _("run id"), "started_at": _("started at"), "records": _("records"),
        "incidents": _("incidents"), "replaces": _("replaces"),
        "superseded_by": _("superseded by"), "source": _("source"), "kind": _("kind"),
        "wait_seconds": _("wait seconds"), "n": _("n"), "url_key": _("url key"),
        "posts": _("posts"), "example": _("example"), "url": _("url"), "query": _("query"),
        "runs": _("runs"), "first": _("first"), "last": _("last"), "gaps": _("gaps"),
        "resource_id": _("resource id"), "title": _("title"), "parcours": _("parcours"),
        "url_patterns": _("url patterns"), "illustrative": _("illustrative"),
        "rank": _("rank"), "table": _("table"), "rows": _("rows"), "holds": _("holds"),
        "step": _("step"), "seconds": _("seconds"), "peak_per_hour": _("peak per hour"),
        "takeoff": _("takeoff"), "originated": _("originated"),
        "is_institution": _("is institution"), "coded visits": _("coded visits"),
        "enrolments": _("enrolments"), "rate ratio (95 %)": _("rate ratio (95 %)"),
        "excess enrolments": _("excess enrolments"),
        "cost per enrolment": _("cost per enrolment"), "gain": _("gain"),
        "expected spread": _("expected spread"), "name": _("name"), "for": _("for"),
        "found in": _("found in"), "file": _("file"), "rows or nodes": _("rows or nodes"),
        "first_run": _("first run"), "last_run": _("last run"),
        "raw_runs_deleted": _("raw runs deleted"), "named": _("named"),
        "pseudonymised": _("pseudonymised"), "with_opt_out": _("with opt out"),
        "with_text": _("with text"), "oldest": _("oldest"), "newest": _("newest"),
        "what": _("what"), "path": _("path"), "mode": _("mode"), "accounts": _("accounts"),
        "follows": _("follows"),
        # the demo's evaluation against its truth
        "method": _("method"), "mean confidence": _("mean confidence"), "true": _("true"),
        "collected": _("collected"), "not in truth": _("not in truth"), "rule": _("rule"),
        "correct": _("correct"), "accuracy": _("accuracy"), "bin": _("bin"),
        "metric": _("metric"), "covered": _("covered"), "precision": _("precision"),
        "recall": _("recall"), "caused after": _("caused after"),
        "excess after": _("excess after"), "episodes": _("episodes"),
        "campaign": _("campaign"), "cascade": _("cascade"), "resource": _("resource"),
        "planted": _("planted"), "reference": _("reference"),
        "per 100 [95 %]": _("per 100 [95 %]"), "covers": _("covers"),
        "placebo": _("placebo"), "found": _("found"), "worst": _("worst"),
    }  # fmt: skip
    if language() == "fr" and column in COLUMNS:
        return COLUMNS[column][0]
    if column.endswith("_change"):
        return _("{figure} change").format(figure=heading(column.removesuffix("_change")))
    return words.get(column) or _(column.replace("_", " "))


def cell(value) -> str:
    """A value as a table shows it: times in UTC, thousands separated, missing as empty.

    >>> cell(1234), cell(0.125), cell(3.0), cell(float("nan")), cell("2026-09-01T08:00:00.000Z")
    ('1,234', '0.12', '3', '', '2026-09-01 08:00 UTC')
    """
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        value = datetime.fromisoformat(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return number(value)
    if isinstance(value, float):
        return number(value, ",.0f" if value.is_integer() else ",.2f")
    return str(value)


_NO_SPACE = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def explain_os_error(error: OSError) -> str:
    """One sentence for a file that could not be used, naming it.

    >>> explain_os_error(OSError(errno.ENOSPC, "No space left on device", "/d/raw/x.gz"))[:35]
    'no space left to write /d/raw/x.gz:'
    """
    where = error.filename or _("a file")
    if error.errno in _NO_SPACE:
        return _no_space(where)
    if error.errno in _NOT_ALLOWED:
        return _not_allowed(where, error.strerror.lower())
    return f"{where}: {error.strerror}"


def _no_space(where: str) -> str:
    return _(
        "no space left to write {where}: free some disk space (or move data_dir), then run "
        "the command again"
    ).format(where=where)


def _not_allowed(where: str, reason: str) -> str:
    return _("cannot write {where}: {reason} (is the data directory read-only?)").format(
        where=where, reason=reason
    )


def explain_io_error(error: Exception) -> str:
    """One sentence for a DuckDB error, naming the file when DuckDB does.

    >>> cause = 'Failed to commit: Could not write file "/d/x.wal": File too large'
    >>> explain_io_error(Exception(cause)).split(":")[0]
    'no space left to write /d/x.wal'
    """
    message = str(error).strip().splitlines()[0]
    quoted = re.search(r'"([^"]+)"', message)
    where = quoted[1] if quoted else _("the database")
    if "No space left" in message or "File too large" in message:
        return _no_space(where)
    if "Permission denied" in message or "Read-only file system" in message:
        return _not_allowed(where, _("permission denied"))
    return f"{where}: {message}"
