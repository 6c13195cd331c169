"""``essaim export``: tables and graphs that other tools read back unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import igraph as ig
import networkx as nx
import pytest
from lxml import etree

from graph.analysis import RESULT_TABLES
from tests.app.test_cli import essaim

GRAMMAR = Path(__file__).parents[1] / "fixtures" / "gexf-1.3" / "gexf.rng"


@pytest.fixture
def exported(data, tmp_path):
    assert essaim("--data", data, "analyze").returncode == 0
    folder = tmp_path / "export"
    result = essaim("--data", data, "export", "--out", folder)
    assert result.returncode == 0, result.stderr
    return data, folder


def _gexf_valid(path: Path) -> bool:
    grammar = etree.RelaxNG(etree.parse(str(GRAMMAR)))
    valid = grammar.validate(etree.parse(str(path)))
    assert valid, grammar.error_log
    return valid


def test_every_table_is_exported_with_its_sidecar(exported):
    data, folder = exported
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as store:
        for name in [*RESULT_TABLES, "accounts", "resources"]:
            parquet = folder / "tables" / f"{name}.parquet"
            csv = folder / "tables" / f"{name}.csv"
            stored = "catalogue" if name == "resources" else name
            expected = store.execute(f"SELECT count(*) FROM {stored}").fetchone()[0]
            if name == "accounts":
                expected = store.execute(
                    "SELECT count(*) FROM (SELECT DISTINCT platform, account_id FROM accounts)"
                ).fetchone()[0]
            got = duckdb.sql(f"SELECT count(*) FROM '{parquet}'").fetchall()[0][0]
            assert got == expected, name
            for path in (parquet, csv):
                sidecar = json.loads(path.with_name(path.name + ".meta.json").read_text())
                assert sidecar["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
                assert sidecar["rows"] == expected
                assert sidecar["analysis"]["parameters"]["rule"] == "most_recent"
                assert "Leiden" in sidecar["methods"]["en"]
                assert "Leiden" in sidecar["methods"]["fr"]
    cascades = duckdb.sql(f"SELECT size FROM '{folder}/tables/cascades.csv' ORDER BY size DESC")
    assert cascades.fetchall()[0] == (5,)
    methods = (folder / "METHODS.md").read_text()
    assert "## Français" in methods and "most_recent" in methods


def test_the_sociability_graph_reads_back_in_networkx_and_igraph(exported):
    data, folder = exported
    gexf = folder / "graphs" / "sociability.gexf"
    assert _gexf_valid(gexf)
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as store:
        roles = store.execute(
            "SELECT platform || ':' || account_id, community, downstream, amplifier "
            "FROM account_roles"
        ).fetchall()
        pairs = store.execute(
            "SELECT platform || ':' || source, platform || ':' || target, sum(weight)::INT "
            "FROM sociability_edges GROUP BY ALL"
        ).fetchall()
    back = nx.read_gexf(gexf, version="1.3")
    assert set(back.nodes) == {node for node, *_ in roles}
    for node, community, downstream, amplifier in roles:
        attributes = back.nodes[node]
        # accounts seen only in cascades have no community: the attribute is left out
        assert attributes.get("community") == community
        assert attributes["downstream"] == downstream
        assert attributes["amplifier"] is amplifier
    assert {(s, t): w for s, t, w in pairs} == {(s, t): w for s, t, w in back.edges(data="weight")}
    graphml = folder / "graphs" / "sociability.graphml"
    from_networkx = nx.read_graphml(graphml)
    assert set(from_networkx.edges) == set(back.edges)
    from_igraph = ig.Graph.Read_GraphML(str(graphml))
    assert sorted(from_igraph.vs["id"]) == sorted(back.nodes)
    assert from_igraph.ecount() == len(pairs)
    communities = {vertex["id"]: vertex["community"] for vertex in from_igraph.vs}
    assert {node: c for node, c, _, _ in roles if c is not None} == {
        node: c
        for node, c in communities.items()
        if c == c  # NaN where none
    }
    linked = json.loads((folder / "graphs" / "sociability.json").read_text())
    assert len(linked["nodes"]) == len(roles) and len(linked["edges"]) == len(pairs)


def test_cascades_are_dynamic_gexf_with_adoption_times(exported):
    _, folder = exported
    gexf = folder / "graphs" / "cascades" / "r1.gexf"
    assert _gexf_valid(gexf)
    root = etree.parse(str(gexf)).getroot()
    graph = root.find("{http://gexf.net/1.3}graph")
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    back = nx.read_gexf(gexf, version="1.3")
    # cascade r1/P1 of the toy: ana → bob → (cleo, emma, dan); P2 (size 1) is left out
    edges = {(back.nodes[s]["label"], back.nodes[t]["label"]) for s, t in back.edges}
    assert edges == {("ana", "bob"), ("bob", "cleo"), ("bob", "emma"), ("bob", "dan")}
    starts = {node["label"]: node.get("start") for _, node in back.nodes(data=True)}
    assert starts["ana"] == "2026-09-01T08:00:00+00:00"
    assert starts["dan"] == "2026-09-01T11:00:00+00:00"
    assert starts["emma"] is None  # repost time unknown: present from the start
    sidecar = json.loads(gexf.with_name("r1.gexf.meta.json").read_text())
    assert (sidecar["nodes"], sidecar["edges"]) == (5, 4)
    assert not (folder / "graphs" / "cascades" / "r2.gexf").exists()  # one adopter only


def test_export_names_an_unknown_resource(exported, tmp_path):
    data, _ = exported
    result = essaim("--data", data, "export", "--out", tmp_path / "y", "--resource", "r9")
    assert result.returncode == 1 and "no resource 'r9' in the catalogue" in result.stderr
    assert not (tmp_path / "y").exists()


def test_export_needs_an_analysis(data, tmp_path):
    result = essaim("--data", data, "export", "--out", tmp_path / "x")
    assert result.returncode == 1 and "run `essaim analyze` first" in result.stderr
