"""``essaim watch``: cycles that survive a failing collection, alert once per take-off (file,
webhook, e-mail through a local SMTP server), keep their schedule across restarts, and
resume interrupted collections."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from aiosmtpd.controller import Controller

from app import watch as watch_module
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


def episodes(database) -> list[tuple[str, datetime]]:
    """Take-off episodes read off the velocity table: a flagged hour whose previous hour of
    the same resource is absent or not flagged."""
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT resource_id, hour, taking_off FROM velocity ORDER BY resource_id, hour"
        ).fetchall()
    found, previous = [], {}
    for resource, hour, flagged in rows:
        before = previous.get(resource)
        if flagged and not (before and before[1] and hour - before[0] <= timedelta(hours=1)):
            found.append((resource, hour))
        previous[resource] = (hour, flagged)
    return sorted(found)


def test_a_cycle_survives_a_failing_collection_and_alerts_once(tmp_path, demo_run, smtp, webhook):
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
    expected = episodes(data / "essaim.duckdb")
    assert expected, "the demo has take-offs"
    lines = (data / "alerts.jsonl").read_text().splitlines()
    alerted = sorted((a["resource_id"], datetime.fromisoformat(a["since"]))
                     for a in map(json.loads, lines))  # fmt: skip
    assert alerted == expected
    assert len(posts) == 1 and len(posts[0]["alerts"]) == len(expected)
    ((recipients, raw),) = inbox.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert recipients == ["com@example.org"] and "taking off" in message["Subject"]
    body = message.get_content()
    assert all(resource in body for resource, _ in expected)

    again = essaim("--config", config, "watch", "--cycles", "1", "--every", "1s")
    assert again.returncode == 0, again.stderr
    assert "0 new take-off(s)" in again.stdout
    assert (data / "alerts.jsonl").read_text().splitlines() == lines  # never twice
    assert len(posts) == 1 and len(inbox.messages) == 1


def test_a_restarted_watch_keeps_its_schedule(tmp_path):
    state = watch_module._State(tmp_path / "state.json")
    assert state.due(timedelta(hours=1)) <= datetime.now(UTC)  # never ran: now
    started = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    state.last_started = started.isoformat()
    state.alerted.add("r1@2026-09-01T08:00:00+00:00")
    state.save()
    restarted = watch_module._State(tmp_path / "state.json")
    assert restarted.due(timedelta(hours=1)) == started + timedelta(hours=1)
    assert restarted.alerted == {"r1@2026-09-01T08:00:00+00:00"}


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
