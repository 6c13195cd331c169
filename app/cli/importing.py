"""``essaim import <format> <file>``: an exported file becomes a raw run."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.console import EXIT_OK, EXIT_PARTIAL, err, out, settings_of
from app.cli.translation import _, command, ngettext, number, option
from collectors.imports import FORMATS, import_file
from collectors.imports.files import ImportFileError
from collectors.imports.mapping import MAPPINGS, MappingError
from collectors.imports.usage import USAGE_FORMATS, UsageOptions, import_usage

__all__ = ["import_command"]

_SHOWN = 20  # refused rows printed; the manifest lists them all


@command("import")
@click.argument("kind", metavar="FORMAT", type=click.Choice([*FORMATS, *USAGE_FORMATS]))
@click.argument("file", type=click.Path(path_type=Path))
@option(
    "--mapping",
    help="Column mapping: a TOML file, or a shipped one: "
    + ", ".join(sorted(path.stem for path in MAPPINGS.glob("*.toml")))
    + ".",
)
@option("--platform", help="The platform the rows come from (4CAT, custom CSV).")
@option("--account", help="Whose export it is (X archive, LinkedIn page).")
@option(
    "--keep-events",
    is_flag=True,
    help="Usage files: keep each event (learners pseudonymised), not only daily counts; only "
    "where the data agreement allows it.",
)
@option(
    "--timezone",
    default="Europe/Paris",
    show_default=True,
    help="Usage files: the zone of times written without one, and of the days counted.",
)
@option("--site", help="Usage files: the host they are about, when the file does not say.")
@click.pass_context
def import_command(
    context: click.Context, kind, file, mapping, platform, account, keep_events, timezone, site
) -> int:
    """Import an exported FILE as a new raw run (then: essaim load).

    \b
    Formats:
      x-archive      an X/Twitter account archive (.zip, or its data/tweets.js)
      csv            any CSV, with --mapping
      4cat           a 4CAT dataset (CSV, or NDJSON with --mapping), with --platform
      minet          a minet tweet CSV
      crowdtangle    a legacy CrowdTangle CSV (--mapping crowdtangle-instagram for IG)
      mcl            a Meta Content Library CSV
      linkedin       a LinkedIn page's post analytics (CSV), with --account
      meta-business  a Meta Business Suite post export (CSV)
      moodle-log     Moodle's log report download (CSV, ODS, XLSX; French or English), --site
      moodle-logstore  an export of Moodle's logstore_standard_log table (CSV), --site
      xapi           xAPI statements from a learning record store (JSON, NDJSON)
      matomo         a Matomo report exported per day (CSV, TSV, JSON; getSocials, getCampaigns
                     or getPageUrls in the file name), --site
      piano          a Piano Analytics CSV of visits by xtor code (French or English), --site
      brevo          Brevo e-mail campaigns (JSON of GET /v3/emailCampaigns[/{id}])
      mailchimp      Mailchimp reports (JSON of GET /3.0/reports/{id} and its click-details)

    Rows that cannot be read are reported with their line and reason; the others load.
    """
    settings = settings_of(context)
    try:
        if kind in USAGE_FORMATS:
            options = UsageOptions(
                pseudonymise=_learner_pseudonyms(settings),
                keep_events=keep_events,
                timezone=timezone,
                site=site,
            )
            outcome = import_usage(settings.raw_dir, kind, file, options)
        else:
            outcome = import_file(
                settings.raw_dir, kind, file, mapping=mapping, platform=platform, account=account
            )
    except (ImportFileError, MappingError) as error:
        raise click.ClickException(str(error)) from None
    run = outcome.run
    records = sum(n for name, n in run.counts.items() if name != "payloads")
    said = ngettext(
        "Run {run}: {rows} row read, {records} records, {refused} rows refused.",
        "Run {run}: {rows} rows read, {records} records, {refused} rows refused.",
        outcome.rows,
    ).format(run=run.run_id, rows=number(outcome.rows), records=number(records),
             refused=number(len(outcome.refused)))  # fmt: skip
    out.print(said, highlight=False)
    for line, reason in outcome.refused[:_SHOWN]:
        shown = _("line {line}:").format(line=line)
        err.print(f"[yellow]{shown}[/yellow] {reason}", highlight=False)
    if len(outcome.refused) > _SHOWN:
        more = len(outcome.refused) - _SHOWN
        err.print(_("… and {n} more (see the run manifest).").format(n=number(more)))
    for incident in run.incidents:
        if incident.kind == "ignored":
            out.print(incident.message[:1].upper() + incident.message[1:], highlight=False)
    out.print(_("Next: essaim load"))
    return EXIT_PARTIAL if outcome.refused else EXIT_OK


def _learner_pseudonyms(settings):
    """Learners' identifiers → the project's pseudonyms (``u_…``), keyed by its secret."""
    from graph.privacy.pseudonyms import Pseudonymiser, load_or_create_secret

    return Pseudonymiser(load_or_create_secret(settings.secret_file)).learner
