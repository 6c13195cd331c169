"""``essaim demo``: the committed demo replayed through the real collectors, then checked
against its ground truth."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import pytest

from app.config import DATASETS
from app.demo.evaluation import coverage
from app.demo.forums import INSTITUTION_CHANNELS
from app.demo.recording import Recording
from collectors.rawrun import find_runs, read_manifest
from graph.privacy.pseudonyms import Pseudonymiser, load_or_create_secret, read_institutions
from tests.app.test_cli import essaim

DEMO = DATASETS / "demo"
TRACKED = ("e-inspe.fr", "reseau-canope.fr")


@pytest.fixture(scope="module")
def truth(demo_run):
    """The true adoptions, with account ids as the store keeps them (pseudonyms)."""
    _, data = demo_run
    pseudonymiser = Pseudonymiser(
        load_or_create_secret(data / "pseudonymisation.key"),
        read_institutions(data / "institutions.csv"),  # the demo's allow-list
    )
    accounts = pd.read_csv(DEMO / "accounts.csv.xz", keep_default_na=False)
    rows = accounts[["platform", "account_id", "handle"]].itertuples(index=False)
    stored = {
        account: account if pseudonymiser.is_named(platform, account, handle)
        else pseudonymiser.account(platform, account)
        for platform, account, handle in rows
    }  # fmt: skip
    events = pd.read_csv(DEMO / "events.csv.xz")
    return events.assign(account_id=events["account_id"].map(stored))


def test_the_demo_s_institutional_telegram_channels_keep_their_names(demo_run):
    # the demo's allow-list adds its synthetic institutional channels to the shipped one
    _, data = demo_run
    named = _query(data, "SELECT account_id FROM accounts WHERE platform = 'telegram' AND named")
    assert sorted(named["account_id"]) == sorted(INSTITUTION_CHANNELS)
    shares = _query(data, "SELECT institutional_adopters FROM institutional_share")
    assert shares["institutional_adopters"].sum() > 0


def _query(data, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(data / "essaim.duckdb"), read_only=True) as connection:
        return connection.execute(sql).df()


def test_the_demo_runs_and_evaluates_itself(demo_run):
    finished, data = demo_run
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "Parents recovered" in finished.stdout and "NMI" in finished.stdout
    assert (data / "essaim.duckdb").exists()


def test_campaign_adoptions_are_attributed_and_take_offs_are_a_handful(demo_run, truth):
    finished, data = demo_run
    effects = _query(data, "SELECT * FROM campaign_effects ORDER BY date")
    assert effects["label"].tolist() == [
        "2026-09-07 newsletter",
        "2026-09-21 e-inspe.fr",
        "2026-10-05 reseau-canope.fr",
        "2026-11-09 newsletter",
    ]
    # every collected post a campaign caused is attributed to its action, and nothing else
    adoptions = _query(data, "SELECT resource_id, platform, account_id FROM adoptions")
    caused = truth[truth["origin"] == "campaign"].merge(adoptions)
    collected = caused.groupby("campaign").size()
    assert effects["attributed_adoptions"].tolist() == [
        collected.get(name, 0) for name in
        ["rentree2026", "maternelle-septembre", "ecole-inclusive", "oral-novembre"]
    ]  # fmt: skip
    assert (effects["rate_ratio_low"] < effects["rate_ratio"]).all()
    episodes = _query(data, "SELECT resource_id, count(*) AS n FROM takeoff_episodes GROUP BY 1")
    assert len(episodes) == 10 and episodes["n"].between(1, 8).all()
    said = " ".join(finished.stdout.split())
    assert "Campaign actions: adoptions attributed against the posts" in said
    assert "tied to a campaign action or a large cascade" in said


def test_every_payload_parses_except_the_malformed_ones_named_in_the_demo(demo_run):
    _, data = demo_run
    description = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))
    runs = [read_manifest(path) for path in find_runs(data / "raw")]
    sources = ["bluesky", "discourse", "forum", "import-brevo", "import-moodle-log",
               "mastodon", "matomo", "telegram"]  # fmt: skip
    assert sorted(run.source for run in runs) == sources
    assert all(run.status == "complete" for run in runs)  # every request was answered
    unparsed = [
        incident.where.split(" from ", 1)[1]
        for run in runs
        for incident in run.incidents
        if incident.kind == "error"
    ]
    malformed = [
        {Recording.key(url) for url in answer["urls"]} for answer in description["malformed"]
    ]
    assert len(unparsed) == len(malformed) == 4
    for answer in malformed:  # each malformed answer was met once, and nothing else failed
        assert sum(Recording.key(url) in answer for url in unparsed) == 1


def test_collected_adoptions_are_true_ones_with_their_true_times(demo_run, truth):
    _, data = demo_run
    adoptions = _query(data, "SELECT * FROM adoptions")
    true = truth[truth["resource_id"].notna()]
    found = coverage(adoptions, true).set_index("platform")
    assert (found["not_in_truth"] == 0).all()  # no adoption the truth does not hold
    assert found.loc["bluesky", "share"] > 0.6 and found.loc["mastodon", "share"] > 0.2
    # Forums and channels show every message: everything is found.
    assert (found.loc[["forum", "discourse", "telegram"], "share"] == 1).all()
    posted = adoptions[adoptions["kind"].isin(["original", "link-in-forum", "quote", "reply"])]
    times = posted.merge(true, on=["resource_id", "platform", "account_id"])
    expected = pd.to_datetime(times["at"], utc=True).dt.floor("ms")
    assert len(times) == len(posted)
    assert (pd.to_datetime(times["adopted_at"], utc=True) == expected).all()
    assert set(adoptions["resource_id"]) == set(true["resource_id"])  # every resource seen


def test_every_bluesky_post_linking_a_tracked_site_is_collected(demo_run, truth):
    _, data = demo_run
    links = _query(data, "SELECT post_id, url FROM links WHERE platform = 'bluesky'")
    hosts = links["url"].map(lambda url: urlsplit(url).hostname or "")
    collected = links.loc[hosts.str.endswith(TRACKED), "post_id"].nunique()
    posts = truth[(truth["platform"] == "bluesky") & (truth["kind"] != "repost")]
    written = posts["link"].dropna().map(lambda url: urlsplit(url).hostname or "")
    assert collected == written.str.endswith(TRACKED).sum()  # searchPosts domain= finds each


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """A demo drawn at a twentieth of the default scale (quick to replay)."""
    source = tmp_path_factory.mktemp("small") / "demo"
    drawn = essaim("demo", "--generate", "--scale", "0.05", "--source", source)
    assert drawn.returncode == 0, drawn.stderr
    return source


def test_a_second_demo_in_its_folder_works_whatever_essaim_data_says(
    tmp_path, small_demo, monkeypatch
):
    elsewhere = tmp_path / "my-own-data"
    monkeypatch.setenv("ESSAIM_DATA", str(elsewhere))
    for _ in range(2):  # the second one empties the folder and starts again
        done = essaim("demo", "--no-app", "--source", small_demo, "--data", "d", cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
    assert not elsewhere.exists()  # ESSAIM_DATA does not take the demo's place
    assert (tmp_path / "d" / "essaim.duckdb").exists() and list((tmp_path / "d" / "raw").iterdir())
    hint = " ".join(done.stdout.split())
    assert f"essaim --config d/essaim-demo.toml --data {tmp_path / 'd'} show resource" in hint
    assert "essaim-demo/" not in hint


def test_no_command_hides_an_option():
    from app.cli.main import cli

    def commands(group):
        yield group
        for command in getattr(group, "commands", {}).values():
            yield from commands(command)

    hidden = [(c.name, p.name) for c in commands(cli) for p in c.params if getattr(p, "hidden", 0)]
    assert hidden == []
