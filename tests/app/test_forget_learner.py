"""`essaim forget learner`: a learner of the usage imports erased from the database, the raw
runs and later loads; and `essaim forget <platform>` with usage runs present."""

import base64
import gzip
import json
import shutil
from datetime import UTC, date, datetime

import msgspec
import pytest

from collectors.rawrun import Payload, find_runs, iter_lines, read_manifest, sha256_of
from collectors.records import Usage
from graph.privacy.learners import erase_learner_line
from graph.privacy.pseudonyms import Pseudonymiser
from graph.store import Store
from tests.app.test_cli import essaim
from tests.app.test_privacy import all_raw_bytes, write_config
from tests.conftest import write_record_run, write_search_run
from tests.fixtures.bluesky import author, post_view, search_body

HEADER = "Time,User full name,Affected user,Event context,Component,Event name,Description,Origin"


def entry(time, user, affected, event, description):
    return f'"{time}",{user},{affected},Course: C,System,{event},{description},web'


VIEWED = "The user with id '{}' viewed the course with id '{}'."
# Anne: two views and a completion; Bruno: a view and his enrolment (by an administrator,
# Bruno is the affected user, so the learner).
LOG = "\n".join(
    [
        HEADER,
        entry("Monday, 3 November 2025, 2:05 PM", "Anne Martin", "-", "Course viewed",
              VIEWED.format(1, 101)),
        entry("Monday, 3 November 2025, 3:00 PM", "Anne Martin", "-", "Course viewed",
              VIEWED.format(1, 202)),
        entry("Tuesday, 4 November 2025, 9:10 AM", "Bruno Petit", "-", "Course viewed",
              VIEWED.format(2, 101)),
        entry("Monday, 3 November 2025, 12:30 PM", "Admin Platform", "Bruno Petit",
              "User enrolled in course",
              "The user with id '9' enrolled the user with id '2' in the course with id '101'."),
        entry("Tuesday, 4 November 2025, 10:00 AM", "Anne Martin", "Anne Martin",
              "Course completed", "The user with id '1' completed the course with id '101'."),
    ]
)  # fmt: skip
EVENTS = "SELECT learner, kind, course_id FROM usage WHERE learner IS NOT NULL ORDER BY ALL"
DAILY = "SELECT day, kind, course_id, count FROM usage WHERE learner IS NULL ORDER BY ALL"
# The daily counts of the log, worked by hand (times in Paris, UTC+1 in November).
DAILY_ROWS = [
    (date(2025, 11, 3), "enrolment", "101", 1),
    (date(2025, 11, 3), "view", "101", 1),
    (date(2025, 11, 3), "view", "202", 1),
    (date(2025, 11, 4), "completion", "101", 1),
    (date(2025, 11, 4), "view", "101", 1),
]


def rows(database, sql):
    with Store(database, read_only=True) as store:
        return store.connection.execute(sql).fetchall()


def learner(tmp_path, identifier):
    return Pseudonymiser((tmp_path / "secret.key").read_bytes().strip()).learner(identifier)


def run_of(raw_dir, kept_events):
    """The manifest of the moodle-log import kept with or without its events."""
    for manifest in find_runs(raw_dir):
        run = read_manifest(manifest)
        if run.source == "import-moodle-log" and run.parameters["keep_events"] is kept_events:
            return manifest
    raise AssertionError("no such run")


def import_log(tmp_path, config, *options):
    log = tmp_path / "log.csv"
    log.write_text(LOG + "\n", encoding="utf-8")
    result = essaim(
        "--config", config, "import", "moodle-log", log, "--site", "e-inspe.fr", *options
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def imported(tmp_path):
    """Both imports of the log (events kept, daily counts) loaded."""
    config = write_config(tmp_path, "")
    import_log(tmp_path, config, "--keep-events")
    import_log(tmp_path, config)
    assert essaim("--config", config, "load", "--offline").returncode == 0
    return config


def test_forget_learner_erases_her_events_everywhere_and_for_good(tmp_path, raw_dir, imported):
    data = tmp_path / "data"
    database = data / "essaim.duckdb"
    anne, bruno = learner(tmp_path, "Anne Martin"), learner(tmp_path, "Bruno Petit")
    assert rows(database, EVENTS) == sorted(
        [(anne, "view", "101"), (anne, "view", "202"), (anne, "completion", "101"),
         (bruno, "view", "101"), (bruno, "enrolment", "101")]
    )  # fmt: skip
    assert rows(database, DAILY) == DAILY_ROWS
    daily = run_of(raw_dir, False)
    daily_files = {path: path.read_bytes() for path in daily.parent.glob(daily.name[:-14] + "*")}
    old_copy = shutil.copytree(raw_dir, tmp_path / "old-raw")

    result = essaim("--config", imported, "forget", "learner", "Anne Martin")
    assert result.returncode == 0, result.stderr
    # her 3 records go and the one payload of events is rewritten without her 3 events
    assert (
        "Erased the learner: 3 events removed from the database, and from 1 raw runs 3 lines "
        "removed and 1 payloads rewritten without its events." in " ".join(result.stdout.split())
    )

    def check_store():
        assert rows(database, EVENTS) == [(bruno, "enrolment", "101"), (bruno, "view", "101")]
        assert rows(database, DAILY) == DAILY_ROWS  # the daily counts hold no learner: they stay

    check_store()
    raw = all_raw_bytes(raw_dir)
    assert anne.encode() not in raw and bruno.encode() in raw
    assert b"Anne" not in raw and b"Bruno" not in raw
    assert {path: path.read_bytes() for path in daily_files} == daily_files  # untouched
    events = run_of(raw_dir, True)
    run = read_manifest(events)
    assert run.erased_lines == 4  # 3 records removed, 1 payload rewritten
    run_file = events.with_name(f"{run.run_id}.jsonl.gz")
    assert sha256_of(run_file) == run.file_sha256
    (payload,) = [
        msgspec.json.decode(line, type=Payload)
        for _, line in iter_lines(run_file)
        if b'"payload"' in line[:20]
    ]
    kept = json.loads(payload.content())["events"]
    assert [(event["line"], event["learner"]) for event in kept] == [(4, bruno), (5, bruno)]
    audit = (data / "audit.jsonl").read_text()
    assert '"forget"' in audit and "Anne" not in audit and anne not in audit

    again = essaim("--config", imported, "load", "--offline")  # the rewritten run is accepted
    assert again.returncode == 0, again.stderr
    check_store()

    reparsed = essaim("--config", imported, "reparse", run.run_id, "--offline")
    assert reparsed.returncode == 0, reparsed.stderr
    check_store()

    # an old copy of the runs, loaded from scratch, does not bring her back
    database.unlink()
    shutil.rmtree(raw_dir)
    shutil.copytree(old_copy, raw_dir)
    fresh = essaim("--config", imported, "load", "--offline")
    assert fresh.returncode == 0, fresh.stderr
    check_store()


def test_forget_an_unknown_learner_changes_nothing(tmp_path, raw_dir, imported):
    before = all_raw_bytes(raw_dir)
    result = essaim("--config", imported, "forget", "learner", "Claire Durand")
    assert result.returncode == 1
    assert "no learner by that identifier" in result.stderr and "Claire" not in result.stderr
    assert all_raw_bytes(raw_dir) == before
    assert not (tmp_path / "data" / "erased-accounts.txt").exists()
    # a learner's name is not her pseudonym: only the name the file gives finds her
    name = learner(tmp_path, "Anne Martin")
    assert essaim("--config", imported, "forget", "learner", name).returncode == 1
    assert essaim("--config", imported, "forget", "learner", "anne martin").returncode == 1


def test_a_learner_only_in_the_database_is_erased_there(tmp_path, raw_dir, imported):
    shutil.rmtree(raw_dir)  # e.g. deleted by retention
    result = essaim("--config", imported, "forget", "learner", "Bruno Petit")
    assert result.returncode == 0, result.stderr
    assert "2 events removed from the database" in result.stdout
    anne = learner(tmp_path, "Anne Martin")
    assert {who for who, *_ in rows(tmp_path / "data" / "essaim.duckdb", EVENTS)} == {anne}


def payload_line(body, encoding="utf-8"):
    payload = Payload(seq=1, received_at=datetime(2026, 1, 5, tzinfo=UTC), url="log.csv",
                      encoding=encoding, body=body)  # fmt: skip
    return msgspec.json.encode(payload)


def test_a_base64_payload_is_decoded_and_rewritten_without_her_events():
    events = {"events": [{"line": 2, "learner": "u_1"}, {"line": 3, "learner": "u_2"}]}
    body = base64.b64encode(json.dumps(events).encode()).decode()
    kept = msgspec.json.decode(
        erase_learner_line(payload_line(body, "base64"), "u_1"), type=Payload
    )
    assert json.loads(kept.content()) == {"events": [{"line": 3, "learner": "u_2"}]}


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ('{"site":"e-inspe.fr","day":"2025-11-03","rows":[]}', True),  # daily counts
        ('{"events":[{"learner":"u_10"}]}', True),  # another learner whose pseudonym is longer
        ('{"problem":"u_1 wrote this"}', False),  # named outside events: the payload goes
        ("not JSON u_1", False),
    ],
)
def test_payloads_not_of_her_events(body, kept):
    line = payload_line(body)
    assert (erase_learner_line(line, "u_1") is line) is kept
    if not kept:
        assert erase_learner_line(line, "u_1") is None


def test_a_payload_of_her_events_only_keeps_an_empty_list():
    kept = erase_learner_line(payload_line('{"events":[{"learner":"u_1"}]}'), "u_1")
    assert json.loads(msgspec.json.decode(kept, type=Payload).body) == {"events": []}


# --- an account erasure with usage runs present -----------------------------------------------

ana = author("ana.example", "did:plc:ana")
share = post_view(
    ana, "2", "2026-09-02T09:00:00Z", "Un parcours", card="https://e-inspe.fr/course/view.php?id=42"
)
PROFILE = "https://bsky.app/profile/ana.example"


def visits(run_id):
    at = datetime(2026, 9, 3, tzinfo=UTC)
    return [
        Usage(source="import-matomo", run_id=run_id, collected_at=at, site="e-inspe.fr",
              day=date(2026, 9, 2), kind="visit", count=count, url=url, channel="social:bluesky")
        for count, url in ((4, PROFILE), (7, "https://e-inspe.fr/course/view.php?id=42"))
    ]  # fmt: skip


def test_forget_an_account_leaves_usage_runs_whole_but_for_her_name(tmp_path, raw_dir):
    config = write_config(tmp_path, 'keep_text = "full"')
    write_search_run(raw_dir, [search_body(share)])
    import_log(tmp_path, config, "--keep-events")
    matomo = write_record_run(raw_dir, visits, source="import-matomo")
    assert essaim("--config", config, "load", "--offline").returncode == 0
    moodle = run_of(raw_dir, True)
    moodle_files = {path: path.read_bytes() for path in moodle.parent.iterdir()}

    result = essaim("--config", config, "forget", "bluesky", "ana.example")
    assert result.returncode == 0, result.stderr
    assert {path: path.read_bytes() for path in moodle.parent.iterdir()} == moodle_files
    run = read_manifest(matomo)
    lines = [json.loads(line) for _, line in iter_lines(matomo.with_name(f"{run.run_id}.jsonl.gz"))]
    # both usage lines stay, with their counts; the profile link loses her name
    assert [(line["count"], line["url"]) for line in lines] == [
        (4, "https://bsky.app/profile/[effacé]"),
        (7, "https://e-inspe.fr/course/view.php?id=42"),
    ]
    assert b"ana.example" not in gzip.decompress(
        matomo.with_name(f"{run.run_id}.jsonl.gz").read_bytes()
    )
    database = tmp_path / "data" / "essaim.duckdb"
    assert len(rows(database, EVENTS)) == 5  # the learners' events stay
    stored = rows(database, "SELECT count, url FROM usage WHERE learner IS NULL ORDER BY count")
    assert [count for count, _ in stored] == [4, 7]  # masked at load, then erased: no name
    assert "ana.example" not in stored[0][1] and stored[0][1].startswith("https://bsky.app/")
    assert stored[1][1] == "https://e-inspe.fr/course/view.php?id=42"
