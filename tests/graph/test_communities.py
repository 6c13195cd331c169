"""Communities: Leiden against exact optima on reference graphs, spread across them, and
labels worked by hand."""

from __future__ import annotations

import math

import igraph as ig
import networkx as nx
import pandas as pd
import pytest

from graph.communities import (
    SMALL_GROUPS,
    community_spread,
    detect,
    grouped,
    label_communities,
    log_odds,
    stability,
)


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


def test_stability_compares_partitions_of_the_given_seeds_with_restarts():
    zachary = ig.Graph.Famous("Zachary")
    same = [detect(zachary, 7, restarts=2).membership] * 2
    assert ig.compare_communities(*same, method="nmi") == 1.0
    assert stability(zachary, seeds=[7, 7], restarts=2) == pytest.approx(1.0)


def test_groups_under_the_minimum_size_become_small_groups():
    found = detect(ig.Graph.Full(5) + ig.Graph.Full(3) + ig.Graph.Full(2), seed=1)
    assert found.sizes == [5, 3, 2]
    assert grouped(found, 3) == [0] * 5 + [1] * 3 + [SMALL_GROUPS] * 2
    assert grouped(found, 6) == [SMALL_GROUPS] * 10


def test_spread_across_communities_with_bridges_and_entropy():
    at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)  # noqa: E731
    adoptions = pd.DataFrame(
        {
            "resource_id": "r1",
            "platform": "bluesky",
            "account_id": ["a", "b", "c", "d", "a", "z", "e"],
            "adopted_at": [at(0), at(1), at(5), at(9), at(12), at(2), at(3)],
        }
    )
    adoptions.loc[len(adoptions)] = ["r1", "bluesky", "f", pd.NaT]  # untimed: not counted
    memberships = pd.DataFrame(
        {"platform": "bluesky", "account_id": ["a", "b", "c", "d", "e", "f"],
         "community": [0, 0, 1, 2, SMALL_GROUPS, 1]}
    )  # fmt: skip
    reached, spread = community_spread(adoptions, memberships)
    rows = reached.set_index("community")
    # a counts once; z has no place in the graph; e is in a small group, counted as one group.
    # Shares 2/5, 1/5, 1/5, 1/5 → entropy 0.4·log2(2.5) + 3 · 0.2·log2(5) bits.
    assert rows["adopters"].tolist() == [1, 2, 1, 1]
    assert rows["bridge"].tolist() == ["e", "a", "c", "d"]
    assert rows.loc[1, "arrived_at"] == at(5)
    entropy = 0.4 * math.log2(2.5) + 3 * 0.2 * math.log2(5)
    assert spread.loc[0, "entropy"] == pytest.approx(entropy)
    assert spread.loc[0, "communities"] == 3  # the small groups are not a community


def test_the_bridge_of_a_community_reached_by_two_accounts_at_once_is_the_first_by_id():
    at = pd.Timestamp("2026-09-01 08:00", tz="UTC")
    adoptions = pd.DataFrame({"resource_id": "r1", "platform": "bluesky",
                              "account_id": ["n", "m", "k"],
                              "adopted_at": [at, at, at + pd.Timedelta(hours=1)]})  # fmt: skip
    memberships = pd.DataFrame({"platform": "bluesky", "account_id": ["k", "m", "n"],
                                "community": [0, 0, 0]})  # fmt: skip
    reached, _ = community_spread(adoptions, memberships)
    assert reached[["bridge", "adopters"]].values.tolist() == [["m", 3]]
    assert reached.loc[0, "arrived_at"] == at


def test_log_odds_with_an_informative_dirichlet_prior_worked_by_hand():
    counts = pd.DataFrame(
        {"group": [0, 0, 1, 1, 2], "term": ["x", "y", "x", "y", "y"], "count": [3, 1, 1, 2, 1]}
    )
    scored = log_odds(counts, prior_size=8).set_index(["group", "term"])
    # Prior: the pooled counts, α_x = 4, α_y = 4, α₀ = 8. Group 0 (x 3, y 1; n 4) against the
    # rest (x 1, y 3; n 4): δ_x = log((3+4)/(4+8−3−4)) − log((1+4)/(4+8−1−4)) = 2·log(7/5),
    # variance 1/(3+4) + 1/(1+4) = 12/35; y mirrors x.
    assert scored.loc[(0, "x"), "delta"] == pytest.approx(2 * math.log(7 / 5))
    assert scored.loc[(0, "x"), "z"] == pytest.approx(2 * math.log(7 / 5) / math.sqrt(12 / 35))
    assert scored.loc[(0, "y"), "z"] == pytest.approx(-scored.loc[(0, "x"), "z"])
    # Group 2 (y 1; n 1) against the rest (x 4, y 3; n 7): δ_y = log((1+4)/(1+8−1−4))
    # − log((3+4)/(7+8−3−4)) = log(5/4) − log(7/8), variance 1/5 + 1/7.
    assert scored.loc[(2, "y"), "z"] == pytest.approx(
        (math.log(5 / 4) - math.log(7 / 8)) / math.sqrt(1 / 5 + 1 / 7)
    )
    assert scored.loc[(2, "x"), "count"] == 0  # a term a group never used is scored too
    # By default α₀ is the number of terms, 2: α_x = α_y = 1. Group 0: δ_x = log(4/2)
    # − log(2/4), variance 1/4 + 1/2.
    default = log_odds(counts).set_index(["group", "term"])
    assert default.loc[(0, "x"), "z"] == pytest.approx(2 * math.log(2) / math.sqrt(3 / 4))


def _two_cliques(size: int) -> ig.Graph:
    graph = ig.Graph.Full(size) + ig.Graph.Full(size) + ig.Graph.Full(2)
    graph.vs["platform"] = "bluesky"
    graph.vs["account_id"] = [f"u_{index:02d}" for index in range(graph.vcount())]
    return graph


def test_labels_are_the_distinctive_terms_never_accounts():
    graph = _two_cliques(12)  # accounts 0–11 and 12–23, a small group 24–25
    graph.add_edges([(12, 0), (13, 0)])
    membership = [0] * 12 + [1] * 12 + [SMALL_GROUPS] * 2
    accounts = graph.vs["account_id"]
    # everyone posts #common; the first community #maths and in the channel of its account 3
    # (a Telegram channel is its account), the second #eps
    contexts = pd.DataFrame(
        {"platform": "bluesky", "account_id": accounts + accounts[:12] * 2 + accounts[12:24],
         "context": ["#common"] * 26 + ["#maths"] * 12 + [accounts[3]] * 12 + ["#eps"] * 12}
    )  # fmt: skip
    adoptions = pd.DataFrame(
        {"resource_id": ["fractions"] * 12 + ["handball"] * 12, "platform": "bluesky",
         "account_id": accounts[:24]}
    )  # fmt: skip
    institutions = pd.DataFrame(
        {"platform": "bluesky", "account_id": [accounts[0], accounts[5]],
         "handle": ["canope.fr", None]}
    )  # fmt: skip
    labels = label_communities(graph, membership, adoptions, contexts, institutions)
    labels = labels.set_index("community")
    assert labels.index.tolist() == [0, 1]  # the small group is no community
    assert labels["size"].tolist() == [12, 12]
    first, second = labels.loc[0], labels.loc[1]
    assert first["contexts"] == ["#maths"] and second["contexts"] == ["#eps"]
    assert first["shared_resources"] == ["fractions"]
    assert second["shared_resources"] == ["handball"]
    # canope.fr is tied to its 11 clique mates and to 12 and 13 of the other community
    assert first["institutions"] == ["@canope.fr"] and second["institutions"] == []
    for label in labels["label"]:
        assert not any(account in label for account in accounts)
        assert "#common" not in label  # used alike everywhere: not distinctive
    assert set(labels.loc[0, "label"].split(" · ")) == {"#maths", "fractions", "@canope.fr"}


def test_labels_are_unique_when_communities_share_their_terms():
    graph = _two_cliques(12)
    membership = [0] * 12 + [1] * 12 + [SMALL_GROUPS] * 2
    accounts = graph.vs["account_id"]
    # both communities use #maths only, against the small group's #eps: the same label
    contexts = pd.DataFrame(
        {"platform": "bluesky", "account_id": accounts, "context": ["#maths"] * 24 + ["#eps"] * 2}
    )
    none = pd.DataFrame(columns=["resource_id", "platform", "account_id"])
    labels = label_communities(graph, membership, none, contexts, z_min=0)
    assert labels["label"].tolist() == ["#maths (community 0)", "#maths (community 1)"]
    # the second community alone adopted a resource: its label grows to tell them apart
    adopted = pd.DataFrame({"resource_id": "handball", "platform": "bluesky",
                            "account_id": accounts[12:24]})  # fmt: skip
    labels = label_communities(graph, membership, adopted, contexts, top=1, z_min=0)
    assert labels["label"].is_unique
    assert labels.loc[1, "label"] == "handball"


def test_a_term_counts_once_per_account_however_often_it_is_used():
    graph = _two_cliques(12)
    membership = [0] * 12 + [1] * 12 + [SMALL_GROUPS] * 2
    accounts = graph.vs["account_id"]
    contexts = pd.DataFrame({"platform": "bluesky", "account_id": accounts, "context": "#maths"})
    # one account of each community adopted fractions: the first thirty times
    adoptions = pd.DataFrame({"resource_id": "fractions", "platform": "bluesky",
                              "account_id": [accounts[0]] * 30 + [accounts[12]]})  # fmt: skip
    labels = label_communities(graph, membership, adoptions, contexts).set_index("community")
    assert labels["shared_resources"].tolist() == [[], []]
