"""``essaim import moodle-log | moodle-logstore | xapi``: Moodle usage as raw runs of daily
counts (or pseudonymised events), on files whose counts are worked out by hand below.

The fixtures are tests/fixtures/moodle_logs (written after Moodle's language strings) and
tests/fixtures/real/import-moodle-logstore and import-xapi (rows and statements from
moodle-logstore_xapi's tests, see their .source.json). Days are counted in Europe/Paris
(UTC+1 in November, UTC+2 in June).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas
import pytest

from collectors.imports.files import ImportFileError
from collectors.imports.usage import UsageOptions, import_usage
from collectors.moodle_logs.dates import read_time
from collectors.rawrun import iter_lines, run_paths
from collectors.records import decode_record
from collectors.reparse import reparse_run
from tests.collectors.collecting import essaim, write_config

FIXTURES = Path(__file__).parents[1] / "fixtures" / "moodle_logs"
REAL = Path(__file__).parents[1] / "fixtures" / "real"
PARIS = "Europe/Paris"


def options(**given) -> UsageOptions:
    return UsageOptions(pseudonymise=lambda learner: f"u_{len(learner)}", **given)


def imported(tmp_path, kind, path, **given):
    """The outcome of an import and its records, as (day, kind, course, event, count,
    learners) in the order written."""
    outcome = import_usage(tmp_path, kind, path, options(**given))
    records = [
        decode_record(line)
        for _, line in iter_lines(run_paths(tmp_path, outcome.run.source, outcome.run.run_id)[0])
        if line.startswith(b'{"type":"usage"')
    ]
    return outcome, records


def counts(records):
    return sorted(
        (r.day.isoformat(), r.kind, r.course_id, r.event, r.count, r.learners) for r in records
    )


def ignored(outcome):
    return sorted(i.message for i in outcome.run.incidents if i.kind == "ignored")


def run_text(raw_dir: Path) -> str:
    """Every raw run file under ``raw_dir``, decompressed, as one text."""
    parts = [gzip.decompress(p.read_bytes()).decode() for p in raw_dir.rglob("*.jsonl.gz")]
    return "\n".join(parts + [p.read_text() for p in raw_dir.rglob("*.manifest.json")])


class TestTimes:
    @pytest.mark.parametrize(
        ("written", "utc"),
        [
            ("lundi 3 novembre 2025, 14:05", datetime(2025, 11, 3, 13, 5)),
            ("Monday, 3 November 2025, 2:05 PM", datetime(2025, 11, 3, 13, 5)),
            ("3/11/25, 14:05", datetime(2025, 11, 3, 13, 5)),
            ("03/11/2025 14:05:30", datetime(2025, 11, 3, 13, 5, 30)),
            ("Tuesday, 4 November 2025, 12:10 AM", datetime(2025, 11, 3, 23, 10)),  # 12 AM
            ("3 November 2025, 12:30 PM", datetime(2025, 11, 3, 11, 30)),  # 12 PM is noon
            ("dimanche 1er juin 2025, 09:00", datetime(2025, 6, 1, 7, 0)),  # summer: UTC+2
            ("mardi 12 août 2025, 8:00", datetime(2025, 8, 12, 6, 0)),
            (45964.75, datetime(2025, 11, 3, 17, 0)),  # Excel: 45658 is 1 January 2025
            (datetime(2025, 11, 3, 14, 5), datetime(2025, 11, 3, 13, 5)),
        ],
    )
    def test_moodle_times_are_read_in_the_zone(self, written, utc):
        assert read_time(written, ZoneInfo(PARIS)) == utc.replace(tzinfo=UTC)

    @pytest.mark.parametrize(
        "written", ["lundi 32 novembre 2025, 10:00", "31/02/25, 10:00", "13:05 PM 3/11/25", "", -3]
    )
    def test_impossible_times_are_none(self, written):
        assert read_time(written, ZoneInfo(PARIS)) is None


class TestReport:
    def test_french_report_counts_per_day_course_and_event(self, tmp_path):
        outcome, records = imported(
            tmp_path, "moodle-log", FIXTURES / "report-fr.csv", site="https://www.e-inspe.fr/"
        )
        # 3 Nov (Paris): course 101 viewed at lines 2, 3 (Anne) and 4 (Bruno, 23:30); Bruno
        # enrolled by an administrator (line 6: the affected user is the learner); course 202
        # viewed by Claire (line 7). 4 Nov: Bruno at 00:10 (line 5), Claire completes 202.
        assert counts(records) == [
            ("2025-11-03", "enrolment", "101", "Utilisateur inscrit au cours", 1, 1),
            ("2025-11-03", "view", "101", "Cours consulté", 3, 2),
            ("2025-11-03", "view", "202", "Cours consulté", 1, 1),
            ("2025-11-04", "completion", "202", "Cours terminé", 1, 1),
            ("2025-11-04", "view", "101", "Cours consulté", 1, 1),
        ]
        assert {record.site for record in records} == {"www.e-inspe.fr"}
        assert outcome.rows == 10
        assert outcome.refused == [
            ("10", "the time 'lundi 32 novembre 2025, 10:00' cannot be read")
        ]
        assert ignored(outcome) == [
            "1 events 'Module de cours consulté' ignored",
            "1 events without a course id ignored",
        ]

    def test_english_report_with_twelve_hour_clock_and_kept_events(self, tmp_path):
        outcome, records = imported(
            tmp_path,
            "moodle-log",
            FIXTURES / "report-en.csv",
            site="moodle.example.org",
            keep_events=True,
        )
        assert outcome.refused == []
        # 12:10 AM on 4 November in Paris is 23:10 UTC on the 3rd, and counts on the 4th.
        assert sorted((r.occurred_at, r.day, r.kind, r.course_id, r.learner) for r in records) == [
            (
                datetime(2025, 11, 3, 11, 30, tzinfo=UTC),
                date(2025, 11, 3),
                "enrolment",
                "101",
                "u_11",
            ),  # Bruno Petit, the affected user, not the administrator (14 letters)
            (
                datetime(2025, 11, 3, 12, 0, tzinfo=UTC),
                date(2025, 11, 3),
                "completion",
                "202",
                "u_13",
            ),
            (datetime(2025, 11, 3, 13, 5, tzinfo=UTC), date(2025, 11, 3), "view", "101", "u_11"),
            (datetime(2025, 11, 3, 23, 10, tzinfo=UTC), date(2025, 11, 4), "view", "101", "u_11"),
        ]
        assert {(r.count, r.learners) for r in records} == {(1, None)}

    @pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
    def test_spreadsheets_with_excel_serials_and_a_missing_time(self, tmp_path, suffix):
        viewed = "The user with id '{}' viewed the course with id '101'."
        sheet = pandas.DataFrame(
            {
                "Heure": [
                    datetime(2025, 11, 3, 14, 5),
                    45964.75,
                    "lundi 3 novembre 2025, 20:00",
                    None,
                ],
                "Nom complet de l'utilisateur": [
                    "Anne Martin",
                    "Bruno Petit",
                    "Anne Martin",
                    "Anne Martin",
                ],
                "Utilisateur concerné": ["-"] * 4,
                "Nom de l'événement": ["Cours consulté"] * 4,
                "Description": [
                    viewed.format(1),
                    viewed.format(2),
                    viewed.format(1),
                    viewed.format(1),
                ],
                "Origine": ["web"] * 4,
            }
        )
        path = tmp_path / f"logs{suffix}"
        sheet.to_excel(path, index=False, engine="odf" if suffix == ".ods" else "openpyxl")
        outcome, records = imported(tmp_path / "raw", "moodle-log", path, site="www.e-inspe.fr")
        # 14:05, 18:00 (the serial's .75 of a day) and 20:00 on 3 November: 3 views, 2 learners.
        assert counts(records) == [("2025-11-03", "view", "101", "Cours consulté", 3, 2)]
        assert outcome.refused == [("5", "no time")]

    def test_an_unknown_layout_names_the_columns_expected(self, tmp_path):
        path = tmp_path / "logs.csv"
        path.write_text("Date,Who,What\n2025-11-03,Anne,viewed\n")
        with pytest.raises(ImportFileError) as error:
            import_usage(tmp_path, "moodle-log", path, options(site="www.e-inspe.fr"))
        assert str(error.value) == (
            f"{path}: not a Moodle log report: expected the columns Time, User full name, "
            "Event name, Description (or Heure, Nom complet de l'utilisateur, Nom de "
            "l'événement, Description), found Date, Who, What"
        )

    def test_the_site_is_asked_for(self, tmp_path):
        with pytest.raises(ImportFileError, match="give it with --site"):
            import_usage(tmp_path, "moodle-log", FIXTURES / "report-en.csv", options())


def logstore_csv(path: Path, rows: list[dict]) -> Path:
    columns = [
        "id",
        "eventname",
        "component",
        "courseid",
        "contextinstanceid",
        "userid",
        "relateduserid",
        "timecreated",
        "origin",
        "ip",
    ]
    pandas.DataFrame(rows, columns=columns, dtype=object).to_csv(path, index=False)
    return path


def real_events() -> list[dict]:
    """The three log store rows of moodle-logstore_xapi's tests, with an origin and an IP."""
    names = ["course_viewed", "user_enrolment_created", "course_completed"]
    rows = [
        json.loads((REAL / "import-moodle-logstore" / f"{name}.event.json").read_text())
        for name in names
    ]
    return [row | {"origin": "web", "ip": "10.9.8.7"} for row in rows]


def unix(*moment) -> int:
    return int(datetime(*moment, tzinfo=UTC).timestamp())


class TestLogstore:
    def test_real_rows_learner_is_the_related_user(self, tmp_path):
        path = logstore_csv(tmp_path / "log.csv", real_events())
        given = UsageOptions(
            pseudonymise=lambda id: f"u_{id}", site="www.example.org", keep_events=True
        )
        outcome = import_usage(tmp_path / "raw", "moodle-logstore", path, given)
        records = [
            decode_record(line)
            for _, line in iter_lines(
                run_paths(tmp_path / "raw", outcome.run.source, outcome.run.run_id)[0]
            )
            if line.startswith(b'{"type":"usage"')
        ]
        # timecreated 1433946701 is 10 June 2015, 14:31:41 UTC (16:31 in Paris, same day).
        # The enrolment's learner is relateduserid 2 (userid 1 enrolled them); the completion
        # has no userid, its learner is relateduserid 1.
        at = datetime(2015, 6, 10, 14, 31, 41, tzinfo=UTC)
        assert sorted((r.kind, r.course_id, r.learner, r.occurred_at, r.day) for r in records) == [
            ("completion", "2", "u_1", at, date(2015, 6, 10)),
            ("enrolment", "2", "u_2", at, date(2015, 6, 10)),
            ("view", "1", "u_1", at, date(2015, 6, 10)),
        ]
        assert {(r.count, r.event[:12]) for r in records} == {(1, "\\core\\event\\")}

    def test_daily_counts_distinct_learners_midnight_and_bad_lines(self, tmp_path):
        viewed, enrolled = "\\core\\event\\course_viewed", "\\core\\event\\user_enrolment_created"
        rows = [  # (line 2 onwards)
            {"eventname": viewed, "courseid": 5, "userid": 7, "timecreated": unix(2025, 11, 3, 9)},
            {"eventname": viewed, "courseid": 5, "userid": 7, "timecreated": unix(2025, 11, 3, 10)},
            # 22:59:59 UTC is 23:59:59 in Paris: still the 3rd; 23:00 UTC is the 4th.
            {
                "eventname": viewed,
                "courseid": 5,
                "userid": 8,
                "timecreated": unix(2025, 11, 3, 22, 59, 59),
            },
            {"eventname": viewed, "courseid": 5, "userid": 8, "timecreated": unix(2025, 11, 3, 23)},
            {
                "eventname": enrolled,
                "courseid": 5,
                "userid": 2,
                "relateduserid": 8,
                "timecreated": unix(2025, 11, 3, 8),
            },
            {"eventname": viewed, "courseid": 0, "userid": 7, "timecreated": unix(2025, 11, 3, 8)},
            {
                "eventname": "\\core\\event\\user_loggedin",
                "courseid": 0,
                "userid": 7,
                "timecreated": unix(2025, 11, 3, 8),
            },
            {"eventname": viewed, "courseid": 5, "userid": 7, "timecreated": "hier"},
        ]
        path = logstore_csv(tmp_path / "log.csv", rows)
        outcome, records = imported(tmp_path / "raw", "moodle-logstore", path, site="e-inspe.fr")
        assert counts(records) == [
            ("2025-11-03", "enrolment", "5", enrolled, 1, 1),
            ("2025-11-03", "view", "5", viewed, 3, 2),  # users 7, 7, 8
            ("2025-11-04", "view", "5", viewed, 1, 1),
        ]
        assert outcome.rows == 8
        assert outcome.refused == [("9", "the time 'hier' is not Unix seconds")]
        assert ignored(outcome) == [
            "1 events '\\\\core\\\\event\\\\user_loggedin' ignored",
            "1 events without a course id ignored",
        ]

    def test_a_file_without_the_columns_is_refused_in_one_sentence(self, tmp_path):
        path = tmp_path / "log.csv"
        path.write_text("event,user\nviewed,7\n")
        with pytest.raises(
            ImportFileError, match="expected the columns eventname, courseid, userid, timecreated"
        ):
            import_usage(tmp_path, "moodle-logstore", path, options(site="e-inspe.fr"))


class TestXapi:
    def test_lrs_answer_with_mixed_offsets(self, tmp_path):
        outcome, records = imported(tmp_path, "xapi", FIXTURES / "statements.json")
        verbs = "http://adlnet.gov/expapi/verbs/"
        # registered 23:30 −05:00 = 04:30 UTC on the 4th; launched 23:30 Z = 00:30 Paris on
        # the 4th; completed 00:30 +01:00 = the 4th in Paris; experienced 22:59:59 Z = 23:59:59
        # Paris on the 3rd; the launch of 202 has only its stored time, the 3rd.
        assert counts(records) == [
            ("2025-11-03", "view", "101", verbs + "experienced", 1, 1),
            ("2025-11-03", "view", "202", verbs + "launched", 1, 1),
            ("2025-11-04", "completion", "101", verbs + "completed", 1, 1),
            ("2025-11-04", "enrolment", "101", verbs + "registered", 1, 1),
            ("2025-11-04", "view", "101", verbs + "launched", 1, 1),
        ]
        assert {record.site for record in records} == {"www.e-inspe.fr"}
        assert outcome.refused == [("27", "the timestamp 'hier soir' cannot be read")]
        assert ignored(outcome) == [
            "1 events 'http://adlnet.gov/expapi/verbs/answered' ignored",
            "1 events without a course id ignored",
        ]

    def test_ndjson_gives_the_same_counts(self, tmp_path):
        statements = json.loads((FIXTURES / "statements.json").read_text())["statements"]
        path = tmp_path / "statements.ndjson"
        path.write_text("\n".join(json.dumps(s) for s in statements) + "\n{broken\n")
        _, expected = imported(tmp_path / "a", "xapi", FIXTURES / "statements.json")
        outcome, records = imported(tmp_path / "b", "xapi", path)
        assert counts(records) == counts(expected)
        assert [line for line, _ in outcome.refused] == ["7", "9"]

    def test_real_statements_of_moodles_xapi_log_store(self, tmp_path):
        # Tin Can's completed verb is a completion; the viewed and enrolled statements of the
        # plugin's tests have no timestamp, so they are named and skipped.
        outcome, records = imported(
            tmp_path, "xapi", REAL / "import-xapi" / "course_completed.statements.json"
        )
        assert [(r.site, r.day, r.kind, r.course_id) for r in records] == [
            ("www.example.org", date(2015, 6, 10), "completion", "1")
        ]
        outcome, records = imported(
            tmp_path, "xapi", REAL / "import-xapi" / "course_viewed.statements.json"
        )
        assert (records, outcome.refused) == ([], [("2", "a statement without a timestamp")])


def test_no_learner_name_id_or_address_reaches_the_raw_runs(tmp_path):
    for keep in (False, True):
        import_usage(
            tmp_path,
            "moodle-log",
            FIXTURES / "report-fr.csv",
            options(site="www.e-inspe.fr", keep_events=keep),
        )
        import_usage(tmp_path, "xapi", FIXTURES / "statements.json", options(keep_events=keep))
    text = run_text(tmp_path)
    assert '"type":"usage"' in text
    for secret in ("Anne", "Bruno", "Claire", "Martin", "anne.martin", "90413", "10.9.8"):
        assert secret not in text


def test_the_command_imports_lists_ignored_events_loads_and_reparses(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    result = essaim(
        config, "import", "moodle-log", str(FIXTURES / "report-fr.csv"), "--site", "www.e-inspe.fr"
    )
    assert result.returncode == 2  # line 10 refused
    assert "10 rows read, 5 records, 1 rows refused" in result.stdout
    assert "1 events 'Module de cours consulté' ignored" in result.stdout
    assert "line 10: the time 'lundi 32 novembre 2025, 10:00' cannot be read" in result.stderr
    assert essaim(config, "load", "--offline").returncode == 0
    with duckdb.connect(str(tmp_path / "data" / "essaim.duckdb"), read_only=True) as db:
        rows = db.execute(
            "SELECT day, kind, course_id, count, learners FROM usage ORDER BY day, kind, course_id"
        ).fetchall()
    assert rows == [
        (date(2025, 11, 3), "enrolment", "101", 1, 1),
        (date(2025, 11, 3), "view", "101", 3, 2),
        (date(2025, 11, 3), "view", "202", 1, 1),
        (date(2025, 11, 4), "completion", "202", 1, 1),
        (date(2025, 11, 4), "view", "101", 1, 1),
    ]
    raw = tmp_path / "data" / "raw"
    (manifest,) = raw.glob("import-moodle-log/*.manifest.json")
    again = reparse_run(raw, manifest.name.removesuffix(".manifest.json"))
    assert again.counts == {"usages": 5}
