"""compare: Mann-Whitney U, verdicts on synthetic runs with known differences, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from accelbench.errors import UserError
from accelbench.results.compare import compare_runs, mann_whitney_u, parse_fail_on
from accelbench.results.record import LatencyStats, Measurement


def run(samples: np.ndarray, params_hash: str = "h", provenance: str = "measured", run_id: str = "a") -> Measurement:
    lat = LatencyStats(float(np.median(samples)), 0, 0, 0, 0, 0, 0, 0, len(samples))
    return Measurement(run_id=run_id, measurement_id=run_id, created_at="t", workload="gemm", kind="gemm", params={},
                       params_hash=params_hash, backend="cpu-numpy", family="cpu", batch=1, scenario="single-stream",
                       status="ok", samples_s=tuple(float(x) for x in samples), latency=lat,
                       provenance={"latency": provenance})


def test_mann_whitney_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.1, 40), rng.normal(1.05, 0.1, 50)
    u, p = mann_whitney_u(a, b)
    ref = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=True)
    assert u == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue, rel=1e-6)


def test_planted_20_percent_slowdown_is_flagged_regressed() -> None:
    rng = np.random.default_rng(1)
    base = rng.lognormal(np.log(1e-3), 0.05, 200)
    (change,) = compare_runs([run(base)], [run(base * 1.2, run_id="b")])
    assert change.verdict == "regressed" and change.p50_change == pytest.approx(0.2, abs=0.03)
    assert change.p_value is not None and change.p_value < 1e-6


def test_same_distribution_is_unchanged_and_speedup_is_improved() -> None:
    rng = np.random.default_rng(2)
    draw = lambda scale: rng.lognormal(np.log(1e-3 * scale), 0.05, 200)  # noqa: E731
    (same,) = compare_runs([run(draw(1.0))], [run(draw(1.0), run_id="b")])
    (faster,) = compare_runs([run(draw(1.0))], [run(draw(0.7), run_id="b")])
    assert same.verdict == "unchanged" and faster.verdict == "improved"


def test_changed_workload_definition_is_refused() -> None:
    samples = np.ones(10) * 1e-3
    with pytest.raises(UserError, match="definition changed"):
        compare_runs([run(samples, "h1")], [run(samples, "h2", run_id="b")])


def test_modeled_is_never_compared_with_measured() -> None:
    samples = np.ones(10) * 1e-3
    assert compare_runs([run(samples)], [run(samples * 2, provenance="modeled", run_id="b")]) == []


def test_fail_on_parsing() -> None:
    assert parse_fail_on("p50:5%") == ("p50", 0.05)
    for bad in ("p99:5%", "p50:5", "p50:x%"):
        with pytest.raises(UserError):
            parse_fail_on(bad)
