"""Account roles and centralities, against hand-worked graphs and networkx."""

from __future__ import annotations

import itertools

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph.reach import sharing_accounts
from graph.roles import cascade_roles, centralities, institutional_share


def _named(graph: ig.Graph) -> ig.Graph:
    graph.vs["platform"] = "bluesky"
    graph.vs["account_id"] = [f"a{index:03d}" for index in range(graph.vcount())]
    return graph


def _barbell(clique: int, path: int) -> ig.Graph:
    """Two cliques joined by a path: the path accounts are the bridges."""
    return _named(ig.Graph.from_networkx(nx.barbell_graph(clique, path)))


def test_centralities_agree_with_networkx_on_a_weighted_directed_graph():
    source = nx.DiGraph()
    edges = [("a", "b", 3), ("b", "c", 1), ("c", "a", 2), ("c", "d", 5), ("d", "e", 1),
             ("e", "c", 1), ("f", "e", 4)]  # fmt: skip
    source.add_weighted_edges_from(edges)
    graph = ig.Graph.TupleList(edges, directed=True, edge_attrs=["weight"])
    graph.vs["platform"] = "bluesky"
    graph.vs["account_id"] = graph.vs["name"]
    table = centralities(graph, [0] * graph.vcount()).set_index("account_id")

    pagerank = nx.pagerank(source, weight="weight", tol=1e-12, max_iter=10_000)
    for account, value in pagerank.items():
        assert table.loc[account, "pagerank"] == pytest.approx(value, abs=1e-6)
    undirected = source.to_undirected()
    assert table["coreness"].to_dict() == nx.core_number(undirected)
    betweenness = nx.betweenness_centrality(undirected, normalized=False, weight=None)
    for account, value in betweenness.items():
        assert table.loc[account, "betweenness"] == pytest.approx(value)
    assert set(table["betweenness_method"]) == {"exact"}
    assert not table["bridge"].any()  # one community: nobody bridges


def _cliques_and_broker() -> ig.Graph:
    """Cliques {0, 1, 2, 3} and {4, 5, 6, 7}; account 8 tied to 0 and 1, and to 4 and 5."""
    graph = ig.Graph.Full(4) + ig.Graph.Full(4)
    graph.add_vertex()
    graph.add_edges([(8, 0), (8, 1), (8, 4), (8, 5)])
    return _named(graph)


def test_participation_brokerage_and_the_one_bridge_worked_by_hand():
    membership = [0, 0, 0, 0, 1, 1, 1, 1, 0]  # the broker counted with the first clique
    table = centralities(_cliques_and_broker(), membership, bridge_share=0.2)
    # P = 1 − Σ_s (k_s/k)²: the broker has 2 of its 4 ties on each side, 4 and 5 have 3 in
    # their clique and 1 to the broker; 0 and 1 tie only into their own community.
    assert table["participation"].tolist() == pytest.approx([0, 0, 0, 0, 0.375, 0.375, 0, 0,
                                                             0.5])  # fmt: skip
    # 5 × 4 = 20 pairs across. Every shortest path from 0–3 to 4–7 goes through 8 (16 pairs);
    # 2 or 3 reach 8 through 0 or 1, half the paths each (8 pairs × ½); 6 or 7 are reached
    # through 4 or 5, half the paths each, from 0–3 and from 8 (10 pairs × ½).
    assert table["brokerage"].tolist() == pytest.approx([0.2, 0.2, 0, 0, 0.25, 0.25, 0, 0,
                                                         0.8])  # fmt: skip
    # 20 % of 9 accounts: 1 place, the broker's
    assert table.loc[table["bridge"], "account_id"].tolist() == ["a008"]
    assert table.loc[[8, 4, 5, 0, 1, 2], "bridge_rank"].tolist() == [1, 2, 2, 4, 4, 6]
    assert table["other_communities"].tolist() == [0] * 4 + [1, 1, 0, 0, 1]
    # 4 places: 8, then 4 and 5; 0 and 1 tie for places 4 and 5, and are both left out
    half = centralities(_cliques_and_broker(), membership, bridge_share=0.5)
    assert half.loc[half["bridge"], "account_id"].tolist() == ["a004", "a005", "a008"]
    # the default share, 2 % of 9 accounts, leaves no place
    assert not centralities(_cliques_and_broker(), membership)["bridge"].any()


def test_brokerage_counts_shortest_paths_across_communities_one_by_one():
    source = nx.gnm_random_graph(30, 45, seed=4)
    membership = [node % 3 for node in source]
    pairs, counted = 0, dict.fromkeys(source, 0.0)
    for a, b in itertools.combinations(source, 2):
        if membership[a] == membership[b] or not nx.has_path(source, a, b):
            continue  # not across, or no path (the graph has several components)
        pairs += 1
        paths = list(nx.all_shortest_paths(source, a, b))
        for path in paths:
            for node in path[1:-1]:
                counted[node] += 1 / len(paths)
    assert nx.number_connected_components(source) > 1
    table = centralities(_named(ig.Graph.from_networkx(source)), membership)
    assert table["brokerage"].tolist() == pytest.approx([counted[n] / pairs for n in source])


def test_sampled_betweenness_estimates_the_exact_values():
    graph = _barbell(30, 4)
    exact = np.array(graph.betweenness(directed=False))
    every_source = centralities(graph, [0] * graph.vcount(), exact_limit=0, pivots=64)
    assert every_source["betweenness"].to_numpy() == pytest.approx(exact)
    halves = [0] * 32 + [1] * 32
    exact_brokerage = centralities(graph, halves)["brokerage"]
    sampled = centralities(graph, halves, exact_limit=0, pivots=64)["brokerage"]
    assert sampled.tolist() == pytest.approx(exact_brokerage.tolist())
    assert exact_brokerage.max() > 0
    estimates = [
        centralities(graph, [0] * graph.vcount(), exact_limit=0, pivots=16, seed=seed)
        for seed in range(200)
    ]
    mean = np.mean([estimate["betweenness"].to_numpy() for estimate in estimates], axis=0)
    path = range(30, 34)
    assert mean[list(path)] == pytest.approx(exact[list(path)], rel=0.1)  # unbiased
    assert estimates[0]["betweenness_method"][0] == "sampled:16 sources, seed 0"
    top = estimates[0].nlargest(6, "betweenness").index  # the path and its two ends
    assert set(top) == set(range(29, 35))


def test_centralities_of_an_empty_graph():
    table = centralities(_named(ig.Graph(directed=True)), [])
    assert table.empty and "bridge" in table


def _trees(rows: list[tuple[str, str, str | None]], resource: str = "r1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"resource_id": resource, "cascade": cascade, "platform": "bluesky",
             "account_id": account, "parent_id": parent}
            for cascade, account, parent in rows
        ]
    )  # fmt: skip


def test_cascade_roles_add_up_over_cascades():
    trees = _trees([
        ("c1", "ana", None), ("c1", "bob", "ana"), ("c1", "chloe", "bob"),
        ("c1", "dan", "chloe"), ("c1", "eve", "bob"),
        ("c2", "bob", None), ("c2", "ana", "bob"), ("c2", "chloe", "ana"),
    ])  # fmt: skip
    roles = cascade_roles(trees).set_index("account_id")
    # bob: below him in c1 are chloe, dan, eve; he started c2, reaching ana and chloe
    assert roles.loc["bob", ["cascades_started", "started_reach"]].tolist() == [1, 2]
    assert roles.loc["bob", ["cascades_joined", "downstream"]].tolist() == [1, 3]
    assert roles.loc["chloe", "downstream"] == 1
    assert roles.loc["ana", ["started_reach", "downstream"]].tolist() == [4, 1]
    assert roles.index[0] == "bob"  # the largest amplifier first
    assert roles.loc[roles["amplifier"]].index.tolist() == ["bob", "ana", "chloe"]
    assert not roles.loc["dan", "originator"] and not roles.loc["eve", "amplifier"]


def test_cascade_roles_per_resource():
    trees = pd.concat([
        _trees([("c1", "ana", None), ("c1", "bob", "ana")]),
        _trees([("c2", "bob", None), ("c2", "ana", "bob"), ("c2", "cy", "ana")], "r2"),
    ])  # fmt: skip
    roles = cascade_roles(trees, by="resource_id")
    assert roles[["resource_id", "account_id", "started_reach", "downstream"]].values.tolist() == [
        ["r1", "ana", 1, 0], ["r1", "bob", 0, 0],
        ["r2", "ana", 0, 1], ["r2", "bob", 2, 0], ["r2", "cy", 0, 0],
    ]  # fmt: skip


def test_cascade_roles_of_no_cascades():
    roles = cascade_roles(_trees([]).reindex(columns=["cascade", "platform", "account_id",
                                                      "parent_id"]))  # fmt: skip
    assert roles.empty and {"originator", "amplifier", "downstream"} <= set(roles)


def test_institutional_share_counts_descendants_of_institutions_once():
    trees = pd.concat([
        _trees([("c1", "bob", None), ("c1", "canope", "bob"), ("c1", "chloe", "canope"),
                ("c1", "dan", "chloe"), ("c1", "eve", "bob"),
                ("c2", "dan", None), ("c2", "fay", "dan")]),
        _trees([("c3", "gus", None)], resource="r2"),
    ])  # fmt: skip
    sharers = trees[["resource_id", "platform", "account_id"]]  # everyone reposted
    institutions = pd.DataFrame({"platform": ["bluesky"], "account_id": ["canope"]})
    followers = pd.DataFrame({"platform": "bluesky", "account_id": ["canope", "bob", "gus"],
                              "followers_count": [300, 100, None]})  # fmt: skip
    potential = pd.Series({"r1": 400.0, "r2": np.nan})  # as the reach table gives it
    table = institutional_share(trees, sharers, institutions, followers, potential)
    table = table.set_index("resource_id")
    # r1: six adopters; canope, chloe and dan came through canope (dan also started c2)
    assert table.loc["r1", "adopters"] == 6
    assert table.loc["r1", "institutional_adopters"] == 1
    assert table.loc["r1", "adopters_through_institutions"] == 3
    assert table.loc["r1", "share_through_institutions"] == pytest.approx(0.5)
    assert table.loc["r1", "institutional_potential_reach"] == 300
    assert table.loc["r1", "institutional_reach_share"] == pytest.approx(300 / 400)
    assert pd.isna(table.loc["r1", "unknown_because"])
    # r2: no institution shared it (0), but nobody's follower count is known: no share
    assert table.loc["r2", "share_through_institutions"] == 0
    assert table.loc["r2", "institutional_potential_reach"] == 0
    assert np.isnan(table.loc["r2", "institutional_reach_share"])
    assert table.loc["r2", "unknown_because"] == "no sharer's follower count known"


def test_an_institution_of_unknown_audience_makes_its_share_unknown_not_zero():
    trees = pd.concat([
        _trees([("c1", "canope", None), ("c1", "bob", "canope")]),
        _trees([("c2", "ana", None), ("c2", "canope", "ana")], resource="r2"),
        _trees([("c3", "ana", None), ("c3", "canope", "ana")], resource="r3"),
    ])  # fmt: skip
    # r2: canope only replied; r3: canope replied, then reposted (its tree row is the reply)
    adoptions = trees.assign(kind=["original", "repost", "original", "reply", "original",
                                   "reply"])  # fmt: skip
    adoptions = pd.concat([adoptions, adoptions.iloc[[5]].assign(kind="repost")])
    institutions = pd.DataFrame({"platform": ["bluesky"], "account_id": ["canope"]})
    followers = pd.DataFrame({"platform": "bluesky", "account_id": ["canope", "bob", "ana"],
                              "followers_count": [None, 40, 60]})  # fmt: skip
    potential = pd.Series({"r1": 40.0, "r2": 60.0, "r3": 60.0})
    table = institutional_share(
        trees, sharing_accounts(adoptions), institutions, followers, potential
    ).set_index("resource_id")
    # r1: canope shared it, its audience unknown: the share is unknown, and says why
    assert np.isnan(table.loc["r1", "institutional_potential_reach"])
    assert np.isnan(table.loc["r1", "institutional_reach_share"])
    assert table.loc["r1", "unknown_because"].startswith("follower count of an institutional")
    # r2: canope only replied (a reply shows nothing to its followers): no institutional reach
    assert table.loc["r2", "institutional_adopters"] == 1
    assert table.loc["r2", "institutional_reach_share"] == 0
    # r3: canope's later repost shared it: its audience counts, here unknown
    assert np.isnan(table.loc["r3", "institutional_reach_share"])


def test_an_institution_is_an_account_on_its_platform_not_its_namesake_elsewhere():
    trees = _trees([("c1", "canope", None), ("c1", "bob", "canope"), ("c2", "ana", None)])
    trees.loc[[0, 1], "platform"] = "mastodon"  # a teacher named canope on Mastodon
    sharers = trees[["resource_id", "platform", "account_id"]]
    institutions = pd.DataFrame({"platform": ["bluesky"], "account_id": ["canope"]})
    followers = pd.DataFrame({"platform": "mastodon", "account_id": ["canope"],
                              "followers_count": [50]})  # fmt: skip
    row = institutional_share(trees, sharers, institutions, followers,
                              pd.Series({"r1": 50.0})).iloc[0]  # fmt: skip
    assert (row["adopters"], row["institutional_adopters"]) == (3, 0)
    assert row["adopters_through_institutions"] == 0
    assert row["institutional_potential_reach"] == 0
