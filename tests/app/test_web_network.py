"""The network views' adapter over pyvis: pruning, layout, and data that stays data."""

from __future__ import annotations

import re

import pandas as pd

from app.web.network import PHYSICS_LIMIT, network_html, pruned

XSS = "<img src=x onerror=alert(1)>"


def _graph(n: int):
    nodes = pd.DataFrame(
        {
            "id": [f"n{i}" for i in range(n)],
            "label": [XSS] + [f"account {i}" for i in range(1, n)],
            "title": [f"{XSS}\n</script><script>alert(2)</script>"] + ["card"] * (n - 1),
            "color": "#4269d0",
            "size": 10.0,
            "rank": [float(i) for i in range(n)],
        }
    )
    edges = pd.DataFrame({"source": [f"n{i}" for i in range(1, n)], "target": "n0"})
    return nodes, edges


def test_names_and_texts_go_in_as_escaped_data_never_as_markup():
    page = network_html(*_graph(3))
    assert XSS not in page and "</script><script>alert(2)" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page  # JSON-escaped, shown as text
    assert not re.search(r"""(src|href)=["']?https?:""", page)  # inlined, nothing fetched


def test_small_graphs_move_large_ones_are_laid_out_here():
    assert '"physics": {"enabled": true' in network_html(*_graph(10))
    large = network_html(*_graph(PHYSICS_LIMIT + 1))
    assert '"physics": {"enabled": false' in large
    assert '"x": ' in large and '"y": ' in large


def test_pruning_keeps_the_most_central_and_the_ties_among_them():
    nodes, edges = _graph(6)  # every node ties to n0, the least central
    kept, ties = pruned(nodes, edges, 3, "rank")
    assert list(kept["id"]) == ["n5", "n4", "n3"]
    assert ties.empty  # their only ties went to n0, which was pruned
    kept, ties = pruned(nodes, edges, 6, "rank")
    assert len(kept) == 6 and len(ties) == 5


def test_edge_opacity_and_dashes_reach_the_drawing():
    nodes, edges = _graph(3)
    edges = edges.assign(opacity=[1.0, 0.3], dashes=[False, True])
    page = network_html(nodes, edges, tree=True)
    drawn = {
        source: (float(opacity), dashes)
        for opacity, dashes, source in re.findall(
            r'\{"color": \{"color": "#5a5a5a", "opacity": ([\d.]+)\}, "dashes": (true|false), '
            r'"from": "(n\d)", "to": "n0"',
            page,
        )
    }
    assert drawn == {"n1": (1.0, "false"), "n2": (0.3, "true")}
    default = network_html(*_graph(3))
    assert '"opacity": 1.0}, "dashes": false, "from": "n2"' in default  # no columns: solid
