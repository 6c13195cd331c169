"""``essaim watch``: cycles that survive a failing collection, alert once per take-off (file,
webhook, e-mail through a local SMTP server), keep their schedule across restarts, and
resume interrupted collections."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from aiosmtpd.controller import Controller

from app.cli import alerts
from app.cli import watch as watch_module
from app.cli.alerts import Alert
from app.config import load_settings
from collectors.rawrun import RawRunWriter
from tests.app.test_cli import essaim
from tests.conftest import copy_raw


class Inbox:
    """An aiosmtpd handler keeping every message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def webhook():
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def test_a_cycle_survives_a_failing_collection_and_alerts_nothing_old(
    tmp_path, demo_run, smtp, webhook
):
    port, inbox = smtp
    hook_url, posts = webhook
    data = copy_raw(demo_run[1] / "raw", tmp_path / "data")
    config = tmp_path / "essaim.toml"
    config.write_text(f"""
data_dir = "data"
[links]
resolve_shorteners = false
[collect]
timeout = 1.0
max_retries = 1
backoff = 0.05
[sources.telegram]
base = "http://127.0.0.1:9"
[watch]
collections = [["telegram", "--channel", "profs"]]
[watch.alerts]
webhook = "{hook_url}"
smtp_host = "127.0.0.1"
smtp_port = {port}
smtp_security = "none"
smtp_from = "essaim@example.org"
smtp_to = ["com@example.org"]
""")
    first = essaim("--config", config, "watch", "--cycles", "1")
    assert first.returncode == 0, first.stderr
    assert "collect telegram --channel profs" in first.stdout
    assert "Connection was refused" in first.stderr  # nobody answers: the cycle goes on
    assert "collect telegram: some pages failed" in first.stderr
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        found = connection.execute(
            'SELECT resource_id, start, "end" FROM takeoff_episodes ORDER BY start'
        ).fetchall()
        last = connection.execute("SELECT max(hour) FROM velocity").fetchone()[0]
    assert found, "the demo has take-off episodes"
    # the first cycle records every episode since September as its baseline and alerts none
    assert f"first cycle: {len(found)} take-off episode" in " ".join(first.stdout.split())
    assert "cycle done: 0 new take-offs" in first.stdout
    assert not (data / "alerts.jsonl").exists() and not posts and not inbox.messages
    state = json.loads((data / "watch" / "state.json").read_text())
    assert sorted((r, datetime.fromisoformat(s), datetime.fromisoformat(e))
                  for r, s, e in state["known"]) == sorted(found)  # fmt: skip
    assert datetime.fromisoformat(state["horizon"]) == last + timedelta(hours=1)

    again = essaim("--config", config, "watch", "--cycles", "1", "--every", "1s")
    assert again.returncode == 0, again.stderr
    assert "cycle done: 0 new take-offs" in again.stdout and "first cycle" not in again.stdout
    assert not (data / "alerts.jsonl").exists() and not posts and not inbox.messages


def _episode(resource: str, start: int, end: int) -> Alert:
    """An episode of ``resource`` from hour ``start`` to hour ``end`` of 1 September."""
    day = datetime(2026, 9, 1, tzinfo=UTC)
    return Alert(resource, None, day + timedelta(hours=start), 9, 1.0, 0.1,
                 until=day + timedelta(hours=end))  # fmt: skip


def test_a_new_episode_is_alerted_once_and_nothing_before_the_first_cycle(tmp_path):
    state = watch_module._State(tmp_path / "state.json", load_settings(None, tmp_path))
    hour = lambda h: datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=h)  # noqa: E731
    old = _episode("r1", 2, 6)
    assert state.news([old], hour(10)) == []  # the first cycle: a baseline
    assert state.horizon == hour(10) and state.known == [("r1", hour(2), hour(6))]

    new = _episode("r2", 9, 12)  # began before the last cycle's data ended, seen only now
    late = _episode("r3", 3, 8)  # over before the last cycle's data ended: old news
    grown = _episode("r1", 3, 7)  # the old episode seen again, its start moved
    assert state.news([grown, new, late], hour(12)) == [new]
    assert state.news([grown, _episode("r2", 8, 15), late], hour(15)) == []  # r2 grew: once
    assert state.news([_episode("r1", 6, 16)], hour(16)) == []  # r1's start moved past 6 h
    again = _episode("r2", 20, 22)  # r2 takes off again, later
    assert state.news([grown, again], hour(22)) == [again]


def test_a_restarted_watch_keeps_its_schedule(tmp_path):
    settings = load_settings(None, tmp_path)
    state = watch_module._State(tmp_path / "state.json", settings)
    assert state.due(timedelta(hours=1)) <= datetime.now(UTC)  # never ran: now
    started = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    state.last_started = started.isoformat()
    state.alerted.add("r1@2026-09-01T08:00:00+00:00")
    state.news([_episode("r1", 8, 12)], started)
    state.save()
    restarted = watch_module._State(tmp_path / "state.json", settings)
    assert restarted.due(timedelta(hours=1)) == started + timedelta(hours=1)
    assert restarted.alerted == {"r1@2026-09-01T08:00:00+00:00"}
    assert restarted.horizon == started and restarted.known == state.known


def test_an_interrupted_collection_is_resumed_by_the_next_cycle(tmp_path, monkeypatch):
    config = tmp_path / "essaim.toml"
    config.write_text('data_dir = "data"\n')
    settings = load_settings(config)
    commands = []
    monkeypatch.setattr(watch_module.subprocess, "run",
                        lambda command, **_: commands.append(command) or type("R", (), {
                            "returncode": 0})())  # fmt: skip
    watch_module._collect(settings, ["telegram", "--channel", "profs"])
    RawRunWriter(settings.raw_dir, "telegram", "channel:profs").close("interrupted")
    watch_module._collect(settings, ["telegram", "--channel", "profs"])
    assert commands[0][-4:] == ["collect", "telegram", "--channel", "profs"]
    assert commands[1][-3:] == ["collect", "telegram", "--resume"]


@pytest.mark.parametrize("every", ["1 hour", "0h", "h"])
def test_a_wrong_period_is_refused(tmp_path, every):
    result = essaim("watch", "--every", every, "--cycles", "1", cwd=tmp_path)
    assert result.returncode == 1 and "30m, 1h or 1d" in result.stderr


class Flaky:
    """Answers the first delivery with a failure, later ones with success; keeps them all."""

    def __init__(self):
        self.received = []

    def answer(self, success, failure):
        return failure if len(self.received) == 1 else success


@pytest.fixture
def flaky_webhook():
    """A webhook on 127.0.0.1 at a secret path: HTTP 500 first, then 204."""
    flaky = Flaky()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            flaky.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(flaky.answer(204, 500))
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/services/T000/SECRET", flaky.received
    server.shutdown()


@pytest.fixture
def flaky_smtp():
    """An SMTP server on 127.0.0.1: "451" to the first message, then "250"."""
    flaky = Flaky()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            flaky.received.append(envelope.content.decode())
            return flaky.answer("250 OK", "451 Try again later")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, flaky.received
    controller.stop()


def _settings(tmp_path, webhook: str, smtp_port: int):
    config = tmp_path / "essaim.toml"
    config.write_text(f"""
data_dir = "data"
[watch.alerts]
webhook = "{webhook}"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_security = "none"
smtp_to = ["com@example.org"]
""")
    return load_settings(config)


ALERT = Alert("r1", "Fractions", datetime(2026, 9, 1, 8, tzinfo=UTC), 6, 0.25, 0.01,
              until=datetime(2026, 9, 1, 12, tzinfo=UTC))  # fmt: skip


def test_a_failed_delivery_is_sent_again_at_the_next_cycle_without_its_secret(
    tmp_path, monkeypatch, capsys, flaky_webhook, flaky_smtp
):
    hook_url, posts = flaky_webhook
    smtp_port, messages = flaky_smtp
    settings = _settings(tmp_path, hook_url, smtp_port)
    horizon = datetime(2026, 9, 1, 12, tzinfo=UTC)
    monkeypatch.setattr(watch_module, "_analyse", lambda settings: ([ALERT], horizon))
    state_file = settings.data_dir / "watch" / "state.json"
    state = watch_module._State(state_file, settings)
    state.horizon = datetime(2026, 9, 1, 6, tzinfo=UTC)  # not the first cycle

    watch_module._cycle(settings, state)
    state.save()
    said = " ".join(capsys.readouterr().err.split())
    port = hook_url.split(":")[2].split("/")[0]
    assert f"webhook http://127.0.0.1:{port}/… failed: HTTP 500" in said
    assert f"e-mail through 127.0.0.1:{smtp_port} failed" in said
    assert "SECRET" not in said and "T000" not in said
    pending = watch_module._State(state_file, settings).pending
    assert pending == {"webhook": [ALERT], "e-mail": [ALERT]}  # kept across a restart
    recorded = settings.alerts_file.read_text().splitlines()
    assert len(recorded) == 1

    watch_module._cycle(settings, state)  # the take-off is not new: only the retries go out
    state.save()
    assert [post["alerts"][0]["resource_id"] for post in posts] == ["r1", "r1"]
    assert len(messages) == 2 and "Fractions (r1) is taking off" in messages[1]
    assert watch_module._State(state_file, settings).pending == {}
    assert settings.alerts_file.read_text().splitlines() == recorded  # written once

    watch_module._cycle(settings, state)
    assert len(posts) == 2 and len(messages) == 2  # delivered: never sent again
    assert "SECRET" not in capsys.readouterr().err


def test_a_damaged_state_is_named_set_aside_and_rebuilt(tmp_path, capsys):
    settings = load_settings(None, tmp_path)
    alerts.record(settings, [ALERT])
    state_file = tmp_path / "watch" / "state.json"
    state_file.parent.mkdir()
    state_file.write_text('{"last_started": "2026-09-01T08:00:00+00:00", "alert')
    state = watch_module._State(state_file, settings)
    said = " ".join(capsys.readouterr().err.split())
    (aside,) = state_file.parent.glob("state.json.corrupt-*")
    assert f"warning: {state_file} is damaged; it is kept as {aside.name}" in said
    assert aside.read_text().endswith('"alert') and not state_file.exists()
    assert state.alerted == {ALERT.key}  # what the alerts file says was alerted
    assert state.known == [("r1", ALERT.since, ALERT.until)]
    assert state.horizon is None  # the next cycle is a baseline again
    assert state.due(timedelta(hours=1)) <= datetime.now(UTC)


def test_a_watch_goes_on_after_its_state_was_damaged(tmp_path):
    (tmp_path / "data" / "watch").mkdir(parents=True)
    (tmp_path / "data" / "watch" / "state.json").write_bytes(b"\x00\xff not json")
    result = essaim("--data", tmp_path / "data", "watch", "--cycles", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is damaged" in result.stderr and "Traceback" not in result.stderr
    assert "cycle done" in result.stdout
    saved = json.loads((tmp_path / "data" / "watch" / "state.json").read_text())
    assert saved["last_started"]
