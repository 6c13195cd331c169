"""The answers do not depend on the pseudonymisation key: the demo's raw runs loaded and
analysed in two data folders, each with its own random key, give the same store and the
same results up to the communities (Leiden, a heuristic, starts from the accounts in the
order of their pseudonyms, as it would from another seed).

Identifiers differ between the two folders by design, so what is compared is every figure
that names no account or post: counts of edges, adoptions by kind, each cascade's size and
shape (the most probable tree), reach, take-off episodes. Any tie broken by an identifier
(staging a run's lines, choosing a parent, naming a cascade) would show here."""

from __future__ import annotations

import shutil

import pytest

from tests.app.test_cli import essaim
from tests.collectors.collecting import table_rows
from tests.conftest import copy_raw

FIGURES = {
    "posts": "SELECT platform, count(*), count(reply_to), count(quote_of), count(repost_of),"
    " count(text) FROM posts GROUP BY ALL",
    "interactions": "SELECT platform, kind, count(*), count(via), count(via_actor_id),"
    " count(created_at) FROM interactions GROUP BY ALL",
    "accounts": "SELECT platform, count(*), sum(followers_count), sum(following_count),"
    " count(*) FILTER (WHERE len(opt_out) > 0) FROM accounts GROUP BY ALL",
    "follows": "SELECT platform, count(*) FROM follows GROUP BY ALL",
    "adoptions": "SELECT resource_id, platform, kind, count(*), count(parent_post_id),"
    " count(campaign) FROM adoptions GROUP BY ALL",
    "parents": "SELECT resource_id, method, count(*) FROM cascade_trees GROUP BY ALL",
    "cascades": "SELECT resource_id, platform, started_at, size, depth, max_breadth,"
    " round(structural_virality, 9) FROM cascades",
    "reach": "SELECT resource_id, figure, kind, value, low, high FROM reach",
    "takeoff": "SELECT * EXCLUDE (cascade, community, community_adopters) FROM takeoff_episodes",
}


@pytest.fixture(scope="module")
def two_keys(demo_run, tmp_path_factory):
    """Two copies of the demo's folder without its key: each load draws a key of its own."""
    finished, data = demo_run
    assert finished.returncode == 0, finished.stderr
    folders = []
    for name in ("one", "other"):
        folder = copy_raw(data / "raw", tmp_path_factory.mktemp(name))
        for kept in ("essaim-demo.toml", "institutions.csv"):  # the key file is "." relative
            shutil.copy(data / kept, folder / kept)
        for step in (["load", "--offline"], ["analyze"]):
            done = essaim("--config", folder / "essaim-demo.toml", *step)
            assert done.returncode == 0, done.stderr
        folders.append(folder)
    return folders


def test_each_folder_has_its_own_key(two_keys):
    one, other = (folder / "pseudonymisation.key" for folder in two_keys)
    assert one.read_bytes() != other.read_bytes()
    ids = "SELECT min(author_id) FROM posts WHERE platform = 'mastodon'"
    first, second = (table_rows(f / "essaim.duckdb", {"id": ids}) for f in two_keys)
    assert first != second  # the pseudonyms differ


@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_every_figure_is_the_same_whatever_the_key(two_keys, figure):
    one, other = (table_rows(f / "essaim.duckdb", {figure: FIGURES[figure]}) for f in two_keys)
    assert one[figure], f"{figure}: nothing to compare"
    assert one == other
