"""The analysed results as networkx graphs, as ``essaim export`` writes them and the app
shows them: the sociability graph, the cascade trees of a resource, and the provenance
every exported file carries.

An account is ``platform:account_id`` in every graph. A cascade node is one account in one
cascade: ``<cascade>|platform:account_id``, its ``account`` attribute the account's node in
the sociability graph.
"""

from __future__ import annotations

import json

import networkx as nx

from collectors import __version__
from graph.builders import sociability_graph
from graph.export import methods_text
from graph.store.results import accounts, analyses, communities, resources

__all__ = ["cascade_forest", "provenance_of", "sociability_network"]


def provenance_of(connection) -> dict:
    """What every exported file's sidecar says: version, last analysis, source runs, methods."""
    analysis = analyses.last_analysis(connection)
    parameters = json.loads(analysis["parameters"])
    found = communities.overview(connection)
    runs = analyses.source_runs(connection)
    return {
        "essaim_version": __version__,
        "analysis": {
            "analysis_id": analysis["analysis_id"],
            "finished_at": str(analysis["finished_at"]),
            "essaim_version": analysis["essaim_version"],
            "parameters": parameters,
        },
        "source_runs": json.loads(runs.to_json(orient="records")),
        "methods": methods_text(parameters, found["modularity"], found["stability"]),
    }


def sociability_network(connection) -> nx.DiGraph:
    """The analysed sociability graph, accounts with their communities and roles."""
    graph = nx.DiGraph()
    for row in accounts.role_nodes(connection).to_dict(orient="records"):
        graph.add_node(row.pop("id"), **row)
    social = sociability_graph(communities.sociability_edges(connection))
    names = social.vs["name"]
    for edge in social.es:
        graph.add_edge(names[edge.source], names[edge.target], **edge.attributes())
    return graph


def cascade_forest(connection, resource: str, min_size: int = 1) -> nx.DiGraph:
    """The cascade trees of ``resource`` of at least ``min_size`` adopters.

    Each node and edge starts at the adoption time; an adopter whose time is unknown starts
    with its cascade's root (else the cascade's first known time) and has ``time_unknown``
    true. An edge carries how its parent was found (``method``), the parent's probability
    (``confidence``, NaN when unknown) and the candidates weighed.
    """
    trees = resources.cascade_trees(connection, resource, min_size)
    known = trees["adopted_at"].notna()
    trees["adopted_at"] = trees["adopted_at"].astype(object).where(known, None)
    rows = trees.to_dict(orient="records")
    nodes = {(r["cascade"], r["account_id"]): f"{r['cascade']}|{r['platform']}:{r['account_id']}"
             for r in rows}  # fmt: skip
    starts = _cascade_starts(rows)
    graph = nx.DiGraph()
    for row in rows:
        node = nodes[row["cascade"], row["account_id"]]
        graph.add_node(node, label=row["label"], cascade=row["cascade"],
                       account=f"{row['platform']}:{row['account_id']}",
                       platform=row["platform"], account_id=row["account_id"], kind=row["kind"],
                       method=row["method"], start=row["adopted_at"] or starts[row["cascade"]],
                       time_unknown=row["adopted_at"] is None)  # fmt: skip
        parent = nodes.get((row["cascade"], row["parent_id"]))
        if parent is not None:
            graph.add_edge(parent, node, method=row["method"], confidence=row["confidence"],
                           candidates=row["candidates"],
                           start=graph.nodes[node]["start"])  # fmt: skip
    return graph


def _cascade_starts(rows: list[dict]) -> dict:
    """The time each cascade starts at: its root's adoption, else its first known one, else
    the first known in any of them (None if no time is known at all).

    >>> from datetime import datetime
    >>> rows = [{"cascade": "c", "parent_id": "a", "adopted_at": datetime(2026, 9, 1, 9)},
    ...         {"cascade": "c", "parent_id": None, "adopted_at": datetime(2026, 9, 1, 10)},
    ...         {"cascade": "d", "parent_id": None, "adopted_at": None}]
    >>> {cascade: start.hour for cascade, start in _cascade_starts(rows).items()}
    {'c': 10, 'd': 10}
    """
    starts = {}
    for row in rows:  # ordered by cascade, then time, unknown times last
        if row["adopted_at"] is not None and (
            row["cascade"] not in starts or not isinstance(row["parent_id"], str)
        ):
            starts[row["cascade"]] = row["adopted_at"]
    first = min(starts.values(), default=None)
    return {row["cascade"]: starts.get(row["cascade"], first) for row in rows}
