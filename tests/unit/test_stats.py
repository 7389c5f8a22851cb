"""Statistics are pure functions of the raw samples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelbench.measure.policy import RunPolicy
from accelbench.measure.stopping import stop_reason
from accelbench.results.stats import median_ci, relative_noise, summarize


def test_summarize_percentiles_of_known_samples() -> None:
    stats = summarize([float(i) for i in range(1, 101)])
    assert stats.p50_s == pytest.approx(50.5)
    assert stats.p90_s == pytest.approx(90.1)
    assert stats.p99_s == pytest.approx(99.01)
    assert stats.min_s == 1.0 and stats.max_s == 100.0
    assert stats.iqr_s == pytest.approx(49.5)
    assert stats.n_samples == 100


def test_summarize_refuses_no_samples() -> None:
    with pytest.raises(ValueError):
        summarize([])


def test_median_ci_brackets_the_median_and_tightens_with_n() -> None:
    rng = np.random.default_rng(0)
    small = rng.lognormal(size=30)
    large = rng.lognormal(size=3000)
    lo, hi = median_ci(small)
    assert lo <= np.median(small) <= hi
    assert relative_noise(large) < relative_noise(small)


def test_median_ci_covers_the_true_median_about_95_percent() -> None:
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(400):
        lo, hi = median_ci(rng.exponential(size=50))
        hits += lo <= math.log(2) <= hi
    assert 0.90 <= hits / 400 <= 0.995


def test_relative_noise_is_infinite_below_three_samples() -> None:
    assert relative_noise([1.0, 1.0]) == math.inf


def test_stopping_honours_minimum_samples_then_noise_then_budget() -> None:
    policy = RunPolicy(min_samples=5, max_samples=100, target_rel_noise=0.01, budget_s=1.0)
    assert stop_reason([1.0] * 4, 0.1, policy) is None
    assert "noise" in (stop_reason([1.0] * 5, 0.1, policy) or "")
    noisy = list(np.random.default_rng(2).uniform(1, 3, size=20))
    assert stop_reason(noisy, 0.5, policy) is None
    assert "budget" in (stop_reason(noisy, 1.5, policy) or "")
    assert "max_samples" in (stop_reason(noisy * 5, 0.1, policy) or "")


def test_skipping_the_noise_test_still_honours_budget_and_cap() -> None:
    policy = RunPolicy(min_samples=5, max_samples=30, target_rel_noise=0.01, budget_s=1.0)
    assert stop_reason([1.0] * 10, 0.1, policy, noise_test=False) is None
    assert "noise" in (stop_reason([1.0] * 10, 0.1, policy) or "")
    assert "noise" in (stop_reason([1.0] * 10, 1.5, policy, noise_test=False) or "")  # budget forces the test
    noisy = list(np.random.default_rng(3).uniform(1, 3, size=20))
    assert "budget" in (stop_reason(noisy, 1.5, policy, noise_test=False) or "")
    assert "max_samples" in (stop_reason([1.0] * 30, 0.1, policy, noise_test=False) or "")


def test_the_stop_test_on_samples_kept_sorted_decides_as_the_sorting_one() -> None:
    import random

    policy = RunPolicy(min_samples=10, target_rel_noise=0.02, budget_s=1.0)
    rng = random.Random(3)
    samples: list[float] = []
    for _ in range(300):
        samples.append(1.0 + rng.expovariate(20.0))
        for elapsed in (0.1, 2.0):
            assert stop_reason(samples, elapsed, policy, sorted_samples=sorted(samples)) == \
                stop_reason(samples, elapsed, policy)
