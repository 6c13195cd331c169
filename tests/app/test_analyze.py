"""``essaim analyze`` and ``essaim show resource`` on the toy store, as users run them."""

from __future__ import annotations

import itertools
import json
import re

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app.web import MAIN_SCRIPT
from app.web.i18n import number
from graph.store import Store
from tests.app.test_cli import SAMPLE, essaim


def test_analyze_then_show_a_resource(data, tmp_path):
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text(
        "date,channel,resource,utm_campaign\n2026-09-01,newsletter,maths,rentree\n"
    )
    result = essaim("--data", data, "analyze", "--campaigns", campaigns)
    assert result.returncode == 0, result.stderr
    assert "cascade_trees" in result.stdout and "kernel" in result.stdout
    assert "How parents were found" in result.stdout and "no_candidate" in result.stdout

    shown = essaim("--data", data, "show", "resource", "r1", "--json")
    assert shown.returncode == 0, shown.stderr
    summary = json.loads(shown.stdout)
    adoptions = {(row["platform"], row["kind"]): row["adoptions"] for row in summary["adoptions"]}
    assert adoptions == {
        ("bluesky", "original"): 2,
        ("bluesky", "quote"): 1,
        ("bluesky", "reply"): 1,
        ("bluesky", "repost"): 2,
    }
    # Cascade P1: bob quotes ana and cleo answers bob (stated); emma reposts bob's quote and
    # dan reposts P1, each without following the post's author or anyone who reshared it
    # (dan follows bob, whose quote is another post): no candidate, attached to the author.
    # Sizes below the edges: bob 3, cleo 1, emma 1, dan 1 → W = 3·2 + 3·(1·4) = 18 over
    # C(5, 2) = 10 pairs. Every edge is fixed: the intervals are the points.
    largest = summary["cascades"][0]
    assert (largest["size"], largest["depth"], largest["max_breadth"]) == (5, 2, 2)
    assert largest["structural_virality"] == pytest.approx(1.8)
    assert largest["structural_virality_low"] == largest["structural_virality_high"] == 1.8
    # Hours to depth 1: bob at 1 h (dan at 3 h); to depth 2: cleo at 2 h (emma's time is
    # unknown). Every drawn tree is this one: reached for sure, the intervals are points.
    for column in ("hours_to_depth", *(f"hours_to_depth_{s}" for s in ("mean", "low", "high"))):
        assert largest[column] == [1.0, 2.0]
    assert largest["depth_probability"] == [1.0, 1.0]
    assert largest["stated_share"] == 0.5
    edges = {row["method"]: (row["edges"], row["mean_confidence"]) for row in summary["edges"]}
    assert edges == {"stated:quote": (1, 1.0), "stated:reply": (1, 1.0),
                     "no_candidate": (2, None)}  # fmt: skip
    # Paris midnight on 1 September, the one day of the data (its days before and after are
    # not observed): r1 and r2 (parcours maths) had 6 timed adoptions that day; hugo's link
    # carries the campaign. No rate ratio without a baseline.
    (action,) = summary["campaigns"]
    assert action["label"] == "2026-09-01 newsletter" and action["attributed_adoptions"] == 1
    assert (action["adoptions_after"], action["days_after"], action["days_before"]) == (6, 1, 0)
    assert action["adoptions_per_day_after"] == 6
    assert action["adoptions_per_day_before"] is None  # unknown, not 0
    assert action["rate_ratio"] is None and action["note"] == "too few adoptions to measure"
    assert action["days_to_peak"] == 0
    assert "too few adoptions to measure" in essaim("--data", data, "show", "resource", "r1").stdout

    shares = [row["share"] for row in summary["communities"]]
    assert shares and sum(shares) == pytest.approx(1.0)  # every timed adopter is placed

    # ana started P1 (4 adopters after her); bob's quote brought cleo and emma
    roles = {row["account"]: (row["started_reach"], row["downstream"]) for row in summary["roles"]}
    assert roles == {"ana": (4, 0), "bob": (0, 2)}
    bob = next(row for row in summary["roles"] if row["account"] == "bob")
    assert [bob["downstream_mean"], bob["downstream_low"], bob["downstream_high"]] == [2, 2, 2]
    (institutions,) = summary["institutions"]
    assert institutions["adopters"] == 6 and institutions["adopters_through_institutions"] == 0
    # every timed adoption of r1 fell on one day: too few points for any adoption model
    assert [(row["model"], row["status"], row["chosen"]) for row in summary["bass"]] == [
        (model, "refused: 1 time point, at least 6 are needed", False)
        for model in ("external", "bass", "generalized bass")
    ]

    human = essaim("--data", data, "show", "resource", "r1")
    assert "Largest cascades" in human.stdout and "Fractions" in human.stdout

    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        (parameters,) = connection.execute("SELECT parameters FROM analyses").fetchone()
        models = connection.execute("SELECT * FROM attribution_models").df()
    # two Bluesky adopters with a timed candidate: too few to fit a kernel, and it says so
    bluesky = models.set_index("platform").loc["bluesky"]
    assert bluesky["adopters"] == 2 and not bluesky["converged"]
    assert bluesky[["mu", "sigma", "median_delay_hours", "weight_resharer"]].isna().all()
    assert json.loads(parameters)["rule"] == "kernel"
    assert json.loads(parameters)["seed"] == 0


def test_show_explains_what_is_missing(data):
    before = essaim("--data", data, "show", "resource", "r1")
    assert before.returncode == 1 and "run `essaim analyze` first" in before.stderr
    assert essaim("--data", data, "analyze", "--rule", "first").returncode == 0
    unknown = essaim("--data", data, "show", "resource", "r9")
    assert unknown.returncode == 1 and "no resource 'r9' in the catalogue" in unknown.stderr


def test_a_bad_campaign_file_names_the_line_and_writes_nothing(data, tmp_path):
    campaigns = tmp_path / "campaigns.csv"
    campaigns.write_text("date,channel,resource\n2026-09-01,newsletter,nowhere\n")
    result = essaim("--data", data, "analyze", "--campaigns", campaigns)
    assert result.returncode == 1
    assert "line 2: 'nowhere' is neither a catalogue resource nor a parcours" in result.stderr
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM analyses").fetchone() == (0,)


def test_the_sample_data_is_analysed(tmp_path):
    data = tmp_path / "data"
    assert essaim("--data", data, "load", SAMPLE, "--offline").returncode == 0
    result = essaim("--data", data, "analyze")
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        adopted = connection.execute("SELECT count(*) FROM adoptions").fetchone()[0]
        linked = connection.execute(
            "SELECT count(DISTINCT (platform, post_id)) FROM links WHERE resource_id IS NOT NULL"
        ).fetchone()[0]
    assert adopted >= linked > 0  # every post linking a resource is an adoption


def test_an_empty_store_gives_empty_tables(tmp_path):
    result = essaim("--data", tmp_path / "data", "analyze")
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "data" / "essaim.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM cascades").fetchone() == (0,)


def test_whatif_chooses_seeds_and_compares_with_the_originators(data):
    assert essaim("--data", data, "whatif", "--resource", "r1").returncode == 1  # no analysis
    with Store(data / "essaim.duckdb") as store:  # bob and dan follow ana: ana → bob, dan
        store.connection.execute(
            "INSERT INTO follows VALUES ('bluesky', 'bob', 'ana', now(), now(), 'test', 'run'),"
            " ('bluesky', 'dan', 'ana', now(), now(), 'test', 'run')"
        )
    assert essaim("--data", data, "analyze").returncode == 0
    result = essaim("--data", data, "whatif", "--resource", "r1", "--k", "2", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    # bob and dan adopted from ana in her one cascade: p = 1; dan follows bob too, but never
    # adopted from him: p = 0
    assert (found["accounts"], found["edges"]) == (3, 3)
    chosen = [(row["account"], row["gain"], row["spread"]) for row in found["chosen"]]
    assert chosen == [("bluesky:ana", 3.0, 3.0)]  # nothing is left to gain after ana
    assert found["originators"]["in_network"] == 1  # ana (gael follows nobody)
    assert found["originators"]["spread"] == 3.0
    human = essaim("--data", data, "whatif", "--resource", "r1", "--model", "lt")
    assert "Its 1 real originator in the network: expected spread 3.00" in human.stdout

    mastodon = essaim("--data", data, "whatif", "--resource", "r2")
    assert mastodon.returncode == 1 and "no follow edges" in mastodon.stderr
    unknown = essaim("--data", data, "whatif", "--resource", "r9")
    assert unknown.returncode == 1 and "no resource 'r9'" in unknown.stderr


def test_analyze_show_the_table_and_the_app_count_the_same_communities(data, tmp_path, monkeypatch):
    # Two cliques of six, and an account following two members of each, beside the toy's
    # five related accounts (ana, bob, cleo, dan, emma): with communities of at least 6
    # accounts, the cliques are the two communities (7 and 6 accounts, the broker in one)
    # and the toy's accounts are small groups.
    first, second = [f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]
    ties = [*itertools.combinations(first, 2), *itertools.combinations(second, 2)]
    ties += [("x", "a0"), ("x", "a1"), ("x", "b0"), ("x", "b1")]
    with Store(data / "essaim.duckdb") as store:
        for follower, followee in ties:
            store.connection.execute(
                "INSERT INTO follows VALUES ('bluesky', ?, ?, now(), now(), 'test', 'run')",
                [follower, followee],
            )
    config = tmp_path / "essaim.toml"
    config.write_text(f'data_dir = "{data}"\n[analysis]\nmin_community_size = 6\n')
    result = essaim("--config", config, "analyze", "--stability", "3")
    assert result.returncode == 0, result.stderr
    said = re.search(r"Communities: (\d+) of at least 6 accounts \((\d+) accounts\), (\d+) "
                     r"accounts in small groups", result.stdout)  # fmt: skip
    assert said, result.stdout

    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        sizes = connection.execute("SELECT size FROM communities ORDER BY size DESC").fetchall()
        members = connection.execute(
            "SELECT c.size, count(*) FROM communities c JOIN account_communities a "
            "USING (community) GROUP BY ALL"
        ).fetchall()
        (small,) = connection.execute(
            "SELECT count(*) FROM account_communities WHERE community = -1"
        ).fetchone()
        (stability,) = connection.execute("SELECT any_value(stability) FROM communities").fetchone()
    assert [size for (size,) in sizes] == [7, 6] and small == 5
    assert all(size == count for size, count in members)  # each size is its members' rows
    assert [int(number) for number in said.groups()] == [2, 13, 5]
    assert 0 < stability <= 1

    shown = json.loads(essaim("--config", config, "show", "communities", "--json").stdout)
    assert (shown["communities"], len(shown["list"]), shown["small_groups"]) == (2, 2, 5)
    assert shown["stability"] == stability and shown["seeds"] == 3
    assert "stability" in essaim("--config", config, "show", "communities").stdout

    monkeypatch.setenv("ESSAIM_DATA", str(data))
    monkeypatch.setenv("ESSAIM_CONFIG", "")
    app = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=120).run()
    app.switch_page("views/communities.py").run()
    assert not app.exception, [item.value for item in app.exception]
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Communautés"] == "2" and metrics["Comptes en petits groupes"] == "5"
    assert metrics["Stabilité (IMN moyenne entre 3 graines)"] == number(round(stability, 3), "fr")
