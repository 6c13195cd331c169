"""A source is one folder: a descriptor added there gets its ``collect`` command, its
configuration section and its parser, with no other file changed."""

import gzip
import json
import subprocess
import sys
import textwrap

#: A toy source, as a newcomer would write it in ``collectors/toy/source.py``: a stream that
#: stores one payload (the greeting of its configuration section) and a parser that reads it.
TOY = """
import json
from datetime import UTC, datetime

from collectors.rawrun import RawRunWriter
from collectors.records import Post
from collectors.sources import Option, Section, Source, StreamOutcome


class ToySection(Section):
    greeting: str = "bonjour"


def parse(payload, context):
    said = json.loads(payload.body)
    return [Post(platform="toy", post_id=said["id"], author_id="a", text=said["text"],
                 collected_at=datetime.now(UTC), source="toy", run_id=context.run_id)]


def follow(request):
    text = f"{request.section.greeting} x{request.given['times']}"
    with RawRunWriter(request.raw_dir, "toy", "toy") as run:
        payload = run.add_payload(json.dumps({"id": "p1", "text": text}), url="toy:")
        run.add_records(parse(payload, run))
    return StreamOutcome(run_id=run.run_id, events=1, kept=1, reconnections=0)


SOURCES = (
    Source(
        name="toy",
        parser=parse,
        help="A toy source.",
        cli=(Option("--times", "How many times.", default=1, kind=int),),
        stream=follow,
        section="toy",
        config=ToySection,
        template='[sources.toy]\\ngreeting = "bonjour"\\n',
    ),
)
"""

#: Runs essaim with the folder holding ``toy/`` added to the ``collectors`` package.
RUN = """
import sys
import collectors
collectors.__path__.append(sys.argv.pop(1))
from app.cli.main import main
main(sys.argv[1:])
"""


def _essaim(extra, *args, cwd):
    return subprocess.run(
        [sys.executable, "-c", RUN, str(extra), *map(str, args)],
        capture_output=True, text=True, cwd=cwd,
    )  # fmt: skip


def test_a_source_added_in_its_own_folder_is_collected_configured_and_reparsed(tmp_path):
    extra = tmp_path / "extra"
    (extra / "toy").mkdir(parents=True)
    (extra / "toy" / "__init__.py").write_text("")
    (extra / "toy" / "source.py").write_text(textwrap.dedent(TOY))
    work = tmp_path / "work"
    work.mkdir()
    (work / "essaim.toml").write_text('data_dir = "data"\n[sources.toy]\ngreeting = "salut"\n')

    helped = _essaim(extra, "collect", "toy", "--help", cwd=work)
    assert helped.returncode == 0, helped.stderr
    assert "A toy source." in helped.stdout and "--times INTEGER" in helped.stdout

    collected = _essaim(extra, "collect", "toy", "--times", "3", cwd=work)
    assert collected.returncode == 0, collected.stderr
    manifest = next((work / "data" / "raw" / "toy").glob("*.manifest.json"))
    run_id = json.loads(manifest.read_text())["run_id"]
    lines = (work / "data" / "raw" / "toy").glob("*.jsonl.gz")
    assert any(b"salut x3" in gzip.decompress(path.read_bytes()) for path in lines)

    reparsed = _essaim(extra, "reparse", run_id, "--offline", cwd=work)
    assert reparsed.returncode == 0, reparsed.stderr
    assert "({'posts': 1})" in reparsed.stdout, reparsed.stdout

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert _essaim(extra, "init", cwd=fresh).returncode == 0
    assert '[sources.toy]\ngreeting = "bonjour"' in (fresh / "essaim.toml").read_text()


def test_a_wrong_key_in_a_source_section_is_named(tmp_path):
    (tmp_path / "essaim.toml").write_text('[sources.telegram]\nchanels = ["x"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "app", "collect", "telegram"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "unknown key 'sources.telegram.chanels'" in result.stderr
