"""Energy integration: trapezoid over timestamped power samples and wrapping counters, exact answers."""

from __future__ import annotations

import pytest

from accelbench.power.integrate import counter_delta, time_weighted_mean, trapezoid_j
from accelbench.power.pynq_rails import reading_from_rail_samples


def test_trapezoid_of_a_constant_trace_is_power_times_time() -> None:
    assert trapezoid_j([0.0, 0.5, 2.0], [10.0, 10.0, 10.0]) == 20.0


def test_trapezoid_of_a_ramp_is_exact_with_uneven_steps() -> None:
    # P(t) = 4 t on [0, 3] sampled unevenly: integral 18 J, exact for a linear trace
    times = [0.0, 0.25, 1.0, 3.0]
    assert trapezoid_j(times, [4 * t for t in times]) == pytest.approx(18.0, rel=1e-12)


def test_trapezoid_of_a_step_trace_counts_the_transition_half_and_half() -> None:
    # 5 W for 1 s, jump to 15 W sampled 0.1 s later, 15 W for 1 s more
    assert trapezoid_j([0.0, 1.0, 1.1, 2.1], [5.0, 5.0, 15.0, 15.0]) == pytest.approx(5.0 + 1.0 + 15.0)


def test_trapezoid_rejects_time_going_backwards_and_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="must not decrease"):
        trapezoid_j([1.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="differ in length"):
        trapezoid_j([0.0, 1.0], [1.0])


def test_time_weighted_mean_weights_by_duration_not_by_sample_count() -> None:
    # many samples at 0.0 in the first 0.1 s, then 1.0 for 0.9 s
    times = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 1.0]
    values = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    assert time_weighted_mean(times, values) == pytest.approx(0.9)
    assert time_weighted_mean([2.0], [0.7]) == 0.7


def test_counter_delta_without_wrap_is_last_minus_first() -> None:
    assert counter_delta([10, 30, 60], max_range=100) == 50


def test_counter_delta_adds_one_full_range_per_wrap() -> None:
    # 0..100 is 101 values: 90 -> 100 -> 0 -> 5 is 16 steps
    assert counter_delta([90, 5, 20], max_range=100) == 16 + 15
    # two wraps between three readings
    assert counter_delta([50, 10, 5], max_range=100) == (101 - 40) + (101 - 5)


def test_counter_that_cannot_wrap_going_backwards_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot wrap"):
        counter_delta([10, 5], max_range=0)


def test_rail_samples_integrate_per_rail_and_sum() -> None:
    reading = reading_from_rail_samples({
        "VCCINT": [[10.0, 1.0], [11.0, 1.0], [12.0, 3.0]],  # 1 J + 2 J
        "VCCAUX": [[10.0, 0.5], [12.0, 0.5]],  # 1 J
    })
    assert reading.domains == {"VCCINT": 3.0, "VCCAUX": 1.0}
    assert reading.energy_j == 4.0 and reading.duration_s == 2.0 and reading.avg_power_w == 2.0
    assert reading.provenance == "measured" and "VCCINT" in reading.method


def test_no_rail_samples_give_an_empty_reading_not_zero_watts_measured_from_nothing() -> None:
    reading = reading_from_rail_samples({"VCCINT": [[0.0, 1.0]]})
    assert reading.n_samples == 0 and reading.domains == {}
