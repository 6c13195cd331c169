"""``essaim import piano FILE``: a Piano Analytics (AT Internet) CSV of visits by ``xtor``.

The export has a day column (Date, Jour), a campaign column (Campagne, Campaign, Code xtor…)
and a visits column (Visites, Visits), in French or English, separated by ``;``, ``,`` or
tabs. Days are ``YYYY-MM-DD`` or day first (``DD/MM/YYYY``); counts may be written with
thousands separators (``1 234``, ``1.234``, ``1,234``). Each row is one payload: a row that
cannot be read is refused with its line, and a total row or a row without a campaign is
counted as ignored. ``--site`` names the site the visits are about.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from collectors.imports.files import ImportFileError, csv_layout, csv_rows, decode_export
from collectors.imports.run import ImportOutcome, write_import_run
from collectors.imports.usage import UsageOptions
from collectors.parsing import ParseContext, ParseError, text_params
from collectors.rawrun import Payload
from collectors.records import Record, Usage
from collectors.speech import _

__all__ = ["import_piano", "parse_count", "parse_day", "parse_payload"]

SOURCE = "import-piano"
#: Column names (lower-cased) and what they hold.
_COLUMNS = {
    "date": "day",
    "jour": "day",
    "day": "day",
    "campagne": "campaign",
    "campaign": "campaign",
    "xtor": "campaign",
    "code xtor": "campaign",
    "xtor code": "campaign",
    "code campagne": "campaign",
    "code de campagne": "campaign",
    "campaign code": "campaign",
    "visites": "visits",
    "visits": "visits",
}
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_THOUSANDS = re.compile(r"\d{1,3}([.,]\d{3})+")


def import_piano(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import the Piano export ``path`` as a run of ``import-piano``."""
    if not options.site:
        raise ImportFileError(
            _("{path}: name the site these visits are about with --site").format(path=path)
        )
    text = decode_export(path.read_bytes(), path)
    columns, delimiter = csv_layout(text, path)
    names = [_COLUMNS.get(name.strip().lower(), name) for name in columns]
    missing = [what for what in ("day", "campaign", "visits") if what not in names]
    if missing:
        raise ImportFileError(
            _(
                "{path}: no {columns} column (expected Date/Jour, Campagne/Campaign/xtor, "
                "Visites/Visits)"
            ).format(path=path, columns=", ".join(missing))
        )
    note = {"site": options.site, "columns": names, "delimiter": delimiter}
    payloads = ((row.text.encode(), {**note, "line": row.line}) for row in csv_rows(text))
    return write_import_run(raw_dir, SOURCE, path, {"site": options.site}, payloads, parse_payload)


def parse_payload(payload: Payload, context: ParseContext) -> list[Record]:
    """Parse one stored row of a Piano export into the day's visits of its campaign."""
    params = text_params(payload, "site", "delimiter")
    line, columns = payload.params.get("line", payload.seq), payload.params.get("columns")
    if not isinstance(columns, list):
        raise ParseError(f"line {line}: the columns of the file are missing")
    values = next(csv.reader([payload.content().decode()], delimiter=params["delimiter"]), [])
    if len(values) != len(columns):
        raise ParseError(f"line {line}: {len(values)} values for {len(columns)} columns")
    row = dict(zip(columns, (value.strip() for value in values), strict=True))
    code = row["campaign"]
    if not row["day"] or code.lower() == "total":
        context.ignore("Piano total rows")
        return []
    if not code or code in ("-", "N/A"):
        context.ignore("Piano rows without a campaign code")
        return []
    try:
        day, visits = parse_day(row["day"]), parse_count(row["visits"])
    except ParseError as error:
        raise ParseError(f"line {line}: {error}") from None
    return [
        Usage(
            source=context.source,
            run_id=context.run_id,
            collected_at=context.collected_at,
            site=params.get("site", ""),
            day=day,
            kind="visit",
            count=visits,
            channel=f"campaign:{code}",
            event="xtor",
        )
    ]


def parse_day(text: str) -> date:
    """A day written ``YYYY-MM-DD`` (a time after it is dropped) or day first.

    >>> parse_day("2026-09-01"), parse_day("01/09/2026"), parse_day("1.9.2026")
    (datetime.date(2026, 9, 1), datetime.date(2026, 9, 1), datetime.date(2026, 9, 1))
    """
    try:
        found = _DAY_FIRST.fullmatch(text)
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ParseError(f"{text!r} is not a day (YYYY-MM-DD or DD/MM/YYYY)") from None


def parse_count(text: str) -> int:
    """A whole count, with French or English thousands separators or a zero decimal part.

    >>> [parse_count(t) for t in ("1 234", "1\\u202f234", "1.234", "1,234", "12,0", "7")]
    [1234, 1234, 1234, 1234, 12, 7]
    """
    digits = re.sub(r"[\s\u00a0\u202f']", "", text)
    if _THOUSANDS.fullmatch(digits):
        digits = digits.replace(",", "").replace(".", "")
    try:
        number = float(digits.replace(",", "."))
    except ValueError:
        raise ParseError(f"{text!r} is not a number of visits") from None
    if not number.is_integer() or number < 0:
        raise ParseError(f"{text!r} is not a number of visits")
    return int(number)
