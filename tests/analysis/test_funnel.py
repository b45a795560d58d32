"""Funnel limits, dispersion and verdict words against values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cspdash.analysis import funnel

# five units whose pooled rate is exactly 0.01 (200 events / 20,000 residents)
EVENTS = np.array([10, 30, 20, 60, 80])
POPULATION = np.array([1000, 2000, 3000, 4000, 10000])


def test_pearson_residuals_by_hand() -> None:
    # z = (rate − 0.01) / √(0.01 / n): 0, 0.005/√(5e-6) = √5, −0.00333/√(3.33e-6) = −√(10/3), √10, −0.002/0.001
    z = funnel.pearson_residuals(EVENTS, POPULATION, 0.01)
    assert z == pytest.approx([0.0, math.sqrt(5), -math.sqrt(10 / 3), math.sqrt(10), -2.0])


def test_dispersion_without_winsorising_is_the_mean_squared_residual() -> None:
    # (0 + 5 + 10/3 + 10 + 4) / 5 = 4.4667
    assert funnel.dispersion(EVENTS, POPULATION, 0.01) == pytest.approx(67 / 15)


def test_dispersion_winsorised_at_10_and_90_percent() -> None:  # the option measured in the calibration bench
    # sorted z: −2, −√(10/3), 0, √5, √10; the 10% quantile lies 0.4 of the way from −2 to −√(10/3),
    # the 90% quantile 0.6 of the way from √5 to √10; the two extremes are pulled in to them
    low = -2 + 0.4 * (2 - math.sqrt(10 / 3))
    high = math.sqrt(5) + 0.6 * (math.sqrt(10) - math.sqrt(5))
    expected = (0 + 5 + 10 / 3 + high**2 + low**2) / 5
    assert expected == pytest.approx(3.97070, abs=1e-4)
    assert funnel.dispersion(EVENTS, POPULATION, 0.01, share=0.10) == pytest.approx(expected)


def test_fit_pools_the_rate_and_estimates_the_between_area_variance() -> None:
    fitted = funnel.fit(EVENTS, POPULATION)
    assert fitted.target == pytest.approx(0.01)
    assert fitted.phi_estimate == pytest.approx(67 / 15)
    # DerSimonian–Laird: w = n / θ = 1e5, 2e5, 3e5, 4e5, 1e6; Σw = 2e6, Σw² = 1.3e12, Σw²/Σw = 6.5e5;
    # τ² = (5 × 67/15 − 4) / (2e6 − 6.5e5) = 18.3333 / 1.35e6 = 1.358025e-5
    assert fitted.tau2 == pytest.approx((5 * 67 / 15 - 4) / 1.35e6)
    assert fitted.tau2 == pytest.approx(1.358025e-5, rel=1e-6)
    assert fitted.units == 5
    # units exactly on the pooled rate: φ̂ = 0, no excess, τ² = 0 (Poisson limits, never narrower)
    flat = funnel.fit([10, 20, 30, 40, 50], [1000, 2000, 3000, 4000, 5000])
    assert flat.phi_estimate == pytest.approx(0.0)
    assert flat.tau2 == 0.0


@pytest.mark.parametrize(("population", "z", "lower", "upper"), [
    # θ = 0.01, τ² = 3e-6: half-width z √(0.01 / n + 3e-6); at n = 10,000 √(1e-6 + 3e-6) = 0.002
    (10_000, funnel.Z_95, 0.01 - 1.959964 * 0.002, 0.01 + 1.959964 * 0.002),  # 6.080 to 13.920 per 1,000
    (10_000, funnel.Z_998, 0.01 - 3.090232 * 0.002, 0.01 + 3.090232 * 0.002),  # 3.820 to 16.180 per 1,000
    # at n = 1,000: √(1e-5 + 3e-6) = 0.0036056, 1.96 × that = 0.0070668: 2.933 to 17.067 per 1,000
    (1_000, funnel.Z_95, 0.01 - 1.959964 * math.sqrt(1.3e-5), 0.01 + 1.959964 * math.sqrt(1.3e-5)),
    # at n = 100 (pure chance dominates): √(1e-4 + 3e-6) = 0.010149 > 0.01: the lower limit is floored at 0
    (100, funnel.Z_95, 0.0, 0.01 + 1.959964 * math.sqrt(1.03e-4)),
])
def test_limits_for_a_known_dispersion(population: int, z: float, lower: float, upper: float) -> None:
    known = funnel.Funnel(target=0.01, tau2=3e-6, phi_estimate=4.0, units=5)
    low, high = known.limits(population, z)
    assert float(low) == pytest.approx(lower, rel=1e-6)
    assert float(high) == pytest.approx(upper, rel=1e-6)


@pytest.mark.parametrize(("events", "position", "words"), [
    (170, "above_998", "above the 99.8% limit: higher than areas of its size would show by chance"),
    (150, "above_95", "above the 95% limit but within the 99.8% limit: possibly higher than areas of its size, "
                      "worth watching"),
    (100, "within", "within the 95% limits: in line with areas of its size"),
    (55, "below_95", "below the 95% limit but within the 99.8% limit: possibly lower than areas of its size"),
    (30, "below_998", "below the 99.8% limit: lower than areas of its size would show by chance"),
])
def test_position_and_words_at_ten_thousand_residents(events: int, position: str, words: str) -> None:
    # limits per resident at n = 10,000 with τ² = 3e-6: 95% 0.006080–0.013920; 99.8% 0.003820–0.016180
    known = funnel.Funnel(target=0.01, tau2=3e-6, phi_estimate=4.0, units=5)
    assert known.position(events, 10_000) == position
    assert known.words(events, 10_000) == words


def test_pure_poisson_limits_call_more_areas_unusual() -> None:
    # 150 in 10,000 is z = 0.005 / 0.001 = 5 Poisson standard errors: beyond 99.8% without between-area spread
    poisson = funnel.Funnel(target=0.01, tau2=0.0, phi_estimate=4.0, units=5)
    assert poisson.position(150, 10_000) == "above_998"


def test_fewer_than_five_units_give_no_verdict_and_say_why() -> None:
    fitted = funnel.fit(EVENTS[:4], POPULATION[:4])
    assert fitted.units == 4 and not fitted.has_verdict
    assert fitted.position(60, 4000) == "no_verdict"
    assert fitted.words(60, 4000) == ("no verdict: only 4 areas to compare, and a funnel needs at least 5 to "
                                      "judge how much areas normally differ")
    assert funnel.no_verdict_words(1).startswith("no verdict: only 1 area to compare")


def test_unit_without_population_is_left_out_and_has_no_verdict() -> None:
    fitted = funnel.fit([*EVENTS, 7], [*POPULATION, 0])
    assert fitted.units == 5 and fitted.target == pytest.approx(0.01)
    assert fitted.position(7, 0) == "no_verdict"
    assert "no population" in fitted.words(7, 0)


def test_funnel_frame_per_thousand() -> None:
    known = funnel.Funnel(target=0.01, tau2=3e-6, phi_estimate=4.0, units=5)
    frame = funnel.funnel_frame(pd.DataFrame({"events": [170, 5], "population": [10_000, 0]}), known)
    assert frame["rate"].iloc[0] == pytest.approx(17.0)
    assert frame["upper_998"].iloc[0] == pytest.approx(16.180464, rel=1e-6)
    assert frame["lower_95"].iloc[0] == pytest.approx(6.080072, rel=1e-6)
    assert list(frame["position"]) == ["above_998", "no_verdict"]
    assert math.isnan(frame["rate"].iloc[1])


def test_funnel_curve_narrows_with_population() -> None:
    known = funnel.Funnel(target=0.01, tau2=3e-6, phi_estimate=4.0, units=5)
    curve = funnel.funnel_curve(known, 1000, 100_000)
    widths = (curve["upper_998"] - curve["target"]).to_numpy()
    assert (np.diff(widths) < 0).all()
    assert curve["target"].eq(10.0).all()
