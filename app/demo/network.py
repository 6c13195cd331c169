"""A synthetic teacher sociability network with planted communities (the demo's ground truth).

Teachers are drawn with a school level (maternelle … voie professionnelle), a discipline for
secondary teachers, an académie, and for some an INSPÉ trainee cohort; each belongs to one
planted community: its level and académie. Follow edges come from a degree-corrected
planted-partition model: each account follows a heavy-tailed number of others (Pareto), most
of them in its own community, chosen in proportion to a heavy-tailed popularity, so that
in-degrees are heavy-tailed too. Shared discipline and cohort make ties more likely: a share
of each teacher's follows inside its community goes to colleagues of its discipline, and a
share of those outside to its discipline or cohort across France. Institutional accounts
(from the allow-list) are followed across communities.

Everything is drawn from one ``numpy.random.Generator`` seeded by the caller: the same seed
gives the same network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ACADEMIES", "DISCIPLINES", "LEVELS", "NetworkShape", "teacher_network"]

#: School levels, with the share of teachers at each.
LEVELS = {
    "maternelle": 0.15,
    "élémentaire": 0.30,
    "collège": 0.25,
    "lycée": 0.20,
    "voie professionnelle": 0.10,
}
#: Disciplines of secondary teachers.
DISCIPLINES = ["lettres", "mathématiques", "histoire-géographie", "anglais", "SVT",
               "physique-chimie", "EPS", "technologie", "arts plastiques",
               "économie-gestion"]  # fmt: skip
#: The académies teachers are drawn from (a subset, for a readable demo).
ACADEMIES = ["Paris", "Versailles", "Créteil", "Lyon", "Lille", "Bordeaux", "Toulouse",
             "Aix-Marseille", "Rennes", "Nantes"]  # fmt: skip
_SECONDARY = {"collège", "lycée", "voie professionnelle"}


@dataclass(frozen=True)
class NetworkShape:
    """What the generated network looks like."""

    teachers: int = 4_000
    mean_following: float = 25.0  # mean number of accounts a teacher follows
    tail: float = 2.2  # Pareto exponent of following and popularity (lower: heavier tail)
    inside: float = 0.8  # share of a teacher's follows inside its planted community
    affinity: float = 0.3  # share of follows going to the same discipline (or cohort)
    trainee_share: float = 0.15  # teachers in an INSPÉ trainee cohort
    institution_reach: float = 0.3  # chance that a teacher follows a given institution


def teacher_network(
    shape: NetworkShape, rng: np.random.Generator, institutions: list[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw teachers, institutions and who follows whom.

    Parameters
    ----------
    shape : NetworkShape
    rng : numpy.random.Generator
    institutions : list of str
        Names of institutional accounts (allow-listed handles), followed across communities.

    Returns
    -------
    accounts : DataFrame
        ``account`` (``t00042`` or the institution's name), ``kind`` (``person`` or
        ``institution``), ``level``, ``discipline``, ``academie``, ``cohort`` and
        ``community`` (the planted one: ``<level> / <académie>``; ``institution`` for those).
    follows : DataFrame
        ``follower``, ``followee``: distinct pairs, no self-follow.

    Examples
    --------
    >>> accounts, follows = teacher_network(NetworkShape(teachers=300),
    ...                                     np.random.default_rng(1), ["reseau-canope.fr"])
    >>> len(accounts), int((accounts["kind"] == "institution").sum())
    (301, 1)
    >>> bool((follows["follower"] != follows["followee"]).all())
    True
    """
    n = shape.teachers
    levels = rng.choice(list(LEVELS), size=n, p=list(LEVELS.values()))
    secondary = np.isin(levels, list(_SECONDARY))
    disciplines = np.where(secondary, rng.choice(DISCIPLINES, size=n), None)
    academies = rng.choice(ACADEMIES, size=n)
    cohorts = np.where(rng.random(n) < shape.trainee_share,
                       [f"INSPÉ {a} 2026" for a in academies], None)  # fmt: skip
    communities = np.char.add(np.char.add(levels.astype(str), " / "), academies.astype(str))
    teachers = pd.DataFrame(
        {
            "account": [f"t{index:05d}" for index in range(n)],
            "kind": "person",
            "level": levels,
            "discipline": disciplines,
            "academie": academies,
            "cohort": cohorts,
            "community": communities,
        }
    )
    popularity = rng.pareto(shape.tail - 1, size=n) + 1  # heavy-tailed in-degree propensity
    following = np.maximum(
        1, np.rint((rng.pareto(shape.tail - 1, size=n) + 1) * shape.mean_following / 2)
    ).astype(int)  # the Pareto mean with a = tail − 1 is about 2 here
    pools = _Pools(popularity)
    everyone = pools.of("all", lambda: np.ones(n, dtype=bool))
    rows = []
    for follower in range(n):
        inside_count = rng.binomial(following[follower], shape.inside)
        outside_count = following[follower] - inside_count
        near = rng.binomial(inside_count, shape.affinity) if disciplines[follower] else 0
        far = rng.binomial(outside_count, shape.affinity)
        mine = communities[follower]
        community = pools.of(mine, lambda mine=mine: communities == mine)
        draws = [(community, inside_count - near), (everyone, outside_count - far)]
        if disciplines[follower]:
            key = (mine, disciplines[follower])
            pool = pools.of(key, lambda k=key: (communities == k[0]) & (disciplines == k[1]))
            draws.append((pool, near))
        group = cohorts[follower] or disciplines[follower]
        if group:
            pool = pools.of(group, lambda g=group: (cohorts == g) | (disciplines == g))
            draws.append((pool, far))
        else:
            draws[1] = (everyone, outside_count)
        chosen = np.unique(np.concatenate([pool.draw(k, follower, rng) for pool, k in draws]))
        rows.append(np.column_stack([np.full(len(chosen), follower), chosen]))
    pairs = np.concatenate(rows)
    follows = pd.DataFrame({"follower": pairs[:, 0], "followee": pairs[:, 1]})
    follows = follows[follows["follower"] != follows["followee"]].drop_duplicates()
    names = teachers["account"].to_numpy()
    follows = pd.DataFrame(
        {"follower": names[follows["follower"]], "followee": names[follows["followee"]]}
    )
    institutional = pd.DataFrame(
        {"account": list(institutions), "kind": "institution", "community": "institution"}
    )
    followed = [
        pd.DataFrame({"follower": names[rng.random(n) < shape.institution_reach], "followee": name})
        for name in institutions
    ]
    accounts = pd.concat([teachers, institutional], ignore_index=True)
    return accounts, pd.concat([follows, *followed], ignore_index=True)


class _Pools:
    """Popularity-weighted samplers of groups of teachers, built once per group."""

    def __init__(self, popularity: np.ndarray):
        self.popularity = popularity
        self.samplers: dict = {}

    def of(self, key, members) -> _Sampler:
        """The sampler of group ``key``; ``members()`` gives its mask when first asked."""
        if key not in self.samplers:
            self.samplers[key] = _Sampler(np.flatnonzero(members()), self.popularity)
        return self.samplers[key]


class _Sampler:
    def __init__(self, members: np.ndarray, popularity: np.ndarray):
        self.members = members
        self.cumulative = np.cumsum(popularity[members]) / popularity[members].sum()

    def draw(self, count: int, follower: int, rng: np.random.Generator) -> np.ndarray:
        """Up to ``count`` distinct members other than ``follower``, by popularity."""
        count = min(count, len(self.members) - (follower in self.members))
        found = np.empty(0, dtype=int)
        for _ in range(20):
            if len(found) >= count:
                break
            picks = np.searchsorted(self.cumulative, rng.random(2 * (count - len(found)) + 2))
            picks = self.members[np.minimum(picks, len(self.members) - 1)]
            merged = np.concatenate([found, picks[picks != follower]])
            found = merged[np.sort(np.unique(merged, return_index=True)[1])]
        return found[:count]
