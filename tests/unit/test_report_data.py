"""Report data: the ranked/not-ranked split, speed-ups, crossovers and fronts within one provenance class."""

from __future__ import annotations

import uuid
from typing import Any

from accelbench.report.crossover import crossovers
from accelbench.report.data import failed, modeled_devices, not_ranked, over_capacity, ranked, row
from accelbench.report.pareto import Point, front, fronts_by_class, latency_energy
from accelbench.report.provenance import mark
from accelbench.report.speedup import speedups
from accelbench.results.record import LatencyStats, Measurement, Quality


def rec(backend: str, p50: float, batch: int = 1, workload: str = "w", provenance: str = "measured",
        **extra: Any) -> Measurement:
    """A record with latency and throughput labelled ``provenance`` (energy labelled the same when given)."""
    lat = LatencyStats(p50, p50, p50, p50, p50, p50, 0.0, 0.0, 5)
    labels = {"latency": provenance, "throughput_items_s": provenance}
    for figure in ("energy_j_per_item", "power_w", "error", "accuracy"):
        if extra.get(figure) is not None:
            labels[figure] = extra.pop("energy_provenance", provenance) if figure == "energy_j_per_item" else provenance
    labels.update(extra.pop("labels", {}))
    extra.pop("energy_provenance", None)
    return Measurement(
        run_id="r", measurement_id=uuid.uuid4().hex, created_at="t", workload=workload, kind="gemm", params=extra.pop("params", {}),
        params_hash="h", backend=backend, family=backend.split("-")[0], batch=batch, scenario="single-stream",
        status=extra.pop("status", "ok"), latency=lat, throughput_items_s=batch / p50, provenance=labels, **extra,
    )


def unfit(p50: float = 1e-6, **extra: Any) -> Measurement:
    """A modeled FPGA design that does not fit its part (DSP 533 %)."""
    return rec("fpga-hls4ml", p50, provenance="modeled", status="does-not-fit",
               invalid_reason="does not fit: DSP 533 % of xcu250-figd2104-2L-e",
               fpga={"part": "xcu250-figd2104-2L-e", "utilisation": {"dsp": 533.0, "lut": 40.0}}, **extra)


def test_only_status_ok_records_are_ranked_and_the_others_have_their_own_groups() -> None:
    ok, nofit = rec("cpu-numpy", 1e-3), unfit()
    only_model = rec("fpga-hls4ml", 1e-6, provenance="modeled", status="model-only", invalid_reason="model-only")
    gpu = rec("gpu-model", 1e-5, provenance="modeled", status="model-only", device={"device": "T4"})
    bad = rec("cpu-numba", 1e-3, status="invalid", invalid_reason="relative error 1 exceeds tolerance")
    records = [ok, nofit, only_model, gpu, bad]
    assert ranked(records) == [ok]
    assert not_ranked(records) == [nofit, only_model]
    assert modeled_devices(records) == [gpu]
    assert failed(records) == [bad]


def test_a_non_fitting_design_names_each_resource_over_the_part() -> None:
    assert over_capacity(unfit()) == {"DSP": 533.0}
    r = row(unfit())
    assert r.over == {"DSP": 533.0} and "does not fit" in r.reason


def test_a_figure_without_a_label_is_unknown_never_measured() -> None:
    m = rec("cpu-numpy", 1e-3, labels={"latency": "unknown"})
    assert row(m).provenance["latency"] == "unknown" and mark("unknown") == "‽" and mark(None) == "‽"


def test_speedup_is_against_the_measured_cpu_baseline_and_never_across_provenance() -> None:
    base, fast = rec("cpu-numpy", 1e-3), rec("cpu-torch", 5e-4)
    modeled = rec("fpga-hls4ml", 1e-6, provenance="modeled")
    result = speedups([base, fast, modeled, unfit(1e-9)])
    assert result[base.measurement_id].factor == 1.0 and result[fast.measurement_id].factor == 2.0
    assert modeled.measurement_id not in result and len(result) == 2


def test_speedup_falls_back_to_cpu_torch_when_numpy_has_no_result() -> None:
    base, other = rec("cpu-torch", 2e-3), rec("cpu-numba", 1e-3)
    assert speedups([base, other])[other.measurement_id].factor == 2.0


def test_a_model_only_baseline_is_never_a_baseline() -> None:
    base = rec("cpu-numpy", 1e-4, status="model-only", provenance="modeled")
    other, third = rec("cpu-torch", 1e-3), rec("cpu-numba", 5e-4)
    result = speedups([base, other, third])
    assert base.measurement_id not in result
    assert result[third.measurement_id].baseline == "cpu-torch" and result[third.measurement_id].factor == 2.0


def test_crossover_found_where_throughput_order_flips() -> None:
    records = [rec("cpu-numpy", 1e-5, 1), rec("gpu-torch", 1e-4, 1), rec("cpu-numpy", 1e-3, 64),
               rec("gpu-torch", 2e-4, 64)]
    (c,) = crossovers(records)
    assert (c.leader, c.trailer, c.batch_before, c.batch_after, c.classes) == ("gpu-torch", "cpu-numpy", 1, 64,
                                                                              "measured")


def test_a_crossover_between_a_modeled_fpga_and_a_measured_cpu_is_labelled_modeled_vs_measured() -> None:
    records = [rec("cpu-numpy", 1e-5, 1), rec("fpga-hls4ml", 1e-4, 1, provenance="modeled"),
               rec("cpu-numpy", 1e-3, 64), rec("fpga-hls4ml", 2e-4, 64, provenance="modeled")]
    (c,) = crossovers(records)
    assert c.classes == "modeled vs measured" and c.mixed and "modeled vs measured" in c.describe()


def test_a_design_that_does_not_fit_is_never_on_a_crossover() -> None:
    records = [rec("cpu-numpy", 1e-5, 1), unfit(1e-4, batch=1), rec("cpu-numpy", 1e-3, 64), unfit(2e-4, batch=64)]
    assert crossovers(records) == []


def test_crossovers_and_fronts_use_one_workload_at_a_time() -> None:
    records = [rec("cpu-numpy", 1e-5, 1, workload="a"), rec("gpu-torch", 1e-4, 1, workload="b"),
               rec("cpu-numpy", 1e-3, 64, workload="a"), rec("gpu-torch", 2e-4, 64, workload="b")]
    assert crossovers(records) == []
    points = latency_energy([rec("cpu-numpy", 1e-3, workload="a", energy_j_per_item=1.0),
                             rec("cpu-torch", 2e-3, workload="b", energy_j_per_item=0.5)])
    assert sorted(points) == ["a", "b"] and all(len(p) == 1 for p in points.values())


def test_pareto_front_keeps_only_non_dominated_points() -> None:
    pts = [Point(1.0, 5.0, "a", "measured"), Point(2.0, 2.0, "b", "measured"), Point(3.0, 3.0, "c", "measured"),
           Point(4.0, 1.0, "d", "measured")]
    assert [p.label for p in front(pts)] == ["a", "b", "d"]


def test_a_modeled_point_never_pushes_a_measured_one_off_its_front() -> None:
    pts = [Point(1.0, 1.0, "fpga", "modeled"), Point(2.0, 2.0, "cpu", "measured")]
    fronts = fronts_by_class(pts)
    assert [p.label for p in fronts["measured"]] == ["cpu"] and [p.label for p in fronts["modeled"]] == ["fpga"]


def test_a_design_that_does_not_fit_is_never_on_a_front() -> None:
    points = latency_energy([rec("cpu-numpy", 1e-3, energy_j_per_item=1.0), unfit(energy_j_per_item=1e-6)])
    assert [p.label for p in points["w"]] == ["cpu-numpy b1"]


def test_row_carries_the_timing_verdict_and_accuracy() -> None:
    m = rec("cpu-numpy", 1e-3, quality=Quality("noisy", reason="CI 12 % > 5 %"),
            accuracy={"metric": "top1", "value": 0.91, "n": 1000})
    r = row(m)
    assert (r.verdict, r.verdict_reason, r.accuracy) == ("noisy", "CI 12 % > 5 %", "top1 0.91 (n=1000)")
