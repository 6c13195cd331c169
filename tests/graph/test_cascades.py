"""Cascade reconstruction, metrics and journeys on a toy cascade worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from graph.cascades import cascade_metrics, journey, reconstruct
from graph.uncertainty import metric_intervals


def at(hours: float | None):
    base = pd.Timestamp("2026-09-01 08:00", tz="UTC")
    return pd.NaT if hours is None else base + pd.Timedelta(hours=hours)


# R posts pR at 0. A (1), B (2), C (3) repost it; D (4) quotes it in pD; E (5) reposts pR
# and follows nobody; F reposts pR at an unknown time; G (6) reposts D's quote.
ADOPTIONS = pd.DataFrame(
    {
        "resource_id": "r1",
        "cascade": "post-R",
        "platform": "bluesky",
        "account_id": list("RABCDEFG"),
        "adopted_at": [at(h) for h in (0, 1, 2, 3, 4, 5, None, 6)],
        "kind": ["original", "repost", "repost", "repost", "quote", "repost", "repost", "repost"],
        "post_id": ["pR", "", "", "", "pD", "", "", ""],
        "parent_post_id": [None, "pR", "pR", "pR", "pR", "pR", "pR", "pD"],
        "target_author": [None, "R", "R", "R", "R", "R", "R", "D"],
    }
)
FOLLOWS = pd.DataFrame(
    [("A", "R"), ("B", "R"), ("B", "A"), ("C", "A"), ("C", "B"), ("D", "R"), ("F", "A"),
     ("G", "B"), ("G", "D")],
    columns=["follower_id", "followee_id"],
).assign(platform="bluesky")  # fmt: skip


def parents(tree: pd.DataFrame) -> dict:
    """Each account's (parent, method), the root's parent as None."""
    return {
        row.account_id: (None if pd.isna(row.parent_id) else row.parent_id, row.method)
        for row in tree.itertuples()
    }


def test_most_recent_attaches_to_the_followed_account_that_showed_the_post_last():
    tree = reconstruct(ADOPTIONS, FOLLOWS, rule="most_recent").tree
    inferred = "inferred:most_recent"
    assert parents(tree) == {
        "R": (None, "root"),
        "A": ("R", inferred),  # R, followed, is its only candidate
        "B": ("A", inferred),  # R at 0, A at 1
        "C": ("B", inferred),  # A at 1, B at 2; R is a candidate but not followed
        "D": ("R", "stated:quote"),  # no followed account reposted pR before D
        "E": ("R", "no_candidate"),  # follows nobody
        "F": ("R", "unknown_times"),  # follows A, but its time is unknown
        "G": ("D", inferred),  # G reposted D's quote, and B never reposted that
    }
    candidates = tree.set_index("account_id")["candidates"].to_dict()
    # F, of unknown time, may come from R (attached) or A (followed, reposted pR).
    assert candidates == {"R": 0, "A": 1, "B": 2, "C": 3, "D": 1, "E": 0, "F": 2, "G": 1}


def test_first_attaches_to_the_followed_account_that_showed_the_post_first():
    tree = reconstruct(ADOPTIONS, FOLLOWS, rule="first").tree
    found = parents(tree)
    assert (found["B"], found["C"]) == (("R", "inferred:first"), ("A", "inferred:first"))
    assert found["D"] == ("R", "stated:quote")


def test_a_tie_in_showing_time_goes_to_the_smaller_account_id():
    adoptions = ADOPTIONS.assign(adopted_at=ADOPTIONS["adopted_at"].where(
        ADOPTIONS["account_id"] != "B", at(1)))  # fmt: skip
    for rule in ("most_recent", "first"):
        assert parents(reconstruct(adoptions, FOLLOWS, rule=rule).tree)["C"][0] == "A"


def test_confidence_is_the_kernel_posterior_and_stated_edges_are_certain():
    result = reconstruct(ADOPTIONS, FOLLOWS, rule="most_recent")
    tree = result.tree.set_index("account_id")
    assert tree.loc[["A", "D", "G"], "confidence"].tolist() == [1.0, 1.0, 1.0]
    assert tree.loc[["R", "E", "F"], "confidence"].isna().all()  # F's candidates: unweighed
    candidates = result.candidates
    sums = candidates.groupby("account_id")["probability"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    assert set(sums.index) == set("ABCDEFG")  # every non-root adopter
    f = candidates[candidates["account_id"] == "F"].set_index("candidate_id")["probability"]
    assert f.to_dict() == {"R": 0.5, "A": 0.5}
    c = candidates[candidates["account_id"] == "C"].set_index("candidate_id")["probability"]
    assert set(c.index) == {"R", "A", "B"}
    assert tree.loc["C", "confidence"] == c["B"]  # the chosen parent's posterior
    # Five timed adopters are too few to fit a kernel: C's three candidates weigh the same,
    # and the kernel rule takes the one that showed the post first.
    assert c.to_numpy() == pytest.approx([1 / 3] * 3)
    kernel = reconstruct(ADOPTIONS, FOLLOWS).tree.set_index("account_id")
    assert kernel.loc["C", ["parent_id", "method"]].tolist() == ["R", "inferred:kernel"]
    assert kernel.loc["C", "confidence"] == pytest.approx(1 / 3)
    assert set(result.kernels) == {"bluesky"} and math.isnan(result.kernels["bluesky"].mu)


def test_a_repost_through_a_repost_takes_the_account_via_names():
    # H reposts pR at 7 through C's repost (Bluesky's via), though it follows only R; I names
    # an account that is not in the cascade, and J itself.
    extra = pd.DataFrame(
        {
            "resource_id": "r1", "cascade": "post-R", "platform": "bluesky",
            "account_id": ["H", "I", "J"], "adopted_at": [at(7), at(8), at(9)],
            "kind": "repost", "post_id": "", "parent_post_id": "pR", "target_author": "R",
            "via_actor": ["C", "stranger", "J"],
        }
    )  # fmt: skip
    h_follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["H"], "followee_id": ["R"]})
    follows = pd.concat([FOLLOWS, h_follows])
    result = reconstruct(pd.concat([ADOPTIONS, extra], ignore_index=True), follows)
    found = parents(result.tree)
    assert found["H"] == ("C", "stated:via")
    assert found["I"] == ("R", "no_candidate") and found["J"] == ("R", "no_candidate")
    h = result.tree.set_index("account_id").loc["H"]
    assert (h["confidence"], h["candidates"]) == (1.0, 1)


def test_telegram_forwards_are_stated_and_a_resharer_of_unknown_time_unsettles_a_quote():
    telegram = ADOPTIONS.iloc[[0, 1]].assign(platform="telegram")
    assert parents(reconstruct(telegram, FOLLOWS).tree)["A"] == ("R", "stated:forward")
    # D follows F, who reposted pR at an unknown time: D may have seen F's repost.
    d_follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["D"], "followee_id": ["F"]})
    follows = pd.concat([FOLLOWS, d_follows])
    assert parents(reconstruct(ADOPTIONS, follows).tree)["D"] == ("R", "unknown_times")


def test_metrics_of_the_most_recent_tree():
    # R→A→B→C, R→D→G, R→E, R→F: depth 3; depth 1 holds A, D, E, F. Subtree sizes below
    # each edge: A 3, B 2, C 1, D 2, G 1, E 1, F 1 → W = 15+12+7+12+7+7+7 = 67 over
    # C(8,2) = 28 pairs.
    tree = reconstruct(ADOPTIONS, FOLLOWS, rule="most_recent").tree
    row = cascade_metrics(tree, sizes=[3, 8, 9]).iloc[0]
    assert (row["size"], row["depth"], row["max_breadth"]) == (8, 3, 4)
    assert row["structural_virality"] == pytest.approx(67 / 28)
    assert row["hours_to_depth"] == [1.0, 2.0, 3.0]
    assert row["hours_to_size_3"] == 2.0
    assert math.isnan(row["hours_to_size_8"])  # F's time is unknown: 7 timed adopters
    assert row["lifetime_hours"] == 6.0
    assert row["half_life_hours"] == 3.0  # the 4th of 7 timed adopters, C at 3 h
    assert row["stated_share"] == pytest.approx(1 / 7)
    assert (row["root_id"], row["started_at"]) == ("R", at(0))


def test_metrics_of_the_first_tree():
    # R→A→C, R→B, R→D→G, R→E, R→F: depth 2, 5 accounts at depth 1. Sizes: A 2, C 1, B 1,
    # D 2, G 1, E 1, F 1 → W = 12+7+7+12+7+7+7 = 59.
    row = cascade_metrics(reconstruct(ADOPTIONS, FOLLOWS, rule="first").tree).iloc[0]
    assert (row["size"], row["depth"], row["max_breadth"]) == (8, 2, 5)
    assert row["structural_virality"] == pytest.approx(59 / 28)
    assert row["hours_to_depth"] == [1.0, 3.0]


def test_an_account_counts_once_at_its_first_adoption():
    again = ADOPTIONS.iloc[[1]].assign(adopted_at=at(7), kind="quote", post_id="pA")
    tree = reconstruct(pd.concat([ADOPTIONS, again], ignore_index=True), FOLLOWS).tree
    assert tree["account_id"].tolist().count("A") == 1
    assert tree.set_index("account_id").loc["A", "kind"] == "repost"  # its first adoption


def test_follows_on_another_platform_are_not_used():
    follows = FOLLOWS.assign(platform="mastodon")
    methods = reconstruct(ADOPTIONS, follows).tree.set_index("account_id")["method"]
    assert set(methods.drop(["R", "D"])) == {"no_candidate"}
    assert methods["D"] == "stated:quote"


def test_cascades_are_separate_trees():
    other = ADOPTIONS.assign(cascade="post-X").iloc[[0, 1, 2]]  # R, A, B in another cascade
    result = reconstruct(pd.concat([ADOPTIONS, other], ignore_index=True), FOLLOWS, "first")
    x = result.tree[result.tree["cascade"] == "post-X"]
    assert parents(x) == {"R": (None, "root"), "A": ("R", "inferred:first"),
                          "B": ("R", "inferred:first")}  # fmt: skip
    metrics = cascade_metrics(result.tree).set_index("cascade")
    assert (
        metrics.loc["post-X", "size"] == 3 and metrics.loc["post-X", "structural_virality"] == 4 / 3
    )


def test_a_single_adoption_has_nan_virality():
    row = cascade_metrics(reconstruct(ADOPTIONS.iloc[[0]], FOLLOWS).tree).iloc[0]
    assert (row["size"], row["depth"], row["max_breadth"]) == (1, 0, 1)
    assert math.isnan(row["structural_virality"])
    assert row["hours_to_depth"] == []


def test_an_unknown_rule_and_a_broken_tree_are_refused():
    with pytest.raises(ValueError, match="unknown rule 'latest'"):
        reconstruct(ADOPTIONS, FOLLOWS, rule="latest")
    tree = pd.DataFrame({"cascade": "c", "account_id": ["a", "b"], "parent_id": [None, "z"],
                         "adopted_at": [at(0), at(1)],
                         "method": ["root", "stated:reply"]})  # fmt: skip
    with pytest.raises(ValueError, match="'c' is not a tree"):
        cascade_metrics(tree)
    cycle = tree.assign(parent_id=["b", "a"], method="stated:reply")
    cycle = pd.concat([cycle, tree.iloc[[0]].assign(account_id="r", parent_id=None)])
    with pytest.raises(ValueError, match="cycle"):
        cascade_metrics(cycle)


def test_journey_orders_platforms_by_first_adoption():
    adoptions = pd.DataFrame(
        {
            "resource_id": ["r1"] * 5 + ["r2"],
            "platform": ["mastodon", "bluesky", "bluesky", "discourse", "mastodon", "bluesky"],
            "cascade": ["m1", "b1", "b1", "d1", "m2", "b9"],
            "account_id": ["x", "y", "z", "w", "x", "y"],
            "adopted_at": [at(5), at(2), at(3), at(30), at(1), at(0)],
        }
    )
    table = journey(adoptions)
    r1 = table[table["resource_id"] == "r1"]
    assert r1["platform"].tolist() == ["mastodon", "bluesky", "discourse"]
    assert r1["hours_after_first"].tolist() == [0.0, 1.0, 29.0]
    assert r1["previous_platform"].tolist() == [None, "mastodon", "bluesky"]
    assert r1["adopters"].tolist() == [1, 2, 1] and r1["cascades"].tolist() == [2, 1, 1]
    assert table[table["resource_id"] == "r2"]["step"].tolist() == [1]


def test_accounts_of_unknown_time_are_candidates_in_one_direction_only():
    # F and H both reposted pR at unknown times and follow each other: F is listed first, so
    # H may come from F but not F from H, and trees drawn from the candidates stay trees.
    h = ADOPTIONS.iloc[[6]].assign(account_id="H")
    mutual = pd.DataFrame({"platform": "bluesky", "follower_id": ["F", "H"],
                           "followee_id": ["H", "F"]})  # fmt: skip
    result = reconstruct(pd.concat([ADOPTIONS, h], ignore_index=True),
                         pd.concat([FOLLOWS, mutual]))  # fmt: skip
    pairs = result.candidates[result.candidates["account_id"].isin(["F", "H"])]
    assert sorted(map(tuple, pairs[["account_id", "candidate_id"]].to_numpy())) == [
        ("F", "A"), ("F", "R"), ("H", "F"), ("H", "R")]  # fmt: skip
    intervals = metric_intervals(result.tree, result.candidates, draws=50).cascades  # no cycle
    assert intervals.loc[0, "sampled"]


def test_no_adoption_gives_empty_frames():
    result = reconstruct(ADOPTIONS.iloc[:0], FOLLOWS)
    assert result.tree.empty and result.candidates.empty and result.kernels == {}
    assert cascade_metrics(result.tree).empty


def test_a_tie_between_the_author_and_a_resharer_goes_to_the_smaller_account_id():
    # R posts pR at 0 and S reposts it in the same second; X follows both and reposts at 1 h:
    # the same showing, the same delay, the same weight (too few adopters to fit a kernel:
    # 1/2 each). Every rule takes R, the smaller id, though S, a resharer, is listed first.
    adoptions = ADOPTIONS.iloc[[0, 1, 2]].assign(
        account_id=["R", "S", "X"], adopted_at=[at(0), at(0), at(1)]
    )
    follows = pd.DataFrame({"platform": "bluesky", "follower_id": "X", "followee_id": ["S", "R"]})
    for rule in ("kernel", "most_recent", "first"):
        x = reconstruct(adoptions, follows, rule=rule).tree.set_index("account_id").loc["X"]
        assert (x["parent_id"], x["method"]) == ("R", f"inferred:{rule}")
        assert (x["confidence"], x["candidates"]) == (0.5, 2)


def test_a_quote_is_inferred_when_a_followed_account_reposted_the_post_before():
    # D quoted pR at 4 h and follows R. Following A too, who reposted pR at 1 h, D may have
    # seen A's repost: its parent is inferred, A the most recent followed showing. Following
    # E instead, who reposted at 5 h, after D, the quote states its parent: R.
    def d(followee: str) -> tuple:
        extra = pd.DataFrame(
            {"platform": "bluesky", "follower_id": ["D"], "followee_id": [followee]}
        )
        tree = reconstruct(ADOPTIONS, pd.concat([FOLLOWS, extra]), rule="most_recent").tree
        return parents(tree)["D"], tree.set_index("account_id").loc["D", "candidates"]

    assert d("A") == (("A", "inferred:most_recent"), 2)
    assert d("E") == (("R", "stated:quote"), 1)


def test_the_kernel_is_fitted_on_the_stated_and_inferred_adopters_with_a_known_delay():
    # A, B, C, G (inferred) and D (stated) enter the fit; E (no_candidate, though R's post
    # came 5 h before it) and F (unknown time) do not.
    assert reconstruct(ADOPTIONS, FOLLOWS).kernels["bluesky"].adopters == 5


def test_the_confidence_is_the_posterior_of_the_parent_the_rule_chose():
    # Twenty accounts follow R and reposted pR 1 h after it, R their only candidate; X
    # follows R and the first of them, a00, and reposted at 2 h; Z, following nobody, at
    # 10 h (the horizon, long after every showing: K(T − s) = 1). The fit puts the kernel's
    # median at 1 h and σ at its floor, 0.05: of X's candidates a00 (1 h before) is near
    # certain and R (2 h before) near impossible, κ(2)/κ(1) = ½ e^{−(ln 2)²/(2 · 0.05²)}
    # = ½ e^{−96.1}. "first" takes R all the same, with that posterior as its confidence.
    accounts = [f"a{k:02}" for k in range(20)]
    adoptions = pd.DataFrame(
        {
            "cascade": "post-R", "platform": "bluesky",
            "account_id": ["R", *accounts, "X", "Z"],
            "adopted_at": [at(0)] + [at(1)] * 20 + [at(2), at(10)],
            "kind": ["original"] + ["repost"] * 22, "post_id": ["pR"] + [""] * 22,
            "parent_post_id": [None] + ["pR"] * 22, "target_author": [None] + ["R"] * 22,
        }
    )  # fmt: skip
    follows = pd.DataFrame(
        {"platform": "bluesky", "follower_id": [*accounts, "X", "X"],
         "followee_id": ["R"] * 21 + ["a00"]}
    )  # fmt: skip
    kernel = reconstruct(adoptions, follows).kernels["bluesky"]
    assert kernel.adopters == 21 and kernel.median_hours == pytest.approx(1.0, abs=1e-3)
    assert kernel.sigma == pytest.approx(0.05)  # every delay weighed is 1 h
    for rule, parent in (("kernel", "a00"), ("most_recent", "a00"), ("first", "R")):
        result = reconstruct(adoptions, follows, rule=rule)
        x = result.tree.set_index("account_id").loc["X"]
        listed = result.candidates[result.candidates["account_id"] == "X"]
        probability = listed.set_index("candidate_id")["probability"]
        assert x["parent_id"] == parent and x["candidates"] == 2
        assert x["confidence"] == probability[parent]
        assert probability["a00"] > 1 - 1e-9 and probability["R"] < 1e-9


def test_an_adopter_acting_on_its_own_post_or_on_one_of_unknown_author_hangs_from_the_root():
    # A answered its own post pA, a quote of pR stamped the same second but listed after the
    # answer: the answer is A's first adoption. B answered a post whose author is unknown.
    # Neither can hang from the post's author (itself, or no one): both hang from the root.
    adoptions = ADOPTIONS.iloc[[0, 1, 1, 2]].assign(
        adopted_at=[at(0), at(1), at(1), at(2)], kind=["original", "reply", "quote", "reply"],
        post_id=["pR", "a2", "pA", "b1"], parent_post_id=[None, "pA", "pR", "pR"],
        target_author=[None, "A", "R", None],
    )  # fmt: skip
    found = parents(reconstruct(adoptions, FOLLOWS.iloc[:0]).tree)
    assert found == {"R": (None, "root"), "A": ("R", "stated:reply"), "B": ("R", "stated:reply")}


def test_a_repost_through_a_repost_keeps_that_parent_when_times_are_unknown():
    # H reposted pR at an unknown time through C's repost, and follows F, who reposted pR at
    # an unknown time, collected before H: times cannot order H and F, but via states H's
    # parent: C, certain, H's only candidate.
    h = ADOPTIONS.iloc[[6]].assign(account_id="H", via_actor="C")  # as F: a repost, no time
    h_follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["H"], "followee_id": ["F"]})
    result = reconstruct(
        pd.concat([ADOPTIONS, h], ignore_index=True), pd.concat([FOLLOWS, h_follows])
    )
    tree = result.tree.set_index("account_id")
    assert tree.loc["H", ["parent_id", "method", "confidence", "candidates"]].tolist() == [
        "C", "stated:via", 1.0, 1]  # fmt: skip
    listed = result.candidates[result.candidates["account_id"] == "H"]
    assert listed[["candidate_id", "probability"]].values.tolist() == [["C", 1.0]]


@pytest.mark.parametrize("order", ["as collected", "reversed"])
def test_untimed_reposts_through_untimed_reposts_follow_the_chain_via_states(order):
    # Three reposts of pR with no time (as getRepostedBy gives them): Z reposted R's post,
    # Y reposted through Z's repost, X through Y's. Whatever order the rows come in (it
    # followed the accounts' pseudonyms), via states X → Y → Z; Z follows nobody.
    untimed = ADOPTIONS.iloc[[0, 6, 6, 6]].assign(
        account_id=["R", "X", "Y", "Z"], via_actor=[None, "Y", "Z", None]
    )
    rows = untimed if order == "as collected" else untimed.iloc[[0, 3, 2, 1]]
    found = parents(reconstruct(rows.reset_index(drop=True), FOLLOWS.iloc[:0]).tree)
    assert found == {"R": (None, "root"), "X": ("Y", "stated:via"),
                     "Y": ("Z", "stated:via"), "Z": ("R", "no_candidate")}  # fmt: skip


def test_untimed_reposts_naming_each_other_make_no_cycle():
    # Malformed data: X through Y and Y through X, both untimed. Neither via can be kept
    # for both; the tree stays a tree.
    untimed = ADOPTIONS.iloc[[0, 6, 6]].assign(
        account_id=["R", "X", "Y"], via_actor=[None, "Y", "X"]
    )
    tree = reconstruct(untimed.reset_index(drop=True), FOLLOWS.iloc[:0]).tree
    assert cascade_metrics(tree).loc[0, "size"] == 3


def test_a_repost_through_a_repost_stamped_later_makes_no_cycle():
    # H's repost, stamped 1 h, names C's repost as via; C's repost is stamped 2 h (Bluesky's
    # createdAt is the client's clock) and C follows H. C's most recent followed showing
    # before it is H's (1 h < 2 h); were via trusted, H's parent would be C: H → C → H.
    adoptions = ADOPTIONS.iloc[[0, 1, 2]].assign(
        account_id=["R", "H", "C"], via_actor=[None, "C", None]
    )
    # The via names an account that adopted after H: it is not taken, H has no candidate.
    follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["C"], "followee_id": ["H"]})
    tree = reconstruct(adoptions, follows, rule="most_recent").tree
    assert parents(tree) == {"R": (None, "root"), "H": ("R", "no_candidate"),
                             "C": ("H", "inferred:most_recent")}  # fmt: skip
    assert cascade_metrics(tree).loc[0, "size"] == 3


def test_times_to_depth_stop_at_the_depth_asked():
    # The most recent tree reaches depth 3 (R→A→B→C); asked for depths up to 2: A at 1 h, B
    # at 2 h.
    tree = reconstruct(ADOPTIONS, FOLLOWS, rule="most_recent").tree
    assert cascade_metrics(tree, max_depth_times=2).loc[0, "hours_to_depth"] == [1.0, 2.0]


def test_a_depth_whose_adopters_have_no_known_time_keeps_its_place():
    # a → b → c → d: b's time is unknown, c adopted at 2 h, d at 3 h. Depth 1 has no time,
    # and the hours of depths 2 and 3 stay second and third.
    tree = pd.DataFrame(
        {"cascade": "p", "account_id": list("abcd"), "parent_id": [None, "a", "b", "c"],
         "adopted_at": [at(0), at(None), at(2), at(3)], "method": "stated:quote"}
    )  # fmt: skip
    hours = cascade_metrics(tree).loc[0, "hours_to_depth"]
    assert math.isnan(hours[0]) and hours[1:] == [2.0, 3.0]


def test_cascades_with_no_known_time_have_unknown_times_not_an_error():
    # a forum or web cascade whose posts carry no date: sizes and shapes, no times
    tree = pd.DataFrame(
        {"cascade": ["c1", "c1", "c2"], "account_id": ["a", "b", "c"],
         "parent_id": [None, "a", None], "adopted_at": pd.to_datetime([None] * 3, utc=True),
         "method": ["root", "unknown_times", "root"]}
    )  # fmt: skip
    metrics = cascade_metrics(tree, sizes=[2]).set_index("cascade")
    assert metrics["size"].tolist() == [2, 1] and metrics["depth"].tolist() == [1, 0]
    (to_depth_1,) = metrics.loc["c1", "hours_to_depth"]  # depth 1 reached, time unknown
    assert pd.isna(to_depth_1) and metrics.loc["c2", "hours_to_depth"] == []
    for column in ("hours_to_size_2", "lifetime_hours", "half_life_hours"):
        assert metrics[column].isna().all(), column
