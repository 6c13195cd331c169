"""Adoption events and the sociability graph read from a real DuckDB store."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from graph.builders import (
    adoption_events,
    follows,
    institutional_accounts,
    likers,
    sociability_edges,
    sociability_graph,
)
from graph.privacy.pseudonyms import Institutions
from graph.store import Store
from tests.fixtures.toy_store import add_link, add_post, at, fill


@pytest.fixture
def store():
    with Store(":memory:") as opened:
        yield fill(opened)


def test_adoption_events(store):
    table = adoption_events(store.connection)
    rows = {
        (row.cascade, row.account_id): (
            row.kind,
            None if pd.isna(row.target_author) else row.target_author,
        )
        for row in table.itertuples()
    }
    assert rows == {
        ("r1/P1", "ana"): ("original", None),
        ("r1/P1", "bob"): ("quote", "ana"),  # links r1 itself, but quotes a post that does
        ("r1/P1", "cleo"): ("reply", "bob"),
        ("r1/P1", "dan"): ("repost", "ana"),  # the author of the post acted on, always
        ("r1/P1", "emma"): ("repost", "bob"),  # reposting bob's quote: bob is the parent
        ("r1/P2", "gael"): ("original", None),
        ("r2/P3", "hugo"): ("original", None),
    }
    emma = table[table["account_id"] == "emma"].iloc[0]
    assert pd.isna(emma["adopted_at"]) and emma["post_id"] == ""
    hugo = table[table["account_id"] == "hugo"].iloc[0]
    assert json.loads(hugo["campaign"]) == {"utm_campaign": "rentree"}
    assert hugo["platform"] == "mastodon"
    assert likers(store.connection, table)["account_id"].tolist() == ["farid"]


def test_forum_and_web_posts_are_their_own_kinds(store):
    add_post(store, "F1", "jo", 8, platform="discourse")
    add_link(store, "F1", "r1", platform="discourse")
    add_post(store, "W1", "site", 9, platform="web")
    add_link(store, "W1", "r1", platform="web")
    kinds = adoption_events(store.connection).set_index("post_id")["kind"]
    assert (kinds["F1"], kinds["W1"]) == ("link-in-forum", "web-page")


def test_sociability_edges_and_graph(store):
    edges = sociability_edges(store.connection)
    found = {(r.source, r.target, r.kind): r.weight for r in edges.itertuples()}
    assert found == {
        ("dan", "bob", "follow"): 1,
        ("dan", "ana", "repost"): 1,
        ("emma", "bob", "repost"): 1,
        ("bob", "ana", "quote"): 1,
        ("cleo", "bob", "reply"): 1,
    }
    graph = sociability_graph(edges, platform="bluesky")
    assert graph.vcount() == 5 and graph.ecount() == 5
    edge = graph.es[graph.get_eid("bluesky:dan", "bluesky:bob")]
    assert (edge["follow"], edge["repost"], edge["weight"]) == (1, 0, 1)


def test_institutional_accounts_are_declared_or_allow_listed(store):
    insert = (
        "INSERT INTO accounts BY NAME SELECT ? AS platform, ? AS account_id, true AS named, "
        "? AS handle, ? AS kind, 'test' AS source, 'run' AS run_id, now() AS collected_at"
    )
    for row in [
        ("bluesky", "did:plc:canope", "@Reseau-Canope.fr", None),  # on the list by handle
        ("bluesky", "did:plc:inspe", "inspe.example", "institution"),  # declared
        ("mastodon", "ANA", None, "person"),  # on the list by id, other case
        ("bluesky", "ana", "ana.example", "person"),  # same id, other platform: not listed
    ]:
        store.connection.execute(insert, list(row))
    allow = Institutions(frozenset({("bluesky", "reseau-canope.fr"), ("mastodon", "ana")}))
    found = institutional_accounts(store.connection, allow)
    assert sorted(zip(found["platform"], found["account_id"], strict=True)) == [
        ("bluesky", "did:plc:canope"),
        ("bluesky", "did:plc:inspe"),
        ("mastodon", "ANA"),
    ]


def test_frames_are_read_after_an_unfinished_result(store):
    store.connection.execute("SELECT * FROM range(10)").fetchone()  # nine rows left unread
    assert len(follows(store.connection)) == 1


def test_a_repost_says_whose_repost_it_came_through(store):
    # gwen reposts bob's quote Q1 through emma's repost of it (Bluesky's via), at 4 h
    store.connection.execute(
        "INSERT INTO interactions BY NAME SELECT 'bluesky' AS platform, 'repost' AS kind, "
        "'gwen' AS actor_id, 'Q1' AS target_post_id, '' AS post_id, "
        "?::TIMESTAMPTZ AS created_at, 'p_via' AS via, 'emma' AS via_actor_id, "
        "'test' AS source, 'run' AS run_id, now() AS collected_at",
        [at(4)],
    )
    table = adoption_events(store.connection)
    assert table.columns[-1] == "via_actor"
    stated = table.dropna(subset=["via_actor"])
    assert list(zip(stated["account_id"], stated["via_actor"], strict=True)) == [("gwen", "emma")]
    gwen = stated.iloc[0]
    assert (gwen["kind"], gwen["parent_post_id"], gwen["post_id"]) == ("repost", "Q1", "")
    assert len(table) == 8  # the toy's seven adoptions and gwen's, none with a via but hers
