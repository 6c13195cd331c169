"""Credentials come from the environment or the OS keyring and are never written: every
file essaim writes and everything it prints is searched for them after a full day's work
(three collectors, load, analyze, export, status, privacy report)."""

import base64
import gzip
import subprocess

import duckdb
import pytest

from app.demo.replay import ReplayServer
from tests.collectors.collecting import command, environment, essaim, write_config
from tests.fixtures import bluesky_world, reddit_site, youtube_api
from tests.fixtures.file_keyring import BACKEND

YOUTUBE_KEY = "AIza-keyring-only-key"
ENVIRONMENT = {
    "ESSAIM_BLUESKY_HANDLE": bluesky_world.HANDLE,
    "ESSAIM_BLUESKY_APP_PASSWORD": bluesky_world.PASSWORD,
    "ESSAIM_REDDIT_CLIENT_ID": "app-id",
    "ESSAIM_REDDIT_CLIENT_SECRET": "s3cr3t-xyz",
}
SECRETS = [
    bluesky_world.PASSWORD,
    bluesky_world.ACCESS_TOKEN,
    "eyJ.refresh",
    "s3cr3t-xyz",
    base64.b64encode(b"app-id:s3cr3t-xyz").decode(),  # the Basic authorisation
    "tok1",
    "tok2",  # Reddit's bearer tokens
    YOUTUBE_KEY,
]


@pytest.fixture
def keyring_env(tmp_path):
    return {"PYTHON_KEYRING_BACKEND": BACKEND, "ESSAIM_TEST_KEYRING": str(tmp_path / "keyring")}


def test_the_keyring_commands(tmp_path, keyring_env):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    env = environment(**keyring_env)
    stored = subprocess.run(
        command(config, "credentials", "set", "essaim_youtube_api_key"),
        input=f"{YOUTUBE_KEY}\n", capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert stored.returncode == 0, stored.stderr
    assert YOUTUBE_KEY not in stored.stdout + stored.stderr  # prompted without echo
    listed = essaim(config, "credentials", "list", env=env)
    assert "ESSAIM_YOUTUBE_API_KEY" in listed.stdout and "keyring" in listed.stdout
    assert YOUTUBE_KEY not in listed.stdout
    unknown = essaim(config, "credentials", "set", "PASSWORD", "--value", "x", env=env)
    assert unknown.returncode == 1 and "not a credential essaim reads" in unknown.stderr
    assert (
        essaim(config, "credentials", "delete", "ESSAIM_YOUTUBE_API_KEY", env=env).returncode == 0
    )
    gone = essaim(config, "credentials", "delete", "ESSAIM_YOUTUBE_API_KEY", env=env)
    assert gone.returncode == 1 and "is not in the keyring" in gone.stderr


def test_without_a_keyring_the_message_says_so(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9")
    env = environment(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    result = essaim(config, "credentials", "set", "ESSAIM_YOUTUBE_API_KEY", "--value", "x", env=env)
    assert result.returncode == 1 and "no keyring is available" in result.stderr


def everything_written(folder) -> str:
    """Every file under ``folder`` as text (gzip opened), and every database table's rows."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file() or path.name == "keyring":
            continue
        content = path.read_bytes()
        if path.suffix == ".gz":
            content = gzip.decompress(content)
        found.append(content.decode("utf-8", "replace"))
        if path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as connection:
                for (table,) in connection.execute("SHOW TABLES").fetchall():
                    found.append(repr(connection.execute(f"SELECT * FROM {table}").fetchall()))
    return "\n".join(found)


def test_no_credential_is_written_or_printed_anywhere(tmp_path, keyring_env):
    with ReplayServer() as server:
        bluesky_world.serve_world(server)
        reddit_site.serve(server)
        youtube_api.serve(server, "parcours e-INSPÉ")
        config = write_config(tmp_path, server.url)
        env = environment(**ENVIRONMENT, **keyring_env)
        stored = essaim(config, "credentials", "set", "ESSAIM_YOUTUBE_API_KEY", "--value",
                        YOUTUBE_KEY, env=env)  # fmt: skip
        assert stored.returncode == 0, stored.stderr
        commands = [
            ("collect", "bluesky", "--domain", "e-inspe.fr"),
            ("collect", "reddit", "--domain", "e-inspe.fr", "--url",
             reddit_site.COURSE.format(103)),
            ("collect", "youtube", "--query", "parcours e-INSPÉ"),
            ("load", "--offline"),
            ("analyze",),
            ("export", "--out", str(tmp_path / "exports")),
            ("status",),
            ("privacy-report", "--output", str(tmp_path / "report.md")),
            ("credentials", "list"),
        ]  # fmt: skip
        printed = []
        for arguments in commands:
            result = essaim(config, *arguments, env=env, timeout=300)
            assert result.returncode in (0, 2), (arguments, result.stderr)
            printed += [result.stdout, result.stderr]
        youtube_calls = [h for _, t, h, _ in server.requests if t.startswith("/youtube")]
        assert youtube_calls and all(h["X-Goog-Api-Key"] == YOUTUBE_KEY for h in youtube_calls)
    written = everything_written(tmp_path) + "\n".join(printed)
    assert "e-inspe.fr" in written  # the search itself does see the data
    for secret in SECRETS:
        assert secret not in written, secret
