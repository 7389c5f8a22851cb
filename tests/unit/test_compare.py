"""compare: changes judged against each run's noise (asv's rule), inconclusive pairs, refusals."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from accelbench.commands import compare as compare_cmd
from accelbench.errors import UserError
from accelbench.results.compare import compare_runs, mann_whitney_u, median_interval, parse_fail_on
from accelbench.results.record import LatencyStats, Measurement, Quality
from accelbench.results.store import open_store

OK = Quality("ok")  # every timed record the runner writes has a verdict


def run(samples: np.ndarray, params_hash: str = "h", provenance: str = "measured", run_id: str = "a",
        quality: Quality | None = OK, status: str = "ok") -> Measurement:
    lat = LatencyStats(float(np.median(samples)), 0, 0, 0, 0, 0, 0, 0, len(samples))
    return Measurement(run_id=run_id, measurement_id=run_id, created_at="t", workload="gemm", kind="gemm", params={},
                       params_hash=params_hash, backend="cpu-numpy", family="cpu", batch=1, scenario="single-stream",
                       status=status, samples_s=tuple(float(x) for x in samples), latency=lat,  # type: ignore[arg-type]
                       provenance={"latency": provenance}, quality=quality)


def draw(seed: int, scale: float = 1.0, n: int = 200, sigma: float = 0.05) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(np.log(1e-3 * scale), sigma, n)


def test_mann_whitney_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.1, 40), rng.normal(1.05, 0.1, 50)
    u, p = mann_whitney_u(a, b)
    ref = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=True)
    assert u == pytest.approx(ref.statistic) and p == pytest.approx(ref.pvalue, rel=1e-6)


def test_planted_20_percent_slowdown_is_flagged_regressed() -> None:
    base = draw(1)
    (change,) = compare_runs([run(base)], [run(base * 1.2, run_id="b")])
    assert change.verdict == "regressed" and change.p50_change == pytest.approx(0.2, abs=0.03)
    assert change.interval_a_s is not None and change.interval_b_s is not None
    assert change.interval_a_s[1] < change.interval_b_s[0]


def test_same_distribution_is_no_significant_change_and_speedup_is_improved() -> None:
    (same,) = compare_runs([run(draw(2))], [run(draw(3), run_id="b")])
    (faster,) = compare_runs([run(draw(2))], [run(draw(4, 0.7), run_id="b")])
    assert same.verdict == "no significant change" and faster.verdict == "improved"


def test_a_small_between_run_shift_that_a_rank_test_calls_significant_is_no_significant_change() -> None:
    # an unchanged rerun 3 % slower (clock, placement): Mann-Whitney's p is tiny, the change is not real
    a, b = draw(5, sigma=0.01, n=400), draw(6, 1.03, sigma=0.01, n=400)
    (change,) = compare_runs([run(a)], [run(b, run_id="b")])
    assert change.p_value is not None and change.p_value < 1e-6
    assert change.verdict == "no significant change"


def test_the_same_samples_ingested_twice_are_no_significant_change() -> None:
    samples = draw(7)
    (change,) = compare_runs([run(samples)], [run(samples, run_id="b")])
    assert change.verdict == "no significant change" and change.p50_change == 0


def test_between_process_spread_widens_the_interval() -> None:
    samples = draw(8, sigma=0.01)
    spread = Quality("ok", between_process_rel=0.3, processes=4)
    lo, hi = median_interval(run(samples, quality=spread))  # type: ignore[misc]
    p50 = float(np.median(samples))
    assert lo <= p50 * 0.7 and hi >= p50 * 1.3
    (change,) = compare_runs([run(samples, quality=spread)], [run(samples * 1.2, run_id="b", quality=spread)])
    assert change.verdict == "no significant change"


def test_a_non_ok_timing_makes_the_change_inconclusive() -> None:
    contended = Quality("contended", run_delay_fraction=0.48, reason="threads waited 48 % of the time for a CPU")
    (change,) = compare_runs([run(draw(9), quality=contended)], [run(draw(9, 2.0), run_id="b")])
    assert change.verdict == "inconclusive" and change.reason.startswith("inconclusive: baseline timing is contended")


def test_modeled_vs_measured_is_inconclusive_never_a_change() -> None:
    samples = np.ones(10) * 1e-3
    (change,) = compare_runs([run(samples)], [run(samples * 2, provenance="modeled", run_id="b")])
    assert change.verdict == "inconclusive" and change.reason == "inconclusive: measured vs modeled"


def test_an_unrankable_record_is_not_comparable() -> None:
    samples = np.ones(10) * 1e-3
    (change,) = compare_runs([run(samples, status="does-not-fit")], [run(samples, run_id="b")])
    assert change.verdict == "not comparable" and "not rankable" in change.reason


def test_changed_workload_definition_is_refused() -> None:
    samples = np.ones(10) * 1e-3
    with pytest.raises(UserError, match="definition changed"):
        compare_runs([run(samples, "h1")], [run(samples, "h2", run_id="b")])


def test_fail_on_parsing() -> None:
    assert parse_fail_on("p50:5%") == ("p50", 0.05)
    assert parse_fail_on("p50:0%") == ("p50", 0.0)
    for bad in ("p99:5%", "p50:5", "p50:x%", "p50:nan%", "p50:inf%", "p50:-1%"):
        with pytest.raises(UserError):
            parse_fail_on(bad)


def _store(path: Path, records: dict[str, list[Measurement]]) -> None:
    with open_store(path) as store:
        for run_id, ms in records.items():
            store.begin_run(run_id, "test", {}, "2026-01-01T00:00:00+00:00")
            for m in ms:
                store.append(m)
            store.finish_run(run_id, "2026-01-01T00:00:01+00:00")


def _args(path: Path, a: str, b: str, fail_on: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(run_a=a, run_b=b, fail_on=fail_on, store=str(path), json=False)


def test_cli_exits_non_zero_with_one_line_when_nothing_was_comparable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = run(draw(10), run_id="runb")
    other = Measurement(**{**other.__dict__, "workload": "conv"})
    _store(tmp_path / "s.duckdb", {"runa": [run(draw(10), run_id="runa")], "runb": [other]})
    assert compare_cmd.main(_args(tmp_path / "s.duckdb", "runa", "runb")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing comparable" in err[0]


def test_cli_fails_on_a_regression_beyond_the_threshold_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = draw(11)
    _store(tmp_path / "s.duckdb", {"runa": [run(base, run_id="runa")], "runb": [run(base * 1.2, run_id="runb")]})
    assert compare_cmd.main(_args(tmp_path / "s.duckdb", "runa", "runb", "p50:5%")) == 1
    assert compare_cmd.main(_args(tmp_path / "s.duckdb", "runa", "runb", "p50:50%")) == 0
    assert compare_cmd.main(_args(tmp_path / "s.duckdb", "runa", "runa", "p50:5%")) == 0
    assert "no significant change" in capsys.readouterr().out


def test_cli_json_has_no_nan_for_pairs_that_are_not_comparable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    samples = draw(12)
    _store(tmp_path / "s.duckdb", {"runa": [run(samples, run_id="runa", status="invalid")],
                                   "runb": [run(samples, run_id="runb")]})
    args = _args(tmp_path / "s.duckdb", "runa", "runb")
    args.json = True
    assert compare_cmd.main(args) == 1  # the only pair is not comparable
    (change,) = json.loads(capsys.readouterr().out)["changes"]
    assert change["verdict"] == "not comparable" and change["p50_change"] is None
