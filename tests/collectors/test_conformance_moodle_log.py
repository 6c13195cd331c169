"""A real download of Moodle's log report (tests/fixtures/real/import-moodle-log, from
AD1529/Moodle-Log-Data-Consolidation, see its .source.json), imported as
``essaim import moodle-log`` imports it.

Every expected value was read by hand from the file: 20 rows (lines 2-21), all on
23 January 2023 between 11:56 and 12:09, newest first. The site is the University of Pisa's
(Europe/Rome, UTC+1 in January). Lines 5-17 are 13 "Course viewed" of course 1 (the front
page) by nobody logged in (user and affected user "-", "The user with id '0'"), one a minute
from 12:09 down to 11:57; line 18 is "User 287" viewing course 36 at 11:56. The other six
rows are no view, enrolment or completion.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from collectors.imports.usage import UsageOptions, import_usage
from collectors.rawrun import iter_lines, run_paths
from collectors.records import decode_record

REPORT = (
    Path(__file__).parents[1]
    / "fixtures"
    / "real"
    / "import-moodle-log"
    / "example_platform_logs.csv"
)
ROME = "Europe/Rome"


def pseudonym(learner: str) -> str:
    """A stand-in for the project's pseudonym, which holds nothing of the name."""
    return "p" + hashlib.sha256(learner.encode()).hexdigest()[:12]


def imported(raw_dir: Path, **given):
    """The outcome of importing the report and its usage records."""
    options = UsageOptions(
        pseudonymise=pseudonym,
        timezone=ROME,
        site="moodle.unipi.example",
        **given,
    )
    outcome = import_usage(raw_dir, "moodle-log", REPORT, options)
    path = run_paths(raw_dir, outcome.run.source, outcome.run.run_id)[0]
    records = [
        decode_record(line) for _, line in iter_lines(path) if line.startswith(b'{"type":"usage"')
    ]
    return outcome, records


def test_twenty_rows_read_and_the_other_events_ignored(tmp_path):
    outcome, _ = imported(tmp_path)
    assert outcome.rows == 20
    assert outcome.refused == []
    ignored = sorted(i.message for i in outcome.run.incidents if i.kind == "ignored")
    assert ignored == [
        "1 events 'Dashboard viewed' ignored",  # line 3
        "1 events 'Log report viewed' ignored",  # line 2
        "1 events 'The status of the submission has been viewed.' ignored",  # line 19
        "1 events 'User has logged in' ignored",  # line 4
        "2 events 'Course module viewed' ignored",  # lines 20 (assign 3364) and 21 (url 4051)
    ]


def test_course_views_of_the_day(tmp_path):
    _, records = imported(tmp_path)
    found = sorted((r.day, r.kind, r.course_id, r.event, r.count) for r in records)
    assert found == [
        (date(2023, 1, 23), "view", "1", "Course viewed", 13),  # lines 5-17
        (date(2023, 1, 23), "view", "36", "Course viewed", 1),  # line 18
    ]
    assert {r.site for r in records} == {"moodle.unipi.example"}
    (course_36,) = [r for r in records if r.course_id == "36"]
    assert course_36.learners == 1  # User 287


def test_kept_events_at_their_minutes(tmp_path):
    _, records = imported(tmp_path, keep_events=True)
    front_page = sorted(r.occurred_at for r in records if r.course_id == "1")
    # 11:57 to 12:09 in Rome is 10:57 to 11:09 UTC, one view a minute
    first = datetime(2023, 1, 23, 10, 57, tzinfo=UTC)
    assert front_page == [first + timedelta(minutes=n) for n in range(13)]
    (course_36,) = [r for r in records if r.course_id == "36"]
    assert course_36.occurred_at == datetime(2023, 1, 23, 10, 56, tzinfo=UTC)
    assert course_36.learner == pseudonym("User 287")
    assert {(r.count, r.learners) for r in records} == {(1, None)}


def test_views_by_nobody_count_no_learner(tmp_path):
    _, records = imported(tmp_path)
    (front_page,) = [r for r in records if r.course_id == "1"]
    assert front_page.learners == 0


def test_kept_views_by_nobody_have_no_learner(tmp_path):
    _, records = imported(tmp_path, keep_events=True)
    assert {r.learner for r in records if r.course_id == "1"} == {None}


def test_no_user_or_address_reaches_the_raw_run(tmp_path):
    for keep in (False, True):
        imported(tmp_path / str(keep), keep_events=keep)
    text = "\n".join(
        gzip.decompress(path.read_bytes()).decode() for path in tmp_path.rglob("*.jsonl.gz")
    )
    assert '"type":"usage"' in text
    for written in ("User 58", "User 287", "000.00.00.000"):
        assert written not in text
