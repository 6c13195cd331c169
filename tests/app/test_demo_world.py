"""The demo's generator: deterministic, and shaped like real diffusion on real networks."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from app.config import DATASETS
from app.demo.forums import add_forums
from app.demo.generate import bluesky_institutions, generate
from app.demo.recording import Recording
from app.demo.timing import thin
from app.demo.world import WorldShape, build_world, read_resources

CATALOGUE = DATASETS / "catalogue" / "e-inspe.csv"
INSTITUTIONS = DATASETS / "institutions.csv"


@pytest.fixture(scope="module")
def world():
    return build_world(WorldShape(), 7, CATALOGUE, bluesky_institutions(INSTITUTIONS))


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    generate(first, CATALOGUE, INSTITUTIONS, scale=0.1, seed=3)
    generate(second, CATALOGUE, INSTITUTIONS, scale=0.1, seed=3)
    names = sorted(path.name for path in first.iterdir())
    assert names == ["accounts.csv.xz", "brevo-campaigns.json", "campaigns.csv", "demo.json",
                     "events.csv.xz", "matomo.json.xz", "moodle-log.csv.xz",
                     "recording.jsonl.xz", "usage-truth.csv"]  # fmt: skip
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_most_cascades_are_small_and_a_few_large(world):
    events = world.events[world.events["resource_id"].notna()]
    roots = np.arange(len(world.events))
    parents = world.events["parent"].to_numpy()
    while (parents[roots] >= 0).any():  # climb to the unprompted post of each tree
        roots = np.where(parents[roots] >= 0, parents[roots], roots)
    sizes = pd.Series(roots[events.index]).value_counts()
    assert (sizes == 1).mean() > 0.4  # most posts are never reshared
    assert sizes.median() <= 2
    assert sizes.max() >= 100  # and a few trees are large
    assert sizes.max() > 50 * sizes.median()


def test_every_reaction_follows_its_parent_in_time_and_on_a_follow_edge(world):
    events = world.events
    reactions = events[events["parent"] >= 0]
    parents = events.loc[reactions["parent"]]
    assert (reactions["at"].to_numpy() > parents["at"].to_numpy()).all()
    edges = set(zip(world.follows["follower"], world.follows["followee"], strict=True))
    pairs = zip(reactions["account"], parents["account"], strict=True)
    assert all(pair in edges for pair in pairs)
    adoptions = events[events["resource_id"].notna()]
    assert not adoptions.duplicated(["resource_id", "account"]).any()  # one adoption each


def test_follows_stay_on_one_platform_and_the_planted_partition_is_modular(world):
    platform = world.accounts.set_index("account")["platform"]
    follows = world.follows
    assert (
        platform[follows["follower"]].to_numpy() == platform[follows["followee"]].to_numpy()
    ).all()
    teachers = world.accounts[world.accounts["kind"] == "person"]
    among = follows[
        follows["follower"].isin(teachers["account"])
        & follows["followee"].isin(teachers["account"])
    ]
    graph = ig.Graph.TupleList(among.itertuples(index=False), directed=False)
    planted = teachers.set_index("account")["community"].reindex(graph.vs["name"])
    assert 0.4 <= graph.modularity(pd.factorize(planted)[0]) <= 0.8


def test_teachers_post_in_the_day_less_at_weekends_and_in_the_holidays(world):
    local = world.events["at"].dt.tz_convert("Europe/Paris")
    assert (local.dt.hour < 6).mean() < 0.03
    per_day = local.dt.normalize().value_counts()
    holidays = per_day[(per_day.index >= "2026-10-17") & (per_day.index <= "2026-11-01")]
    before = per_day[(per_day.index >= "2026-09-15") & (per_day.index < "2026-10-17")]
    assert holidays.mean() < before.mean()
    weekday = local.dt.day_of_week
    assert (weekday == 5).sum() < 0.7 * (weekday == 2).sum()  # Saturdays against Wednesdays


def test_links_are_written_the_ways_people_write_them(world):
    links = world.events["link"].dropna()
    assert links.str.contains("utm_source=").any() and links.str.contains("xtor=").any()
    assert links.str.startswith(("https://bit.ly/", "https://tinyurl.com/", "https://ow.ly/")).any()
    assert links.str.startswith("http://e-inspe.fr").any()  # no www, no https
    dead = [short for short, target in world.redirects.items() if target is None]
    assert dead and len(dead) < len(world.redirects)
    campaign = world.events[world.events["campaign"].notna() & world.events["link"].notna()]
    assert campaign["link"].str.contains("utm_campaign=").all()


def test_thinning_keeps_a_third_of_the_holiday_posts():
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2026-09-14", tz="UTC")
    proposed = pd.DatetimeIndex(start + pd.to_timedelta(rng.random(60_000) * 70, unit="D"))
    kept = proposed[thin(proposed, rng)].tz_convert("Europe/Paris").normalize()
    per_day = pd.Series(1, index=kept).groupby(level=0).size()
    holidays = per_day["2026-10-19":"2026-10-30"].mean()  # two whole holiday weeks
    term = per_day["2026-09-21":"2026-10-16"].mean()  # four whole term weeks
    assert abs(holidays / term - 0.35) < 0.05  # the calendar keeps 35 % of a day's activity


def test_forums_and_channels_adopt_once_after_their_parent():
    recording = Recording()
    resources = read_resources(CATALOGUE)
    events, accounts = add_forums(
        recording, resources, "2026-09-01", "2026-11-20", 1000, np.random.default_rng(5)
    )
    assert set(events["platform"]) == {"forum", "discourse", "telegram"}
    assert not events.duplicated(["resource_id", "platform", "account_id"]).any()
    timed = events.set_index("event")
    reactions = timed[timed["parent"] >= 0]
    parent_times = pd.to_datetime(timed.loc[reactions["parent"], "at"]).to_numpy()
    assert (pd.to_datetime(reactions["at"]).to_numpy() > parent_times).all()
    assert set(events["event"]) == set(range(1000, 1000 + len(events)))  # after the network's
    assert set(accounts["platform"]) == {"forum", "discourse", "telegram"}
    hosts = {key.split("/")[0] for key in recording.responses}
    assert hosts == {"forum.profs-ecoles.example", "echanges.enseignants.example", "t.me"}
