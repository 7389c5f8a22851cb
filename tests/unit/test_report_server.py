"""Server-scenario runs in reports: max VALID rate in the verdict, probes for the load curve."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from accelbench.report.build import build
from accelbench.report.headline import glance, verdicts
from accelbench.report.server import max_valid_qps, probes
from tests.unit.test_report_data import rec


def _server(backend: str, rates: list[tuple[float, float, str]], provenance: str = "measured",
            **extra: Any) -> Any:
    detail = {"latency_bound_s": 1e-3, "percentile": 0.99,
              "probes": [{"target_qps": q, "achieved_qps": q, "percentile_latency_s": lat, "verdict": v}
                         for q, lat, v in rates]}
    return replace(rec(backend, 1e-4, provenance=provenance, scenario_detail=detail, **extra), scenario="server")


def test_max_valid_rate_is_the_best_valid_probe_or_the_stored_figure() -> None:
    m = _server("cpu-numpy", [(1000.0, 2e-4, "VALID"), (4000.0, 9e-4, "VALID"), (8000.0, 5e-3, "INVALID")])
    assert max_valid_qps(m) == 4000.0 and [p.valid for p in probes(m)] == [True, True, False]
    assert max_valid_qps(rec("cpu-numpy", 1e-3)) is None


def test_the_verdict_names_the_highest_valid_rate_only_for_workloads_with_server_runs() -> None:
    records = [_server("cpu-numpy", [(1000.0, 2e-4, "VALID"), (4000.0, 9e-4, "VALID")]),
               _server("cpu-torch", [(1000.0, 5e-4, "VALID"), (2000.0, 2e-3, "INVALID")]),
               rec("cpu-numpy", 1e-3, workload="other")]
    found = verdicts(records)
    (rate,) = [v for v in found["w"] if v.metric.key == "max_valid_qps"]
    assert rate.text().startswith("highest VALID server rate: cpu-numpy 4 k queries/s, 4x ahead of cpu-torch")
    assert all(v.metric.key != "max_valid_qps" for v in found["other"])
    titles, rows = glance(found)
    assert titles[-1] == "highest VALID server rate" and rows[1][-1] == "-"


def test_the_load_curve_is_drawn_with_the_bound() -> None:
    records = [_server("cpu-numpy", [(1000.0, 2e-4, "VALID"), (8000.0, 5e-3, "INVALID")]),
               _server("fpga-hls4ml", [(1000.0, 1e-6, "VALID"), (1e6, 1e-5, "VALID")], provenance="modeled")]
    plot = next(p for p in build("r", records, {}).plots if p.key == "server_load")
    assert plot.svg is not None and "p99 bound 1 ms" in plot.svg
