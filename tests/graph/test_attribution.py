"""The attribution model: exposures, posteriors worked by hand, fits on simulated cascades."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from graph.attribution import MIN_ADOPTERS, DelayKernel, exposures, fit_kernel, posteriors

AT = pd.Timestamp("2026-09-01", tz="UTC")


def at(hours: float) -> pd.Timestamp:
    return AT + pd.Timedelta(hours=hours)


def test_candidates_are_the_author_and_the_followed_accounts_that_reposted_the_post_before():
    # Ana posts p; Bob, Chloé, Eve repost it at 1, 2, 3 h; Dan reposts at 3 h; Gus at 5 h.
    # Dan follows Bob, Eve (same time as him: not before), Gus (after him) and Fay (never
    # reposted), not Chloé and not Ana. The horizon is Gus's repost, 5 h.
    adoptions = pd.DataFrame(
        {
            "cascade": "c",
            "platform": "bluesky",
            "account_id": ["ana", "bob", "chloe", "eve", "dan", "gus"],
            "adopted_at": [at(0), at(1), at(2), at(3), at(3), at(5)],
            "post_id": ["p", "", "", "", "", ""],
            "kind": ["original", "repost", "repost", "repost", "repost", "repost"],
            "parent_post_id": [None, "p", "p", "p", "p", "p"],
        }
    )
    pending = adoptions.iloc[[4]].assign(target_author="ana")
    follows = pd.DataFrame(
        {"platform": "bluesky", "follower_id": "dan", "followee_id": ["bob", "eve", "gus", "fay"]}
    )
    found = exposures(pending, adoptions, follows)
    assert found[["candidate_id", "tie", "candidate"]].values.tolist() == [
        ["bob", "resharer", True],
        ["eve", "resharer", False],
        ["gus", "resharer", False],
        ["ana", "author", True],
    ]
    assert found["hours"].tolist() == pytest.approx([2.0, math.nan, math.nan, 3.0], nan_ok=True)
    assert found["horizon"].tolist() == [4.0, 2.0, 0.0, 5.0]
    assert (found["node"] == 4).all()
    followed = pd.concat([follows, follows.iloc[[0]].assign(followee_id="ana")])
    assert exposures(pending, adoptions, followed)["tie"].tolist()[-1] == "author_followed"


def test_an_untimed_adopter_has_its_author_as_candidate_and_no_resharer_before_it():
    adoptions = pd.DataFrame(
        {
            "cascade": "c",
            "platform": "mastodon",
            "account_id": ["ana", "bob", "dan"],
            "adopted_at": [at(0), at(1), pd.NaT],
            "post_id": ["p", "", ""],
            "kind": ["original", "repost", "repost"],
            "parent_post_id": [None, "p", "p"],
        }
    )
    pending = adoptions.iloc[[2]].assign(target_author="ana")
    follows = pd.DataFrame({"platform": "mastodon", "follower_id": "dan", "followee_id": ["bob"]})
    found = exposures(pending, adoptions, follows)
    assert found[["candidate_id", "candidate"]].values.tolist() == [["bob", False], ["ana", True]]
    assert found["hours"].isna().all()


def test_the_posterior_of_two_candidates_follows_kernel_and_tie_weight():
    # κ log-normal with μ = ln 2, σ = 1; candidates at 2 h (resharer) and 8 h (author, w=0.5).
    # ln κ(d) = −ln d − ln √(2π) − (ln d − ln 2)²/2, so
    # κ(2)/κ(8) = (8/2) · exp((ln 4)²/2) = 4 · e^{0.96091} = 10.4554; with w: 20.9108.
    kernel = DelayKernel(mu=math.log(2), sigma=1.0, weights={"resharer": 1.0,
                         "author_followed": 1.0, "author": 0.5})  # fmt: skip
    found = posteriors(kernel, np.array([7, 7]), np.array(["resharer", "author"]),
                       np.array([2.0, 8.0]))  # fmt: skip
    odds = 2 * 4 * math.exp(math.log(4) ** 2 / 2)
    assert found == pytest.approx([odds / (1 + odds), 1 / (1 + odds)])
    assert found[0] == pytest.approx(0.95436, abs=1e-5)


def test_a_lone_candidate_is_certain_and_unknown_delays_weigh_nothing():
    kernel = DelayKernel(mu=0.0, sigma=1.0)
    nodes = np.array([0, 1, 1, 2, 2])
    ties = np.array(["author", "resharer", "author", "resharer", "author"])
    hours = np.array([30.0, 1.0, np.nan, np.nan, np.nan])
    assert posteriors(kernel, nodes, ties, hours).tolist() == [1.0, 1.0, 0.0, 0.5, 0.5]


def simulate(seed: int, accounts: int, author_weight: float = 1.0, rate: float = 0.02):
    """Accounts shown the post by 1–3 accounts at uniform times over two days, the first
    being its author. Each showing j triggers adoptions as a Poisson process of intensity
    w_j κ(t − s_j), with w = ``rate`` (``rate · author_weight`` for the author) and κ
    log-normal(ln 2, 1): its first trigger comes with probability 1 − e^{−w}, at the delay d
    where K(d) = −ln(1 − U)/w. An account adopts at its earliest trigger if it comes before
    the horizon, 96 h; the others are left out, as a platform shows only adopters."""
    rng = np.random.default_rng(seed)
    count = rng.integers(1, 4, size=accounts)
    node = np.repeat(np.arange(accounts), count)
    first = np.r_[0, np.cumsum(count)[:-1]]
    shown = rng.uniform(0, 48, size=len(node))
    tie = np.full(len(node), "resharer", dtype=object)
    tie[first] = "author"
    mass = -np.log1p(-rng.uniform(size=len(node))) / np.where(
        tie == "author", rate * author_weight, rate
    )
    trigger = np.where(mass < 1, shown + np.exp(math.log(2) + ndtri(np.minimum(mass, 1))), np.inf)
    adopted = np.minimum.reduceat(trigger, first)[node]
    kept = adopted < 96
    hours = np.where(shown < adopted, adopted - shown, np.nan)
    return node[kept], tie[kept], hours[kept], (96 - shown)[kept]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fit_recovers_the_kernel_within_its_standard_error(seed):
    simulated = simulate(seed, 150_000)
    kernel = fit_kernel(*simulated)
    assert kernel.converged and kernel.adopters == len(np.unique(simulated[0])) > 5000
    assert 1000 < kernel.ambiguous < kernel.adopters
    assert abs(kernel.mu - math.log(2)) < 3 * kernel.mu_error  # σ/√n ≈ 0.014
    assert kernel.sigma == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("weight", [0.25, 1.0, 3.0])
def test_the_fit_recovers_a_tie_weight(weight):
    kernel = fit_kernel(*simulate(4, 150_000, author_weight=weight))
    assert kernel.weights["resharer"] == 1.0
    assert kernel.weights["author"] == pytest.approx(weight, rel=0.2)
    assert "author_followed" not in kernel.weights  # never met: not estimated


def repeated(node, tie, hours, horizon, times: int = 10):
    """The same adopters ``times`` over, as different adopters: the same maximum."""
    size = node.max() + 1
    nodes = np.concatenate([node + size * k for k in range(times)])
    return nodes, *(np.tile(array, times) for array in (tie, hours, horizon))


def test_single_candidates_long_before_the_horizon_give_the_log_normal_maximum_likelihood():
    hours = np.array([1.0, 2.0, 4.0, 8.0])  # logs: 0, ln2, 2ln2, 3ln2
    kernel = fit_kernel(*repeated(np.arange(4), np.array(["author"] * 4), hours, np.full(4, 1e9)))
    assert kernel.mu == pytest.approx(1.5 * math.log(2), abs=1e-5)
    assert kernel.sigma == pytest.approx(math.sqrt(1.25) * math.log(2), abs=1e-5)
    assert (kernel.adopters, kernel.ambiguous) == (40, 0)


def test_a_later_showing_lowers_its_kind_of_tie():
    # Adopter 0 reposted 1 h after the author, before a followee who reshared 2 h later;
    # adopter 1, 1 h after a followee who reshared. The later showing counts against
    # resharers; without it, no adopter had two exposures: nothing tells the kinds apart.
    node, tie = np.array([0, 0, 1]), np.array(["author", "resharer", "resharer"])
    hours, horizon = np.array([1.0, np.nan, 1.0]), np.array([100.0, 97.0, 100.0])
    with_later = fit_kernel(*repeated(node, tie, hours, horizon))
    without = fit_kernel(*repeated(node[[0, 2]], tie[[0, 2]], hours[[0, 2]], horizon[[0, 2]]))
    assert without.weights == {}
    assert with_later.weights["resharer"] == 1.0 and with_later.weights["author"] > 1.5
    assert with_later.adopters == 20 and with_later.ambiguous == 0


def test_adopters_without_a_candidate_are_left_out_and_too_few_are_not_fitted():
    node, tie = np.array([0, 1, 1]), np.array(["author", "resharer", "author"])
    hours, horizon = np.array([2.0, np.nan, np.nan]), np.full(3, 1e9)
    kernel = fit_kernel(*repeated(node, tie, hours, horizon, times=MIN_ADOPTERS))
    assert kernel.adopters == MIN_ADOPTERS and kernel.mu == pytest.approx(math.log(2), abs=1e-5)
    few = fit_kernel(*repeated(node, tie, hours, horizon, times=MIN_ADOPTERS - 1))
    assert few.adopters == MIN_ADOPTERS - 1 and math.isnan(few.mu) and not few.converged


def cascade(*rows, name: str = "c", platform: str = "bluesky") -> pd.DataFrame:
    """Adoptions of one cascade from (account, hours, kind, post_id, parent_post_id) rows."""
    frame = pd.DataFrame(rows, columns=["account_id", "hours", "kind", "post_id", "parent_post_id"])
    frame["adopted_at"] = frame.pop("hours").map(at)
    return frame.assign(cascade=name, platform=platform)


def follow(follower: str, *followees: str) -> pd.DataFrame:
    return pd.DataFrame({"platform": "bluesky", "follower_id": follower, "followee_id": followees})


def test_followees_that_showed_the_post_in_the_same_second_are_listed_by_account_id():
    # Zoé, Max and Bob reposted Ana's post at 1 h, in the same second; Dan, who follows them
    # in that order, reposted at 2 h. Equal shown_at: listed by account id, the author last.
    adoptions = cascade(
        ("ana", 0, "original", "p", None),
        ("zoe", 1, "repost", "", "p"),
        ("max", 1, "repost", "", "p"),
        ("bob", 1, "repost", "", "p"),
        ("dan", 2, "repost", "", "p"),
    )
    pending = adoptions.iloc[[4]].assign(target_author="ana")
    found = exposures(pending, adoptions, follow("dan", "zoe", "max", "bob"))
    assert found["candidate_id"].tolist() == ["bob", "max", "zoe", "ana"]
    assert found["hours"].tolist() == [1.0, 1.0, 1.0, 2.0]


def test_a_delay_is_at_least_one_second():
    # Ana's post is stamped 2 h. Dan reposted it in the same second (a delay of 0) and Eve,
    # whose clock disagrees, at 1 h (−1 h): both delays become one second, 1/3600 h, and the
    # author stays a candidate. Horizon: the latest adoption, 2 h, is the post's own time: 0.
    adoptions = cascade(
        ("ana", 2, "original", "p", None),
        ("dan", 2, "repost", "", "p"),
        ("eve", 1, "repost", "", "p"),
    )
    pending = adoptions.iloc[[1, 2]].assign(target_author="ana")
    found = exposures(pending, adoptions, follow("nobody"))
    assert found[["node", "candidate_id", "candidate"]].values.tolist() == [
        [1, "ana", True],
        [2, "ana", True],
    ]
    assert found["hours"].tolist() == [1 / 3600, 1 / 3600]
    assert found["horizon"].tolist() == [0.0, 0.0]


def test_an_account_is_never_its_own_candidate_nor_the_author_a_resharer():
    # Ana posted p at 0 and reposted it herself at 1 h; Dan follows Ana and himself and
    # reposted p at 2 h. Dan's one candidate is Ana as the followed author (not also as a
    # resharer), not himself; Ana's repost acted on her own post: no candidate at all.
    adoptions = cascade(
        ("ana", 0, "original", "p", None),
        ("ana", 1, "repost", "", "p"),
        ("dan", 2, "repost", "", "p"),
    )
    pending = adoptions.iloc[[1, 2]].assign(target_author="ana")
    found = exposures(pending, adoptions, follow("dan", "ana", "dan"))
    assert found[["node", "candidate_id", "tie", "candidate"]].values.tolist() == [
        [2, "ana", "author_followed", True]
    ]


def test_a_post_or_a_repost_collected_twice_shows_the_post_once_at_its_first_time():
    # Ana's post was collected twice. Bob reposted it at 1 h, undid it and reposted again at
    # 3 h; Dan, who follows both, reposted at 4 h: Bob showed it at 1 h (a delay of 3 h, 3 h
    # before the horizon, 4 h), Ana once, at 0 (4 h and 4 h).
    adoptions = cascade(
        ("ana", 0, "original", "p", None),
        ("ana", 0, "original", "p", None),
        ("bob", 1, "repost", "", "p"),
        ("bob", 3, "repost", "", "p"),
        ("dan", 4, "repost", "", "p"),
    )
    pending = adoptions.iloc[[4]].assign(target_author="ana")
    found = exposures(pending, adoptions, follow("dan", "bob", "ana"))
    assert found[["candidate_id", "tie", "shown_at"]].values.tolist() == [
        ["bob", "resharer", at(1)],
        ["ana", "author_followed", at(0)],
    ]
    assert found["hours"].tolist() == [3.0, 4.0] and found["horizon"].tolist() == [3.0, 4.0]


def test_a_followee_that_quoted_or_answered_the_post_did_not_show_it():
    # Bob quoted Ana's post and Chloé answered it before Dan reposted it; Dan follows both.
    # A quote or a reply is another post: only Ana, not followed, showed p to Dan.
    adoptions = cascade(
        ("ana", 0, "original", "p", None),
        ("bob", 1, "quote", "q", "p"),
        ("chloe", 2, "reply", "r", "p"),
        ("dan", 3, "repost", "", "p"),
    )
    pending = adoptions.iloc[[3]].assign(target_author="ana")
    found = exposures(pending, adoptions, follow("dan", "bob", "chloe"))
    assert found[["candidate_id", "tie"]].values.tolist() == [["ana", "author"]]


def test_the_horizon_is_the_latest_adoption_of_the_adopters_platform():
    # On Bluesky the latest adoption is Dan's, at 2 h; on Mastodon, Yan's at 10 h. Ana's post
    # (0 h) ends 2 − 0 = 2 h before Bluesky's horizon, Xavier's (0 h) 10 h before Mastodon's.
    adoptions = pd.concat(
        [
            cascade(("ana", 0, "original", "p", None), ("dan", 2, "repost", "", "p")),
            cascade(
                ("xavier", 0, "original", "x", None),
                ("yan", 10, "repost", "", "x"),
                name="m",
                platform="mastodon",
            ),
        ],
        ignore_index=True,
    )
    pending = adoptions.iloc[[1, 3]].assign(target_author=["ana", "xavier"])
    found = exposures(pending, adoptions, follow("nobody"))
    assert found[["candidate_id", "hours", "horizon"]].values.tolist() == [
        ["ana", 2.0, 2.0],
        ["xavier", 10.0, 10.0],
    ]


def test_the_posterior_squares_sigma_and_a_kind_not_estimated_weighs_one():
    # μ = 0, σ = 2: ln κ(d) = −ln d − ln(2√(2π)) − (ln d)²/8. Weights: resharer 1, author 2,
    # author_followed not estimated, so 1.
    # Adopter 0: a resharer at 1 h, the followed author at 4 h:
    #   κ(1)/κ(4) = 4 · e^{(ln 4)²/8} = 4 · e^{1.921812/8} = 4 · 1.271537 = 5.086149,
    #   P = 5.086149 / 6.086149 = 0.835692 (with σ unsquared: 4 e^{(ln 4)²/4} → 0.866).
    # Adopter 1: a resharer and the unfollowed author, both at 1 h: weights alone, 1/3, 2/3.
    kernel = DelayKernel(mu=0.0, sigma=2.0, weights={"resharer": 1.0, "author": 2.0})
    found = posteriors(
        kernel,
        np.array([0, 0, 1, 1]),
        np.array(["resharer", "author_followed", "resharer", "author"]),
        np.array([1.0, 4.0, 1.0, 1.0]),
    )
    odds = 4 * math.exp(math.log(4) ** 2 / 8)
    assert found == pytest.approx([odds / (1 + odds), 1 / (1 + odds), 1 / 3, 2 / 3])
    assert found[0] == pytest.approx(0.835692, abs=1e-6)


def test_the_fit_maximises_the_likelihood_when_the_horizon_cuts_the_delays():
    # Horizons close to the delays, so that the normaliser Σ_{j∈E_i} w_j K(T − s_j) matters.
    # The expected maximum comes from the module's likelihood written out afresh with
    # scipy.stats.lognorm and maximised by Nelder–Mead (no gradient), for w_resharer = 1.
    from scipy.optimize import minimize
    from scipy.stats import lognorm

    groups = [  # per adopter: (tie, delay in hours or NaN after the adoption, to the horizon)
        [("author", 1.0, 3.0)],
        [("author", 2.0, 2.5), ("resharer", math.nan, 0.5)],
        [("resharer", 0.5, 1.0), ("author", 4.0, 4.5)],
        [("resharer", 1.0, 5.0), ("author", math.nan, 2.0)],
    ]

    def log_likelihood(theta):
        law = lognorm(s=math.exp(theta[1]), scale=math.exp(theta[0]))
        weight = {"resharer": 1.0, "author": math.exp(theta[2])}
        return sum(
            math.log(sum(weight[t] * law.pdf(d) for t, d, _ in group if not math.isnan(d)))
            - math.log(sum(weight[t] * law.cdf(h) for t, _, h in group))
            for group in groups
        )

    best = minimize(
        lambda theta: -log_likelihood(theta), np.zeros(3), method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20_000},
    )  # fmt: skip
    assert best.success
    rows = [row for group in groups for row in group]
    node = np.repeat(np.arange(len(groups)), [len(group) for group in groups])
    tie, hours, horizon = (np.array([row[k] for row in rows]) for k in range(3))
    kernel = fit_kernel(*repeated(node, tie, hours, horizon, times=5))
    # Twenty adopters; only the third kind has two timed candidates: 5 ambiguous.
    assert kernel.converged and (kernel.adopters, kernel.ambiguous) == (20, 5)
    assert kernel.mu == pytest.approx(best.x[0], abs=1e-4)
    assert kernel.sigma == pytest.approx(math.exp(best.x[1]), rel=1e-4)
    assert kernel.weights["author"] == pytest.approx(math.exp(best.x[2]), rel=1e-3)
