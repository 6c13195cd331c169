"""``essaim import moodle-log``: the download of Moodle's log report (Site administration ›
Reports › Logs, as CSV, ODS or XLSX), with English or French headers.

The report names learners by their full name, prints local times without a zone, and gives
the course id only in the event's description, which Moodle writes in English whatever the
language ("The user with id '12' viewed the course with id '101'.").
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas

from collectors.imports.files import ImportFileError, csv_layout, decode_export
from collectors.imports.run import ImportOutcome
from collectors.imports.usage import UsageOptions
from collectors.moodle_logs.dates import read_times
from collectors.moodle_logs.runs import site_of, write_moodle_run
from collectors.speech import _

__all__ = ["import_report"]

#: The report's columns, by the names Moodle's English and French packs give them.
_HEADERS = {
    "time": ("Time", "Heure"),
    "user": ("User full name", "Nom complet de l'utilisateur"),
    "affected": ("Affected user", "Utilisateur concerné"),
    "event": ("Event name", "Nom de l'événement"),
    "description": ("Description", "Description"),
    "origin": ("Origin", "Origine"),
}
_REQUIRED = ("time", "user", "event", "description")
_COURSE = r"\bcourse with id '(\d+)'"
_NOBODY = ("", "-")  # what the report writes for no user (not logged in, no other user)


def import_report(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import a log report download as a run of ``import-moodle-log``."""
    site = site_of(options, path)
    table = _read_table(path)
    rows = len(table)
    times = read_times(table["time"], ZoneInfo(options.timezone))
    table["at"] = table["time"].map(times)
    unreadable: dict[str, list[int]] = {}
    for line, value in table.loc[table["at"].isna(), ["line", "time"]].itertuples(index=False):
        blank = pandas.isna(value) or not str(value).strip()
        problem = "no time" if blank else f"the time {str(value)!r} cannot be read"
        unreadable.setdefault(problem, []).append(line)
    table = table[table["at"].notna()]
    affected = table["affected"].where(~table["affected"].isin(_NOBODY))
    user = table["user"].where(~table["user"].isin(_NOBODY))  # "-": nobody logged in
    events = pandas.DataFrame(
        {
            "line": table["line"],
            "at": pandas.to_datetime(table["at"], utc=True),
            "site": site,
            "course_id": table["description"].str.extract(_COURSE, expand=False),
            "event": table["event"].str.strip(),
            "origin": table["origin"],
            "learner": affected.fillna(user),
        }
    )
    with duckdb.connect() as db:
        db.register("events", events)
        return write_moodle_run(raw_dir, path, "moodle-log", options, db, unreadable, rows)


def _read_table(path: Path) -> pandas.DataFrame:
    """The report's columns that matter, as text (times as the file has them), with the line
    (CSV) or row (spreadsheet) each comes from."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        engine = "odf" if path.suffix.lower() == ".ods" else "openpyxl"
        try:
            sheet = pandas.read_excel(path, header=None, dtype=object, engine=engine)
        except (ValueError, OSError) as error:
            raise ImportFileError(
                _("{path}: not a spreadsheet that can be read ({error})").format(
                    path=path, error=error
                )
            ) from None
        header = [str(name).strip() for name in sheet.iloc[0]] if len(sheet) else []
        rows = sheet.iloc[1:].reset_index(drop=True)
        rows.insert(0, "line", range(2, len(rows) + 2))
    else:
        text = decode_export(path.read_bytes(), path)
        header, delimiter = csv_layout(text, path)
        rows = pandas.DataFrame(
            list(_csv_rows(text, delimiter, len(header))), columns=range(len(header) + 1)
        )
    columns = _columns(header, path)
    table = pandas.DataFrame({"line": rows.iloc[:, 0].astype("int64")})
    for name, index in columns.items():
        values = rows.iloc[:, index + 1] if index is not None else pandas.Series("", rows.index)
        table[name] = values if name == "time" else values.fillna("").astype(str)
    return table


def _csv_rows(text: str, delimiter: str, width: int):
    """Each data row of a CSV report, after the line it starts on, padded to ``width``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    line = reader.line_num + 1
    for row in reader:
        if any(row):
            yield [line, *(row + [""] * width)[:width]]
        line = reader.line_num + 1


def _columns(header: list[str], path: Path) -> dict[str, int | None]:
    """Where each column of :data:`_HEADERS` is in ``header``; an :class:`ImportFileError`
    naming the columns expected when a required one is missing."""
    found = {_plain(name): index for index, name in enumerate(header)}
    columns = {
        name: next((found[_plain(n)] for n in names if _plain(n) in found), None)
        for name, names in _HEADERS.items()
    }
    missing = [name for name in _REQUIRED if columns[name] is None]
    if missing:
        english = ", ".join(_HEADERS[name][0] for name in _REQUIRED)
        french = ", ".join(_HEADERS[name][1] for name in _REQUIRED)
        raise ImportFileError(
            _(
                "{path}: not a Moodle log report: expected the columns {english} (or {french}), "
                "found {found}"
            ).format(path=path, english=english, french=french, found=", ".join(header))
        )
    return columns


def _plain(name: str) -> str:
    return name.replace("\u2019", "'").strip().casefold()
