"""Adoption per resource: models fitted to adoption times, Rogers' categories, delays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph.adoption import adopter_categories, adoption_delays, bass_fits
from graph.bass import bass_cdf, effort_time

START = pd.Timestamp("2026-09-01", tz="UTC")


def _adoptions(hours: list[float], resource: str = "r1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": resource,
            "platform": "bluesky",
            "account_id": [f"{resource}-{index}" for index in range(len(hours))],
            "adopted_at": [START + pd.Timedelta(hours=h) for h in hours],
        }
    )


def _counted(daily) -> list[float]:
    """Adoption hours putting ``daily[d]`` adopters at noon of day d."""
    return [24 * day + 12 for day, count in enumerate(daily) for _ in range(count)]


def test_bass_fits_per_resource_from_adoption_times():
    m, p, q = 1_000, 0.01, 0.25
    expected = np.diff(np.rint(bass_cdf(np.arange(0, 61), p, q) * m)).astype(int)
    adoptions = pd.concat([_adoptions(_counted(expected)), _adoptions([0, 5, 30], resource="r2")])
    adoptions = pd.concat([adoptions, adoptions.head(50)])  # adopting twice counts once
    fits = bass_fits(adoptions).set_index(["resource_id", "model"])
    fitted = fits.loc[("r1", "bass")]
    assert fitted["adopters"] == expected.sum() and fitted["status"] == "fitted"
    # days from the first adoption to the last (the rounded tail ends before day 60)
    assert fitted["chosen"] and fitted["points"] == np.flatnonzero(expected)[-1] + 1
    # counts rounded to whole adopters: within a few per cent
    assert (fitted["m"], fitted["p"], fitted["q"]) == pytest.approx((m, p, q), rel=0.05)
    assert fits.loc[("r2", "bass"), "status"] == "refused: 2 time points, at least 6 are needed"
    assert fits.loc["r1"].index.tolist() == ["external", "bass", "generalized bass"]


def test_bass_fits_take_the_campaign_actions_as_effort_impulses():
    # first adoption at START + 12 h; the action 20 days later brings diffusion 6 days forward
    m, p, q, shift, decay = 1_500, 0.005, 0.15, 6.0, 1.5
    days = np.arange(0, 81, dtype=float)
    shares = bass_cdf(effort_time(days, [20.0], [shift], decay), p, q)
    expected = np.diff(np.rint(shares * m)).astype(int)
    date = START + pd.Timedelta(hours=12) + pd.Timedelta(days=20)
    actions = pd.DataFrame(
        {"resource_id": ["r1", "r2"], "date": [date, date], "label": ["d newsletter", "other"]}
    )
    fits = bass_fits(_adoptions(_counted(expected)), actions).set_index("model")
    generalized = fits.loc["generalized bass"]
    assert generalized["chosen"] and generalized["status"] == "fitted"
    assert (generalized["m"], generalized["q"], generalized["decay"]) == pytest.approx(
        (m, q, decay), rel=0.05
    )
    assert generalized["impulses"].startswith("d newsletter: +6")


def test_adopter_categories_by_their_shares_keep_ties_together():
    # 40 adopters, one an hour, except two ties: adopters 5 and 6 (0-based) at the same hour,
    # and 19, 20 and 21. Mid-rank shares (earlier + half the tied, itself included) / 40:
    # adopter 0: 0.5/40 = 1.25 % < 2.5 %: the one innovator; adopter 1: 3.75 %;
    # 5 and 6: (5 + 1)/40 = 15 % < 16 %: both early adopters (alone, 6 would be 16.25 %);
    # 7: 18.75 %, 18: 46.25 %: early majority; 19–21: (19 + 1.5)/40 = 51.25 % ≥ 50 %: all
    # late majority (alone, 19 would be 48.75 %); 33: 83.75 % < 84 %; 34: 86.25 %: laggard
    hours = [float(h) for h in range(40)]
    hours[6] = hours[5]
    hours[20] = hours[21] = hours[19]
    table = adopter_categories(_adoptions(hours))
    assert table["category"].tolist() == [
        "innovator",
        *["early adopter"] * 6,
        *["early majority"] * 12,
        *["late majority"] * 15,
        *["laggard"] * 6,
    ]
    assert table.groupby("hours")["category"].nunique().max() == 1


def test_adopter_categories_by_the_sigma_rule():
    # mean 100 h, σ = √2420 ≈ 49.2 h: z ≈ -2.03, -0.81, -0.41, -0.20, 0, 0, 0.20, 0.41, 0.81,
    # 2.03; the early adopters' band (-2 ≤ z < -1) is empty here
    hours = [0, 60, 80, 90, 100, 100, 110, 120, 140, 200]
    table = adopter_categories(_adoptions(hours), rule="sigma")
    assert table["category"].tolist() == [
        "innovator",
        *["early majority"] * 3,
        *["late majority"] * 5,
        "laggard",
    ]
    table = adopter_categories(
        _adoptions([0, 100, 100, 100, 100, 100, 100, 100, 100, 150]), rule="sigma"
    )
    # mean 95, σ = √((9025 + 8 · 25 + 3025) / 10) = 35: z(0) ≈ -2.72, z(100) ≈ 0.14, z(150) ≈ 1.57
    assert table["category"].tolist() == ["innovator", *["late majority"] * 8, "laggard"]
    with pytest.raises(ValueError, match="unknown rule"):
        adopter_categories(_adoptions(hours), rule="quantiles")


@pytest.mark.parametrize("rule", ["shares", "sigma"])
def test_adopter_categories_are_undefined_without_spread(rule):
    table = adopter_categories(pd.concat([_adoptions([3, 3, 3]), _adoptions([1], "r2")]), rule)
    assert table["category"].isna().all() and len(table) == 4


def test_adoption_delays_leave_out_untimed_adoptions():
    adoptions = _adoptions([0, 4, 8])
    adoptions.loc[2, "adopted_at"] = pd.NaT
    memberships = pd.DataFrame(
        {"platform": "bluesky", "account_id": adoptions["account_id"], "community": [0, 1, 1]}
    )
    delays = adoption_delays(adoptions, memberships)
    assert delays[["community", "adopters", "median_hours"]].values.tolist() == [
        [0, 1, 0.0],
        [1, 1, 4.0],
    ]


def test_an_account_counts_once_at_its_first_adoption_whatever_the_order_given():
    # b adopted at hour 30 (listed first) and again at hour 6: it counts once, at hour 6
    adoptions = _adoptions([30, 0, 6, 12])
    adoptions["account_id"] = ["b", "a", "b", "c"]
    memberships = pd.DataFrame({"platform": "bluesky", "account_id": ["a", "b", "c"],
                                "community": [0, 1, 1]})  # fmt: skip
    delays = adoption_delays(adoptions, memberships)
    assert delays[["community", "adopters", "first_hours", "mean_hours"]].values.tolist() == [
        [0, 1, 0.0, 0.0],
        [1, 2, 6.0, 9.0],
    ]
    categories = adopter_categories(adoptions)
    assert categories["account_id"].tolist() == ["a", "b", "c"]
    assert categories["hours"].tolist() == [0.0, 6.0, 12.0]
