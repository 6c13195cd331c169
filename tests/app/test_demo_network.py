"""The demo's synthetic teacher network: deterministic, heavy-tailed, with planted communities."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd

from app.demo.network import NetworkShape, teacher_network

SHAPE = NetworkShape(teachers=2_000)


def _draw(seed: int):
    return teacher_network(SHAPE, np.random.default_rng(seed), ["reseau-canope.fr", "e-inspe.fr"])


def test_the_same_seed_gives_the_same_network():
    first, second, other = _draw(7), _draw(7), _draw(8)
    pd.testing.assert_frame_equal(first[0], second[0])
    pd.testing.assert_frame_equal(first[1], second[1])
    assert not first[1].equals(other[1])


def test_degrees_are_heavy_tailed():
    accounts, follows = _draw(1)
    teachers = accounts.loc[accounts["kind"] == "person", "account"]
    indegree = follows["followee"].value_counts().reindex(teachers, fill_value=0)
    top = indegree.sort_values(ascending=False).head(len(indegree) // 100).sum()
    assert top / indegree.sum() > 0.08  # the top 1 % get far more than 1 % of the follows
    assert indegree.max() > 10 * max(indegree.median(), 1)
    outdegree = follows["follower"].value_counts()
    assert outdegree.max() > 10 * outdegree.median()


def test_the_planted_partition_has_the_modularity_of_real_follow_networks():
    accounts, follows = _draw(2)
    teachers = accounts[accounts["kind"] == "person"]
    among = follows[follows["followee"].isin(teachers["account"])]
    graph = ig.Graph.TupleList(among.itertuples(index=False), directed=False)
    planted = teachers.set_index("account")["community"]
    membership = pd.factorize(planted.reindex(graph.vs["name"]))[0]
    assert 0.4 <= graph.modularity(membership) <= 0.8


def test_institutions_are_followed_from_every_community():
    accounts, follows = _draw(3)
    communities = accounts.set_index("account")["community"]
    followers = follows.loc[follows["followee"] == "reseau-canope.fr", "follower"]
    reached = communities.reindex(followers).nunique()
    assert reached == communities[communities != "institution"].nunique()
    assert not follows.duplicated().any()
    assert (follows["follower"] != follows["followee"]).all()
