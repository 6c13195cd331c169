"""Who passed a resource to whom: candidate parents and a delay-kernel attribution model.

A platform names the post an adopter acted on (the post reposted, quoted or answered), not
the account whose copy the adopter saw: a repost of a repost points at the original. So
each adopter i of a cascade gets candidate parents:

- the author of the post i acted on (tie ``author``, or ``author_followed`` when i follows
  that author);
- every account i follows that reposted that same post before i (tie ``resharer``).

Among candidates C_i, the model gives each one the probability

    P(parent = j | i) = w_tie(j) κ(t_i − t_j) / Σ_{k ∈ C_i} w_tie(k) κ(t_i − t_k),

where t_j is when j showed the post (posted or reposted it), κ is a log-normal density of
the delay in hours (μ, σ of its logarithm) and w a weight per kind of tie (w_resharer = 1).
κ and w are estimated by expectation–maximisation, one platform at a time: the E-step
gives every candidate its posterior probability; the M-step sets μ and σ to the
posterior-weighted mean and deviation of the log-delays (an adopter with one candidate
enters with weight 1: the stated edges anchor the kernel) and w to the fixed point of the
choice likelihood (Hunter & Lange 2004).

Assumptions: each adoption was prompted by one exposure; the delay to react does not depend
on who showed the post, only the tie's weight does; accounts that did not show the very post
acted on (a quote that embeds it, a follow never collected) are not candidates.

References
----------
M. Gomez-Rodriguez, D. Balduzzi, B. Schölkopf, "Uncovering the temporal dynamics of diffusion
networks", ICML 2011 (NetRate: delay kernels estimated from cascades). J. R. Zipkin,
F. P. Schoenberg, K. Coronges, A. L. Bertozzi, "Point-process models of social network
interactions: parameter estimation and missing data recovery", Eur. J. Appl. Math. 27(3),
2016 (EM over the branching structure). M.-A. Rizoiu, L. Xie, S. Sanner, M. Cebrian, H. Yu,
P. Van Hentenryck, "Expecting to be HIP", WWW 2017. D. R. Hunter, K. Lange, "A tutorial on
MM algorithms", The American Statistician 58(1), 2004.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["TIES", "DelayKernel", "candidate_parents", "fit_kernel", "posteriors"]

#: Kinds of tie between an adopter and a candidate parent.
TIES = ("resharer", "author_followed", "author")
_HOUR = pd.Timedelta(hours=1)
_SHORTEST = 1 / 3600  # a delay of one second: clocks that disagree, or the same second
_NARROWEST = 0.05  # smallest σ of the log-delay: a kernel cannot collapse on one delay


@dataclass(frozen=True)
class DelayKernel:
    """A fitted log-normal delay kernel and tie weights, with what the fit rests on."""

    mu: float  # mean of the log-delay (hours)
    sigma: float  # standard deviation of the log-delay
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TIES, 1.0))
    adopters: int = 0  # adopters whose delays entered the fit
    ambiguous: int = 0  # of which, with more than one candidate
    iterations: int = 0
    converged: bool = True

    @property
    def median_hours(self) -> float:
        """The median delay, e^μ hours."""
        return math.exp(self.mu)

    @property
    def mu_error(self) -> float:
        """Standard error of μ, σ/√n over the adopters of the fit."""
        return self.sigma / math.sqrt(self.adopters) if self.adopters else math.nan

    def log_density(self, hours: np.ndarray) -> np.ndarray:
        """ln κ(hours) of the log-normal kernel.

        >>> kernel = DelayKernel(mu=0.0, sigma=1.0)
        >>> round(float(kernel.log_density(np.array([1.0]))[0]), 6)  # −ln √(2π)
        -0.918939
        """
        logs = np.log(hours)
        return (
            -logs - math.log(self.sigma * math.sqrt(2 * math.pi))
            - (logs - self.mu) ** 2 / (2 * self.sigma**2)
        )  # fmt: skip


def candidate_parents(
    pending: pd.DataFrame, adoptions: pd.DataFrame, follows: pd.DataFrame
) -> pd.DataFrame:
    """Return the candidate parents of each pending adopter.

    Parameters
    ----------
    pending : DataFrame
        Non-root first adoptions, indexed by a node number: ``cascade``, ``platform``,
        ``account_id``, ``adopted_at`` and ``parent_post_id`` (the post acted on) and
        ``target_author`` (its author).
    adoptions : DataFrame
        Every adoption: ``cascade``, ``account_id``, ``adopted_at``, ``kind``, ``post_id`` and
        ``parent_post_id`` (who showed which post, when).
    follows : DataFrame
        ``platform``, ``follower_id``, ``followee_id``.

    Returns
    -------
    DataFrame
        ``node``, ``candidate_id``, ``tie`` (one of :data:`TIES`), ``shown_at`` (when the
        candidate showed the post; NaT if unknown) and ``hours`` (the adopter's delay after
        it, at least one second; NaN if a time is unknown), sorted by node. Authors come
        whether followed or not; resharers only when followed, timed and earlier.

    Examples
    --------
    Bob and Chloé reposted Ana's post; Dan, who follows Chloé only, reposted it last:

    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"cascade": "c", "account_id": ["ana", "bob", "chloe", "dan"],
    ...     "adopted_at": [at(0), at(1), at(2), at(4)], "post_id": ["p", "", "", ""],
    ...     "kind": ["original", "repost", "repost", "repost"],
    ...     "parent_post_id": [None, "p", "p", "p"]})
    >>> pending = adoptions.iloc[[3]].assign(platform="bluesky", target_author="ana")
    >>> follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["dan"],
    ...     "followee_id": ["chloe"]})
    >>> candidate_parents(pending, adoptions, follows)[["candidate_id", "tie", "hours"]]
      candidate_id       tie  hours
    0        chloe  resharer    2.0
    1          ana    author    4.0
    """
    pending = pending.rename_axis("node").reset_index()
    keys = ["cascade", "parent_post_id"]
    posted = adoptions.loc[
        adoptions["post_id"].fillna("") != "", ["cascade", "post_id", "adopted_at"]
    ]
    authors = pending.merge(
        posted.rename(columns={"post_id": "parent_post_id", "adopted_at": "shown_at"}),
        on=keys,
        how="left",
    ).drop_duplicates("node")
    authors = authors.assign(candidate_id=authors["target_author"])
    authors = authors[
        authors["candidate_id"].notna() & (authors["candidate_id"] != authors["account_id"])
    ]

    reposts = adoptions[(adoptions["kind"] == "repost") & adoptions["adopted_at"].notna()]
    reposts = reposts.sort_values("adopted_at", kind="stable").drop_duplicates(
        ["cascade", "parent_post_id", "account_id"]
    )
    resharers = pending.merge(
        reposts[[*keys, "account_id", "adopted_at"]].rename(
            columns={"account_id": "candidate_id", "adopted_at": "shown_at"}
        ),
        on=keys,
    )
    resharers = resharers[
        (resharers["shown_at"] < resharers["adopted_at"])
        & (resharers["candidate_id"] != resharers["account_id"])
        & (resharers["candidate_id"] != resharers["target_author"])
    ]
    columns = ["node", "platform", "account_id", "candidate_id", "adopted_at", "shown_at"]
    found = pd.concat(
        [resharers[columns].assign(author=False), authors[columns].assign(author=True)],
        ignore_index=True,
    )
    edges = follows[["platform", "follower_id", "followee_id"]].drop_duplicates()
    followed = pd.MultiIndex.from_frame(found[["platform", "account_id", "candidate_id"]]).isin(
        pd.MultiIndex.from_frame(edges)
    )
    kept = followed | found["author"].to_numpy()
    found, followed = found[kept], followed[kept]
    tie = np.where(~found["author"], "resharer", np.where(followed, "author_followed", "author"))
    hours = (found["adopted_at"] - found["shown_at"]) / _HOUR
    found = found.assign(tie=tie, hours=hours.clip(lower=_SHORTEST))
    found = found.sort_values(["node", "author", "shown_at", "candidate_id"], kind="stable")
    return found[["node", "candidate_id", "tie", "shown_at", "hours"]].reset_index(drop=True)


def fit_kernel(
    node: np.ndarray, tie: np.ndarray, hours: np.ndarray, max_iterations: int = 500,
    tolerance: float = 1e-10,
) -> DelayKernel:  # fmt: skip
    """Estimate the delay kernel and tie weights by expectation–maximisation.

    Parameters
    ----------
    node, tie, hours : arrays, one entry per candidate
        The adopter (sorted), the kind of tie (one of :data:`TIES`) and the delay in hours
        (positive and finite) of every candidate.
    max_iterations, tolerance : int, float
        EM stops when the log-likelihood gains less than ``tolerance`` times its size.

    Returns
    -------
    DelayKernel
        ``converged`` is false when ``max_iterations`` was reached first.

    Examples
    --------
    Three adopters with one candidate each, after 1, 2 and 4 hours: μ is the mean log-delay.

    >>> kernel = fit_kernel(np.array([0, 1, 2]), np.array(["author"] * 3), np.array([1., 2, 4]))
    >>> round(kernel.median_hours, 6), kernel.adopters, kernel.ambiguous
    (2.0, 3, 0)
    """
    group, starts = _groups(node)
    if not len(group):
        return DelayKernel(mu=math.nan, sigma=math.nan)
    codes = pd.Categorical(tie, categories=TIES).codes
    logs = np.log(hours)
    size = np.bincount(group)
    ambiguous = size[group] > 1
    single = ~ambiguous
    base = logs[single] if single.sum() > 1 else logs
    weights = np.ones(len(TIES))
    kernel = DelayKernel(mu=float(base.mean()), sigma=max(float(base.std()), _NARROWEST))
    previous = -math.inf
    for iteration in range(1, max_iterations + 1):
        log_prior = np.log(weights)[codes]
        joint = log_prior + kernel.log_density(hours)
        responsibility, log_total = _normalised(joint, group, starts)
        normaliser = np.bincount(group, weights=np.exp(log_prior))
        likelihood = float(np.sum(log_total) - np.sum(np.log(normaliser)))
        mu = float(np.sum(responsibility * logs) / len(starts))
        spread = float(np.sqrt(np.sum(responsibility * (logs - mu) ** 2) / len(starts)))
        weights = _tie_weights(weights, codes[ambiguous], responsibility[ambiguous],
                               group[ambiguous], normaliser)  # fmt: skip
        kernel = DelayKernel(
            mu=mu, sigma=max(spread, _NARROWEST),
            weights=dict(zip(TIES, weights.tolist(), strict=True)), adopters=len(starts),
            ambiguous=int(np.count_nonzero(size > 1)), iterations=iteration, converged=False,
        )  # fmt: skip
        if likelihood - previous <= tolerance * max(1.0, abs(likelihood)):
            return DelayKernel(**{**kernel.__dict__, "converged": True})
        previous = likelihood
    return kernel


def posteriors(kernel: DelayKernel, node: np.ndarray, tie: np.ndarray, hours: np.ndarray):
    """Return each candidate's posterior probability of being its adopter's parent.

    A candidate whose delay is unknown (NaN) gets 0, unless its adopter has no timed
    candidate: then they share equally.

    Examples
    --------
    Two candidates at 1 and 4 hours, a kernel of median 1 hour (μ = 0) and σ = 1: the odds
    are κ(1)/κ(4) = 4 e^{(ln 4)²/2} ≈ 10.53, so the first gets 10.53/11.53 ≈ 0.913.

    >>> kernel = DelayKernel(mu=0.0, sigma=1.0)
    >>> posteriors(kernel, np.array([0, 0]), np.array(["resharer", "resharer"]),
    ...            np.array([1.0, 4.0])).round(3)
    array([0.913, 0.087])
    """
    group, starts = _groups(node)
    if not len(group):
        return np.zeros(0)
    timed = np.isfinite(hours)
    weight = np.array([kernel.weights[name] for name in TIES])
    joint = np.full(len(hours), -np.inf)
    if timed.any() and math.isfinite(kernel.mu):
        codes = pd.Categorical(tie, categories=TIES).codes
        joint[timed] = np.log(weight[codes[timed]]) + kernel.log_density(hours[timed])
    untimed = ~np.isfinite(np.maximum.reduceat(joint, starts))
    joint[untimed[group]] = 0.0
    return _normalised(joint, group, starts)[0]


def _groups(node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The group number of each entry of a sorted array, and where each group starts."""
    node = np.asarray(node)
    if not len(node):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    change = np.r_[True, node[1:] != node[:-1]]
    return np.cumsum(change) - 1, np.flatnonzero(change)


def _normalised(joint: np.ndarray, group: np.ndarray, starts: np.ndarray):
    """Each entry's share of its group, exp(joint) / Σ_group exp(joint), computed stably; and
    each group's log Σ exp(joint)."""
    top = np.maximum.reduceat(joint, starts)
    scaled = np.exp(joint - top[group])
    total = np.bincount(group, weights=scaled)
    return scaled / total[group], np.log(total) + top


def _tie_weights(weights, codes, responsibility, group, normaliser) -> np.ndarray:
    """One MM step for the tie weights: w_k = S_k / Σ_i n_ik / Σ_l w_l, over ambiguous sets.

    S_k sums the posteriors of candidates of kind k; n_ik counts them in adopter i's set.
    Weights are scaled so that a resharer's is 1; a kind absent from every ambiguous set
    keeps its weight.
    """
    chosen = np.bincount(codes, weights=responsibility, minlength=len(TIES))
    exposure = np.bincount(codes, weights=1 / normaliser[group], minlength=len(TIES))
    updated = np.where(
        exposure > 0, np.maximum(chosen, 1e-12) / np.where(exposure > 0, exposure, 1), weights
    )
    return updated / updated[0] if exposure[0] > 0 else updated
