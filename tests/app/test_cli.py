"""The essaim command as users run it: a real process, real files, exit codes and messages."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import DATASETS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = DATASETS / "sample"


def essaim(*args, cwd=None):
    environment = {**os.environ, "COLUMNS": "250"}
    result = subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def status(data):
    result = essaim("--data", data, "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def loaded(tmp_path):
    data = tmp_path / "data"
    result = essaim("--data", data, "load", SAMPLE, "--offline")
    assert result.returncode == 0, result.stderr
    return data


def test_help_lists_the_commands():
    result = essaim("--help")
    assert result.returncode == 0
    for command in ("init", "load", "status", "catalogue", "reparse"):
        assert command in result.stdout


def test_init_writes_a_configuration_once(tmp_path):
    first = essaim("init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "essaim.toml").read_text().startswith("# essaim configuration")
    assert (tmp_path / "essaim-data" / "essaim.duckdb").exists()
    assert (tmp_path / "essaim-data").stat().st_mode & 0o777 == 0o700
    again = essaim("init", cwd=tmp_path)
    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_load_sample_and_status(loaded):
    report = status(loaded)
    counts = {(r["records"]): r["n"] for r in report["records"]}
    assert counts == {"posts": 7, "accounts": 5, "interactions": 2}
    assert report["pseudonymisation"] == "on"
    assert report["links"] == {"links": 6, "tracked": 5, "matched": 4, "resources": 4}
    assert [u["url_key"] for u in report["unmatched_links"]] == ["e-inspe.fr/parcours/ancien-lien"]
    assert [u["url"] for u in report["unresolved_shortened_links"]] == ["https://buff.ly/3xYzAbc"]
    (coverage,) = report["coverage"]
    assert coverage["runs"] == 2
    assert [(g["from"][:10], g["to"][:10]) for g in coverage["gaps"]] == [
        ("2026-09-08", "2026-09-15")
    ]
    assert [(i["kind"], i["incidents"], i["wait_seconds"]) for i in report["incidents"]] == [
        ("rate-limit", 1, 42.0)
    ]
    assert (loaded / "raw" / "bluesky").is_dir()


def test_loading_again_is_a_no_op(loaded):
    before = status(loaded)
    result = essaim("--data", loaded, "load", "--offline")
    assert result.returncode == 0
    assert "Loaded 0 runs," in result.stdout and "2 already loaded" in result.stdout
    assert status(loaded)["records"] == before["records"]


def test_a_rejected_run_gives_exit_code_two_and_names_it(tmp_path, loaded):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "x.manifest.json").write_text("{not json")
    result = essaim("--data", loaded, "load", folder, "--offline")
    assert result.returncode == 2
    assert "x.manifest.json" in result.stderr and "unreadable manifest" in result.stderr


def test_user_errors_are_one_sentence_and_exit_one(tmp_path):
    (tmp_path / "essaim.toml").write_text("[privacy]\npseudonymise = 'maybe'\n")
    result = essaim("status", cwd=tmp_path)
    assert result.returncode == 1
    assert "privacy.pseudonymise" in result.stderr
    missing = essaim("--data", tmp_path / "empty", "status", cwd=tmp_path.parent)
    assert missing.returncode == 1 and "run `essaim load` first" in missing.stderr


def test_catalogue_commands(tmp_path, loaded):
    shown = essaim("catalogue", "show")
    assert shown.returncode == 0 and "einspe-gestion-classe" in shown.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("resource_id,title\n")
    invalid = essaim("catalogue", "validate", bad)
    assert invalid.returncode == 1 and "line 1: missing column" in invalid.stderr
    better = tmp_path / "better.csv"
    original = (DATASETS / "catalogue" / "e-inspe.csv").read_text(encoding="utf-8")
    better.write_text(
        original + "old,Old,P,,,e-inspe.fr/parcours/ancien-lien,,yes\n", encoding="utf-8"
    )
    imported = essaim("--data", loaded, "catalogue", "import", better, "--offline")
    assert imported.returncode == 0, imported.stderr
    assert status(loaded)["unmatched_links"] == []


def test_reparse_replaces_a_run(loaded):
    run_id = status(loaded)["runs"][0]["run_id"]
    result = essaim("--data", loaded, "reparse", run_id, "--offline")
    assert result.returncode == 0, result.stderr
    runs = {r["run_id"]: r for r in status(loaded)["runs"]}
    (new,) = [r for r in runs.values() if r["replaces"] == run_id]
    assert runs[run_id]["superseded_by"] == new["run_id"]
    assert {r["records"]: r["n"] for r in status(loaded)["records"]}["posts"] == 7


def test_the_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if "pytest" in line)
    assert test_command.strip() in readme


def test_no_credentials_in_raw_runs(loaded):
    for path in (loaded / "raw").rglob("*.jsonl.gz"):
        assert b"Authorization" not in gzip.decompress(path.read_bytes())


def sample_copy(folder, **changes):
    """A writable copy of the sample runs in ``folder``; ``changes`` go into the first
    manifest."""
    manifests = []
    for manifest in sorted((SAMPLE / "raw" / "bluesky").glob("*.manifest.json")):
        run_file = manifest.with_name(manifest.name.replace(".manifest.json", ".jsonl.gz"))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / run_file.name).write_bytes(run_file.read_bytes())
        (folder / manifest.name).write_bytes(manifest.read_bytes())
        manifests.append(folder / manifest.name)
    run = json.loads(manifests[0].read_text()) | changes
    manifests[0].write_text(json.dumps(run))
    return manifests


def files_under(folder):
    return {path for path in folder.rglob("*") if path.is_file()}


def test_a_manifest_naming_a_folder_outside_raw_writes_nothing_there(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    sample_copy(elsewhere, source="../../outside-raw")
    before = files_under(tmp_path)
    result = essaim("--data", tmp_path / "data", "load", elsewhere, "--offline")
    assert result.returncode == 2, result.stderr
    assert "Loaded 1 run," in result.stdout
    assert "source '../../outside-raw' is not a safe file name" in result.stderr
    written = files_under(tmp_path) - before - {tmp_path / "secret.key"}  # the test's secret
    assert written and all((tmp_path / "data") in path.parents for path in written)


def test_a_run_id_with_a_slash_is_rejected_and_the_other_runs_load(tmp_path):
    data = tmp_path / "data"
    bad, _ = sample_copy(data / "raw" / "bluesky", run_id="bluesky/evil")
    result = essaim("--data", data, "load", "--offline")
    assert result.returncode == 2, result.stderr
    assert "Loaded 1 run," in result.stdout
    assert " ".join(result.stderr.split()) == (
        f"Rejected {bad.name}: {bad}: run_id 'bluesky/evil' is not a safe file name "
        "(letters, digits, '.', '_', '-'; no '..')"
    )


def test_a_bug_is_reported_as_one_and_shows_its_traceback_with_debug(loaded, monkeypatch, capsys):
    from app.cli import main as command_line

    def broken(*arguments):
        raise KeyError("row")  # what a bug looks like, not something the user can fix

    monkeypatch.setattr(command_line, "store_status", broken)
    with pytest.raises(SystemExit) as stopped:
        command_line.main(["--data", str(loaded), "status"])
    said = " ".join(capsys.readouterr().err.split())
    assert stopped.value.code == 3 and "unexpected KeyError ('row')" in said
    assert "--debug" in said and command_line.ISSUES in said and "Traceback" not in said
    with pytest.raises(KeyError):
        command_line.main(["--data", str(loaded), "--debug", "status"])
    monkeypatch.setenv("ESSAIM_DEBUG", "1")
    with pytest.raises(KeyError):
        command_line.main(["--data", str(loaded), "status"])


def test_something_not_there_is_a_user_error(loaded):
    result = essaim("--data", loaded, "reparse", "nope", "--offline")
    assert result.returncode == 1
    assert "error: no run 'nope'" in result.stderr and "Traceback" not in result.stderr
