"""--scenario server end to end: Poisson arrivals under a latency bound, VALID/INVALID with the
reason, the rate search with every probe stored, modeled backends simulated and labelled so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelbench.cli import main

GEMM = "gemm:m=8,n=8,k=8"
SHORT = ("--min-duration-s", "0.2", "--min-queries", "100", "--max-duration-s", "5", "--no-power")


def _records(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    code = main(["run", *argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_a_modeled_backend_is_simulated_valid_below_and_invalid_beyond_its_capacity(
        fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # fake-modeled answers in 1 ms and accepts one query at a time: capacity 1000 queries/s.
    common = (GEMM, "--backends", "fake-modeled", "--config", "fake_modeled_s=0.001", "--scenario", "server",
              "--latency-bound-ms", "20", "--store", str(store_path), *SHORT)
    (low,) = _records(capsys, *common, "--target-qps", "200")
    (high,) = _records(capsys, *common, "--target-qps", "5000")
    for r in (low, high):
        assert r["status"] == "ok" and r["scenario"] == "server"
        assert r["detail"]["scenario_detail"]["timing"] == "modeled queue simulation"
    assert low["provenance"]["latency"] == "modeled" and low["latency_s"]["p50"] >= 0.001
    assert low["detail"]["scenario_detail"]["verdict"] == "VALID"
    high_detail = high["detail"]["scenario_detail"]
    assert high_detail["verdict"] == "INVALID" and "capacity" in high_detail["reason"]


def test_find_max_qps_stores_every_probe_and_the_best_valid_rate(
        fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (record,) = _records(capsys, GEMM, "--backends", "fake-modeled", "--config", "fake_modeled_s=0.001",
                         "--scenario", "server", "--find-max-qps", "--latency-bound-ms", "20",
                         "--store", str(store_path), *SHORT)
    detail = record["detail"]["scenario_detail"]
    assert detail["mode"] == "find-max-qps" and len(detail["probes"]) >= 3
    best = detail["max_valid_qps"]
    assert best is not None and 500 < best < 1000  # below the 1000/s capacity, within the search's 5 %
    assert any(p["verdict"] == "INVALID" and p["target_qps"] > best for p in detail["probes"])


def test_a_measured_backend_is_served_in_real_time_with_queueing_and_a_timing_verdict(
        fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (record,) = _records(capsys, GEMM, "--backends", "fake", "--config", "fake_delay_s=0.0002",
                         "--scenario", "server", "--target-qps", "200", "--latency-bound-ms", "50",
                         "--store", str(store_path), *SHORT)
    detail = record["detail"]["scenario_detail"]
    assert record["provenance"]["latency"] == "measured" and detail["timing"] == "served in real time"
    assert detail["verdict"] in ("VALID", "INVALID") and detail["reason"]
    assert detail["queries"] >= 1 and detail["stop_rule"]
    assert record["latency_s"]["min"] >= 0.0002  # every query took at least its service time
    assert record["quality"]["verdict"] in ("ok", "contended")


@pytest.mark.parametrize(("argv", "needle"), [
    (("--scenario", "server", "--target-qps", "10"), "needs --latency-bound-ms"),
    (("--scenario", "server", "--latency-bound-ms", "1"), "needs --target-qps"),
    (("--scenario", "server", "--target-qps", "10", "--latency-bound-ms", "1", "--percentile", "100"), "--percentile"),
    (("--scenario", "server", "--target-qps", "abc", "--latency-bound-ms", "1"), "--target-qps expects a number"),
    (("--target-qps", "10"), "applies to --scenario server"),
    (("--scenario", "server", "--target-qps", "10", "--latency-bound-ms", "1", "--max-batch", "0"), "--max-batch"),
])
def test_server_options_that_make_no_sense_are_one_line_and_exit_2(
        fake_backends: list[str], store_path: Path, capsys: pytest.CaptureFixture[str],
        argv: tuple[str, ...], needle: str) -> None:
    code = main(["run", GEMM, "--backends", "fake", "--store", str(store_path), *argv])
    _, err = capsys.readouterr()
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
