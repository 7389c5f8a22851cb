"""`migrate` upgrades a store written at schema version 1 (the previous release) to the current one."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from accelbench.results.migrate import migrate
from accelbench.results.record import SCHEMA_VERSION
from accelbench.results.store import open_store

V1_SQL = Path(__file__).parents[1] / "data" / "store_schema_v1.sql"


def _v1_record(measurement_id: str, status: str, fpga: dict | None, provenance: dict[str, str]) -> dict:
    return {
        "run_id": "r1", "measurement_id": measurement_id, "created_at": "2026-11-01T00:00:00+00:00",
        "workload": "gemm-8x8x8-float32", "kind": "gemm", "params": {"m": 8, "n": 8, "k": 8},
        "params_hash": "abc", "backend": "fpga-hls4ml" if fpga else "cpu-numpy",
        "family": "fpga" if fpga else "cpu", "batch": 1, "scenario": "single-stream",
        "latency_s": {"p50": 1e-5, "p90": 1e-5, "p99": 1e-5, "mean": 1e-5, "min": 1e-5},
        "end_to_end_latency_s": None, "throughput_items_s": 1e5, "achieved_flops_s": 1e8,
        "achieved_bytes_s": None, "error": None, "valid": status == "ok", "status": status,
        "invalid_reason": "", "power_w": None, "idle_power_w": None, "energy_j_per_item": None,
        "fpga": fpga, "provenance": provenance, "methods": {},
        "detail": {"config": {}, "device": {}, "seed": 1, "iterations_per_sample": 1, "samples_s": [1e-5],
                   "latency": {"p50_s": 1e-5, "p90_s": 1e-5, "p99_s": 1e-5, "mean_s": 1e-5, "min_s": 1e-5,
                               "max_s": 1e-5, "stdev_s": 0.0, "iqr_s": 0.0, "n_samples": 1},
                   "end_to_end": None, "end_to_end_samples_s": [], "flops": 1024, "bytes_moved": None,
                   "prepare_s": 0.1, "power": None, "notes": [], "sweep_id": None, "task_key": None},
        "schema_version": 1,
    }


def _write_v1_store(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(V1_SQL.read_text())
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("INSERT INTO runs VALUES ('r1', '2026-11-01T00:00:00+00:00', NULL, 'accelbench run', 'finished', '{}')")
    records = [
        _v1_record("m-cpu", "ok", None, {}),  # v1 left latency unlabelled: readers assumed measured
        _v1_record("m-big", "ok", {"model_only": False, "fits": False, "fit_reason": "does not fit: DSP 533 % of xcu250"},
                   {"latency": "modeled", "throughput_items_s": "modeled", "achieved_flops_s": "modeled"}),
        _v1_record("m-model", "ok", {"model_only": True, "fits": True, "fit_reason": ""},
                   {"latency": "modeled", "throughput_items_s": "modeled", "achieved_flops_s": "modeled"}),
    ]
    for r in records:
        con.execute(
            "INSERT INTO measurements VALUES (?, 'r1', ?, ?, 'gemm', 'abc', ?, ?, 1, 'single-stream', ?, ?, '', "
            "1e-5, 1e-5, 1e-5, 1e-5, 1e-5, NULL, 1e5, 1e8, NULL, NULL, NULL, NULL, ?, NULL, NULL, 1, ?)",
            [r["measurement_id"], r["created_at"], r["workload"], r["backend"], r["family"], r["status"], r["valid"],
             r["provenance"].get("latency"), json.dumps(r)],
        )
    con.close()


def test_migrate_upgrades_a_version_1_store_record_by_record(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _write_v1_store(path)
    assert migrate(path) == (1, SCHEMA_VERSION)
    with open_store(path, read_only=True) as store:
        by_id = {m.measurement_id: m for m in store.measurements()}
        runs = store.runs()
        frame = store.dataframe()
    assert by_id["m-cpu"].status == "ok" and by_id["m-cpu"].provenance["latency"] == "unknown"
    assert by_id["m-big"].status == "does-not-fit" and not by_id["m-big"].valid
    assert "DSP 533 %" in by_id["m-big"].invalid_reason
    assert by_id["m-model"].status == "model-only" and not by_id["m-model"].valid
    assert "model_only" not in (by_id["m-model"].fpga or {})
    assert runs[0]["run_id"] == "r1" and runs[0]["host"] is None
    assert set(frame["status"]) == {"ok", "does-not-fit", "model-only"}


def test_a_migrated_store_accepts_new_results(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _write_v1_store(path)
    migrate(path)
    with open_store(path) as store:
        store.begin_run("r2", "accelbench run", {}, "2026-12-01T00:00:00+00:00")
        assert store.runs()[-1]["pid"] is not None
