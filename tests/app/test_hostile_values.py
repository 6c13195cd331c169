"""Any Unicode in any name, text, id or URL goes through load, analyze, export and the app.

Control characters, bidi marks, lone surrogates, spreadsheet formula prefixes, at signs,
dots and slashes are drawn into every such field of every record type. The pipeline must
take them without an exception, the GEXF must then validate against the GEXF 1.3 grammar
and the GraphML must parse.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app.cli.main import cli
from app.web import PAGES
from collectors.records import Account, Community, Engagement, Follow, Interaction, Post
from graph.store import Store
from tests.app.test_web import _app
from tests.conftest import write_record_run

GRAMMAR = Path(__file__).parents[1] / "fixtures" / "gexf-1.3" / "gexf.rng"
COURSE = "https://www.e-inspe.fr/course/view.php?id=101"  # in the default catalogue
START = datetime(2026, 9, 1, 8, tzinfo=UTC)
NASTY = [
    "=1+1", "+33", "-2", "@SUM(A1)", "＠alice", "﹫bob", ".", "..", "/", "../../etc", "\x00",
    "\x1b[2J", "\x0b", "\x7f", "\u202e", "\u200d", "\ufeff", "\ufffe", "\ud800", "\udfff",
    "<b>", "&amp;", '"', "'", "\\", "é", "\t", "\r\n", "did:plc:x", "https://", "%00", "　",
    "\U0001f600",
]  # fmt: skip
piece = st.one_of(st.sampled_from(NASTY), st.text(max_size=4))
hostile = st.lists(piece, max_size=5).map("".join)
hostile_id = st.lists(piece, min_size=1, max_size=5).map("".join).filter(str.strip)


def world(platform, people, posts, value, values):
    """The records maker of three accounts on ``platform``, a post sharing the course, a
    reply, a quote and a repost of it, likes and follows; ``value()`` gives every other name,
    text and URL, ``values()`` every list of hashtags."""

    def community():
        return Community(forum=value(), board=value(), subreddit=value(), channel=value(),
                         instance=value(), hashtags=values())  # fmt: skip

    def make(run_id):
        base = {"source": "test", "run_id": run_id, "collected_at": START + timedelta(days=3),
                "platform": platform}  # fmt: skip
        records = [
            Account(**base, account_id=person, handle=value(), display_name=value(),
                    followers_count=10, counts_observed_at=START)
            for person in people
        ]  # fmt: skip
        root, reply, quote, repost = posts
        shapes = [(root, {}), (reply, {"reply_to": root}), (quote, {"quote_of": root}),
                  (repost, {"repost_of": root})]  # fmt: skip
        for hour, (post_id, reference) in enumerate(shapes):
            records.append(
                Post(**base, post_id=post_id, author_id=people[min(hour, 2)], url=value(),
                     created_at=START + timedelta(hours=hour), text=value(), language="fr",
                     links=[COURSE, value()], community=community(),
                     engagement=Engagement(observed_at=START, likes=1), **reference)
            )  # fmt: skip
        records += [
            Interaction(**base, kind=kind, actor_id=people[1], target_post_id=root,
                        post_id=post_id, created_at=START + timedelta(hours=5))
            for kind, post_id in (("like", None), ("quote", quote), ("reply", reply))
        ]  # fmt: skip
        records += [Follow(**base, follower_id=a, followee_id=b)
                    for a, b in ((people[1], people[0]), (people[2], people[1]))]  # fmt: skip
        return records

    return make


@st.composite
def worlds(draw):
    return world(
        draw(st.sampled_from(["bluesky", "mastodon", "telegram", "forum", "x"])),
        draw(st.lists(hostile_id, min_size=3, max_size=3, unique=True)),
        draw(st.lists(hostile_id, min_size=4, max_size=4, unique=True)),
        lambda: draw(hostile),
        lambda: draw(st.lists(hostile, max_size=3)),
    )


def essaim(config: Path, *arguments) -> None:
    """Run an essaim command in this process; it must end with nothing to report."""
    result = CliRunner().invoke(
        cli, ["--config", str(config), *map(str, arguments)], standalone_mode=False
    )
    assert result.exception is None, (arguments, result.output)
    assert result.return_value == 0, (arguments, result.output)


def through_the_pipeline(folder: Path, make) -> Path:
    """Write a run of ``make``'s records, load, analyze and export it; return the export."""
    config = folder / "essaim.toml"
    config.write_text('data_dir = "data"\n[links]\nresolve_shorteners = false\n')
    write_record_run(folder / "data" / "raw", make)
    essaim(config, "load")
    with Store(folder / "data" / "essaim.duckdb", read_only=True) as store:
        assert store.connection.execute("SELECT count(*) FROM posts").fetchone()[0] == 4
    essaim(config, "analyze")
    essaim(config, "export", "--out", folder / "export", "--min-cascade-size", 1)
    return folder / "export"


def check_graphs(export: Path) -> None:
    grammar = etree.RelaxNG(etree.parse(str(GRAMMAR)))
    gexf = sorted(export.rglob("*.gexf"))
    graphml = sorted(export.rglob("*.graphml"))
    assert gexf and graphml
    for path in gexf:
        assert grammar.validate(etree.parse(str(path))), (path.name, grammar.error_log)
    for path in graphml:
        nx.read_graphml(path)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(worlds())
def test_any_unicode_goes_through_load_analyze_and_export(make):
    with tempfile.TemporaryDirectory() as folder:
        check_graphs(through_the_pipeline(Path(folder), make))


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    """A data folder whose every drawn field holds every nasty string at once."""
    folder = tmp_path_factory.mktemp("hostile")
    numbered = (f"{''.join(NASTY)}{n}" for n in range(1000))  # numbers keep ids apart
    people, posts = [next(numbered) for _ in range(3)], [next(numbered) for _ in range(4)]
    make = world("bluesky", people, posts, lambda: next(numbered), lambda: [next(numbered)])
    check_graphs(through_the_pipeline(folder, make))
    return folder / "data"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_names_made_of_every_nasty_string(monkeypatch, hostile_data, page):
    app = _app(monkeypatch, hostile_data, page)
    assert not app.exception, [item.value for item in app.exception]
    assert not app.error, [item.value for item in app.error]
