"""Adoption models: the Bass fit recovers known curves and refuses degenerate ones."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from graph.adoption import adopter_categories, adoption_delays, bass_curve, bass_fits, fit_bass

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


@pytest.mark.parametrize(
    ("m", "p", "q"),
    [(500, 0.01, 0.3), (2_000, 0.002, 0.5), (80, 0.2, 0.05)],  # the last: q < p, no peak
)
def test_bass_fit_recovers_a_noise_free_curve(m, p, q):
    t = np.arange(1, 61, dtype=float)
    fit = fit_bass(t, bass_curve(t, m, p, q))
    assert fit.status == "fitted" and fit.points == 60
    assert (fit.m, fit.p, fit.q) == pytest.approx((m, p, q), rel=1e-4)
    assert fit.r2 == pytest.approx(1.0, abs=1e-9)
    assert fit.peak == pytest.approx(math.log(q / p) / (p + q) if q > p else 0.0, rel=1e-3)


def test_the_bass_peak_is_where_adoptions_per_unit_of_time_are_highest():
    fine = np.linspace(0, 60, 600_001)
    rate = np.gradient(bass_curve(fine, 500, 0.01, 0.3), fine)
    fit = fit_bass(np.arange(1, 61), bass_curve(np.arange(1, 61), 500, 0.01, 0.3))
    assert fit.peak == pytest.approx(fine[np.argmax(rate)], abs=1e-3)


def test_bass_intervals_cover_the_truth_on_noisy_counts():
    rng = np.random.default_rng(7)
    t = np.arange(1, 61, dtype=float)
    noisy = bass_curve(t, 1_000, 0.01, 0.3) + rng.normal(0, 5, size=t.size)
    fit = fit_bass(t, noisy)
    assert fit.m_low < 1_000 < fit.m_high
    assert fit.p_low < 0.01 < fit.p_high
    assert fit.q_low < 0.3 < fit.q_high
    assert 0.99 < fit.r2 < 1


@pytest.mark.parametrize(
    ("t", "counts", "reason"),
    [
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], "5 time points, at least 6 are needed"),
        ([1, 2, 3, 4, 5, 6], [4] * 6, "adoption never grows after the first time point"),
        ([], [], "0 time points, at least 6 are needed"),
    ],
)
def test_bass_fit_refuses_degenerate_input(t, counts, reason):
    fit = fit_bass(t, counts)
    assert fit.status == f"refused: {reason}"
    assert math.isnan(fit.m) and math.isnan(fit.r2)


def test_bass_fits_per_resource_from_adoption_times():
    m, p, q = 1_000, 0.01, 0.25
    expected = np.diff(np.rint(bass_curve(np.arange(0, 61), m, p, q))).astype(int)
    hours = [24 * day + 12 for day, count in enumerate(expected) for _ in range(count)]
    adoptions = pd.concat([_adoptions(hours), _adoptions([0, 5, 30], resource="r2")])
    adoptions = pd.concat([adoptions, adoptions.head(50)])  # adopting twice counts once
    fits = bass_fits(adoptions).set_index("resource_id")
    fitted = fits.loc["r1"]
    assert fitted["adopters"] == expected.sum() and fitted["status"] == "fitted"
    assert fitted["m"] == pytest.approx(m, rel=0.01)
    assert fitted["p"] == pytest.approx(p, rel=0.05)
    assert fitted["q"] == pytest.approx(q, rel=0.05)
    assert fits.loc["r2", "status"] == "refused: 2 time points, at least 6 are needed"


def test_adopter_categories_follow_rogers_cut_points():
    # mean 100 h, σ = √2420 ≈ 49.2 h: z ≈ -2.03, -0.81, -0.41, -0.20, 0, 0, 0.20, 0.41, 0.81,
    # 2.03; the early adopters' band (-2 ≤ z < -1) is empty here
    hours = [0, 60, 80, 90, 100, 100, 110, 120, 140, 200]
    table = adopter_categories(_adoptions(hours))
    assert table["category"].tolist() == [
        "innovator",
        *["early majority"] * 3,
        *["late majority"] * 5,
        "laggard",
    ]
    table = adopter_categories(_adoptions([0, 100, 100, 100, 100, 100, 100, 100, 100, 150]))
    # mean 95, σ = √((9025 + 8 · 25 + 3025) / 10) = 35: z(0) ≈ -2.72, z(100) ≈ 0.14, z(150) ≈ 1.57
    assert table["category"].tolist() == ["innovator", *["late majority"] * 8, "laggard"]


def test_adopter_categories_are_undefined_without_spread():
    table = adopter_categories(pd.concat([_adoptions([3, 3, 3]), _adoptions([1], "r2")]))
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
