"""Network views: one adapter over pyvis, with the layout computed here and a node budget.

The browser only draws: positions come from igraph (physics stays off above
:data:`PHYSICS_LIMIT` nodes), and graphs larger than the budget are pruned to their most
central nodes, which the page states. Names and texts go into the page as data, never as
markup: pyvis' template writes them as JSON with ``<``, ``>``, ``&`` and ``'`` escaped, and
vis-network shows hover cards with ``innerText``.
"""

from __future__ import annotations

import html
import re

import igraph as ig
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

__all__ = ["FADED", "MAX_EDGES", "PALETTE", "PHYSICS_LIMIT", "layout", "legend", "network_html",
           "palette", "pruned"]  # fmt: skip

#: Above this many nodes the layout is fixed (no physics in the browser).
PHYSICS_LIMIT = 300
#: The colour of edges (their opacity may vary).
EDGE_COLOUR = "#5a5a5a"
#: At most this many edges are drawn (the heaviest).
MAX_EDGES = 15_000

#: The colour of accounts not adopting (yet) in a view of who adopted when.
FADED = "#dddddd"

#: Okabe and Ito's colour-blind-safe colours (their black left out).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#999999"]  # fmt: skip


def palette(group: int) -> str:
    """A colour per group (communities, kinds), cycling through :data:`PALETTE`.

    >>> palette(0), palette(8), palette(9)
    ('#0072B2', '#0072B2', '#E69F00')
    """
    return PALETTE[int(group) % len(PALETTE)]


def legend(entries) -> str:
    """HTML swatches for (colour, name) pairs, the names escaped (they may come from data).

    >>> shown = legend([("#0072B2", "<b>1</b>")])
    >>> "background:#0072B2" in shown, "&lt;b&gt;1&lt;/b&gt;" in shown, "<b>" in shown
    (True, True, False)
    """
    return " &nbsp; ".join(
        '<span style="white-space:nowrap"><span style="display:inline-block;width:.9em;'
        f'height:.9em;border-radius:50%;background:{colour};vertical-align:middle"></span> '
        f"{html.escape(str(name))}</span>"
        for colour, name in entries
    )


def pruned(
    nodes: pd.DataFrame, edges: pd.DataFrame, budget: int, by: str, max_edges: int = MAX_EDGES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``budget`` nodes with the highest ``by`` (ties: by id) and the edges among them.

    Of those edges, the ``max_edges`` of highest ``weight`` are kept (a browser draws
    about that many smoothly).

    >>> nodes = pd.DataFrame({"id": ["a", "b", "c"], "rank": [0.5, 0.2, 0.3]})
    >>> edges = pd.DataFrame({"source": ["a", "b", "a"], "target": ["c", "c", "b"],
    ...                       "weight": [1, 1, 2]})
    >>> kept, ties = pruned(nodes, edges, 2, "rank")
    >>> list(kept["id"]), list(zip(ties["source"], ties["target"]))
    (['a', 'c'], [('a', 'c')])
    >>> list(zip(*pruned(nodes, edges, 3, "rank", max_edges=1)[1][["source", "target"]].T.values))
    [('a', 'b')]
    """
    if len(nodes) > budget:
        nodes = nodes.sort_values([by, "id"], ascending=[False, True]).head(budget)
        ids = set(nodes["id"])
        edges = edges[edges["source"].isin(ids) & edges["target"].isin(ids)]
    if len(edges) > max_edges:
        edges = edges.sort_values("weight", ascending=False, kind="stable").head(max_edges)
    return nodes.reset_index(drop=True), edges.reset_index(drop=True)


def edge_opacity(confidence: pd.Series) -> pd.Series:
    """The opacity that draws an edge of this confidence: from 0.15 (probability 0) to 1
    (certain); 0.5 when the confidence is unknown (such edges are drawn dashed).

    >>> edge_opacity(pd.Series([1.0, 0.0, 0.5, None])).tolist()
    [1.0, 0.15, 0.575, 0.5]
    """
    return (0.15 + 0.85 * confidence.astype(float)).fillna(0.5)


def network_html(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    height: int = 650,
    directed: bool = True,
    tree: bool = False,
    positions: dict[str, tuple[float, float]] | None = None,
) -> str:
    """A self-contained HTML page (no network access) drawing the graph with vis-network.

    Parameters
    ----------
    nodes : DataFrame
        ``id``, ``label``, ``title`` (the hover card, plain text), ``color``, ``size``.
    edges : DataFrame
        ``source``, ``target``; optionally ``weight``, ``opacity`` (in [0, 1]) and ``dashes``
        (True: drawn dashed).
    tree : bool
        Lay out top-down as a tree (cascades) rather than by forces.
    positions : dict, optional
        Each node's position, as :func:`layout` gives it (by default computed here): a view
        redrawn with other colours keeps its nodes in place.

    Examples
    --------
    >>> nodes = pd.DataFrame({"id": ["a", "b"], "label": ["<i id=x>", "b"],
    ...                       "title": ["x", "y"], "color": ["#000", "#111"], "size": [10, 12]})
    >>> page = network_html(nodes, pd.DataFrame({"source": ["a"], "target": ["b"]}))
    >>> "<i id=x>" in page, r"\\u003ci id=x\\u003e" in page, "cdn.jsdelivr" in page
    (False, True, False)
    """
    from pyvis.network import Network

    positions = positions or layout(nodes, edges, tree)
    nodes = nodes.sort_values("size", kind="stable")  # the largest drawn last, on top
    view = Network(
        height=f"{height}px",
        width="100%",
        directed=directed,
        cdn_resources="in_line",
        neighborhood_highlight=True,
    )
    physics = len(nodes) <= PHYSICS_LIMIT and not tree
    # pyvis' add_node and add_edge check every node and edge already added (quadratic): its
    # lists of node and edge options are filled here directly, as pyvis would fill them.
    view.nodes = [
        {
            "id": str(row.id),
            "label": str(row.label),
            "title": str(row.title),
            "shape": "dot",
            "color": {"background": row.color, "border": row.color},
            "size": float(row.size),
            "x": positions[str(row.id)][0],
            "y": positions[str(row.id)][1],
        }
        for row in nodes.itertuples(index=False)
    ]
    view.node_ids = [node["id"] for node in view.nodes]
    view.node_map = {node["id"]: node for node in view.nodes}
    weights = edges["weight"] if "weight" in edges else pd.Series(1, index=edges.index)
    opacity = edges["opacity"] if "opacity" in edges else pd.Series(1.0, index=edges.index)
    dashes = edges["dashes"] if "dashes" in edges else pd.Series(False, index=edges.index)
    view.edges = [
        {"from": str(source), "to": str(target), "value": float(weight),
         "color": {"color": EDGE_COLOUR, "opacity": float(alpha)}, "dashes": bool(dashed)}
        for source, target, weight, alpha, dashed in zip(
            edges["source"], edges["target"], weights, opacity, dashes, strict=True)
    ]  # fmt: skip
    view.set_options(_options(physics))
    return _without_remote_assets(view.generate_html(notebook=False))


def layout(
    nodes: pd.DataFrame, edges: pd.DataFrame, tree: bool = False
) -> dict[str, tuple[float, float]]:
    """Each node's position in pixels (by id): Reingold–Tilford for trees, else
    Fruchterman–Reingold from fixed starting positions, so that the same nodes (``id`` and
    ``size``) and edges always give the same picture.

    >>> nodes = pd.DataFrame({"id": ["a", "b", "c"], "size": [10, 10, 10]})
    >>> edges = pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"]})
    >>> placed = layout(nodes, edges, tree=True)
    >>> placed["a"][1] < placed["b"][1] == placed["c"][1], placed["b"][0] != placed["c"][0]
    (True, True)
    """
    nodes = nodes.sort_values("size", kind="stable")
    placed = _layout(nodes, edges, tree)
    return {str(node): position for node, position in zip(nodes["id"], placed, strict=True)}


def _layout(nodes: pd.DataFrame, edges: pd.DataFrame, tree: bool) -> list[tuple[float, float]]:
    """Positions in pixels, in the order of ``nodes``."""
    if nodes.empty:
        return []
    index = {node: position for position, node in enumerate(nodes["id"])}
    pairs = [(index[s], index[t]) for s, t in zip(edges["source"], edges["target"], strict=True)]
    graph = ig.Graph(n=len(nodes), edges=pairs, directed=True)
    if tree:
        roots = [v for v in range(graph.vcount()) if graph.indegree(v) == 0] or [0]
        layout = graph.layout_reingold_tilford(mode="out", root=roots)
        return [(x * 60.0, y * 60.0) for x, y in layout.coords]
    # From fixed starting positions (the same data gives the same picture), spread around the
    # origin as igraph's own are: its grid (above 1,000 nodes) is centred there, and starting
    # off-centre makes a 5,000-node layout five times slower.
    start = (np.random.default_rng(0).uniform(size=(len(nodes), 2)) - 0.5) * np.sqrt(len(nodes))
    layout = graph.as_undirected().layout_fruchterman_reingold(niter=300, seed=start.tolist())
    # scaled so that nodes sit about two and a half typical sizes from their nearest neighbour
    coords = np.array(layout.coords, dtype=float)
    nearest = cKDTree(coords).query(coords, k=2)[0][:, 1] if len(coords) > 1 else [1.0]
    coords *= 2.5 * float(nodes["size"].median()) / (float(np.median(nearest)) or 1.0)
    return [(float(x), float(y)) for x, y in coords - coords.mean(axis=0)]


def _options(physics: bool) -> str:
    return (
        '{"interaction": {"hover": true, "tooltipDelay": 100, "hideEdgesOnDrag": true},'
        ' "edges": {"smooth": false, "arrows": {"to": {"scaleFactor": 0.4}},'
        ' "scaling": {"min": 1, "max": 6}},'
        ' "nodes": {"shape": "dot", "font": {"size": 12}},'
        f' "physics": {{"enabled": {str(physics).lower()},'
        ' "stabilization": {"iterations": 150}}}'
    )


_REMOTE = re.compile(
    r"<link[^>]*cdn\.jsdelivr[^>]*/>|<script[^>]*cdn\.jsdelivr[^>]*>\s*</script>"
    r"|<center>\s*<h1>\s*</h1>\s*</center>",
    re.S,
)


def _without_remote_assets(page: str) -> str:
    """Drop the Bootstrap links and empty heading of pyvis' template (nothing is fetched)."""
    return _REMOTE.sub("", page)
