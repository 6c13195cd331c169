"""Writing a report's files: the HTML page, and its PDF when asked, under the data directory
unless the user names the file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.config import Settings
from app.report.build import gather
from app.report.html import render
from app.report.pdf import write_pdf
from graph.store import Store

__all__ = ["Written", "default_path", "write_report"]


@dataclass(frozen=True)
class Written:
    """The files a report was written to, and the label of its period."""

    label: str
    html: Path
    pdf: Path | None


def default_path(settings: Settings, label: str, language: str) -> Path:
    """``<data>/reports/report-<label>-<language>.html`` (``..`` in a label of days as ``_``)."""
    name = f"report-{label.replace('..', '_')}-{language}.html"
    return settings.data_dir / "reports" / name


def write_report(
    settings: Settings,
    period: str,
    language: str,
    out: Path | None = None,
    pdf: bool = False,
    now: datetime | None = None,
) -> Written:
    """Write the report over ``period`` in ``language`` to ``out`` (by default
    :func:`default_path`), and beside it the PDF (same name, ``.pdf``) when ``pdf``."""
    with Store(settings.database, read_only=True) as store:
        figures = gather(store, period, now)
    page = render(figures, language)
    target = out or default_path(settings, figures["period"]["label"], language)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    printed = None
    if pdf:
        printed = target.with_suffix(".pdf")
        write_pdf(page, printed)
    return Written(figures["period"]["label"], target, printed)
