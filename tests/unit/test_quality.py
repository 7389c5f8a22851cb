"""The timing verdict follows the counters and the samples (scripted counters; no timing asserted)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.measure.contention import ContentionSummary, Counters
from accelbench.measure.policy import RunPolicy
from accelbench.measure.quality import between_process_rel, judge, tail_ratio
from accelbench.measure.runner import Runner
from tests.fakes import FakeBackend

GEMM = make_workload("gemm", {"m": 4, "n": 4, "k": 4})
FAST = RunPolicy(budget_s=0.05, min_samples=5, warmup_s=0.0)
TIGHT = [1e-3 * (1 + 0.001 * i) for i in range(50)]


class ScriptedSource:
    """Counters whose every interval shows the scripted worst-thread wait fractions (then the last)."""

    name = "schedstat"

    def __init__(self, fractions: list[float], interval_ns: int = 1_000_000) -> None:
        self.fractions = fractions
        self.interval_ns = interval_ns
        self.reads = 0
        self.wall = 0
        self.wait = 0
        self.closed = False

    def read(self) -> Counters:
        if self.reads:
            fraction = self.fractions[min(self.reads - 1, len(self.fractions) - 1)]
            self.wall += self.interval_ns
            self.wait += int(fraction * self.interval_ns)
        self.reads += 1
        return Counters(self.wall, self.name, {7: self.wait}, {7: self.wall - self.wait}, 0)

    def close(self) -> None:
        self.closed = True


def measure(fractions: list[float], policy: RunPolicy = FAST) -> tuple[object, ScriptedSource]:
    source = ScriptedSource(fractions)
    m = Runner(policy, "q", counters=lambda: source).measure(FakeBackend(), GEMM, 1)
    return m, source


def test_persistent_run_queue_wait_makes_the_record_contended_with_the_reason() -> None:
    policy = RunPolicy(budget_s=0.05, min_samples=5, warmup_s=0.0, max_contended_retries=4)
    m, source = measure([0.48], policy)
    q = m.quality  # type: ignore[attr-defined]
    assert q.verdict == "contended" and q.run_delay_fraction == pytest.approx(0.48)
    assert "threads waited 48 % of the time for a CPU; another process is competing" in q.reason
    assert q.retries == q.dropped_samples <= 4 and q.source == "schedstat"
    assert source.closed


def test_contended_samples_are_dropped_and_retaken_and_the_clean_ones_decide() -> None:
    m, _ = measure([0.9, 0.9, 0.9, 0.0])
    q = m.quality  # type: ignore[attr-defined]
    assert q.retries == 3 and q.dropped_samples == 3
    assert q.verdict != "contended" and q.run_delay_fraction == 0
    assert len(m.samples_s) >= 5  # type: ignore[attr-defined]
    assert "3 contended sample(s) dropped and re-taken" in m.methods["latency"]  # type: ignore[attr-defined]


def test_a_wait_below_the_threshold_is_never_called_contended() -> None:
    m, _ = measure([0.04])
    q = m.quality  # type: ignore[attr-defined]
    assert q.verdict != "contended" and q.retries == 0 and q.run_delay_fraction == pytest.approx(0.04)


def test_retries_stop_at_the_bound() -> None:
    policy = RunPolicy(budget_s=0.2, min_samples=5, warmup_s=0.0, max_contended_retries=0)
    m, _ = measure([1.0], policy)
    assert m.quality.verdict == "contended" and m.quality.retries == 0  # type: ignore[attr-defined]


def test_every_timed_record_has_quality_and_untimed_ones_none() -> None:
    timed = Runner(FAST, "q").measure(FakeBackend(), GEMM, 1)
    assert timed.quality is not None and timed.quality.verdict in ("ok", "noisy", "contended")
    assert timed.to_json()["quality"]["source"] in ("schedstat", "rusage", "none")
    invalid = Runner(FAST, "q").measure(FakeBackend(), GEMM, 1, {"fake_error": 0.1})
    assert invalid.quality is None


def test_judge_calls_a_wide_interval_noisy_when_the_target_was_missed() -> None:
    wide = list(np.random.default_rng(0).uniform(1e-3, 3e-3, 30))
    q = judge(wide, ContentionSummary("schedstat", 10, 0, 0.0), RunPolicy(target_rel_noise=0.02))
    assert q.verdict == "noisy" and "95 % CI" in q.reason and q.ci_rel is not None and q.ci_rel > 0.02


def test_judge_looks_at_the_tail_not_only_at_the_median() -> None:
    # the issue's record: p50 28.9 µs, mean 1.77 ms, a median CI well inside the target
    samples = [28.9e-6] * 97 + [60e-3] * 3
    assert tail_ratio(samples) > 2
    q = judge(samples, None, RunPolicy())
    assert q.verdict == "noisy" and "tail" in q.reason and q.source == "none"


def test_judge_ok_for_a_tight_clean_distribution_and_contended_beats_noisy() -> None:
    clean = judge(TIGHT, ContentionSummary("schedstat", 100, 1, 1.0), RunPolicy())
    assert clean.verdict == "ok" and clean.reason == "" and clean.run_delay_fraction == pytest.approx(0.01)
    wide = list(np.random.default_rng(0).uniform(1e-3, 3e-3, 30))
    both = judge(wide, ContentionSummary("schedstat", 100, 30, 20.0), RunPolicy())
    assert both.verdict == "contended" and both.run_delay_fraction_mean == pytest.approx(0.2)


def test_cpu_utilisation_is_cpu_time_over_wall_per_thread_used() -> None:
    q = judge(TIGHT, ContentionSummary("schedstat", 100, 0, 0.0, cpu_ns=150), RunPolicy(), threads_used=2)
    assert q.cpu_utilisation == pytest.approx(0.75)


def test_worker_processes_that_disagree_make_the_record_noisy() -> None:
    assert between_process_rel([1.0]) is None
    q = judge(TIGHT, None, RunPolicy(), process_medians_s=[1e-3, 1.2e-3, 0.9e-3])
    assert q.verdict == "noisy" and "worker processes" in q.reason and q.processes == 3
    agree = judge(TIGHT, None, RunPolicy(), process_medians_s=[1e-3, 1.001e-3])
    assert agree.verdict == "ok" and agree.between_process_rel is not None


def test_too_few_samples_cannot_be_ok() -> None:
    q = judge([1e-3, 1e-3], None, RunPolicy())
    assert q.verdict == "noisy" and "too few samples" in q.reason and q.ci_rel is None
    assert math.isfinite(q.tail_ratio or 0)


@pytest.mark.parametrize("kwargs", [
    {"contention_threshold": 0.0}, {"contention_threshold": 1.0}, {"contention_threshold": float("nan")},
    {"max_tail_ratio": 1.0}, {"max_tail_ratio": float("inf")}, {"max_contended_retries": -1},
    {"processes": 0}, {"threads": 0}, {"threads": True},
])
def test_quality_knobs_are_validated(kwargs: dict) -> None:
    with pytest.raises(UserError):
        RunPolicy(**kwargs)


def test_the_rusage_fallback_is_named_in_the_record() -> None:
    import os

    if os.name != "posix":
        pytest.skip("getrusage is a Unix call")
    from accelbench.measure.contention import RusageSource

    m = Runner(FAST, "q", counters=RusageSource).measure(FakeBackend(), GEMM, 1)
    assert m.quality is not None and m.quality.source == "rusage"
    assert m.quality.run_delay_fraction is not None and m.quality.run_delay_fraction >= 0
    if m.quality.run_delay_fraction > FAST.contention_threshold:
        assert m.quality.verdict == "contended"


def test_an_ordinary_quiet_tail_is_ok_but_an_extreme_one_is_noisy() -> None:
    # A quiet VM's 7 µs op: 2 % of short samples hit by an interrupt at 3.5x: mean/p50 ~1.05, p99/p50 3.5.
    quiet = [7e-6 * (1 + 0.001 * (i % 10)) for i in range(98)] + [24.5e-6, 24.5e-6]
    assert judge(quiet, None, RunPolicy()).verdict == "ok"
    # The same, but the interrupted samples are 8x: p99/p50 above 5 while the mean stays near the median.
    extreme = [7e-6 * (1 + 0.001 * (i % 10)) for i in range(98)] + [56e-6, 56e-6]
    q = judge(extreme, None, RunPolicy())
    assert q.verdict == "noisy" and "p99" in q.reason
