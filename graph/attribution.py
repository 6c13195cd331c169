"""Who passed a resource to whom: candidate parents and a delay-kernel attribution model.

A platform names the post an adopter acted on (the post reposted, quoted or answered), not
the account whose copy the adopter saw: a repost of a repost points at the original. So
each adopter i of a cascade gets candidate parents:

- the author of the post i acted on (tie ``author``, or ``author_followed`` when i follows
  that author);
- every account i follows that reposted that same post before i (tie ``resharer``).

The model is a point process (NetRate, Hawkes): once account j shows the post at s_j
(posts or reposts it), each account i exposed to it adopts at rate w_tie κ(t − s_j), where
κ is a log-normal density of the delay in hours (μ, σ of its logarithm) and w_tie a rate per
kind of tie. Transmissions are rare (a few exposures in a hundred lead to an adoption), so
given that i adopted once before the horizon T (the platform's latest adoption), its time
t_i has the density

    Σ_{j: s_j < t_i} w_j κ(t_i − s_j) / Σ_{j ∈ E_i} w_j K(T − s_j),

where E_i holds every account i follows that showed the post, before or after t_i, and K is
the kernel's distribution function. The parent's posterior is then

    P(parent = j | i) = w_j κ(t_i − s_j) / Σ_{k: s_k < t_i} w_k κ(t_i − s_k).

μ, σ and the rates are estimated by maximum likelihood (L-BFGS-B with the exact gradient),
one platform at a time; only the rates' ratios matter, reported as weights with
w_resharer = 1 (a kind met only by adopters with a single exposure is not estimated and
weighs 1). The denominator is what makes the rates identifiable: an adopter that acted
before its followees reshared says that their rate is low.

Assumptions: each adoption was prompted by one exposure; exposures act independently and
rarely (competing exposures do not censor each other); the delay to react does not depend
on who showed the post, only the rate does; accounts that did not show the very post acted
on (a quote that embeds it, a follow never collected) are not candidates.

References
----------
M. Gomez-Rodriguez, D. Balduzzi, B. Schölkopf, "Uncovering the temporal dynamics of diffusion
networks", ICML 2011 (NetRate: delay kernels estimated from cascades). J. R. Zipkin,
F. P. Schoenberg, K. Coronges, A. L. Bertozzi, "Point-process models of social network
interactions: parameter estimation and missing data recovery", Eur. J. Appl. Math. 27(3),
2016 (EM over the branching structure). M.-A. Rizoiu, L. Xie, S. Sanner, M. Cebrian, H. Yu,
P. Van Hentenryck, "Expecting to be HIP", WWW 2017.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import log_ndtr

from graph.frames import query_frames, sorted_groups, time_order
from graph.store import queries as q

__all__ = ["MIN_ADOPTERS", "TIES", "DelayKernel", "exposures", "fit_kernel", "posteriors"]

#: Kinds of tie between an adopter and a candidate parent.
TIES = ("resharer", "author_followed", "author")
_HOUR = pd.Timedelta(hours=1)
_SHORTEST = 1 / 3600  # a delay of one second: clocks that disagree, or the same second
_NARROWEST = 0.05  # smallest σ of the log-delay: a kernel cannot collapse on one delay
#: Fewer adopters with a candidate: no fit (μ and σ NaN), candidates weigh the same.
MIN_ADOPTERS = 20
_LOG_ROOT_TAU = math.log(2 * math.pi) / 2


@dataclass(frozen=True)
class DelayKernel:
    """A fitted log-normal delay kernel and tie weights, with what the fit rests on."""

    mu: float  # mean of the log-delay (hours)
    sigma: float  # standard deviation of the log-delay
    weights: dict[str, float] = field(default_factory=dict)  # kinds not estimated weigh 1
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


def exposures(
    pending: pd.DataFrame, adoptions: pd.DataFrame, follows: pd.DataFrame
) -> pd.DataFrame:
    """Return who showed each pending adopter the post it acted on, and when.

    Parameters
    ----------
    pending : DataFrame
        Non-root first adoptions, indexed by a node number: ``cascade``, ``platform``,
        ``account_id``, ``adopted_at`` and ``parent_post_id`` (the post acted on) and
        ``target_author`` (its author).
    adoptions : DataFrame
        Every adoption: ``cascade``, ``platform``, ``account_id``, ``adopted_at``, ``kind``,
        ``post_id`` (null or '' for none) and ``parent_post_id`` (who showed which post,
        when). A platform's latest adoption is its horizon, the end of observation.
    follows : DataFrame
        ``platform``, ``follower_id``, ``followee_id``.

    Returns
    -------
    DataFrame
        Sorted by node: ``node``, ``candidate_id``, ``tie`` (one of :data:`TIES`),
        ``shown_at`` (when it showed the post; NaT if unknown), ``candidate`` (whether it can
        be the parent: the post's author, followed or not, or a followed account that
        reposted it strictly before the adopter), ``hours`` (the adopter's delay after a
        candidate, at least one second; NaN if a time is unknown or for a non-candidate) and
        ``horizon`` (hours from the showing to the horizon; NaN if unknown). Followed
        accounts that reposted the post after the adopter, or at an unknown time, are listed
        as non-candidates: the model learns from the first that the adopter did not wait
        for them, and the second make the adopter's parent a question times cannot settle.

    Examples
    --------
    Bob, Chloé and Eve reposted Ana's post; Dan, who follows Chloé and Eve, reposted it
    before Eve:

    >>> at = lambda h: pd.Timestamp("2026-09-01", tz="UTC") + pd.Timedelta(hours=h)
    >>> adoptions = pd.DataFrame({"cascade": "c", "platform": "bluesky",
    ...     "account_id": ["ana", "bob", "chloe", "dan", "eve"],
    ...     "adopted_at": [at(0), at(1), at(2), at(4), at(6)], "post_id": ["p", "", "", "", ""],
    ...     "kind": ["original", "repost", "repost", "repost", "repost"],
    ...     "parent_post_id": [None, "p", "p", "p", "p"]})
    >>> pending = adoptions.iloc[[3]].assign(target_author="ana")
    >>> follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["dan", "dan"],
    ...     "followee_id": ["chloe", "eve"]})
    >>> exposures(pending, adoptions, follows)[["candidate_id", "tie", "candidate", "hours",
    ...                                         "horizon"]]
      candidate_id       tie  candidate  hours  horizon
    0        chloe  resharer       True    2.0      4.0
    1          eve  resharer      False    NaN      0.0
    2          ana    author       True    4.0      6.0
    """
    pending = pending.rename_axis("node").reset_index()
    keys = ["cascade", "parent_post_id"]
    posted = adoptions.loc[adoptions["post_id"].notna(), ["cascade", "post_id", "adopted_at"]]
    posted = posted[posted["post_id"] != ""]
    authors = pending.merge(
        posted.rename(columns={"post_id": "parent_post_id", "adopted_at": "shown_at"}),
        on=keys,
        how="left",
    ).drop_duplicates("node")
    authors = authors.assign(candidate_id=authors["target_author"])
    authors = authors[
        authors["candidate_id"].notna() & (authors["candidate_id"] != authors["account_id"])
    ]

    resharers, follow_author = query_frames(
        q.FOLLOWED_EXPOSURES,
        pending=pending[["node", "cascade", "platform", "account_id", "parent_post_id",
                         "target_author"]],
        follows=follows[["platform", "follower_id", "followee_id"]],
        reposts=adoptions.loc[adoptions["kind"] == "repost",
                              ["cascade", "parent_post_id", "account_id", "adopted_at"]],
    )  # fmt: skip
    resharers = resharers.merge(pending[["node", "platform", "adopted_at"]], on="node")
    columns = ["node", "platform", "candidate_id", "adopted_at", "shown_at"]
    found = pd.concat(
        [part[columns].assign(author=author, shown_at=pd.to_datetime(part["shown_at"], utc=True))
         for part, author in ((resharers, False), (authors, True))],
        ignore_index=True,
    )  # fmt: skip
    followed = found["node"].isin(follow_author["node"])
    kind = np.where(~found["author"], 0, np.where(followed, 1, 2))
    tie = pd.Categorical.from_codes(kind, categories=TIES)
    candidate = found["author"] | (found["shown_at"] < found["adopted_at"])
    hours = ((found["adopted_at"] - found["shown_at"]) / _HOUR).clip(lower=_SHORTEST)
    latest = adoptions.groupby("platform")["adopted_at"].max()
    horizon = latest.reindex(found["platform"]).set_axis(found.index)
    found = found.assign(
        tie=tie, candidate=candidate, hours=hours.where(candidate),
        horizon=((horizon - found["shown_at"]) / _HOUR).clip(lower=0.0),
    )  # fmt: skip
    order = np.lexsort(
        (found["candidate_id"], time_order(found["shown_at"]), found["author"], found["node"])
    )
    found = found.iloc[order]
    columns = ["node", "candidate_id", "tie", "shown_at", "candidate", "hours", "horizon"]
    return found[columns].reset_index(drop=True)


def fit_kernel(
    node: np.ndarray, tie: np.ndarray, hours: np.ndarray, horizon: np.ndarray,
    sample: int = 20_000, seed: int = 0,
) -> DelayKernel:  # fmt: skip
    """Estimate the delay kernel and tie weights by maximum likelihood.

    Parameters
    ----------
    node, tie, hours, horizon : arrays, one entry per exposure
        The adopter (sorted), the kind of tie (one of :data:`TIES`), the delay in hours after
        the showing (positive; NaN when it came after the adoption: not a candidate) and the
        hours from the showing to the horizon (at least 0). Adopters without a candidate are
        left out.
    sample : int
        At most this many adopters, drawn with ``seed``, enter the fit: five parameters
        need no more, and the fit stays fast on millions of adoptions.

    Returns
    -------
    DelayKernel
        ``converged`` is false when the optimiser stopped without meeting its tolerance.

    Examples
    --------
    Thirty adopters with one candidate each, a third after 1, 2 and 4 hours, long before the
    horizon: the log-normal maximum likelihood, a median at the geometric mean.

    >>> kernel = fit_kernel(np.arange(30), np.array(["author"] * 30),
    ...                     np.tile([1.0, 2.0, 4.0], 10), np.full(30, 1e9))
    >>> round(kernel.median_hours, 4), kernel.adopters, kernel.ambiguous
    (2.0, 30, 0)
    """
    node, hours, horizon = (np.asarray(a) for a in (node, hours, horizon))
    codes = _tie_codes(tie)
    group, _ = sorted_groups(node)
    rows = (np.bincount(group, weights=np.isfinite(hours)) > 0)[group]
    node, codes, hours, horizon = node[rows], codes[rows], hours[rows], horizon[rows]
    group, starts = sorted_groups(node)
    if len(starts) < MIN_ADOPTERS:
        return DelayKernel(mu=math.nan, sigma=math.nan, adopters=len(starts), converged=False)
    if len(starts) > sample:
        kept = np.zeros(len(starts), dtype=bool)
        kept[np.random.default_rng(seed).choice(len(starts), sample, replace=False)] = True
        rows = kept[group]
        node, codes, hours, horizon = node[rows], codes[rows], hours[rows], horizon[rows]
        group, starts = sorted_groups(node)
    candidate = np.isfinite(hours)
    logs = np.log(np.where(candidate, hours, 1.0))
    log_horizon = np.log(np.maximum(horizon, _SHORTEST))
    # A rate is identifiable only against another: kinds met where an adopter had several
    # exposures. The others are not estimated (absent from the weights: they weigh 1).
    exposed = np.bincount(group)[group] > 1
    seen = np.bincount(codes[exposed], minlength=len(TIES)) > 0

    def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, log_sigma, rate = theta[0], theta[1], np.exp(theta[2:])[codes]
        sigma = math.exp(log_sigma)
        z = (logs - mu) / sigma
        joint = np.where(candidate, np.log(rate) - logs - log_sigma - _LOG_ROOT_TAU - z**2 / 2,
                         -np.inf)  # fmt: skip
        responsibility, log_total = _normalised(joint, group, starts)
        end = (log_horizon - mu) / sigma
        share, log_mass = _normalised(np.log(rate) + log_ndtr(end), group, starts)
        density = np.exp(np.log(rate) - end**2 / 2 - _LOG_ROOT_TAU - log_mass[group])
        gradient = np.r_[
            (np.sum(responsibility * z) + np.sum(density)) / sigma,
            np.sum(responsibility * (z**2 - 1)) + np.sum(density * end),
            np.bincount(codes, weights=responsibility - share, minlength=len(TIES)),
        ]
        return float(np.sum(log_mass) - np.sum(log_total)), -gradient

    start = np.r_[logs[candidate].mean(), math.log(max(logs[candidate].std(), _NARROWEST)),
                  np.zeros(len(TIES))]  # fmt: skip
    bounds = [(None, None), (math.log(_NARROWEST), None)]
    bounds += [(None, None) if known else (0.0, 0.0) for known in seen]
    found = minimize(negative, start, jac=True, method="L-BFGS-B", bounds=bounds)
    rates = np.exp(found.x[2:])
    scale = rates[np.argmax(seen)]  # the resharer's rate, else the first kind estimated
    size = np.bincount(group, weights=candidate)
    return DelayKernel(
        mu=float(found.x[0]), sigma=math.exp(found.x[1]),
        weights={tie: float(rate / scale) for tie, rate, known in zip(TIES, rates, seen,
                                                                       strict=True) if known},
        adopters=len(starts), ambiguous=int(np.count_nonzero(size > 1)),
        iterations=int(found.nit), converged=bool(found.success),
    )  # fmt: skip


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
    group, starts = sorted_groups(node)
    if not len(group):
        return np.zeros(0)
    timed = np.isfinite(hours)
    weight = np.array([kernel.weights.get(name, 1.0) for name in TIES])
    joint = np.full(len(hours), -np.inf)
    if timed.any() and math.isfinite(kernel.mu):
        codes = _tie_codes(tie)
        joint[timed] = np.log(weight[codes[timed]]) + kernel.log_density(hours[timed])
    untimed = ~np.isfinite(np.maximum.reduceat(joint, starts))
    joint[untimed[group]] = 0.0
    return _normalised(joint, group, starts)[0]


def _tie_codes(tie) -> np.ndarray:
    """The position of each tie in :data:`TIES` (fast when ``tie`` is already categorical)."""
    return np.asarray(pd.Categorical(tie, categories=TIES).codes)


def _normalised(joint: np.ndarray, group: np.ndarray, starts: np.ndarray):
    """Each entry's share of its group, exp(joint) / Σ_group exp(joint), computed stably; and
    each group's log Σ exp(joint)."""
    top = np.maximum.reduceat(joint, starts)
    scaled = np.exp(joint - top[group])
    total = np.bincount(group, weights=scaled)
    return scaled / total[group], np.log(total) + top
