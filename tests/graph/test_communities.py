"""Communities: Leiden against exact optima on reference graphs, and spread across them."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import pandas as pd
import pytest

from graph.communities import community_spread, detect, label_communities, stability


def from_networkx(graph: nx.Graph) -> ig.Graph:
    converted = ig.Graph.from_networkx(graph)
    if "weight" not in converted.es.attributes():
        converted.es["weight"] = 1.0
    return converted


REFERENCES = {
    "zachary (igraph, unweighted)": ig.Graph.Famous("Zachary"),
    "karate club (networkx, weighted)": from_networkx(nx.karate_club_graph()),
    "florentine families": from_networkx(nx.florentine_families_graph()),
    "davis southern women": from_networkx(nx.davis_southern_women_graph()),
}


@pytest.mark.parametrize("name", REFERENCES)
def test_leiden_reaches_the_exact_best_modularity(name):
    graph = REFERENCES[name]
    weights = "weight" if "weight" in graph.es.attributes() else None
    best = graph.community_optimal_modularity(weights=weights).modularity  # exact (GLPK)
    found = detect(graph, seed=0, restarts=20)  # Leiden is a heuristic: the best of 20 runs
    assert found.modularity == pytest.approx(best, abs=1e-9)
    for community in range(len(found.sizes)):  # Leiden's guarantee: connected communities
        members = [v for v, c in enumerate(found.membership) if c == community]
        assert graph.induced_subgraph(members).is_connected()


def test_more_restarts_never_do_worse():
    graph = REFERENCES["florentine families"]
    once = detect(graph, seed=0).modularity
    assert detect(graph, seed=0, restarts=5).modularity >= once
    with pytest.raises(ValueError, match="restarts"):
        detect(graph, restarts=0)


def test_the_cpm_default_trap_is_avoided():
    graph = ig.Graph.Famous("Zachary")
    assert len(graph.community_leiden()) == 34  # igraph's default objective: all alone
    found = detect(graph)
    assert 2 <= len(found.sizes) <= 6 and found.modularity > 0.4


def test_weights_count_and_directed_edges_are_merged():
    # Two pairs {a, b} and {c, d}, heavily tied inside, lightly across, in both directions.
    edges = [(0, 1, 5.0), (1, 0, 5.0), (2, 3, 5.0), (3, 2, 5.0), (1, 2, 1.0), (0, 3, 1.0)]
    directed = ig.Graph.TupleList(edges, directed=True, weights=True)
    found = detect(directed, seed=2)
    assert found.sizes == [2, 2] and found.membership[0] == found.membership[1]
    # Undirected weights 10, 10, 1, 1 (m = 22); every degree is 11, so each pair holds
    # 10/22 of the weight and 22/44 of the degree: Q = 2 · (10/22 − (22/44)²).
    assert found.modularity == pytest.approx(2 * (10 / 22 - (22 / 44) ** 2))


def test_same_seed_same_partition_and_numbering_by_size():
    graph = from_networkx(nx.les_miserables_graph())
    first, again = detect(graph, seed=7), detect(graph, seed=7)
    assert first.membership == again.membership
    assert first.sizes == sorted(first.sizes, reverse=True)
    assert first.sizes[0] == first.membership.count(0)


def test_stability_is_one_for_obvious_communities():
    cliques = ig.Graph.Full(5) + ig.Graph.Full(5)
    cliques.add_edge(0, 5)
    assert stability(cliques, seeds=[1, 2, 3]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="two seeds"):
        stability(cliques, seeds=[1])


def test_spread_across_communities_with_bridges_and_entropy():
    at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)  # noqa: E731
    adoptions = pd.DataFrame(
        {
            "resource_id": "r1",
            "platform": "bluesky",
            "account_id": ["a", "b", "c", "d", "a", "z"],
            "adopted_at": [at(0), at(1), at(5), at(9), at(12), at(2)],
        }
    )
    memberships = pd.DataFrame(
        {"platform": "bluesky", "account_id": ["a", "b", "c", "d"], "community": [0, 0, 1, 2]}
    )
    reached, spread = community_spread(adoptions, memberships)
    rows = reached.set_index("community")
    # a counts once; z has no community. Shares 2/4, 1/4, 1/4 → entropy 1.5 bits.
    assert rows["adopters"].tolist() == [2, 1, 1]
    assert rows["bridge"].tolist() == ["a", "c", "d"]
    assert rows.loc[1, "arrived_at"] == at(5)
    assert spread.loc[0, "entropy"] == pytest.approx(1.5) and spread.loc[0, "communities"] == 3


def test_labels_name_central_accounts_resources_and_contexts():
    edges = pd.DataFrame(
        {"source": ["b", "c", "d", "y", "z"], "target": ["a", "a", "a", "x", "x"],
         "weight": [1, 1, 1, 1, 1]}
    )  # fmt: skip
    graph = ig.Graph.DataFrame(edges, directed=True, use_vids=False)
    graph.vs["platform"] = "bluesky"
    graph.vs["account_id"] = graph.vs["name"]
    found = detect(graph, seed=1)
    adoptions = pd.DataFrame(
        {"resource_id": ["r1", "r1", "r2"], "platform": "bluesky", "account_id": ["a", "b", "x"]}
    )
    contexts = pd.DataFrame(
        {"platform": "bluesky", "account_id": ["a", "b", "x"], "context": ["#maths"] * 2 + ["#eps"]}
    )
    labels = label_communities(graph, found, adoptions, contexts).set_index("community")
    big = labels.loc[0]  # a and its three followers
    assert big["size"] == 4 and big["central_accounts"][0] == "a"
    assert big["shared_resources"] == ["r1"] and big["contexts"] == ["#maths"]
    assert big["label"] == "#maths · r1"
    assert labels.loc[1, "central_accounts"][0] == "x"
