"""Ingest keeps what pytest-benchmark wrote (commit, machine, time, per-benchmark detail) and invents nothing."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

from accelbench.results.ingest import already_ingested, read
from accelbench.results.store import open_store

NOW = "2030-01-01T00:00:00+00:00"

FILE: dict[str, Any] = {
    "machine_info": {
        "node": "bench-host", "processor": "", "machine": "x86_64", "python_implementation": "CPython",
        "python_version": "3.12.1", "release": "6.1.0", "system": "Linux",
        "cpu": {"brand_raw": "AMD EPYC 7B13", "count": 8, "arch": "X86_64"},
    },
    "commit_info": {"id": "0123abcd" * 5, "time": "2025-06-01T10:00:00+02:00", "author_time": None,
                    "dirty": True, "project": "proj", "branch": "main"},
    "benchmarks": [
        {"group": "sorting", "name": "test_sort[100]", "fullname": "t.py::test_sort[100]", "params": {"n": 100},
         "param": "100", "extra_info": {"note": "warm cache"},
         "options": {"disable_gc": False, "timer": "perf_counter", "min_rounds": 5, "max_time": 1.0},
         "stats": {"min": 1e-6, "max": 4e-6, "mean": 2.2e-6, "stddev": 1e-7, "rounds": 4, "median": 2e-6,
                   "iqr": 1e-7, "iterations": 10, "data": [1e-6, 2e-6, 2e-6, 4e-6]}},
        {"group": None, "name": "test_parse", "fullname": "t.py::test_parse", "params": None, "param": None,
         "extra_info": {"items_per_call": 64}, "options": {"timer": "perf_counter"},
         "stats": {"min": 1e-3, "max": 3e-3, "mean": 2e-3, "stddev": 1e-4, "rounds": 7, "median": 2e-3,
                   "iqr": 1e-4, "iterations": 1}},
    ],
    "datetime": "2025-06-01T12:30:00.123456+02:00",
    "version": "5.1.0",
}


def _write(tmp_path: Path, data: dict[str, Any], name: str = "bench.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_commit_info_becomes_the_runs_commit(tmp_path: Path) -> None:
    got = read(_write(tmp_path, FILE), "run1", NOW)
    assert got.environment["commit"] == {"id": "0123abcd" * 5, "branch": "main", "dirty": True,
                                         "time": "2025-06-01T10:00:00+02:00"}
    assert got.environment["git"] == {"commit": "0123abcd" * 5, "dirty": True, "branch": "main"}
    assert got.origin["commit_id"] == "0123abcd" * 5 and got.origin["branch"] == "main" and got.origin["dirty"] is True
    assert got.environment["commit_info"] == FILE["commit_info"]  # the raw dictionary is kept too


def test_machine_info_becomes_the_environment_the_report_reads(tmp_path: Path) -> None:
    env = read(_write(tmp_path, FILE), "run1", NOW).environment
    assert env["hostname"] == "bench-host" and env["platform"] == "Linux-6.1.0-x86_64"
    assert env["python"] == "3.12.1" and env["cpu"] == "AMD EPYC 7B13" and env["threads"] == {"cpu_count": 8}
    assert env["packages"] == {"pytest-benchmark": "5.1.0"}
    assert env["machine_info"] == FILE["machine_info"]


def test_the_files_datetime_is_the_runs_and_records_time(tmp_path: Path) -> None:
    got = read(_write(tmp_path, FILE), "run1", NOW)
    assert got.started_at == "2025-06-01T10:30:00+00:00"  # 12:30+02:00 in UTC
    assert {m.created_at for m in got.records} == {got.started_at}
    assert got.environment["started_at_source"] == "file"


def test_without_datetime_the_ingest_time_is_used_and_said(tmp_path: Path) -> None:
    data = copy.deepcopy(FILE)
    del data["datetime"]
    got = read(_write(tmp_path, data), "run1", NOW)
    assert got.started_at == NOW and got.environment["started_at_source"].startswith("ingest time")


def test_group_params_param_extra_info_and_options_are_kept(tmp_path: Path) -> None:
    first = read(_write(tmp_path, FILE), "run1", NOW).records[0]
    kept = first.extra["pytest_benchmark"]
    assert kept == {"group": "sorting", "params": {"n": 100}, "param": "100", "extra_info": {"note": "warm cache"},
                    "options": FILE["benchmarks"][0]["options"]}
    assert first.to_json()["detail"]["extra"]["pytest_benchmark"]["group"] == "sorting"  # visible in show --json
    assert first.config == {}  # not part of the comparison key: extra_info may change between runs


def test_raw_samples_are_the_records_samples(tmp_path: Path) -> None:
    first = read(_write(tmp_path, FILE), "run1", NOW).records[0]
    assert first.samples_s == (1e-6, 2e-6, 2e-6, 4e-6) and first.latency is not None
    assert first.latency.p50_s == pytest.approx(2e-6) and first.latency.n_samples == 4
    assert first.iterations_per_sample == 10
    assert first.device == {"device": "AMD EPYC 7B13", "hostname": "bench-host"}


def test_no_items_per_second_unless_extra_info_gives_items_per_call(tmp_path: Path) -> None:
    sort, parse = read(_write(tmp_path, FILE), "run1", NOW).records
    assert sort.throughput_items_s is None and "throughput_items_s" not in sort.provenance
    assert parse.throughput_items_s == pytest.approx(64 / 2e-3) and parse.batch == 64
    assert parse.provenance["throughput_items_s"] == "measured"


def test_summary_only_statistics_leave_unknown_percentiles_unknown(tmp_path: Path) -> None:
    parse = read(_write(tmp_path, FILE), "run1", NOW).records[1]
    assert parse.samples_s == () and parse.latency is not None
    assert parse.latency.p50_s == 2e-3 and math.isnan(parse.latency.p90_s) and parse.latency.n_samples == 7
    assert any("summary statistics" in note for note in parse.notes)


def test_commit_is_named_in_each_records_notes(tmp_path: Path) -> None:
    first = read(_write(tmp_path, FILE), "run1", NOW).records[0]
    assert f"commit {'0123abcd' * 5} on main (dirty tree)" in first.notes


def test_an_unversioned_project_has_no_commit(tmp_path: Path) -> None:
    data = copy.deepcopy(FILE)
    data["commit_info"] = {"id": "unversioned", "time": None, "dirty": False, "project": "p", "branch": "(unknown)"}
    got = read(_write(tmp_path, data), "run1", NOW)
    assert "commit" not in got.environment and "commit_id" not in got.origin


def test_accelbench_machine_info_environment_is_preferred(tmp_path: Path) -> None:
    data = copy.deepcopy(FILE)
    own = {"hostname": "h", "platform": "Linux-x", "python": "3.11.7", "cpu": "Xeon", "threads": {"affinity": 2}}
    data["machine_info"]["accelbench"] = {"backends": [], "environment": own}
    env = read(_write(tmp_path, data), "run1", NOW).environment
    assert env["cpu"] == "Xeon" and env["threads"] == {"affinity": 2}


def test_the_content_hash_finds_an_earlier_ingest(tmp_path: Path) -> None:
    path = _write(tmp_path, FILE)
    got = read(path, "run1", NOW)
    with open_store(tmp_path / "s.duckdb") as store:
        assert already_ingested(store, got.sha256) is None
        store.begin_run("run1", "accelbench ingest", got.environment, got.started_at, got.origin)
        assert already_ingested(store, got.sha256) == "run1"
        same_bytes = read(_write(tmp_path, FILE, "copy.json"), "run2", NOW)
        assert already_ingested(store, same_bytes.sha256) == "run1"  # the name does not matter, the bytes do
        other = copy.deepcopy(FILE)
        other["datetime"] = "2025-06-02T00:00:00+00:00"
        assert already_ingested(store, read(_write(tmp_path, other, "b.json"), "run3", NOW).sha256) is None



def test_ingested_samples_get_a_noise_verdict_without_counters(tmp_path: Path) -> None:
    sort = read(_write(tmp_path, FILE), "run1", NOW).records[0]
    assert sort.quality is not None and sort.quality.source == "none"
    assert sort.quality.verdict == "noisy" and "CI" in sort.quality.reason  # 4 samples spread 1-4 µs


def test_a_summary_is_judged_from_its_iqr_and_rounds(tmp_path: Path) -> None:
    data = copy.deepcopy(FILE)
    parse = read(_write(tmp_path, data), "run1", NOW).records[1]
    assert parse.quality is not None and parse.quality.ci_rel == pytest.approx(1.57 * 1e-4 / math.sqrt(7) / 2e-3)
    assert parse.quality.verdict == "noisy"  # ±2.97 % > the 2 % target
    data["benchmarks"][1]["stats"].update(rounds=400)
    tight = read(_write(tmp_path, data, "tight.json"), "run2", NOW).records[1]
    assert tight.quality is not None and tight.quality.verdict == "ok"


def test_a_summary_without_iqr_has_no_verdict_and_compares_as_inconclusive(tmp_path: Path) -> None:
    from accelbench.results.rank import inconclusive_reason, timing_trustworthy

    data = copy.deepcopy(FILE)
    del data["benchmarks"][1]["stats"]["iqr"]
    parse = read(_write(tmp_path, data), "run1", NOW).records[1]
    assert parse.quality is None and any("unknown" in note for note in parse.notes)
    assert not timing_trustworthy(parse)
    assert "no quality verdict" in inconclusive_reason(parse, parse)
