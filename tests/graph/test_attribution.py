"""The attribution model: candidate sets, posteriors worked by hand, EM on simulated data."""

import math

import numpy as np
import pandas as pd
import pytest

from graph.attribution import DelayKernel, candidate_parents, fit_kernel, posteriors

AT = pd.Timestamp("2026-09-01", tz="UTC")


def at(hours: float) -> pd.Timestamp:
    return AT + pd.Timedelta(hours=hours)


def test_candidates_are_the_author_and_the_followed_accounts_that_reposted_the_post_before():
    # Ana posts p; Bob, Chloé, Eve repost it at 1, 2, 3 h; Dan reposts at 3 h.
    # Dan follows Bob, Eve (same time as him: not before) and Fay (never reposted),
    # not Chloé and not Ana.
    adoptions = pd.DataFrame(
        {
            "cascade": "c",
            "account_id": ["ana", "bob", "chloe", "eve", "dan"],
            "adopted_at": [at(0), at(1), at(2), at(3), at(3)],
            "post_id": ["p", "", "", "", ""],
            "kind": ["original", "repost", "repost", "repost", "repost"],
            "parent_post_id": [None, "p", "p", "p", "p"],
        }
    )
    pending = adoptions.iloc[[4]].assign(platform="bluesky", target_author="ana")
    follows = pd.DataFrame(
        {"platform": "bluesky", "follower_id": "dan", "followee_id": ["bob", "eve", "fay"]}
    )
    found = candidate_parents(pending, adoptions, follows)
    assert found[["candidate_id", "tie"]].values.tolist() == [
        ["bob", "resharer"],
        ["ana", "author"],
    ]
    assert found["hours"].tolist() == [2.0, 3.0]
    assert (found["node"] == 4).all()
    followed = pd.concat([follows, follows.iloc[[0]].assign(followee_id="ana")])
    assert candidate_parents(pending, adoptions, followed)["tie"].tolist() == [
        "resharer",
        "author_followed",
    ]


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


def simulate(seed: int, adopters: int, author_weight: float = 1.0):
    """Adopters with 1–3 candidates shown at uniform times over two days; the parent drawn
    with the tie weights, the adoption a log-normal(ln 2, 1) delay after it."""
    rng = np.random.default_rng(seed)
    nodes, ties, hours = [], [], []
    for node in range(adopters):
        count = rng.integers(1, 4)
        shown = rng.uniform(0, 48, size=count)
        tie = np.array(["author"] + ["resharer"] * (count - 1))
        weight = np.where(tie == "author", author_weight, 1.0)
        parent = rng.choice(count, p=weight / weight.sum())
        adopted = shown[parent] + rng.lognormal(math.log(2), 1.0)
        earlier = shown < adopted
        nodes += [node] * int(earlier.sum())
        ties += tie[earlier].tolist()
        hours += (adopted - shown[earlier]).tolist()
    return np.array(nodes), np.array(ties), np.array(hours)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_em_recovers_the_kernel_within_its_standard_error(seed):
    kernel = fit_kernel(*simulate(seed, 3000))
    assert kernel.converged and kernel.adopters == 3000
    assert 1000 < kernel.ambiguous < 3000
    assert abs(kernel.mu - math.log(2)) < 3 * kernel.mu_error  # σ/√n ≈ 0.018
    assert kernel.sigma == pytest.approx(1.0, abs=0.06)


def test_em_recovers_a_tie_weight():
    nodes, ties, hours = simulate(4, 6000, author_weight=0.25)
    kernel = fit_kernel(nodes, ties, hours)
    assert kernel.weights["resharer"] == 1.0
    assert kernel.weights["author"] == pytest.approx(0.25, abs=0.08)
    even = fit_kernel(*simulate(4, 6000, author_weight=1.0))
    assert even.weights["author"] == pytest.approx(1.0, abs=0.25)


def test_single_candidates_alone_give_the_log_normal_maximum_likelihood():
    hours = np.array([1.0, 2.0, 4.0, 8.0])  # logs: 0, ln2, 2ln2, 3ln2
    kernel = fit_kernel(np.arange(4), np.array(["author"] * 4), hours)
    assert kernel.mu == pytest.approx(1.5 * math.log(2))
    assert kernel.sigma == pytest.approx(math.sqrt(1.25) * math.log(2))
    assert kernel.ambiguous == 0
