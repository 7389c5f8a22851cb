"""Step detection: ruptures finds where a series changed level; each step is sized, bounded and judged."""

from __future__ import annotations

import numpy as np
import pytest

from accelbench.results.history import METRICS, Point, RunOrigin, Series, SeriesKey
from accelbench.results.record import LatencyStats, Measurement, Quality
from accelbench.results.steps import change_points, detect_steps, noise_sigma


def record(i: int, value: float, verdict: str | None = "ok", ci_rel: float = 0.01,
           provenance: str = "measured") -> Measurement:
    lat = LatencyStats(value, value, value, value, value, value, 0, 0, 100)
    quality = Quality(verdict, ci_rel=ci_rel) if verdict else None  # type: ignore[arg-type]
    return Measurement(run_id=f"r{i}", measurement_id=f"m{i}", created_at=f"t{i}", workload="gemm", kind="gemm",
                       params={}, params_hash="h", backend="cpu-numpy", family="cpu", batch=1,
                       scenario="single-stream", status="ok", latency=lat, throughput_items_s=1 / value,
                       provenance={"latency": provenance, "throughput_items_s": provenance},
                       quality=quality)


def series(values: list[float], verdicts: list[str | None] | None = None, metric: str = "p50",
           provenances: list[str] | None = None) -> Series:
    points = []
    for i, value in enumerate(values):
        verdict = verdicts[i] if verdicts else "ok"
        kind = provenances[i] if provenances else "measured"
        run = RunOrigin(f"r{i}", f"2026-01-01T00:00:{i:02d}+00:00", f"c{i}", "main", False, None, None, "h")
        points.append(Point(run, record(i, value, verdict, provenance=kind), value))
    return Series(SeriesKey("gemm", "cpu-numpy", 1, "single-stream", metric), METRICS[metric], tuple(points))


def test_a_doubling_after_the_third_commit_is_one_regression_at_that_commit() -> None:
    (step,) = detect_steps(series([1e-3, 1.01e-3, 2e-3]))
    assert step.index == 2 and step.verdict == "regression"
    assert (step.commit_before, step.commit_after) == ("c1", "c2") and step.commit_range() == "c1..c2"
    assert step.size == pytest.approx(1.0, rel=0.02)
    low, high = step.interval
    assert 0 < low < step.size < high


def test_a_step_in_a_long_noisy_series_is_found_where_it_happened() -> None:
    rng = np.random.default_rng(7)
    values = list(1e-3 * np.exp(rng.normal(0, 0.01, 20)))
    values += list(1.3e-3 * np.exp(rng.normal(0, 0.01, 10)))
    steps = detect_steps(series(values))
    assert [s.index for s in steps] == [20]
    assert steps[0].size == pytest.approx(0.3, abs=0.03) and steps[0].interval[0] > 0.2


def test_an_unchanged_noisy_series_has_no_step() -> None:
    rng = np.random.default_rng(3)
    values = list(1e-3 * np.exp(rng.normal(0, 0.02, 30)))
    assert detect_steps(series(values)) == []


def test_a_change_within_the_noise_floor_is_not_reported() -> None:
    assert detect_steps(series([1e-3, 1e-3, 1.03e-3, 1.03e-3])) == []


def test_a_faster_level_is_an_improvement_and_higher_throughput_too() -> None:
    (faster,) = detect_steps(series([2e-3, 2e-3, 1e-3, 1e-3]))
    (more,) = detect_steps(series([1000.0, 1000.0, 2000.0, 2000.0], metric="throughput"))
    assert faster.verdict == "improvement" and faster.size == pytest.approx(-0.5)
    assert more.verdict == "improvement" and more.size == pytest.approx(1.0)


def test_a_step_built_on_a_contended_timing_is_inconclusive_with_the_reason() -> None:
    (step,) = detect_steps(series([1e-3, 1e-3, 2e-3], verdicts=["ok", "ok", "contended"]))
    assert step.verdict == "inconclusive" and "contended" in step.reason and "c2" in step.reason


def test_a_step_across_a_provenance_change_is_inconclusive() -> None:
    (step,) = detect_steps(series([1e-3, 1e-3, 2e-3], provenances=["measured", "measured", "modeled"]))
    assert step.verdict == "inconclusive" and "measured vs modeled" in step.reason


def test_noise_estimate_has_a_floor_and_grows_with_the_spread() -> None:
    quiet = series([1e-3] * 10)
    rng = np.random.default_rng(1)
    loud = series(list(1e-3 * np.exp(rng.normal(0, 0.2, 10))))
    assert noise_sigma(quiet.points) == pytest.approx(0.02)
    assert noise_sigma(loud.points) > 0.1


def test_one_point_has_no_change_point_and_two_points_can_have_one() -> None:
    assert change_points(series([1e-3]).points) == []
    assert change_points(series([1e-3, 3e-3]).points) == [1]


def test_step_json_names_the_commit_range_and_interval() -> None:
    (step,) = detect_steps(series([1e-3, 1e-3, 2e-3]))
    data = step.to_json()
    assert data["commit_range"] == "c1..c2" and data["verdict"] == "regression"
    assert len(data["interval"]) == 2 and data["segment_before"] == [0, 2] and data["segment_after"] == [2, 3]
