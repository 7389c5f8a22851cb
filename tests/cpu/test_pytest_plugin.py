"""The pytest plugin in a real pytest subprocess (one session per module), then ingest and compare."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

USER_TESTS = """
from accelbench.kinds import make_workload

def test_suite(accelbench, accel_workload, accel_backend):
    m = accelbench()
    assert m.valid

def test_explicit(accelbench):
    accelbench(make_workload("gemm", {"m": 32, "n": 32, "k": 32}), "cpu-numpy", batch=2)
"""

SUITE = """
[[workload]]
name = "gemm-32"
kind = "gemm"
m = 32
n = 32
k = 32

[[workload]]
name = "tiny-resnet"
kind = "model"
model = "resnet8_ic"
input_hw = 16
"""


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accelbench.cli", *argv], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def pytest_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """One real pytest session over the user's tests (stdout, pytest-benchmark's JSON), shared by the module."""
    project = tmp_path_factory.mktemp("user_project")
    (project / "test_user.py").write_text(USER_TESTS)
    (project / "tiny.toml").write_text(SUITE)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--accel-suite", "tiny.toml",
         "--accel-backends", "cpu-numpy,cpu-torch,gpu-torch", "--accel-budget-s", "0.05",
         "--benchmark-json=out.json"],
        cwd=project, capture_output=True, text=True, timeout=600,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},  # gpu-torch skips on any host, GPU or not
    )
    assert (project / "out.json").exists(), proc.stdout + proc.stderr
    return proc.stdout, json.loads((project / "out.json").read_text())


def test_parametrisation_ids_skips_and_xfails(pytest_run: tuple[str, dict]) -> None:
    out, _ = pytest_run
    assert "test_suite[gemm-32-cpu-numpy] PASSED" in out and "test_suite[tiny-resnet-cpu-torch] PASSED" in out
    assert "test_suite[gemm-32-gpu-torch] SKIPPED" in out  # no GPU: doctor's reason
    assert "test_suite[tiny-resnet-cpu-numpy] XFAIL" in out  # unsupported, not run
    assert "4 passed, 2 skipped, 1 xfailed" in out


def test_json_carries_extra_info_and_machine_info(pytest_run: tuple[str, dict]) -> None:
    _, data = pytest_run
    bench = {b["name"]: b for b in data["benchmarks"]}
    info = bench["test_suite[gemm-32-cpu-numpy]"]["extra_info"]
    assert info["valid"] and info["flops"] == 2 * 32**3 and info["provenance"]["latency"] == "measured"
    assert info["accelbench_record"]["backend"] == "cpu-numpy"
    assert info["timing_verdict"] == info["accelbench_record"]["quality"]["verdict"]
    stats = bench["test_suite[gemm-32-cpu-numpy]"]["stats"]
    assert stats["rounds"] == len(info["accelbench_record"]["detail"]["samples_s"]) >= 5
    assert "accelbench" in data["machine_info"] and "backends" in data["machine_info"]["accelbench"]


def test_pytest_benchmark_compare_works_on_our_json(pytest_run: tuple[str, dict], tmp_path: Path) -> None:
    _, data = pytest_run
    path = tmp_path / "0001_ours.json"
    path.write_text(json.dumps(data))
    cli = Path(sys.executable).parent / "pytest-benchmark"
    proc = subprocess.run([str(cli), "compare", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "gemm-32-cpu-numpy" in proc.stdout


def _clean_timing(data: dict) -> dict:
    """The same file with every record's timing verdict ``ok``: this test is about ingest and the
    comparison's decision, not about whether this (possibly busy) machine timed cleanly."""
    out = json.loads(json.dumps(data))
    for bench in out["benchmarks"]:
        record = bench["extra_info"]["accelbench_record"]
        record["quality"] = {**(record.get("quality") or {}), "verdict": "ok"}
    return out


def test_ingest_then_compare_flags_a_planted_slowdown(pytest_run: tuple[str, dict], tmp_path: Path) -> None:
    data = _clean_timing(pytest_run[1])
    store = str(tmp_path / "s.duckdb")
    first = tmp_path / "a.json"
    first.write_text(json.dumps(data))
    slower = json.loads(json.dumps(data))
    for bench in slower["benchmarks"]:  # plant a 3x slowdown in every raw sample
        record = bench["extra_info"]["accelbench_record"]
        record["detail"]["samples_s"] = [s * 3 for s in record["detail"]["samples_s"]]
        record["detail"]["latency"]["p50_s"] *= 3
    second = tmp_path / "b.json"
    second.write_text(json.dumps(slower))
    run_a = _cli("ingest", str(first), "--store", store).stdout.strip()
    run_b = _cli("ingest", str(second), "--store", store).stdout.strip()
    assert run_a and run_b and run_a != run_b
    proc = _cli("compare", run_a, run_b, "--store", store, "--fail-on", "p50:5%", "--json")
    assert proc.returncode == 1, proc.stderr
    changes = json.loads(proc.stdout)["changes"]
    verdicts = [c["verdict"] for c in changes]
    assert "regressed" in verdicts and "improved" not in verdicts, verdicts
    assert all(c["p50_change"] > 1.5 for c in changes)
    same = _cli("compare", run_a, run_a, "--store", store, "--fail-on", "p50:5%")
    assert same.returncode == 0


def test_ingest_reads_a_plain_pytest_benchmark_file(tmp_path: Path) -> None:
    plain = {"machine_info": {}, "benchmarks": [{"name": "test_sort", "fullname": "t.py::test_sort", "params": None,
             "extra_info": {}, "stats": {"min": 1e-6, "max": 3e-6, "mean": 2e-6, "stddev": 1e-7, "rounds": 3,
             "median": 2e-6, "iqr": 1e-7, "iterations": 10, "data": [1e-6, 2e-6, 3e-6]}}]}
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(plain))
    proc = _cli("ingest", str(path), "--store", str(tmp_path / "s.duckdb"))
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(_cli("show", "--store", str(tmp_path / "s.duckdb"), "--json").stdout)
    assert shown[0]["workload"] == "test_sort" and shown[0]["latency_s"]["p50"] == pytest.approx(2e-6)


@pytest.mark.parametrize("content", ["not json", '{"nobenchmarks": 1}', '{"benchmarks": [{"stats": {}}]}'])
def test_malformed_ingest_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    proc = _cli("ingest", str(path), "--store", str(tmp_path / "s.duckdb"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s.duckdb").exists()


FOREIGN = {
    "machine_info": {"node": "bench-host", "processor": "", "machine": "x86_64", "python_version": "3.12.1",
                     "python_implementation": "CPython", "release": "6.1.0", "system": "Linux",
                     "cpu": {"brand_raw": "AMD EPYC 7B13", "count": 8}},
    "commit_info": {"id": "feedc0de" * 5, "time": "2025-06-01T10:00:00+02:00", "author_time": None, "dirty": False,
                    "project": "proj", "branch": "main"},
    "benchmarks": [{"group": "parsing", "name": "test_parse[big]", "fullname": "t.py::test_parse[big]",
                    "params": {"size": "big"}, "param": "big", "extra_info": {"source": "fixtures/big.txt"},
                    "options": {"timer": "perf_counter", "min_rounds": 5},
                    "stats": {"min": 1e-3, "max": 3e-3, "mean": 2e-3, "stddev": 1e-4, "rounds": 3, "median": 2e-3,
                              "iqr": 1e-4, "iterations": 1, "data": [1e-3, 2e-3, 3e-3]}}],
    "datetime": "2025-06-01T08:30:00+00:00",
    "version": "5.1.0",
}


def test_an_ingested_foreign_file_keeps_commit_machine_time_and_detail_in_show_and_report(tmp_path: Path) -> None:
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(FOREIGN))
    store = str(tmp_path / "s.duckdb")
    run_id = _cli("ingest", str(path), "--store", store).stdout.strip()
    (record,) = json.loads(_cli("show", "--store", store, "--json").stdout)
    assert record["created_at"] == "2025-06-01T08:30:00+00:00" and record["throughput_items_s"] is None
    kept = record["detail"]["extra"]["pytest_benchmark"]
    assert kept["group"] == "parsing" and kept["params"] == {"size": "big"} and kept["param"] == "big"
    assert kept["extra_info"] == {"source": "fixtures/big.txt"} and kept["options"]["min_rounds"] == 5
    assert record["detail"]["device"] == {"device": "AMD EPYC 7B13", "hostname": "bench-host"}
    assert record["detail"]["samples_s"] == [1e-3, 2e-3, 3e-3]
    (run,) = json.loads(_cli("show", "--store", store, "--runs", "--json").stdout)
    assert run["run_id"] == run_id and run["started_at"] == "2025-06-01T08:30:00+00:00"
    assert run["commit_id"] == "feedc0de" * 5 and run["branch"] == "main" and run["dirty"] is False
    proc = _cli("report", "--store", store, "--out", str(tmp_path / "report"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "report" / "report.md").read_text()
    machine = next(line for line in text.splitlines() if line.startswith("- machine:"))
    assert "bench-host" in machine and "Linux-6.1.0-x86" in machine and "Python 3.12.1" in machine
    assert "AMD EPYC 7B13" in text and "of 8 logical CPUs" in text
    assert "feedc0de" * 5 in text
