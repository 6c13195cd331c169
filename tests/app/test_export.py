"""``essaim export``: tables and graphs that other tools read back unchanged, whatever names
and ids the data hold, written whole or not at all."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from types import SimpleNamespace

import duckdb
import igraph as ig
import networkx as nx
import pandas as pd
import pytest
from lxml import etree

from graph.store.results import RESULT_TABLES
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
                assert sidecar["analysis"]["parameters"]["rule"] == "kernel"
                assert "Leiden" in sidecar["methods"]["en"]
                assert "Leiden" in sidecar["methods"]["fr"]
    cascades = duckdb.sql(f"SELECT size FROM '{folder}/tables/cascades.csv' ORDER BY size DESC")
    assert cascades.fetchall()[0] == (5,)
    methods = (folder / "METHODS.md").read_text()
    assert "## Français" in methods and "kernel" in methods


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


GEXF = {"g": "http://gexf.net/1.3"}


def test_cascades_are_dynamic_gexf_with_adoption_times(exported):
    _, folder = exported
    gexf = folder / "graphs" / "cascades" / "r1.gexf"
    assert _gexf_valid(gexf)
    graph = etree.parse(str(gexf)).getroot().find("g:graph", GEXF)
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "dateTime")
    nodes = graph.findall("g:nodes/g:node", GEXF)
    labels = {node.get("id"): node.get("label") for node in nodes}
    # cascade r1/P1 of the toy: ana → bob → (cleo, emma), ana → dan (he reposted ana's post
    # and follows neither her nor a resharer of it); P2 (size 1) is left out; emma's repost
    # time is unknown: she starts with the cascade's root, ana
    hour = "2026-09-01T{:02d}:00:00+00:00".format
    assert {labels[node.get("id")]: node.get("start") for node in nodes} == {
        "ana": hour(8), "bob": hour(9), "cleo": hour(10), "dan": hour(11), "emma": hour(8),
    }  # fmt: skip
    edges = graph.findall("g:edges/g:edge", GEXF)
    assert {(labels[e.get("source")], labels[e.get("target")]): e.get("start") for e in edges} == {
        ("ana", "bob"): hour(9), ("bob", "cleo"): hour(10), ("bob", "emma"): hour(8),
        ("ana", "dan"): hour(11),
    }  # fmt: skip
    back = nx.read_graphml(gexf.with_suffix(".graphml"))
    label = {node: data["label"] for node, data in back.nodes(data=True)}
    found = {
        (label[a], label[b]): (data["method"], data.get("confidence"))
        for a, b, data in back.edges(data=True)
    }
    assert found[("ana", "bob")] == ("stated:quote", 1.0)
    assert found[("ana", "dan")] == ("no_candidate", None)  # unknown: left out, not 0
    assert {data["label"] for _, data in back.nodes(data=True) if data["time_unknown"]} == {"emma"}
    social = set(nx.read_graphml(folder / "graphs" / "sociability.graphml").nodes)
    for node, data in back.nodes(data=True):  # one id scheme: the sociability graph's account
        assert node == f"{data['cascade']}|{data['account']}" and data["account"] in social
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


# --- hostile names: files, XML, spreadsheets, folders, full disks --------------------------

#: Resource ids that a naive file name would merge (dots, case) or send out of the folder.
HOSTILE_IDS = ["a.b", "a.c", "a_b", "A.B", "../../outside", "x/../y"]
#: A handle with a formula start, XML 1.0 control characters and non-characters.
HANDLE = "@Ève\x01\x0b\x1b[31m\ufffe\uffff"
#: What the GEXF and GraphML show of it: each invalid character as U+FFFD.
SHOWN = "@Ève\ufffd\ufffd\ufffd[31m\ufffd\ufffd"
#: Catalogue titles a spreadsheet would run as formulas, by resource.
TITLES = {"a.b": '=HYPERLINK("http://evil.example","x")', "a.c": "+1+1", "a_b": "-2+3",
          "A.B": "@SUM(1)", "../../outside": "\tcmd", "x/../y": "\rcmd"}  # fmt: skip


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The toy and its resource r1; one post by "eve" (named ``HANDLE``, -5 followers) per
    hostile resource id, each reposted by dan: a cascade of two per resource; and 2,000 idle
    accounts making accounts.csv the one file larger than 40 kB (the Parquet files, which
    carry the methods text, stay below)."""
    from graph.store import Store
    from tests.fixtures.toy_store import add_interaction, add_link, add_post, fill

    data = tmp_path_factory.mktemp("hostile") / "data"
    with Store(data / "essaim.duckdb") as store:
        fill(store)
        store.connection.execute(
            "INSERT INTO catalogue VALUES ('r1', 'Fractions', 'maths', NULL, NULL, [], NULL, true)"
        )
        for number, resource in enumerate(HOSTILE_IDS):
            add_post(store, f"H{number}", "eve\x07", 10 + number)
            add_link(store, f"H{number}", resource)
            add_interaction(store, "repost", "dan", f"H{number}", 20 + number)
            store.connection.execute(
                "INSERT INTO catalogue VALUES (?, ?, 'maths', NULL, NULL, [], NULL, true)",
                [resource, TITLES[resource]],
            )
        store.connection.execute(
            "INSERT INTO accounts BY NAME SELECT 'bluesky' AS platform, 'eve\x07' AS account_id, "
            "true AS named, ? AS handle, -5 AS followers_count, 'test' AS source, "
            "'run' AS run_id, now() AS collected_at",
            [HANDLE],
        )
        store.connection.execute(
            "INSERT INTO accounts BY NAME SELECT 'bluesky' AS platform, 'idle' || range AS "
            "account_id, false AS named, 'test' AS source, 'run' AS run_id, now() AS collected_at "
            "FROM range(2000)"
        )
    assert essaim("--data", data, "analyze").returncode == 0
    return data


@pytest.fixture(scope="module")
def hostile_export(hostile):
    folder = hostile.parent / "export"
    result = essaim("--data", hostile, "export", "--out", folder)
    assert result.returncode == 0, result.stderr
    return folder


def _hash(resource: str) -> str:
    return hashlib.sha256(resource.encode()).hexdigest()[:10]


#: Each hostile id's file stem: itself if safe, else a lower-case slug, a dot, its hash.
STEMS = {"a.b": f"a_b.{_hash('a.b')}", "a.c": f"a_c.{_hash('a.c')}", "a_b": "a_b",
         "A.B": f"a_b.{_hash('A.B')}", "../../outside": f"_outside.{_hash('../../outside')}",
         "x/../y": f"x_y.{_hash('x/../y')}"}  # fmt: skip


def test_every_resource_id_gets_its_own_files_inside_the_folder(hostile_export):
    cascades = hostile_export / "graphs" / "cascades"
    assert len(set(STEMS.values())) == len(HOSTILE_IDS)
    index = json.loads((cascades / "index.json").read_text())
    files = {resource: [f"{stem}.gexf", f"{stem}.graphml", f"{stem}.json"]
             for resource, stem in {"r1": "r1", **STEMS}.items()}  # fmt: skip
    assert {entry["resource_id"]: entry["files"] for entry in index} == files
    for resource, stem in STEMS.items():
        for extension in ("gexf", "graphml", "json"):
            sidecar = json.loads((cascades / f"{stem}.{extension}.meta.json").read_text())
            assert sidecar["resource_id"] == resource
            assert (sidecar["nodes"], sidecar["edges"]) == (2, 1)  # eve's post, dan's repost
        back = nx.read_graphml(cascades / f"{stem}.graphml")
        post = f"H{HOSTILE_IDS.index(resource)}"  # the post of eve that links this resource
        assert all(post in node for node in back.nodes), (resource, list(back.nodes))
    assert all(path.parent == cascades for path in cascades.rglob("*"))
    names = {part for path in hostile_export.parent.rglob("*") for part in path.parts}
    assert "outside" not in names and "y" not in names


def test_control_characters_still_give_valid_gexf_and_graphml(hostile_export):
    graphs = hostile_export / "graphs"
    for stem in ("sociability", f"cascades/{STEMS['a.b']}"):
        assert _gexf_valid(graphs / f"{stem}.gexf")
        nodes = etree.parse(str(graphs / f"{stem}.gexf")).getroot().iterfind(".//g:node", GEXF)
        assert SHOWN in {node.get("label") for node in nodes}
        from_networkx = nx.read_graphml(graphs / f"{stem}.graphml")
        from_igraph = ig.Graph.Read_GraphML(str(graphs / f"{stem}.graphml"))
        assert SHOWN in {data["label"] for _, data in from_networkx.nodes(data=True)}
        assert SHOWN in from_igraph.vs["label"]
        linked = json.loads((graphs / f"{stem}.json").read_text())
        assert {node["id"] for node in linked["nodes"]} == set(from_networkx.nodes)
    eve = nx.read_gexf(graphs / "sociability.gexf").nodes["bluesky:eve\ufffd"]
    assert eve["label"] == SHOWN


def _csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_csv_text_that_spreadsheets_would_run_is_neutralised(hostile, hostile_export, tmp_path):
    tables = hostile_export / "tables"
    titles = {row["resource_id"]: row["title"] for row in _csv(tables / "resources.csv")}
    assert {resource: titles[resource] for resource in TITLES} == {
        "a.b": '\'=HYPERLINK("http://evil.example","x")', "a.c": "'+1+1", "a_b": "'-2+3",
        "A.B": "'@SUM(1)", "../../outside": "'\tcmd", "x/../y": "'\rcmd",
    }  # fmt: skip
    assert titles["r1"] == "Fractions"
    (eve,) = [row for row in _csv(tables / "accounts.csv") if row["account_id"] == "eve\x07"]
    assert (eve["handle"], eve["followers_count"]) == ("'" + HANDLE, "-5")
    sidecar = json.loads((tables / "resources.csv.meta.json").read_text())
    assert sidecar["formula_protection"] is True
    parquet = duckdb.sql(
        f"SELECT title FROM '{tables}/resources.parquet' WHERE resource_id = 'a.c'"
    )
    assert parquet.fetchall() == [("+1+1",)]
    plain = tmp_path / "plain"
    result = essaim("--data", hostile, "export", "--no-graphs", "--no-csv-protection", "--out",
                    plain)  # fmt: skip
    assert result.returncode == 0, result.stderr
    titles = {row["resource_id"]: row["title"] for row in _csv(plain / "tables" / "resources.csv")}
    assert {resource: titles[resource] for resource in TITLES} == TITLES
    assert json.loads((plain / "tables/resources.csv.meta.json").read_text())[
        "formula_protection"] is False  # fmt: skip


def test_a_non_empty_out_folder_is_replaced_only_with_force(hostile, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me")
    refused = essaim("--data", hostile, "export", "--no-graphs", "--out", notes)
    assert refused.returncode == 1 and "not empty" in refused.stderr
    assert "--force" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    forced = essaim("--data", hostile, "export", "--no-graphs", "--force", "--out", notes)
    assert forced.returncode == 1 and "does not hold an earlier export" in forced.stderr
    assert [path.name for path in notes.iterdir()] == ["mine.txt"]

    earlier = tmp_path / "earlier"
    assert essaim("--data", hostile, "export", "--no-graphs", "--out", earlier).returncode == 0
    (earlier / "stale.csv").write_text("from before")
    again = essaim("--data", hostile, "export", "--no-tables", "--force", "--out", earlier)
    assert again.returncode == 0, again.stderr
    assert sorted(path.name for path in earlier.iterdir()) == ["METHODS.md", "graphs"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["earlier", "notes"]

    empty = tmp_path / "empty"
    empty.mkdir()
    assert essaim("--data", hostile, "export", "--no-graphs", "--out", empty).returncode == 0
    assert (empty / "tables" / "resources.csv").exists()


@pytest.mark.parametrize(
    ("only", "limit", "named"),
    [
        ("--no-graphs", 40_000, "tables/accounts.csv"),
        # Each sidecar carries the methods text and more, so it outgrows METHODS.md and the
        # toy's graphs: just above METHODS.md, the sociability graph's sidecar is the first
        # file that does not fit.
        ("--no-tables", None, "graphs/sociability.gexf.meta.json"),
    ],
)
def test_a_full_disk_names_the_file_and_leaves_no_partial_folder(
    hostile, hostile_export, tmp_path, only, limit, named
):
    from tests.app.test_faults import limit_file_size, run

    limit = limit or (hostile_export / "METHODS.md").stat().st_size + 1
    folder = tmp_path / "export"
    result = run("--data", hostile, "export", only, "--out", folder, preexec=limit_file_size(limit))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: no space left to write {folder / named}:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []

    assert essaim("--data", hostile, "export", "--out", folder).returncode == 0
    before = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    result = run("--data", hostile, "export", only, "--force", "--out", folder,
                 preexec=limit_file_size(limit))  # fmt: skip
    assert result.returncode == 1 and str(folder / named) in result.stderr
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == before
    assert list(tmp_path.iterdir()) == [folder]


def test_the_apps_downloads_have_safe_names_and_neutralised_csv(monkeypatch):
    from app.web import widgets

    made = {}
    monkeypatch.setattr(widgets, "_buttons", lambda context, name, files, about: made.update(
        name=name, files=files, about=about))  # fmt: skip
    monkeypatch.setattr(widgets.st, "table", lambda *arguments, **options: None)
    frame = pd.DataFrame({"handle": ["=cmd|x", "@ana", "bob"], "change": [-2.5, 3.0, -1.0]})
    widgets.table(SimpleNamespace(language="en"), frame, "../a.b-cascades", "cascades")
    assert made["name"].startswith("_a_b-cascades.")  # no folder, not hidden
    csv_bytes = made["files"]["csv"][0]()
    assert csv_bytes.decode().splitlines() == ["handle,change", "'=cmd|x,-2.5", "'@ana,3.0",
                                               "bob,-1.0"]  # fmt: skip
    assert made["about"]["formula_protection"] is True
    parquet = pd.read_parquet(io.BytesIO(made["files"]["parquet"][0]()))
    assert parquet["handle"].tolist() == ["=cmd|x", "@ana", "bob"]


def test_tables_read_back_in_pandas_lists_as_json_provenance_in_parquet(exported, tmp_path):
    import pyarrow.parquet as pq

    data, folder = exported
    tables = folder / "tables"
    resources = pd.read_csv(tables / "resources.csv")
    from_parquet = pd.read_parquet(tables / "resources.parquet")
    assert [json.loads(cell) for cell in resources["url_patterns"]] == [
        list(patterns) for patterns in from_parquet["url_patterns"]
    ]
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as store:
        stored = store.execute("SELECT url_key, resource_id, match_reason FROM links").fetchall()
    links = pd.read_csv(tables / "links.csv", keep_default_na=False)
    assert sorted(links[["url_key", "resource_id", "match_reason"]].itertuples(index=False,
                  name=None)) == sorted(tuple(v or "" for v in row) for row in stored)  # fmt: skip
    for name in ("links", "cascades"):
        parquet = tables / f"{name}.parquet"
        kept = json.loads(pq.read_metadata(parquet).metadata[b"essaim"])
        sidecar = json.loads(parquet.with_name(parquet.name + ".meta.json").read_text())
        assert kept["analysis"] == sidecar["analysis"] and kept["holds"] == sidecar["holds"]
        assert kept["source_runs"] == sidecar["source_runs"] and kept["rows"] == sidecar["rows"]


def test_excel_csv_has_a_bom_semicolons_and_decimal_commas(exported, tmp_path):
    data, _ = exported
    folder = tmp_path / "excel"
    result = essaim("--data", data, "export", "--excel", "--no-graphs", "--out", folder)
    assert result.returncode == 0, result.stderr
    path = folder / "tables" / "account_roles.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfplatform;account_id;")
    roles = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    expected = pd.read_parquet(folder / "tables" / "account_roles.parquet")
    assert roles["pagerank"].tolist() == pytest.approx(expected["pagerank"].tolist(), nan_ok=True)
    assert any("," in cell for cell in raw.decode("utf-8-sig").splitlines()[1].split(";"))
    resources = pd.read_csv(folder / "tables" / "resources.csv", sep=";", encoding="utf-8-sig")
    assert isinstance(json.loads(resources["url_patterns"][0]), list)
    assert json.loads((path.parent / "account_roles.csv.meta.json").read_text())["excel"] is True
