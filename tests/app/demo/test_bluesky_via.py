"""The demo's Bluesky repost records carry ``via`` as the official client writes it.

A repost made from someone else's repost (its true parent is a repost) names that repost
(``via``: its record's at-uri and CID); any other repost names none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.config import DATASETS
from app.demo.bluesky import PLC, Bluesky
from app.demo.generate import bluesky_institutions
from app.demo.recording import Recording
from app.demo.world import World, WorldShape, build_world

CATALOGUE = DATASETS / "catalogue" / "e-inspe.csv"
INSTITUTIONS = DATASETS / "institutions.csv"


def _listed(recording: Recording) -> dict[str, list[dict]]:
    """The repost records each DID's repository lists, pages joined."""
    listed: dict[str, list[dict]] = {}
    for response in recording.responses.values():
        if "com.atproto.repo.listRecords" in response["url"]:
            for record in response["json"]["records"]:
                did = record["uri"].removeprefix("at://").split("/", 1)[0]
                listed.setdefault(did, []).append(record)
    return listed


def _tiny_world() -> World:
    """a posts (0); b reposts it (1); c reposts b's repost (2), d reposts c's (3); e quotes
    the post seen through b's repost (4); f reposts e's quote (5); g reposts a's post (6)."""
    names = list("abcdefg")
    accounts = pd.DataFrame(
        {
            "account": names,
            "platform": "bluesky",
            "address": [f"did:plc:{n * 24}" for n in names],
            "handle": [f"{n}.bsky.social" for n in names],
            "name": [n.upper() for n in names],
            "kind": "person",
            "level": "collège",
            "academie": "Lyon",
        }
    )
    follows = pd.DataFrame(
        [("b", "a"), ("c", "b"), ("d", "c"), ("e", "b"), ("f", "e"), ("g", "a")],
        columns=["follower", "followee"],
    )
    start = pd.Timestamp("2026-09-01 08:00", tz="UTC")
    rows = [  # account, kind, hours after start, parent, target
        ("a", "post", 0, -1, -1),
        ("b", "repost", 1, 0, 0),
        ("c", "repost", 2, 1, 0),
        ("d", "repost", 3, 2, 0),
        ("e", "quote", 4, 1, 0),
        ("f", "repost", 5, 4, 4),
        ("g", "repost", 6, 0, 0),
    ]
    events = pd.DataFrame(rows, columns=["account", "kind", "hours", "parent", "target"])
    events.insert(0, "event", np.arange(len(events)))
    events["at"] = start + pd.to_timedelta(events.pop("hours"), unit="h")
    events["platform"] = "bluesky"
    events["text"] = "Une ressource"
    events["hashtags"] = [[] for _ in range(len(events))]
    events["link"] = None
    likes = pd.DataFrame(columns=["account", "target", "at"])
    return World(accounts, follows, pd.DataFrame(), pd.DataFrame(), events, likes, {})


def test_via_names_the_parent_repost_record_exactly_when_the_parent_is_a_repost():
    world = _tiny_world()
    recording = Recording()
    Bluesky(recording, world, np.random.default_rng(0)).repositories()
    listed = _listed(recording)
    did = {n: f"did:plc:{n * 24}" for n in "abcdefg"}
    assert sorted(listed) == sorted(did[n] for n in "bcdfg")  # the reposters' repositories
    assert all(
        f"{PLC}/{did[n]}" in [r["url"] for r in recording.responses.values()] for n in "bcdfg"
    )
    (b,), (c,), (d,), (f,), (g,) = (listed[did[n]] for n in "bcdfg")
    post = b["value"]["subject"]
    assert post["uri"].startswith(f"at://{did['a']}/app.bsky.feed.post/")
    # c reposted b's repost, d reposted c's: each names the record its parent's repository lists
    assert c["value"]["via"] == {"uri": b["uri"], "cid": b["cid"]}
    assert d["value"]["via"] == {"uri": c["uri"], "cid": c["cid"]}
    assert b["uri"].startswith(f"at://{did['b']}/app.bsky.feed.repost/")
    assert c["uri"].startswith(f"at://{did['c']}/app.bsky.feed.repost/")
    assert b["uri"] != c["uri"] and b["cid"] != c["cid"]
    # all three repost a's post, whatever they saw it through
    assert c["value"]["subject"] == d["value"]["subject"] == post
    # b and g reposted the post itself, f reposted a quote: no via
    for record in (b, f, g):
        assert "via" not in record["value"]
    assert f["value"]["subject"]["uri"].startswith(f"at://{did['e']}/app.bsky.feed.post/")
    assert g["value"]["subject"] == post


@pytest.fixture(scope="module")
def small_world():
    shape = WorldShape().scaled(0.1)
    return build_world(shape, 3, CATALOGUE, bluesky_institutions(INSTITUTIONS))


def test_on_a_drawn_world_via_points_at_the_true_parent_repost_and_only_there(small_world):
    world = small_world
    recording = Recording()
    Bluesky(recording, world, np.random.default_rng(1)).repositories()
    events = world.events[world.events["platform"] == "bluesky"].set_index("event", drop=False)
    reposts = events[events["kind"] == "repost"]
    parent_kind = events["kind"].reindex(reposts["parent"]).to_numpy()
    assert (parent_kind == "repost").sum() > 10 and (parent_kind != "repost").sum() > 10
    # each listed record is a repost event: its repository's owner and its time
    did = world.accounts.set_index("account")["address"]
    times = reposts["at"].dt.strftime("%Y-%m-%dT%H:%M:%S.") + (
        reposts["at"].dt.microsecond // 1000
    ).map("{:03d}Z".format)
    event_of = dict(
        zip(zip(did[reposts["account"]], times, strict=True), reposts["event"], strict=True)
    )
    assert len(event_of) == len(reposts)
    records = {}
    for owner, listed in _listed(recording).items():
        for record in listed:
            records[event_of[owner, record["value"]["createdAt"]]] = record
    assert sorted(records) == sorted(reposts["event"])
    for event, kind in zip(reposts["event"], parent_kind, strict=True):
        value = records[event]["value"]
        if kind == "repost":
            parent = records[reposts.at[event, "parent"]]
            assert value["via"] == {"uri": parent["uri"], "cid": parent["cid"]}
            assert value["subject"] == parent["value"]["subject"]
        else:
            assert "via" not in value
