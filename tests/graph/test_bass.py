"""Bass-family models: parameters recovered from curves computed by formula, limits flagged,
the model the data supports chosen."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from graph.bass import bass_cdf, choose, compare_models, effort_time

DAYS = np.arange(81, dtype=float)  # day boundaries: 80 days of counts


def _daily(share, m: float) -> np.ndarray:
    """Expected new adopters per day, m [F(d + 1) − F(d)], from the share adopted by each day."""
    return m * np.diff(share)


def _by_model(fits):
    return {fit.model: fit for fit in fits}


def test_the_bass_share_solves_the_bass_equation():
    # dF/dt = (p + q F)(1 − F), F(0) = 0 (Bass 1969), integrated numerically
    p, q = 0.01, 0.3
    solved = integrate.solve_ivp(
        lambda t, f: (p + q * f) * (1 - f), (0, 80), [0.0], t_eval=DAYS, rtol=1e-10, atol=1e-12
    )
    assert bass_cdf(DAYS, p, q) == pytest.approx(solved.y[0], abs=1e-8)


def test_effort_time_integrates_the_current_effort():
    # X(t) = ∫ x, x(τ) = 1 + s b e^{−b(τ − a)} after an action at a (and 1 before)
    start, shift, decay = 20.5, 6.0, 1.5

    def effort(tau):
        return 1 + (shift * decay * math.exp(-decay * (tau - start)) if tau >= start else 0)

    for t in (10.0, 21.0, 25.0, 80.0):
        integral = integrate.quad(effort, 0, t, points=[start], limit=200)[0]
        assert effort_time([t], [start], [shift], decay)[0] == pytest.approx(integral, rel=1e-9)


def test_the_simplest_model_within_two_of_the_best_is_chosen():
    assert choose([100.0, 98.5, 90.0]) == 2  # the richest is clearly better
    assert choose([100.0, 98.5, 99.0]) == 0  # 1.5 better is not enough for a parameter more
    assert choose([100.0, 97.5, 97.0]) == 1


@pytest.mark.parametrize(
    ("m", "p", "q"),
    [(500, 0.01, 0.3), (2_000, 0.002, 0.5), (800, 0.05, 0.1)],
)
def test_bass_parameters_are_recovered_from_a_noise_free_curve(m, p, q):
    # the counts are the model's expectations, so the likelihood peaks at the truth: what is
    # left is the optimiser's precision
    fits = _by_model(compare_models(_daily(bass_cdf(DAYS, p, q), m)))
    bass = fits["bass"]
    assert bass.status == "fitted" and bass.points == 80 and bass.chosen
    assert (bass.m, bass.p, bass.q) == pytest.approx((m, p, q), rel=1e-4)
    assert bass.m_low < m < bass.m_high and bass.q_low < q < bass.q_high
    assert bass.r2 == pytest.approx(1.0, abs=1e-9)
    assert bass.peak == pytest.approx(math.log(q / p) / (p + q), rel=1e-4)
    assert bass.dispersion == 1.0  # no excess variance in a curve computed by formula
    assert fits["external"].qaic > bass.qaic + 2
    assert fits["generalized bass"].status == "refused: no campaign action in the days observed"


def test_generalized_bass_recovers_an_effort_impulse():
    # an action on day 20.5 brings diffusion forward by 6 days, its extra effort decaying at
    # 1.5 per day (Guseo et al.'s exponential shock in Bass, Krishnan & Jain's effort)
    m, p, q, start, shift, decay = 800, 0.005, 0.15, 20.5, 6.0, 1.5
    counts = _daily(bass_cdf(effort_time(DAYS, [start], [shift], decay), p, q), m)
    fits = _by_model(compare_models(counts, [start], ["2026-09-21 newsletter"]))
    generalized = fits["generalized bass"]
    assert generalized.status == "fitted" and generalized.chosen
    assert generalized.parameters == 5
    assert (generalized.m, generalized.p, generalized.q, generalized.decay) == pytest.approx(
        (m, p, q, decay), rel=1e-3
    )
    assert generalized.impulses.startswith("2026-09-21 newsletter: +6 days [")
    assert not fits["bass"].chosen and fits["bass"].qaic > generalized.qaic + 2


def test_generalized_bass_recovers_an_impulse_from_poisson_counts():
    # held out: counts drawn from the curve; the 95 % intervals hold the truth
    m, p, q, start, shift, decay = 3_000, 0.004, 0.12, 30.0, 8.0, 0.8
    expected = _daily(bass_cdf(effort_time(DAYS, [start], [shift], decay), p, q), m)
    counts = np.random.default_rng(5).poisson(expected)
    generalized = _by_model(compare_models(counts, [start], ["action"]))["generalized bass"]
    assert generalized.chosen and generalized.status == "fitted"
    assert generalized.m_low < m < generalized.m_high
    assert generalized.p_low < p < generalized.p_high
    assert generalized.q_low < q < generalized.q_high
    low, high = (float(x) for x in generalized.impulses.split("[")[1].rstrip("]").split("–"))
    assert low < shift < high
    assert generalized.dispersion < 2  # Poisson counts: no overdispersion to speak of


def test_the_95_percent_intervals_hold_the_truth_about_95_percent_of_the_time():
    m, p, q = 600, 0.01, 0.25
    expected = _daily(bass_cdf(DAYS, p, q), m)
    rng = np.random.default_rng(2026)
    held = [
        fit.q_low < q < fit.q_high and fit.m_low < m < fit.m_high
        for fit in (_by_model(compare_models(rng.poisson(expected)))["bass"] for _ in range(60))
    ]
    # m and q both covered: about 0.95² ≈ 0.90 if independent, at least 0.95 if not; 60 draws
    assert 0.8 <= np.mean(held) <= 1.0


def test_a_pure_innovation_curve_selects_the_external_model():
    m, p = 400, 0.05
    share = 1 - np.exp(-p * DAYS)
    fits = _by_model(compare_models(_daily(share, m)))
    assert fits["external"].chosen and fits["external"].status == "fitted"
    assert (fits["external"].m, fits["external"].p) == pytest.approx((m, p), rel=1e-4)
    assert fits["bass"].status == "flagged: no imitation detectable"  # q on its lower bound
    drawn = np.random.default_rng(11).poisson(_daily(share, m))
    assert _by_model(compare_models(drawn))["external"].chosen


def test_a_curve_still_rising_linearly_gives_m_as_a_lower_bound():
    fits = compare_models(np.full(60, 10.0))
    chosen = next(fit for fit in fits if fit.chosen)
    # only m·p, the rate, is known: p is not flagged on its own
    assert chosen.model == "external"
    assert chosen.status == "flagged: no saturation seen yet: m is a lower bound"
    assert chosen.m * chosen.p == pytest.approx(10.0, rel=1e-3)
    assert not any(fit.status == "fitted" for fit in fits)


def test_overdispersion_widens_the_intervals():
    # every other day 90 % more, the next 90 % fewer: the fit still follows the smooth curve c,
    # so Pearson's χ² is Σ (0.9 c)² / c = 0.81 Σ c over 80 − 3 degrees of freedom, and the
    # intervals (on the log scale) widen by the square root of that dispersion
    counts = _daily(bass_cdf(DAYS, 0.01, 0.3), 500)
    bumpy = counts * np.where(np.arange(80) % 2 == 0, 1.9, 0.1)
    smooth, rough = (
        _by_model(compare_models(counts))["bass"],
        _by_model(compare_models(bumpy))["bass"],
    )
    dispersion = 0.81 * counts.sum() / 77
    assert rough.dispersion == pytest.approx(dispersion, rel=0.01)
    assert rough.qaic == pytest.approx(-2 * rough.log_likelihood / dispersion + 2 * 3, rel=1e-2)
    widening = math.log(rough.q_high / rough.q_low) / math.log(smooth.q_high / smooth.q_low)
    assert widening == pytest.approx(math.sqrt(dispersion), rel=0.05)


def test_an_action_outside_the_days_observed_is_left_out():
    counts = _daily(bass_cdf(DAYS, 0.01, 0.3), 500)
    fits = _by_model(compare_models(counts, [-3.0, 80.0], ["before", "after"]))
    assert fits["generalized bass"].status == "refused: no campaign action in the days observed"


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ([1, 2, 3, 4, 5], "5 time points, at least 6 are needed"),
        ([4, 0, 0, 0, 0, 0], "adoption never grows after the first time point"),
        ([], "0 time points, at least 6 are needed"),
    ],
)
def test_degenerate_curves_are_refused(counts, reason):
    fits = compare_models(counts, [1.0], ["action"])
    assert [fit.status for fit in fits] == [f"refused: {reason}"] * 3
    assert not any(fit.chosen for fit in fits) and math.isnan(fits[1].m)
