"""The server scenario's rules (pure): arrivals, early stopping, the modeled queue, the rate search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelbench.errors import UserError
from accelbench.measure.loadgen import (
    QueryLog,
    ServerPolicy,
    arrivals_s,
    best_valid,
    early_verdict,
    judge,
    next_probe,
    simulate_pipeline,
    stop_rule,
)


def test_arrivals_are_a_seeded_poisson_process_at_the_offered_rate() -> None:
    times = arrivals_s(1000.0, 20_000, seed=3)
    gaps = np.diff(times)
    assert times[0] == 0.0 and np.all(gaps > 0)
    assert abs(gaps.mean() - 1e-3) < 3e-5  # exponential gaps of mean 1/Q
    assert abs(gaps.std() / gaps.mean() - 1.0) < 0.05  # coefficient of variation 1: exponential
    assert np.array_equal(times, arrivals_s(1000.0, 20_000, seed=3))


def test_early_stopping_decides_only_when_the_binomial_test_does() -> None:
    assert early_verdict(1000, 0, 0.99) == "VALID"  # 0 slow of 1000: a 1 % rate would give ~10
    assert early_verdict(100, 0, 0.99) == ""  # 0 of 100 is quite likely at a 1 % rate
    assert early_verdict(50, 10, 0.99) == "INVALID"  # 10 of 50 is far above 1 %
    assert early_verdict(1000, 10, 0.99) == ""  # about what a 1 % rate gives: undecided


def test_a_run_ends_by_duration_and_count_or_early_and_says_which() -> None:
    policy = ServerPolicy(target_qps=100, latency_bound_s=1e-3, min_duration_s=1.0, min_queries=500, max_duration_s=5)
    assert stop_rule(0.5, 1000, 0, policy) == ("", "")  # never before the minimum duration
    assert stop_rule(1.2, 600, 3, policy)[0].startswith("min duration")
    rule, verdict = stop_rule(1.2, 60, 30, policy)
    assert rule.startswith("early stopping") and verdict == "INVALID"
    assert stop_rule(5.0, 10, 0, policy)[0].startswith("max duration")


def test_the_verdict_compares_the_percentile_with_the_bound_including_queueing() -> None:
    policy = ServerPolicy(target_qps=100, latency_bound_s=1e-3)
    issue = np.arange(100) * 0.01
    fast = judge(100, QueryLog(issue, issue, issue + 5e-4), policy, "test", 100)
    slow = judge(100, QueryLog(issue, issue + 2e-3, issue + 2.5e-3), policy, "test", 100)
    assert fast.verdict == "VALID" and slow.verdict == "INVALID"
    assert "p99 latency 2.5 ms > bound 1 ms" in slow.reason


def test_a_modeled_pipeline_is_valid_below_capacity_and_invalid_beyond_it() -> None:
    policy = ServerPolicy(target_qps=1, latency_bound_s=1e-5, min_duration_s=0.0, min_queries=5000)
    ii = 1e-6  # capacity 1e6 queries/s
    below = simulate_pipeline(5e5, 2e-6, ii, policy, seed=1)
    beyond = simulate_pipeline(2e6, 2e-6, ii, policy, seed=1)
    assert below.verdict == "VALID" and below.percentile_latency_s >= 2e-6
    assert beyond.verdict == "INVALID" and "capacity" in beyond.reason and math.isinf(beyond.percentile_latency_s)
    # Queueing shows: at 90 % load the p99 is well above the bare latency.
    busy = simulate_pipeline(9e5, 2e-6, ii, policy, seed=1)
    assert busy.percentile_latency_s > 2e-6 + ii


def test_the_rate_search_brackets_the_highest_valid_rate() -> None:
    policy = ServerPolicy(target_qps=0, latency_bound_s=1e-5, min_duration_s=0.0, min_queries=2000,
                          find_max_qps=True, max_probes=20)
    probes = []
    capacity = 1e6
    while (qps := next_probe(probes, capacity)) is not None and len(probes) < policy.max_probes:
        probes.append(simulate_pipeline(qps, 2e-6, 1e-6, policy, seed=len(probes)))
    best = best_valid(probes)
    assert best is not None and 5e5 < best.target_qps < 1e6
    invalid = [p.target_qps for p in probes if p.verdict != "VALID"]
    assert min(invalid) > best.target_qps


@pytest.mark.parametrize("kwargs", [
    {"target_qps": 0, "latency_bound_s": 1e-3},
    {"target_qps": 10, "latency_bound_s": 0},
    {"target_qps": 10, "latency_bound_s": 1e-3, "percentile": 1.0},
    {"target_qps": 10, "latency_bound_s": 1e-3, "max_batch": 0},
    {"target_qps": math.inf, "latency_bound_s": 1e-3},
    {"target_qps": 10, "latency_bound_s": 1e-3, "min_duration_s": 10, "max_duration_s": 5},
])
def test_a_server_policy_that_cannot_mean_anything_is_refused(kwargs: dict) -> None:
    with pytest.raises(UserError):
        ServerPolicy(**kwargs)
