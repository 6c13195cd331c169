"""Seeding what-if: how far would a resource spread from other seed accounts?

Independent cascade (IC) and linear threshold (LT) models on the follow network, with edge
probabilities estimated from observed reshares (:func:`reshare_probabilities`). Both models
are simulated through their live-edge form (Kempe, Kleinberg, Tardos 2003): a run draws the
edges that would carry the resource, and the accounts reached from the seeds along them are
the spread. All candidate seed sets are scored on the same runs (common random numbers), so
the estimated spread is itself a monotone submodular function and CELF's lazy evaluation
(Leskovec et al. 2007) selects exactly the seeds plain greedy selection would.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order

from collectors.errors import NotFound
from collectors.speech import _

__all__ = [
    "MODELS",
    "DiffusionNetwork",
    "LiveEdgeRuns",
    "Selection",
    "Spread",
    "expected_spread",
    "reshare_probabilities",
    "select_seeds",
]

#: The diffusion models: independent cascade and linear threshold.
MODELS = ("ic", "lt")


@dataclass(frozen=True)
class DiffusionNetwork:
    """Accounts and the edges a resource can travel along, each with its probability."""

    accounts: Sequence[str]
    sources: np.ndarray  # index of the account the resource comes from (the followee)
    targets: np.ndarray  # index of the account it reaches (the follower)
    probability: np.ndarray  # chance that the target adopts from the source
    method: str = ""  # how the probabilities were obtained

    @classmethod
    def from_edges(cls, edges: pd.DataFrame, method: str = "") -> DiffusionNetwork:
        """Build from a table of ``source``, ``target``, ``probability`` (account names).

        >>> edges = pd.DataFrame({"source": ["a", "a"], "target": ["b", "c"],
        ...     "probability": [0.5, 1.0]})
        >>> DiffusionNetwork.from_edges(edges).accounts
        ['a', 'b', 'c']
        """
        names = pd.unique(pd.concat([edges["source"], edges["target"]], ignore_index=True))
        position = pd.Index(names)
        return cls(
            list(names),
            position.get_indexer(edges["source"]).astype("int64"),
            position.get_indexer(edges["target"]).astype("int64"),
            edges["probability"].to_numpy(dtype="float64"),
            method,
        )

    def index(self, accounts: Iterable[str]) -> np.ndarray:
        """Indices of accounts; raises :class:`~collectors.errors.NotFound` naming those not
        in the network."""
        wanted = list(accounts)
        found = pd.Index(self.accounts).get_indexer(wanted)
        missing = [name for name, at in zip(wanted, found, strict=True) if at < 0]
        if missing:
            raise NotFound(
                _("not in the follow network: {accounts}").format(accounts=", ".join(missing))
            )
        return found.astype("int64")


def reshare_probabilities(follows: pd.DataFrame, trees: pd.DataFrame) -> pd.DataFrame:
    """Estimate, for each follow edge, the chance that a follower adopts from its followee.

    For followee u and follower v: p(u → v) = (cascades where v's parent is u) / (cascades u
    adopted in). Edges whose followee never adopted have no evidence and get the overall
    rate (all such parent-child adoptions over all followee adoptions, across edges).

    Parameters
    ----------
    follows : DataFrame
        ``platform``, ``follower_id``, ``followee_id``.
    trees : DataFrame
        Cascade trees: ``cascade``, ``platform``, ``account_id``, ``parent_id``.

    Returns
    -------
    DataFrame
        ``source`` and ``target`` (``"<platform>:<account_id>"``: the followee and the
        follower), ``adoptions`` (cascades the source adopted in), ``passed`` (of them, those
        the target adopted from it) and ``probability``.

    Examples
    --------
    Bob follows Ana and adopted from her in one of her two cascades; Chloé follows Bob and
    adopted from him in one of his three; Dan follows Eve, who never adopted.

    >>> follows = pd.DataFrame({"platform": "bluesky", "follower_id": ["bob", "chloe", "dan"],
    ...     "followee_id": ["ana", "bob", "eve"]})
    >>> trees = pd.DataFrame({"platform": "bluesky",
    ...     "cascade": ["c1", "c1", "c2", "c3", "c3", "c4"],
    ...     "account_id": ["ana", "bob", "ana", "bob", "chloe", "bob"],
    ...     "parent_id": [None, "ana", None, None, "bob", None]})
    >>> reshare_probabilities(follows, trees)["probability"].round(3).tolist()  # Eve: 2 / 5
    [0.5, 0.333, 0.4]
    """
    adopted = trees.groupby(["platform", "account_id"]).size().rename("adoptions")
    passed = trees.dropna(subset=["parent_id"]).groupby(["platform", "parent_id", "account_id"])
    passed = passed.size().rename("passed")
    edges = follows.merge(
        adopted, left_on=["platform", "followee_id"], right_index=True, how="left"
    ).merge(
        passed, left_on=["platform", "followee_id", "follower_id"], right_index=True, how="left"
    )
    edges["adoptions"] = edges["adoptions"].fillna(0).astype("int64")
    edges["passed"] = edges["passed"].fillna(0).astype("int64")
    evidence = edges["adoptions"] > 0
    overall = edges.loc[evidence, "passed"].sum() / max(edges.loc[evidence, "adoptions"].sum(), 1)
    edges["probability"] = np.where(
        evidence, edges["passed"] / edges["adoptions"].where(evidence, 1), overall
    ).clip(0, 1)
    return pd.DataFrame(
        {
            "source": edges["platform"] + ":" + edges["followee_id"],
            "target": edges["platform"] + ":" + edges["follower_id"],
            "adoptions": edges["adoptions"],
            "passed": edges["passed"],
            "probability": edges["probability"],
        }
    ).reset_index(drop=True)


class LiveEdgeRuns:
    """Monte Carlo runs of a diffusion model, drawn once as live-edge graphs.

    Parameters
    ----------
    network : DiffusionNetwork
    model : {"ic", "lt"}
        ``ic``: each edge is live with its probability, independently. ``lt``: each account
        keeps at most one incoming edge, edge u → v with weight p(u → v) / max(1, Σ_u p(u → v))
        (the live-edge form of the linear threshold model with uniform thresholds).
    runs, seed : int
    """

    def __init__(self, network: DiffusionNetwork, model: str = "ic", runs: int = 1000, seed=0):
        if model not in MODELS:
            raise ValueError(
                _("unknown model {model!r}: choose one of {models}").format(
                    model=model, models=", ".join(MODELS)
                )
            )
        self.network, self.model, self.runs = network, model, runs
        self._rng = np.random.default_rng(seed)
        self._weights = self._lt_weights() if model == "lt" else None
        self._graphs = [self._draw() for _ in range(runs)]
        self._reached: dict[int, list[np.ndarray]] = {}

    def reach(self, account: int) -> list[np.ndarray]:
        """The accounts reached from one account, in each run (cached)."""
        if account not in self._reached:
            self._reached[account] = [
                breadth_first_order(graph, account, directed=True, return_predecessors=False)
                for graph in self._graphs
            ]
        return self._reached[account]

    def sizes(self, seeds: Iterable[int]) -> np.ndarray:
        """The number of accounts reached from a seed set, in each run."""
        covered = [np.zeros(len(self.network.accounts), dtype=bool) for _ in range(self.runs)]
        for account in seeds:
            for run, reached in enumerate(self.reach(int(account))):
                covered[run][reached] = True
        return np.array([mask.sum() for mask in covered], dtype="int64")

    def _lt_weights(self) -> np.ndarray:
        network = self.network
        incoming = np.bincount(
            network.targets, weights=network.probability, minlength=len(network.accounts)
        )
        return network.probability / np.maximum(incoming[network.targets], 1.0)

    def _draw(self) -> csr_array:
        network, n = self.network, len(self.network.accounts)
        if self.model == "ic":
            live = self._rng.random(len(network.probability)) < network.probability
        else:
            order = np.argsort(network.targets, kind="stable")
            targets, weights = network.targets[order], self._weights[order]
            upper = np.cumsum(weights)
            starts = np.searchsorted(targets, targets)  # first edge of each target
            upper = upper - np.concatenate([[0.0], upper])[starts]  # cumulative per target
            draw = self._rng.random(n)[targets]
            live = np.zeros(len(order), dtype=bool)
            live[order] = (upper - weights <= draw) & (draw < upper)
        ones = np.ones(int(live.sum()), dtype=np.int8)
        return csr_array((ones, (network.sources[live], network.targets[live])), shape=(n, n))


@dataclass(frozen=True)
class Spread:
    """An expected spread estimated by Monte Carlo."""

    mean: float  # expected number of accounts reached, seeds included
    standard_error: float  # of the mean, over the runs
    runs: int


def expected_spread(
    network: DiffusionNetwork, seeds: Iterable[str], model: str = "ic", runs: int = 1000, seed=0
) -> Spread:
    """Estimate σ(S), the expected number of accounts a seed set reaches.

    Examples
    --------
    >>> edges = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"],
    ...     "probability": [1.0, 0.5]})
    >>> spread = expected_spread(DiffusionNetwork.from_edges(edges), ["a"], runs=4000)
    >>> abs(spread.mean - 2.5) < 4 * spread.standard_error  # a, b, then c half the time
    True
    """
    runs_drawn = LiveEdgeRuns(network, model, runs, seed)
    return _spread(runs_drawn.sizes(network.index(seeds)))


@dataclass(frozen=True)
class Selection:
    """Seeds chosen greedily, in order, with the spread after each one."""

    table: pd.DataFrame  # rank, account, gain, spread, standard_error
    evaluations: int  # spread evaluations made (CELF makes fewer than plain greedy)


def select_seeds(
    network: DiffusionNetwork,
    k: int,
    model: str = "ic",
    runs: int = 200,
    seed=0,
    candidates: Iterable[str] | None = None,
    lazy: bool = True,
) -> Selection:
    """Choose k seed accounts that maximise the expected spread, greedily.

    Stops early when no candidate would reach anyone more.

    Parameters
    ----------
    network : DiffusionNetwork
    k : int
    model : {"ic", "lt"}
    runs, seed : int
        Monte Carlo runs shared by every evaluation, and their seed.
    candidates : iterable of str, optional
        Accounts to choose from (all by default).
    lazy : bool
        CELF: re-evaluate a candidate only when its last known gain could still be the best
        (gains only shrink as seeds are added). ``False``: evaluate every candidate each round.

    Examples
    --------
    A hub reaching three accounts for sure beats a chain of two:

    >>> edges = pd.DataFrame({"source": ["hub", "hub", "hub", "x"],
    ...     "target": ["a", "b", "c", "y"], "probability": 1.0})
    >>> chosen = select_seeds(DiffusionNetwork.from_edges(edges), k=2, runs=10)
    >>> chosen.table[["account", "gain", "spread"]].values.tolist()
    [['hub', 4.0, 4.0], ['x', 2.0, 6.0]]
    """
    drawn = LiveEdgeRuns(network, model, runs, seed)
    pool = network.index(candidates) if candidates is not None else range(len(network.accounts))
    pool = [int(account) for account in pool]
    covered = np.zeros((runs, len(network.accounts)), dtype=bool)
    evaluations = 0

    def gain(account: int) -> float:
        nonlocal evaluations
        evaluations += 1
        new = [np.count_nonzero(~covered[run][reached]) for run, reached in
               enumerate(drawn.reach(account))]  # fmt: skip
        return float(np.mean(new))

    chosen: list[int] = []
    rows = []
    heap = [(-gain(account), account, 0) for account in pool]
    heapq.heapify(heap)
    while heap and len(chosen) < k:
        if lazy:
            negative, account, computed = heapq.heappop(heap)
            if computed != len(chosen):
                heapq.heappush(heap, (-gain(account), account, len(chosen)))
                continue
            best = -negative
        else:
            if chosen:
                heap = [(-gain(account), account, len(chosen)) for _, account, _ in heap]
                heapq.heapify(heap)
            negative, account, _ = heapq.heappop(heap)
            best = -negative
        if best <= 0:
            break
        chosen.append(account)
        for run, reached in enumerate(drawn.reach(account)):
            covered[run][reached] = True
        spread = _spread(covered.sum(axis=1))
        rows.append({"rank": len(chosen), "account": network.accounts[account], "gain": best,
                     "spread": spread.mean, "standard_error": spread.standard_error})  # fmt: skip
    table = pd.DataFrame(rows, columns=["rank", "account", "gain", "spread", "standard_error"])
    return Selection(table, evaluations)


def _spread(sizes: np.ndarray) -> Spread:
    runs = len(sizes)
    error = float(np.std(sizes, ddof=1) / math.sqrt(runs)) if runs > 1 else math.nan
    return Spread(float(np.mean(sizes)), error, runs)
