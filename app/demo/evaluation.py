"""How well the reconstruction recovers a known truth (the demo's, or any labelled data).

:func:`parent_accuracy` compares reconstructed cascade trees with the true parent of each
adoption; :func:`calibration` asks whether the confidence given to each parent matches how
often it is right; :func:`true_trees` and :func:`interval_coverage` ask how often the
uncertainty intervals of cascade metrics hold the true value; :func:`community_agreement`
compares detected communities with planted ones by normalised mutual information (Danon,
Díaz-Guilera, Duch & Arenas, "Comparing community structure identification", J. Stat.
Mech. 2005).
"""

from __future__ import annotations

from collections.abc import Sequence

import igraph as ig
import numpy as np
import pandas as pd

__all__ = [
    "calibration",
    "community_agreement",
    "coverage",
    "interval_coverage",
    "parent_accuracy",
    "true_trees",
]

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
    compared = _compared(trees, truth)
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


def calibration(
    trees: pd.DataFrame, truth: pd.DataFrame, bins: int = 10
) -> tuple[pd.DataFrame, dict[str, float | int]]:
    """Reliability of the parents' confidence: how often a parent given p is right.

    Compared are the non-root adopters whose truth is known (matched as in
    :func:`parent_accuracy`: a null ``true_parent`` means nobody prompted the adoption, so
    any parent is wrong). Adopters whose ``confidence`` is NaN (no candidate parent) are
    left out and counted as ``no_confidence``. Stated edges (confidence 1.0) fall in the
    top bin; to judge inference alone, pass only the inferred rows.

    Parameters
    ----------
    trees : DataFrame
        Reconstructed trees with ``resource_id``, ``platform``, ``account_id``,
        ``parent_id``, ``method`` and ``confidence`` (in [0, 1], or NaN).
    truth : DataFrame
        ``resource_id``, ``platform``, ``account_id`` and ``true_parent``.
    bins : int
        Equal-width bins on [0, 1], each closed on the left; the last also holds 1.0.

    Returns
    -------
    table : DataFrame
        One row per non-empty bin, in order: ``bin`` (label ``"0.9–1.0"``), ``adopters``,
        ``mean_confidence`` and ``accuracy`` (share whose parent is the true one).
    summary : dict
        ``adopters`` (compared), ``no_confidence``, ``ece`` (expected calibration error,
        Σ_b n_b / N · |accuracy_b − mean_confidence_b|) and ``brier`` (mean of
        (confidence − correct)²); both NaN when no adopter is compared.

    Raises
    ------
    ValueError
        If ``bins`` < 1 or a confidence lies outside [0, 1].

    Examples
    --------
    >>> trees = pd.DataFrame({"resource_id": "r", "platform": "p",
    ...     "account_id": ["a", "b", "c", "d"], "parent_id": [None, "a", "a", "b"],
    ...     "method": ["root", "stated:reply", "inferred:first", "inferred:first"],
    ...     "confidence": [None, 1.0, 0.75, 0.75]})
    >>> truth = pd.DataFrame({"resource_id": "r", "platform": "p",
    ...     "account_id": ["a", "b", "c", "d"], "true_parent": [None, "a", "a", "a"]})
    >>> table, summary = calibration(trees, truth)
    >>> table.to_dict("records")[0]
    {'bin': '0.7–0.8', 'adopters': 2, 'mean_confidence': 0.75, 'accuracy': 0.5}
    >>> summary
    {'adopters': 3, 'no_confidence': 0, 'ece': 0.16666666666666666, 'brier': 0.20833333333333334}

    References
    ----------
    M. P. Naeini, G. F. Cooper, M. Hauskrecht, AAAI 2015 (ECE). C. Guo, G. Pleiss, Y. Sun,
    K. Q. Weinberger, "On calibration of modern neural networks", ICML 2017. G. W. Brier,
    Monthly Weather Review 78(1), 1950.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    compared = _compared(trees, truth)
    confidence = compared["confidence"].astype(float).to_numpy()
    known = ~np.isnan(confidence)
    confidence = confidence[known]
    correct = compared["correct"].to_numpy(dtype=float)[known]
    if ((confidence < 0) | (confidence > 1)).any():
        raise ValueError("a confidence lies outside [0, 1]")
    # Edges k / bins, each the float nearest to it, so that a confidence of k / bins
    # falls in bin k (floor(confidence * bins) puts 1/49 in bin 0).
    edges = np.arange(bins + 1) / bins
    index = np.minimum(np.searchsorted(edges, confidence, side="right") - 1, bins - 1)
    table = (
        pd.DataFrame({"index": index, "confidence": confidence, "correct": correct})
        .groupby("index", sort=True)
        .agg(
            adopters=("confidence", "size"),
            mean_confidence=("confidence", "mean"),
            accuracy=("correct", "mean"),
        )
        .reset_index()
    )
    decimals = next((d for d in range(1, 4) if np.allclose(edges.round(d), edges)), 4)
    table.insert(
        0,
        "bin",
        [f"{edges[i]:.{decimals}f}–{edges[i + 1]:.{decimals}f}" for i in table.pop("index")],
    )
    adopters = len(confidence)
    gaps = (table["accuracy"] - table["mean_confidence"]).abs()
    summary = {
        "adopters": adopters,
        "no_confidence": int((~known).sum()),
        "ece": float((table["adopters"] / adopters * gaps).sum()) if adopters else np.nan,
        "brier": float(np.mean((confidence - correct) ** 2)) if adopters else np.nan,
    }
    return table, summary


def true_trees(trees: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The true trees over the collected adopters, to measure with ``cascade_metrics``.

    A cascade's true tree is defined only when the truth makes its collected adopters one
    tree: every adopter's truth is known, exactly one came from nobody, and every other
    one's true parent adopted in the same cascade. Other cascades are left out, each
    counted once under the first reason that applies: ``unknown_truth`` (an adopter absent
    from the truth, or with conflicting true parents), ``parent_outside`` (a true parent
    not among the cascade's adopters: not collected, or in another cascade) and
    ``not_a_tree`` (no or several adopters from nobody, or a cycle).

    Parameters
    ----------
    trees : DataFrame
        Reconstructed trees: ``cascade``, ``resource_id``, ``platform``, ``account_id``,
        ``parent_id``, ``method`` and any other column.
    truth : DataFrame
        ``resource_id``, ``platform``, ``account_id`` and ``true_parent``.

    Returns
    -------
    tree : DataFrame
        The rows of the kept cascades, ``parent_id`` the true parent, ``method`` ``root``
        or ``truth``; ``confidence``, which describes the reconstructed parent, is dropped.
    summary : dict
        ``cascades`` (in ``trees``), ``kept``, ``unknown_truth``, ``parent_outside``,
        ``not_a_tree``.

    Examples
    --------
    Cascade r/1: reconstructed a → b, a → c; truly a → b → c. Cascade r/2: b's true parent
    x was not collected.

    >>> trees = pd.DataFrame({"cascade": ["r/1"] * 3 + ["r/2"] * 2,
    ...     "resource_id": ["r"] * 3 + ["s"] * 2, "platform": "p",
    ...     "account_id": ["a", "b", "c", "a", "b"], "parent_id": [None, "a", "a", None, "a"],
    ...     "method": ["root", "inferred:first", "inferred:first", "root", "stated:via"]})
    >>> truth = pd.DataFrame({"resource_id": ["r"] * 3 + ["s"] * 2, "platform": "p",
    ...     "account_id": ["a", "b", "c", "a", "b"], "true_parent": [None, "a", "b", None, "x"]})
    >>> tree, summary = true_trees(trees, truth)
    >>> tree[["cascade", "account_id", "parent_id", "method"]].values.tolist()
    [['r/1', 'a', None, 'root'], ['r/1', 'b', 'a', 'truth'], ['r/1', 'c', 'b', 'truth']]
    >>> summary
    {'cascades': 2, 'kept': 1, 'unknown_truth': 0, 'parent_outside': 1, 'not_a_tree': 0}
    """
    known = truth[[*_ADOPTION, "true_parent"]].drop_duplicates()
    known = known[~known.duplicated(_ADOPTION, keep=False)]  # conflicting: unknown
    frame = trees.reset_index(drop=True).merge(known, on=_ADOPTION, how="left", indicator=True)
    unknown = (frame.pop("_merge") == "left_only").to_numpy()
    true_parent = frame.pop("true_parent")
    from_nobody = true_parent.isna().to_numpy() & ~unknown
    keys = pd.MultiIndex.from_frame(frame[["cascade", "account_id"]])
    parent = keys.get_indexer(pd.MultiIndex.from_arrays([frame["cascade"], true_parent]))
    parent[(frame["account_id"] == true_parent).to_numpy()] = -1  # its own parent
    outside = (parent < 0) & ~from_nobody & ~unknown
    # Pointer jumping: after enough rounds every node of a tree has reached past its root
    # (-1); a node on or below a cycle never does. Unknown or outside parents stop too.
    ancestor = np.where(from_nobody | outside | unknown, -1, parent)
    for _ in range(len(ancestor).bit_length() + 1):
        ancestor = np.where(ancestor >= 0, ancestor[np.maximum(ancestor, 0)], -1)
    flags = pd.DataFrame(
        {
            "unknown": unknown,
            "outside": outside,
            "roots": from_nobody,
            "cycle": ancestor >= 0,
        }
    ).groupby(frame["cascade"].to_numpy(), sort=False)
    per_cascade = flags.agg({"unknown": "any", "outside": "any", "roots": "sum", "cycle": "any"})
    reason = np.select(
        [
            per_cascade["unknown"],
            per_cascade["outside"],
            (per_cascade["roots"] != 1) | per_cascade["cycle"],
        ],
        ["unknown_truth", "parent_outside", "not_a_tree"],
        default="kept",
    )
    kept = per_cascade.index[reason == "kept"]
    keep = frame["cascade"].isin(kept).to_numpy()
    tree = frame.assign(
        parent_id=true_parent.astype(object).where(true_parent.notna(), None),
        method=np.where(from_nobody, "root", "truth"),
    )
    tree = tree[keep].drop(columns="confidence", errors="ignore").reset_index(drop=True)
    summary = {"cascades": len(per_cascade), "kept": len(kept)}
    for name in ("unknown_truth", "parent_outside", "not_a_tree"):
        summary[name] = int((reason == name).sum())
    return tree, summary


def interval_coverage(
    intervals: pd.DataFrame,
    true_metrics: pd.DataFrame,
    metrics: Sequence[str] = ("structural_virality", "depth"),
) -> pd.DataFrame:
    """Share of cascades whose true metric lies within its interval, bounds included.

    Counted are the cascades present in both frames whose true value is not NaN; an
    interval with a NaN bound covers nothing.

    Parameters
    ----------
    intervals : DataFrame
        ``cascade`` and ``<metric>_low``, ``<metric>_high`` for each metric (as from
        ``graph.uncertainty.metric_intervals``).
    true_metrics : DataFrame
        ``cascade`` and the metric columns: the true trees (:func:`true_trees`) measured by
        ``graph.cascades.cascade_metrics``.
    metrics : sequence of str

    Returns
    -------
    DataFrame
        One row per metric: ``metric``, ``cascades``, ``covered`` and ``share`` (NaN when
        no cascade is counted).

    Raises
    ------
    pandas.errors.MergeError
        If a cascade appears twice in either frame.

    Examples
    --------
    >>> intervals = pd.DataFrame({"cascade": ["c1", "c2", "c3"],
    ...     "depth_low": [1, 2, 1], "depth_high": [2, 3, 1]})
    >>> true = pd.DataFrame({"cascade": ["c1", "c2", "c3"], "depth": [2, 1, float("nan")]})
    >>> interval_coverage(intervals, true, metrics=["depth"]).to_dict("records")
    [{'metric': 'depth', 'cascades': 2, 'covered': 1, 'share': 0.5}]
    """
    bounds = [f"{metric}_{end}" for metric in metrics for end in ("low", "high")]
    both = intervals[["cascade", *bounds]].merge(
        true_metrics[["cascade", *metrics]], on="cascade", validate="one_to_one"
    )
    rows = []
    for metric in metrics:
        true = both[metric].astype(float)
        counted = true.notna()
        inside = (both[f"{metric}_low"] <= true) & (true <= both[f"{metric}_high"])
        cascades = int(counted.sum())
        covered = int((inside & counted).sum())
        share = covered / cascades if cascades else np.nan
        rows.append({"metric": metric, "cascades": cascades, "covered": covered, "share": share})
    return pd.DataFrame(rows, columns=["metric", "cascades", "covered", "share"])


def _compared(trees: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Non-root adopters whose truth is known, with ``true_parent`` and ``correct``."""
    compared = trees[trees["method"] != "root"].merge(
        truth[[*_ADOPTION, "true_parent"]], on=_ADOPTION
    )
    return compared.assign(correct=compared["parent_id"] == compared["true_parent"])
