"""``essaim report``: the report over a period, as an HTML page and a PDF."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.console import out, settings_of
from app.cli.translation import _, command, option
from app.report.words import LANGUAGES
from app.report.write import write_report

__all__ = ["report"]


@command()
@option(
    "--period",
    default="week",
    show_default=True,
    help="week, month or term (the last complete one before the newest adoption), or days "
    "FROM..TO (YYYY-MM-DD, TO included) or FROM..",
)
@option("--lang", "language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write [default: <data>/reports/report-<period>-<lang>.html].",
)
@option("--pdf", is_flag=True, help="Write a PDF beside the HTML page (same name, .pdf).")
@click.pass_context
def report(context: click.Context, period: str, language: str, out_file, pdf: bool) -> None:
    """Report what spread over a period: what took off, resources ranked against the period
    before, campaign actions, communities, accounts to thank, journeys, use and caveats.

    One self-contained HTML page (it fetches nothing from the network), in French or English.
    """
    written = write_report(settings_of(context), period, language, out_file, pdf)
    said = _("Report of {period} written to {file}").format(period=written.label, file=written.html)
    out.print(said, highlight=False)
    if written.pdf:
        out.print(_("PDF written to {file}").format(file=written.pdf), highlight=False)
