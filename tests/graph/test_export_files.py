"""Exported files whatever the data hold: valid XML, safe file names, inert CSV cells."""

from __future__ import annotations

import errno
import json
import math
from pathlib import Path

import igraph as ig
import networkx as nx
import pandas as pd
import pytest
from lxml import etree

from graph.export import (
    file_stem,
    formula_safe_frame,
    write_file,
    write_gexf,
    write_graphml,
    write_json,
)

GRAMMAR = Path(__file__).parents[1] / "fixtures" / "gexf-1.3" / "gexf.rng"
#: Every kind of character XML 1.0 refuses: C0 controls, DEL is allowed, C1 is allowed,
#: a lone surrogate, the non-characters U+FFFE and U+FFFF.
BAD = "\x00\x01\x08\x0b\x0c\x1b\x1f\ud800\udfff\ufffe\uffff"
#: The same text once made XML-safe (tab, newline and carriage return are kept).
GOOD = "\ufffd" * len(BAD)


def _hostile_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_node(f"bluesky:a{BAD}", label=f"Ana{BAD}\t\n\r", bio=f"=1+1{BAD}", followers=-3)
    graph.add_node("bluesky:b", label="Bob", bio="ok", followers=4)
    graph.add_edge(f"bluesky:a{BAD}", "bluesky:b", weight=2, kind=f"repost{BAD}")
    graph.nodes["bluesky:b"][f"note{BAD}"] = "an attribute name with bad characters"
    return graph


def test_gexf_with_invalid_characters_is_valid_and_reads_back(tmp_path):
    path = tmp_path / "g.gexf"
    write_gexf(_hostile_graph(), path, description=f"the cascades of a{BAD}")
    grammar = etree.RelaxNG(etree.parse(str(GRAMMAR)))
    assert grammar.validate(etree.parse(str(path))), grammar.error_log
    back = nx.read_gexf(path, version="1.3")
    ana = back.nodes[f"bluesky:a{GOOD}"]
    assert ana["label"] == f"Ana{GOOD}\t\n\r"
    assert (ana["bio"], ana["followers"]) == (f"=1+1{GOOD}", -3)
    assert back.edges[f"bluesky:a{GOOD}", "bluesky:b"]["kind"] == f"repost{GOOD}"
    assert back.nodes["bluesky:b"][f"note{GOOD}"] == "an attribute name with bad characters"


def test_graphml_and_json_with_invalid_characters_read_back_with_the_same_ids(tmp_path):
    write_graphml(_hostile_graph(), tmp_path / "g.graphml")
    write_json(_hostile_graph(), tmp_path / "g.json")
    from_networkx = nx.read_graphml(tmp_path / "g.graphml")
    assert from_networkx.nodes[f"bluesky:a{GOOD}"]["label"] == f"Ana{GOOD}\t\n\r"
    assert from_networkx.edges[f"bluesky:a{GOOD}", "bluesky:b"]["kind"] == f"repost{GOOD}"
    from_igraph = ig.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
    assert sorted(from_igraph.vs["id"]) == [f"bluesky:a{GOOD}", "bluesky:b"]
    assert sorted(from_igraph.vs["followers"]) == [-3, 4]
    linked = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert {node["id"] for node in linked["nodes"]} == set(from_networkx.nodes)


def test_file_stems_are_safe_and_distinct_for_any_identifiers():
    identifiers = ["a.b", "a.c", "a_b", "A_B", "a/b", "a\\b", "..", ".", "", "../../etc/x",
                   "a" * 300, "a" * 301, "é", "e", "ｅ", "con", "x\x00y", "x\ud800"]  # fmt: skip
    stems = [file_stem(identifier) for identifier in identifiers]
    assert len({stem.lower() for stem in stems}) == len(identifiers)  # case-insensitive disks
    for stem in stems:
        assert set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-.")
        assert not stem.startswith(".") and 0 < len(stem) <= 71
    assert file_stem("a_b") == "a_b" and file_stem("einspe-temps-maternelle") == (
        "einspe-temps-maternelle"
    )


def test_spreadsheet_formulas_are_neutralised_in_text_cells_only():
    frame = pd.DataFrame(
        {
            "name": ["=cmd|' /C calc'!A0", "+33 6", "-x", "@ana", "\tx", "\rx", "a=b", None],
            "change": [-1.5, -2.0, 3.0, math.nan, 0.0, 1.0, -0.0, 2.0],
            "count": [-1, -2, 3, 4, 5, 6, 7, 8],
            "mixed": [-3, "-3", 2.5, "=x", None, "ok", True, "+"],
        }
    )
    frame["typed"] = pd.array(["=a", "b", None, "-c", "d", "e", "f", "g"], dtype="string")
    safe = formula_safe_frame(frame)
    assert safe["name"].tolist()[:7] == ["'=cmd|' /C calc'!A0", "'+33 6", "'-x", "'@ana", "'\tx",
                                         "'\rx", "a=b"]  # fmt: skip
    assert pd.isna(safe["name"][7])
    assert safe["mixed"].tolist() == [-3, "'-3", 2.5, "'=x", None, "ok", True, "'+"]
    assert safe["typed"].tolist() == ["'=a", "b", pd.NA, "'-c", "d", "e", "f", "g"]
    pd.testing.assert_frame_equal(safe[["change", "count"]], frame[["change", "count"]])
    assert frame["name"][0] == "=cmd|' /C calc'!A0"  # the frame shown is left as it was


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failed_write_names_its_file():
    with pytest.raises(OSError) as raised:
        write_file(Path("/dev/full"), b"x")
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, "/dev/full")
