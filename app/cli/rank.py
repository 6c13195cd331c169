"""``essaim rank``: resources or accounts ranked by a figure over a period."""

from __future__ import annotations

import json
import math

import click

from app.cli.analyze import analysis_ready
from app.cli.console import EXIT_OK, EXIT_USER_ERROR, cell, heading, out, settings_of, table
from app.cli.translation import _, command, option
from collectors.errors import UserError
from graph.store import Store
from graph.store.results.periods import ACCOUNT_FIGURES, RESOURCE_FIGURES

__all__ = ["rank"]

#: What can be ranked: the figures, the columns naming a row (tied rows are in their order),
#: and the columns shown beside the figure.
_RANKED = {
    "resources": (RESOURCE_FIGURES, ["resource_id"], ["resource_id", "title"]),
    "accounts": (ACCOUNT_FIGURES, ["platform", "account_id"],
                 ["platform", "label", "community", "is_institution"]),
}  # fmt: skip
#: The tables an analysis leaves that the figures read.
_TABLES = ["adoptions", "cascades", "cascade_trees", "takeoff_episodes", "account_roles",
           "account_communities", "communities"]  # fmt: skip


@command("rank")
@click.argument("what", type=click.Choice(list(_RANKED)))
@option(
    "--by",
    "figure",
    required=True,
    help=f"The figure ranked by, largest first: for resources {', '.join(RESOURCE_FIGURES)}; "
    f"for accounts {', '.join(ACCOUNT_FIGURES)}.",
)
@option(
    "--period",
    help="week, month or term (the last complete one before the newest adoption, in Paris "
    "days; terms: 1 Sep-31 Dec, 1 Jan-31 Mar, 1 Apr-30 Jun), FROM..TO or FROM.. (days as "
    "YYYY-MM-DD, TO included) [default: the whole data].",
)
@option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Rows listed.")  # fmt: skip
@option("--json", "as_json", is_flag=True, help="Print a list of objects as JSON.")
@option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_context
def rank(context, what: str, figure: str, period: str | None, top: int, as_json: bool,
         as_csv: bool) -> int:  # fmt: skip
    """Rank RESOURCES or ACCOUNTS by a figure over a period.

    Ties share a rank (1, 2, 2, 4) and are listed by id; unknown values rank last, shown as
    "unknown" (null in JSON, empty in CSV), never as 0. Resources show the change against the
    previous period of the same kind. Accounts are named by handle when allow-listed
    institutions, else by their stored pseudonym.

    Examples: essaim rank resources --by velocity --period week;
    essaim rank accounts --by bridge --top 20.
    """
    figures, key, shown = _RANKED[what]
    if figure not in figures:
        raise UserError(
            _("--by {figure} is not a figure of {what}: use one of {figures}").format(
                figure=repr(figure), what=what, figures=", ".join(figures)
            )
        )
    if as_json and as_csv:
        raise UserError(_("--json and --csv cannot be used together: choose one"))
    with Store(settings_of(context).database, read_only=True) as store:
        if not analysis_ready(store.connection, _TABLES):
            return EXIT_USER_ERROR
        rows, title = _ranking(store.connection, what, figure, period, key)
    change = f"{figure}_change"
    columns = ["rank", *shown, figure, *([change] if change in rows else [])]
    rows = rows[columns].head(top)
    if as_csv:
        from graph.export import formula_safe_frame

        click.echo(formula_safe_frame(rows).to_csv(index=False), nl=False)
    elif as_json:
        out.print_json(rows.to_json(orient="records", force_ascii=False))
    else:
        records = [{name: _shown(value, name == change) for name, value in row.items()}
                   for row in json.loads(rows.to_json(orient="records"))]  # fmt: skip
        out.print(table(title, records, columns))
    return EXIT_OK


def _ranking(connection, what, figure, text, key):
    """The rows ranked, with the change of resources against the previous period, and the
    table's title."""
    from graph.periods import parse_period, previous, ranked, with_change
    from graph.store.results import periods

    chosen = None
    if text is not None:
        now = periods.newest_adoption(connection)
        if now is None:
            raise UserError(_("no adoption in the store has a time, so no period can be chosen"))
        chosen = parse_period(text, now)
    read = periods.resource_figures if what == "resources" else periods.account_figures
    rows = read(connection, chosen)
    title = (_("Resources by {figure}, {period}") if what == "resources"
             else _("Accounts by {figure}, {period}")).format(
        figure=heading(figure), period=chosen.label if chosen else _("whole data")
    )  # fmt: skip
    if chosen is not None and what == "resources":
        before = previous(chosen)
        absent = dict.fromkeys(periods.RESOURCE_COUNTS, 0)
        rows = with_change(rows, read(connection, before), key, [figure], absent)
        title += " " + _("(change against {period})").format(period=before.label)
    return ranked(rows, figure, key), title


def _shown(value, signed: bool = False) -> str:
    """A cell of the table: unknown values said so, changes signed.

    >>> _shown(None), _shown(2.5, signed=True), _shown(-3, signed=True), _shown(0, True)
    ('unknown', '+2.50', '-3', '0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _("unknown")
    return ("+" if signed and value > 0 else "") + cell(value)
