"""Bad input, generated: every parser fed random and mutated payloads, every importer random
files. Nothing may escape but the typed errors that name the payload or the file.

Seeds are real payloads: those the demo's collections stored (Bluesky, Mastodon, phpBB,
Discourse, Telegram) and the hand-written fixtures of the other sources. Hypothesis then
replaces, removes and retypes values deep inside them, cuts them short, changes their status
or throws them away for random bytes. Seeds are taken in a fixed order and examples are
derandomised, so that CI is repeatable.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.imports.files import ImportFileError
from collectors.imports.mapping import MappingError
from collectors.imports.run import import_file
from collectors.parsing import ParseContext, ParseError
from collectors.rawrun import Payload, find_runs, iter_lines, read_manifest
from collectors.records import decode_record, encode_record
from collectors.registry import parser_for, sources
from tests.fixtures import matomo_site, reddit_site, youtube_api
from tests.fixtures.web import HERE as WEB_PAGES

READ_AT = datetime(2026, 9, 16, 10, 0, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)  # fmt: skip


def fixture_payloads() -> dict[str, list[Payload]]:
    """Seeds of the sources the demo does not collect, as their spiders store them."""

    def payload(url, body, **extra):
        return Payload(seq=1, received_at=READ_AT, url=url, status=200, body=body, **extra)

    domains = {"domains": ["e-inspe.fr", "reseau-canope.fr"]}
    return {
        "reddit": [
            payload("https://oauth.reddit.com/api/info", json.dumps(reddit_site.listing(
                [reddit_site.LINK]))),
        ],
        "youtube": [
            payload(f"https://www.googleapis.com/youtube/v3/{method}", json.dumps(data),
                    params=domains)
            for method, data in (("videos", youtube_api.VIDEOS_1),
                                 ("commentThreads", youtube_api.THREADS_1))
        ],
        "web": [
            payload("https://classe.example.org/rentree.html",
                    (WEB_PAGES / "rentree.html").read_text("utf-8"), params=domains,
                    headers={"Content-Type": "text/html"}),
        ],
        "matomo": [
            payload("https://stats.example.org/index.php?module=API&idSite=3&format=JSON"
                    f"&method={method}&period=day&date=2026-09-01,2026-09-02",
                    json.dumps(data), method="POST", params={"site": "www.e-inspe.fr"})
            for method, data in (("Referrers.getSocials", matomo_site.SOCIALS),
                                 ("Actions.getPageUrls", matomo_site.PAGES))
        ],
        "bluesky-live": [
            payload("wss://jetstream.example/subscribe", json.dumps({
                "did": "did:plc:ana", "kind": "commit", "time_us": 1,
                "commit": {"operation": "create", "collection": "app.bsky.feed.post",
                           "rkey": "3k", "record": {"text": "https://e-inspe.fr/x",
                                                    "createdAt": "2026-09-01T08:00:00Z"}}}),
                    method="WS"),
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def seeds(demo_run) -> dict[str, list[Payload]]:
    """A few payloads of every source with a parser."""
    _, data = demo_run
    found = fixture_payloads()
    for manifest in find_runs(data / "raw"):
        run = read_manifest(manifest)
        payloads = [
            msgspec.json.decode(line, type=Payload)
            for _, line in iter_lines(manifest.with_name(f"{run.run_id}.jsonl.gz"))
            if line.startswith(b'{"type":"payload"')
        ]
        payloads.sort(key=lambda payload: (payload.url, payload.body))  # collection order varies
        step = max(1, len(payloads) // 40)  # spread over the run: every kind of page
        found.setdefault(run.source, []).extend(payloads[::step])
    return found


def test_every_source_has_seeds(seeds):
    missing = {s for s in sources() if not s.startswith("import-")} - set(seeds)
    assert not missing


def mutate(value, draw):
    """``value`` with one thing changed somewhere inside it."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(["deeper", "drop", "replace"]))
        if action == "drop":
            return {k: v for k, v in value.items() if k != key}
        inner = mutate(value[key], draw) if action == "deeper" else draw(JSON_VALUES)
        return {**value, key: inner}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], mutate(value[index], draw), *value[index + 1 :]]
    return draw(JSON_VALUES)


@st.composite
def bad_payloads(draw, payloads: list[Payload]) -> Payload:
    seed = draw(st.sampled_from(payloads))
    body = seed.content()
    how = draw(st.sampled_from(["mutate", "mutate", "mutate", "truncate", "bytes", "status",
                                "params"]))  # fmt: skip
    changes: dict = {}
    if how == "mutate":
        try:
            body = json.dumps(mutate(json.loads(body), draw)).encode()
        except ValueError:  # a page: cut a piece out of it
            start = draw(st.integers(0, len(body)))
            body = body[:start] + body[start + draw(st.integers(1, 2000)) :]
    elif how == "truncate":
        body = body[: draw(st.integers(0, max(0, len(body) - 1)))]
    elif how == "bytes":
        body = draw(st.binary(max_size=300))
    elif how == "status":
        changes["status"] = draw(st.sampled_from([None, 200, 204, 301, 403, 404, 429, 500]))
    else:
        changes["params"] = mutate(seed.params, draw) if seed.params else draw(JSON_VALUES)
        if not isinstance(changes["params"], dict):
            changes["params"] = {}
    text = body.decode("utf-8", "replace") if draw(st.booleans()) else None
    stored = Payload(
        seq=seed.seq, received_at=seed.received_at, url=seed.url, method=seed.method,
        params=seed.params, status=seed.status, headers=seed.headers,
        encoding="utf-8" if text is not None else "base64",
        body=text if text is not None else __import__("base64").b64encode(body).decode(),
    )  # fmt: skip
    return msgspec.structs.replace(stored, **changes)


SOURCES = sorted(s for s in sources() if not s.startswith("import-") or s == "import-csv")


@pytest.mark.parametrize("source", [s for s in SOURCES if not s.startswith("import-")])
def test_parsers_only_raise_parse_errors(seeds, source):
    parse = parser_for(source)
    context = ParseContext(source, "r", READ_AT)

    @EXAMPLES
    @given(st.data())
    def check(data):
        payload = data.draw(bad_payloads(seeds[source]))
        try:
            records = parse(payload, context)
        except ParseError as error:
            assert str(error)  # says something
            return
        for record in records:  # each record as the loader will read it back
            assert decode_record(encode_record(record)) == record

    check()


def test_the_seeds_themselves_parse(seeds):
    for source, payloads in seeds.items():
        parse = parser_for(source)
        parsed = [parse(p, ParseContext(source, "r", READ_AT)) for p in payloads[:5]]
        assert any(parsed), source  # the mutations start from payloads that give records


# --- importers: random files --------------------------------------------------------------

CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
IMPORT_FORMATS = ["csv", "4cat", "minet", "crowdtangle", "mcl", "linkedin", "meta-business",
                  "x-archive"]  # fmt: skip


@st.composite
def random_csv(draw) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = draw(st.lists(st.sampled_from(
        ["id", "url", "author", "date", "created_at", "text", "body", "likes", "platform",
         "Post Created", "Link", "Message", "tweet_id", "created_utc", "subreddit", "x"]) | CELLS,
        min_size=1, max_size=6))  # fmt: skip
    rows = draw(
        st.lists(
            st.lists(
                CELLS | st.just("2026-09-01T08:00:00Z") | st.just("https://e-inspe.fr/x"),
                max_size=8,
            ),
            max_size=6,
        )
    )
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    content = "\n".join(lines).encode()
    if draw(st.booleans()):
        content = content[: draw(st.integers(0, len(content)))]
    return content


@pytest.mark.parametrize("fmt", IMPORT_FORMATS)
def test_importers_only_raise_typed_errors(tmp_path_factory, fmt):
    mapping = tmp_path_factory.mktemp("mapping") / "m.toml"
    mapping.write_text('platform = "forum"\n[columns]\npost_id = "id"\nauthor_id = "author"\n'
                       'created_at = "date"\ntext = "text"\nlinks = "url"\n')  # fmt: skip

    @EXAMPLES
    @given(random_csv())
    def check(content):
        folder = tmp_path_factory.mktemp("import")
        path = folder / ("tweets.js" if fmt == "x-archive" else "export.csv")
        path.write_bytes(content)
        mapped = {"mapping": str(mapping)} if fmt == "csv" else {}
        try:
            outcome = import_file(folder / "raw", fmt, path, platform="telegram", account="page",
                                  **mapped)  # fmt: skip
        except (ImportFileError, MappingError) as error:
            assert str(error)
            return
        assert outcome.run.status == "complete"  # refused rows are listed, not fatal
        assert len(outcome.refused) == len(outcome.run.incidents)

    check()
