"""``essaim import moodle-logstore``: a CSV export of Moodle's ``logstore_standard_log`` table
(``eventname``, ``courseid``, ``userid``, ``relateduserid``, ``timecreated`` in Unix seconds,
``origin``…), read and counted by DuckDB: ten million lines take well under a minute.

An event's learner is its ``relateduserid`` when it has one (who was enrolled, who completed),
else its ``userid`` (who viewed). Course id 0 is no course.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from collectors.imports.files import ImportFileError
from collectors.imports.run import ImportOutcome
from collectors.imports.usage import UsageOptions
from collectors.moodle_logs.runs import site_of, write_moodle_run
from collectors.speech import _

__all__ = ["import_logstore"]

_REQUIRED = ("eventname", "courseid", "userid", "timecreated")
_MEMORY = "1GB"  # DuckDB's limit; it spills to a temporary folder beyond
_SHOWN_LINES = 1000  # lines kept per unreadable time (the count is always whole)

_TABLE = """
CREATE TABLE logs AS
SELECT row_number() OVER () + 1 AS line,
       trim(timecreated) AS timecreated,
       replace(eventname, '\\\\', '\\') AS event,
       nullif(nullif(trim(courseid), ''), '0') AS course_id,
       {origin} AS origin,
       coalesce(nullif(trim({related}), ''), nullif(trim(userid), '')) AS learner
FROM read_csv($path, header = true, all_varchar = true, nullstr = ['', 'NULL', '\\N'])
"""
_UNREADABLE = """
SELECT timecreated, count(*), list(line ORDER BY line)[1:$shown] FROM logs
WHERE try_cast(timecreated AS BIGINT) IS NULL GROUP BY timecreated ORDER BY min(line)
"""
_EVENTS = """
CREATE VIEW events AS
SELECT line, to_timestamp(try_cast(timecreated AS BIGINT)) AS "at", {site} AS site,
       course_id, event, origin, learner
FROM logs WHERE try_cast(timecreated AS BIGINT) IS NOT NULL
"""


def import_logstore(raw_dir: Path, path: Path, options: UsageOptions) -> ImportOutcome:
    """Import a ``logstore_standard_log`` CSV export as a run of ``import-moodle-logstore``."""
    site = site_of(options, path)
    with tempfile.TemporaryDirectory() as spill, duckdb.connect() as db:
        db.execute(f"SET memory_limit = '{_MEMORY}'")
        db.execute("SET temp_directory = $folder", {"folder": spill})
        columns = _columns(db, path)
        origin = "trim(origin)" if "origin" in columns else "NULL"
        related = "relateduserid" if "relateduserid" in columns else "NULL"
        db.execute(_TABLE.format(origin=origin, related=related), {"path": str(path)})
        unreadable = {}
        for text, count, lines in db.execute(_UNREADABLE, {"shown": _SHOWN_LINES}).fetchall():
            what = "no time" if text is None else f"the time {text!r} is not Unix seconds"
            unreadable[what + (f" ({count:,} lines)" if count > len(lines) else "")] = lines
        db.execute(_EVENTS.format(site=_literal(site)))  # a view takes no parameters
        (rows,) = db.execute("SELECT count(*) FROM logs").fetchone()
        return write_moodle_run(raw_dir, path, "moodle-logstore", options, db, unreadable, rows)


def _columns(db: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    """The file's columns, of which :data:`_REQUIRED` must be; an :class:`ImportFileError`
    naming the columns expected otherwise."""
    try:
        found = db.execute(
            "DESCRIBE SELECT * FROM read_csv($path, header = true, all_varchar = true)",
            {"path": str(path)},
        ).fetchall()
    except duckdb.Error as error:
        raise ImportFileError(
            _("{path}: not a CSV file that can be read ({error})").format(path=path, error=error)
        ) from None
    columns = {row[0].strip().casefold() for row in found}
    if not columns.issuperset(_REQUIRED):
        raise ImportFileError(
            _(
                "{path}: not an export of logstore_standard_log: expected the columns "
                "{required} (and relateduserid, origin), found {found}"
            ).format(
                path=path, required=", ".join(_REQUIRED), found=", ".join(row[0] for row in found)
            )
        )
    return columns


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
