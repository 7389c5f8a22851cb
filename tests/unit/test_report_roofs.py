"""Roofline roofs: CPU peaks stored by the backend (per dtype) or the table, memory slopes, points above a roof."""

from __future__ import annotations

from accelbench.report.roofs import CpuPeakConfig, Roof, above_roof, cpu_roofs, stored_peak
from tests.unit.test_report_data import rec

CPU_PEAK = {"float32": 2e11, "float64": 1e11, "flops_s": 2e11, "name": "CPU 2 core(s) avx2",
            "peak_source": "table", "source": "2 cores x 8 lanes x 2 FMA x 2 FLOP x 3 GHz"}


def test_a_stored_cpu_peak_gives_the_roof_for_the_records_dtype() -> None:
    m32 = rec("cpu-numpy", 1e-3, device={"peak": CPU_PEAK})
    m64 = rec("cpu-numpy", 1e-3, device={"peak": CPU_PEAK}, params={"dtype": "float64"})
    assert stored_peak(m32)[1] == 2e11 and stored_peak(m64)[1] == 1e11  # type: ignore[index]
    assert "table" in stored_peak(m32)[3]  # type: ignore[index]


def test_a_peak_without_the_dtype_never_serves_float64() -> None:
    m = rec("gpu-torch", 1e-3, device={"peak": {"name": "T4", "flops_s": 8e12}}, params={"dtype": "float64"})
    assert stored_peak(m) is None


def test_the_cpu_roof_gains_a_memory_slope_from_the_table_or_the_configuration() -> None:
    m = rec("cpu-numpy", 1e-3, device={"peak": CPU_PEAK})
    (roof,), notes = cpu_roofs([m], {"cpu": "AMD EPYC 7763 64-Core Processor"})
    assert roof.flops_s == 2e11 and roof.bytes_s == 204.8e9 and notes == []
    (roof,), _ = cpu_roofs([m], {"cpu": "Some CPU"}, CpuPeakConfig(bytes_s=5e10))
    assert roof.bytes_s == 5e10
    (roof,), notes = cpu_roofs([m], {"cpu": "Some CPU"})
    assert roof.bytes_s is None and "compute-only" in notes[0]


def test_without_any_cpu_peak_the_report_says_no_cpu_peak_known() -> None:
    roofs, notes = cpu_roofs([rec("cpu-numpy", 1e-3)], {"cpu": "Intel(R) Xeon(R) Processor"})
    assert roofs == [] and notes[0].startswith("no CPU peak known")


def test_a_point_above_its_roof_is_explained() -> None:
    roof = Roof("cpu", "CPU", 1e11, 1e10, "table")
    assert above_roof("cpu", 1.0, 5e9, False, [roof]) == ""
    assert "cache" in above_roof("cpu", 1.0, 5e10, False, [roof])
    assert "compute roof" in above_roof("cpu", 100.0, 2e11, False, [roof])
    assert above_roof("fpga", 10.0, 1e13, True, [Roof("fpga", "part", 1e12, None, "")]).startswith("modeled")
