"""``essaim import matomo FILE``: a report exported from Matomo (CSV, TSV or JSON).

The export must cover days one by one (``period=day`` over a date range): its CSV then has a
``date`` column before the report's own (``label``, ``nb_visits``…, or their translations
when exported from the interface: "Label"/"Libellé", "Visits"/"Visites"), and its JSON is
keyed by day, as the API answers. Matomo writes CSV and TSV in UTF-16 with a byte-order mark
unless told otherwise. The file's name says which report it holds (``getSocials``,
``getCampaigns``, ``getPageUrls``, or the words social, campaign, page), else a ``url``
column says pages. ``--site`` names the site the report is about.

A CSV or TSV row is one payload (a row that cannot be read is refused with its line); a JSON
file is one payload.
"""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path

from collectors.imports.files import ImportFileError, csv_layout, csv_rows, decode_export
from collectors.imports.run import ImportOutcome, write_import_run
from collectors.imports.usage import UsageOptions
from collectors.matomo.parsers import REPORTS, error_message, period_day, report_usage, row_usage
from collectors.parsing import ParseContext, ParseError, decode_json, text_params
from collectors.rawrun import Payload
from collectors.records import Record
from collectors.speech import _

__all__ = ["import_matomo", "parse_export", "report_of"]

SOURCE = "import-matomo"
#: Words of a file's name that say its report.
_NAMED = (
    (("getsocials", "social"), "Referrers.getSocials"),
    (("getcampaigns", "campaign"), "Referrers.getCampaigns"),
    (("getpageurls", "page"), "Actions.getPageUrls"),
)
#: Column names (lower-cased, without Matomo's "Metadata:" prefix) and what they are.
_COLUMNS = {
    "date": "date",
    "label": "label",
    "libellé": "label",
    "nb_visits": "nb_visits",
    "visits": "nb_visits",
    "visites": "nb_visits",
    "url": "url",
}


def import_matomo(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import the Matomo export ``path`` as a run of ``import-matomo``."""
    if not options.site:
        raise ImportFileError(
            _("{path}: name the site this report is about with --site").format(path=path)
        )
    data = path.read_bytes()
    text = export_text(data, path)
    note = {"site": options.site}
    if text.lstrip()[:1] in ("{", "["):
        note |= {"report": report_of(path, []), "format": "json"}
        _check_json(text, path)
        payloads = [(data, note)]
    else:
        columns, delimiter = csv_layout(text, path)
        names = [_column(name) for name in columns]
        note |= {"report": report_of(path, names), "columns": names, "delimiter": delimiter}
        if "date" not in names:
            raise ImportFileError(
                _("{path}: no date column; export the report with period=day").format(path=path)
            )
        payloads = ((row.text.encode(), {**note, "line": row.line}) for row in csv_rows(text))
    return write_import_run(raw_dir, SOURCE, path, {"site": options.site}, payloads, parse_export)


def parse_export(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored payload of a Matomo export: a CSV or TSV row, or a JSON file."""
    params = text_params(payload, "report", "site", "format", "delimiter")
    method, site = params.get("report"), params.get("site", "")
    if method not in REPORTS:
        raise ParseError(f"payload {payload.seq}: no Matomo report {method!r}")
    if params.get("format") == "json":
        return report_usage(method, decode_json(payload), "", site, context)
    line = payload.params.get("line", payload.seq)
    columns = payload.params.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ParseError(f"line {line}: the columns of the file are missing")
    values = next(csv.reader([payload.content().decode()], delimiter=params["delimiter"]), [])
    if len(values) != len(columns):
        raise ParseError(f"line {line}: {len(values)} values for {len(columns)} columns")
    row = dict(zip(columns, values, strict=True))
    try:
        day = period_day(row["date"])
    except ParseError as error:
        raise ParseError(f"line {line}: {error}") from None
    if day is None:
        context.ignore("Matomo rows of a period longer than a day")
        return []
    usage = row_usage(method, day, row, site, context)
    return [usage] if usage is not None else []


def report_of(path: Path, columns: list[str]) -> str:
    """The report an export holds, from its file name, else a ``url`` column (pages).

    >>> report_of(Path("Referrers.getSocials_2026-09.csv"), ["date", "label"])
    'Referrers.getSocials'
    >>> report_of(Path("piwik-report-export.csv"), ["date", "label", "url"])
    'Actions.getPageUrls'
    """
    name = path.name.lower()
    for words, method in _NAMED:
        if any(word in name for word in words):
            return method
    if "url" in columns:
        return "Actions.getPageUrls"
    raise ImportFileError(
        _(
            "{path}: which Matomo report is this? Put getSocials, getCampaigns or getPageUrls "
            "in the file's name"
        ).format(path=path)
    )


def export_text(data: bytes, path: Path) -> str:
    """The text of an export: UTF-16 with a byte-order mark (Matomo's CSV and TSV), else what
    :func:`~collectors.imports.files.decode_export` reads."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(
                _("{path}: not valid UTF-16 past its byte-order mark").format(path=path)
            ) from None
    return decode_export(data, path)


def _column(name: str) -> str:
    """A column's name as the reports write it (``Metadata: url`` → ``url``)."""
    lowered = name.strip().lower()
    if ":" in lowered and lowered.split(":", 1)[0].strip().startswith(("metadat", "métadonn")):
        lowered = lowered.split(":", 1)[1].strip()
    return _COLUMNS.get(lowered, lowered)


def _check_json(text: str, path: Path) -> None:
    """Refuse a JSON export that is not days of rows: an error answer, or one period without
    its date."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ImportFileError(
            _("{path}: not JSON ({error})").format(path=path, error=error)
        ) from None
    message = error_message(data)
    if message is not None:
        raise ImportFileError(
            _("{path}: this is Matomo's error answer: {message}").format(path=path, message=message)
        )
    if isinstance(data, list):
        raise ImportFileError(
            _("{path}: no dates; export the report with period=day over a range").format(path=path)
        )
