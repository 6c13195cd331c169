"""How well the reconstruction recovers a known truth (the demo's, or any labelled data).

:func:`parent_accuracy` compares reconstructed cascade trees with the true parent of each
adoption; :func:`community_agreement` compares detected communities with planted ones by
normalised mutual information (Danon, Díaz-Guilera, Duch & Arenas, "Comparing community
structure identification", J. Stat. Mech. 2005).
"""

from __future__ import annotations

import igraph as ig
import pandas as pd

__all__ = ["community_agreement", "coverage", "parent_accuracy"]

_ADOPTION = ["resource_id", "platform", "account_id"]


def coverage(adoptions: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per platform: true adoptions, how many were collected, and any not in the truth.

    Both frames have ``resource_id``, ``platform`` and ``account_id`` (one row per adoption;
    duplicates count once).

    Examples
    --------
    >>> truth = pd.DataFrame({"resource_id": "r", "platform": "p", "account_id": ["a", "b"]})
    >>> found = pd.DataFrame({"resource_id": "r", "platform": "p", "account_id": ["a", "z"]})
    >>> coverage(found, truth).to_dict("records")
    [{'platform': 'p', 'true': 2, 'collected': 1, 'share': 0.5, 'not_in_truth': 1}]
    """
    true = truth[_ADOPTION].drop_duplicates()
    found = adoptions[_ADOPTION].drop_duplicates()
    both = true.merge(found, on=_ADOPTION, how="outer", indicator=True)
    counts = pd.crosstab(both["platform"], both["_merge"]).reindex(
        columns=["both", "left_only", "right_only"], fill_value=0
    )
    result = pd.DataFrame(
        {
            "platform": counts.index,
            "true": counts["both"] + counts["left_only"],
            "collected": counts["both"],
            "not_in_truth": counts["right_only"],
        }
    ).reset_index(drop=True)
    result.insert(3, "share", result["collected"] / result["true"])
    return result


def parent_accuracy(trees: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Share of adopters whose reconstructed parent is their true parent, by method.

    Parameters
    ----------
    trees : DataFrame
        Reconstructed trees (:func:`graph.cascades.reconstruct`): ``resource_id``,
        ``platform``, ``account_id``, ``parent_id``, ``method``.
    truth : DataFrame
        ``resource_id``, ``platform``, ``account_id`` and ``true_parent`` (null for an
        adoption nobody prompted).

    Returns
    -------
    DataFrame
        One row per method and one ``all`` row: ``adopters`` (non-root adopters whose truth
        is known), ``correct`` and ``accuracy``.

    Examples
    --------
    >>> trees = pd.DataFrame({"resource_id": "r", "platform": "p",
    ...     "account_id": ["a", "b", "c", "d"], "parent_id": [None, "a", "a", "a"],
    ...     "method": ["root", "observed", "inferred:first", "inferred:first"]})
    >>> truth = pd.DataFrame({"resource_id": "r", "platform": "p",
    ...     "account_id": ["a", "b", "c", "d"], "true_parent": [None, "a", "b", "a"]})
    >>> parent_accuracy(trees, truth).to_dict("records")[-1]
    {'method': 'all', 'adopters': 3, 'correct': 2, 'accuracy': 0.6666666666666666}
    """
    compared = trees[trees["method"] != "root"].merge(
        truth[[*_ADOPTION, "true_parent"]], on=_ADOPTION
    )
    compared = compared.assign(correct=compared["parent_id"] == compared["true_parent"])
    rows = [
        {"method": method, "adopters": len(group), "correct": int(group["correct"].sum())}
        for method, group in compared.groupby("method", sort=True)
    ]
    rows.append(
        {"method": "all", "adopters": len(compared), "correct": int(compared["correct"].sum())}
    )
    result = pd.DataFrame(rows, columns=["method", "adopters", "correct"])
    result["accuracy"] = result["correct"] / result["adopters"].where(result["adopters"] > 0)
    return result


def community_agreement(found: pd.Series, planted: pd.Series) -> dict[str, float | int]:
    """Normalised mutual information between two partitions of the same accounts.

    Only accounts present in both are compared.

    Examples
    --------
    >>> found = pd.Series({"a": 1, "b": 1, "c": 2, "d": 2})
    >>> community_agreement(found, pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"}))["nmi"]
    1.0
    """
    both = pd.concat([found.rename("found"), planted.rename("planted")], axis=1, join="inner")
    if both.empty:
        return {"accounts": 0, "found": 0, "planted": 0, "nmi": float("nan")}
    first = pd.factorize(both["found"])[0].tolist()
    second = pd.factorize(both["planted"])[0].tolist()
    return {
        "accounts": len(both),
        "found": both["found"].nunique(),
        "planted": both["planted"].nunique(),
        "nmi": ig.compare_communities(first, second, method="nmi"),
    }
