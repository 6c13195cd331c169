"""Sending each period's report once, when the period has ended (``[watch] report``).

At each cycle the watch asks :func:`send_due`: the last complete period of the configured
kind at the clock's time is reported once, as HTML and PDF, to a folder (``folder:PATH``, the
files copied there) or by e-mail (``mailto:ADDRESS``, through the SMTP server of the alerts).
``<data>/watch/reports.json`` lists the periods sent; one that could not be sent is tried
again at the next cycle. The e-mail is written in the report's language, the lines the watch
prints in the command line's.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from app.cli.alerts import send_mail
from app.cli.translation import _
from app.config import Settings
from app.report import words
from app.report.write import Written, write_report
from collectors.errors import UserError
from graph.periods import parse_period

__all__ = ["clock", "send_due"]


def clock() -> datetime:
    """The time now (UTC); tests replace it."""
    return datetime.now(UTC)


def send_due(settings: Settings) -> str | None:
    """Send the report of the period that ended last, unless sent already; return what was
    done or why it failed (one sentence), or ``None`` when nothing was due."""
    config = settings.config.watch
    if not config.report or not config.report_to:
        return None
    now = clock()
    label = parse_period(config.report, now).label
    state = settings.data_dir / "watch" / "reports.json"
    sent = json.loads(state.read_text("utf-8"))["sent"] if state.exists() else []
    if label in sent:
        return None
    try:
        written = write_report(settings, config.report, config.report_lang, pdf=True, now=now)
    except UserError as error:
        return _("report of {label} not made: {error}").format(label=label, error=error)
    kind, _colon, where = config.report_to.partition(":")
    problem = (
        _to_folder(written, Path(where)) if kind == "folder" else _by_mail(settings, written, where)
    )
    if problem:
        return _("report of {label} not sent ({problem}); it is tried again at the next "
                 "cycle").format(label=label, problem=problem)  # fmt: skip
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"sent": [*sent, label]}), "utf-8")
    return _("report of {label} sent to {to}").format(label=label, to=config.report_to)


def _to_folder(written: Written, folder: Path) -> str | None:
    try:
        folder.expanduser().mkdir(parents=True, exist_ok=True)
        for path in (written.html, written.pdf):
            shutil.copyfile(path, folder.expanduser() / path.name)
    except OSError as error:
        return _("cannot write in {folder}: {error}").format(
            folder=folder, error=error.strerror or error
        )
    return None


def _by_mail(settings: Settings, written: Written, address: str) -> str | None:
    message = EmailMessage()
    language = settings.config.watch.report_lang
    message["Subject"] = words.word("mail.subject", language, label=written.label)
    message["To"] = address
    message.set_content(words.word("mail.body", language, label=written.label) + "\n")
    message.add_attachment(written.html.read_bytes(), maintype="text", subtype="html",
                           filename=written.html.name)  # fmt: skip
    message.add_attachment(written.pdf.read_bytes(), maintype="application", subtype="pdf",
                           filename=written.pdf.name)  # fmt: skip
    return send_mail(settings, message)
