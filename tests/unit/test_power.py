"""Power meters: RAPL on a synthetic powercap tree, NVML absent, thread lifecycle, energy integration."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from accelbench.power.integrate import counter_delta, trapezoid_j
from accelbench.power.modeled import ModeledCpuMeter
from accelbench.power.nvml import NvmlMeter
from accelbench.power.pynq_rails import reading_from_rail_samples
from accelbench.power.rapl import RaplMeter
from accelbench.power.select import doctor_rows, meter_for


def make_powercap(root: Path, package_uj: int = 1_000_000, dram_uj: int = 500_000, max_uj: int = 2**32 - 1) -> Path:
    """The real layout: intel-rapl:0 (package-0) with sub-domain intel-rapl:0:0 (dram), plus psys."""
    for path, name, value in (
        (root / "intel-rapl:0", "package-0", package_uj),
        (root / "intel-rapl:0" / "intel-rapl:0:0", "dram", dram_uj),
        (root / "intel-rapl:1", "psys", 0),
    ):
        path.mkdir(parents=True, exist_ok=True)
        (path / "name").write_text(name + "\n")
        (path / "energy_uj").write_text(f"{value}\n")
        (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    # sysfs also links sub-domains at the top level
    link = root / "intel-rapl:0:0"
    if not link.exists():
        link.symlink_to(root / "intel-rapl:0" / "intel-rapl:0:0")
    return root


def test_trapezoid_integrates_a_known_trace() -> None:
    assert trapezoid_j([0.0, 1.0, 2.0], [10.0, 10.0, 10.0]) == pytest.approx(20.0)
    assert trapezoid_j([0.0, 2.0], [0.0, 10.0]) == pytest.approx(10.0)  # a ramp
    with pytest.raises(ValueError):
        trapezoid_j([1.0, 0.0], [1.0, 1.0])


def test_counter_delta_handles_wrap_around() -> None:
    assert counter_delta([10, 30, 60], max_range=100) == 50
    assert counter_delta([90, 5, 20], max_range=100) == (100 - 90 + 1) + 5 + 15


def test_rapl_finds_package_and_dram_domains(tmp_path: Path) -> None:
    meter = RaplMeter(make_powercap(tmp_path))
    assert set(meter.domains) == {"package-0", "dram-0"}
    ok, reason = meter.available()
    assert ok and "package-0" in reason


def test_rapl_energy_from_counters_across_a_wrap(tmp_path: Path) -> None:
    root = make_powercap(tmp_path, package_uj=4_294_467_296, max_uj=4_294_967_295)
    meter = RaplMeter(root, interval_s=0.01)
    with meter:
        time.sleep(0.03)
        (root / "intel-rapl:0" / "energy_uj").write_text("500000\n")  # wrapped: 0.5 J + 0.5 J
        (root / "intel-rapl:0" / "intel-rapl:0:0" / "energy_uj").write_text("1000000\n")  # +0.5 J
        time.sleep(0.03)
    reading = meter.reading()
    assert reading.domains["package-0"] == pytest.approx(1.0, abs=1e-6)
    assert reading.domains["dram-0"] == pytest.approx(0.5)
    assert reading.energy_j == pytest.approx(1.5, abs=1e-6)
    assert reading.provenance == "measured" and reading.avg_power_w == pytest.approx(1.5 / reading.duration_s)


def test_rapl_unreadable_counter_explains_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_powercap(tmp_path)
    original = Path.read_text

    def deny(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == "energy_uj":
            raise PermissionError(13, "Permission denied")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", deny)
    ok, reason = RaplMeter(root).available()
    assert not ok and "chmod o+r" in reason and "PLATYPUS" in reason


def test_rapl_without_powercap_says_so(tmp_path: Path) -> None:
    ok, reason = RaplMeter(tmp_path / "missing").available()
    assert not ok and "no powercap interface" in reason


def test_nvml_absent_gives_a_reason_not_a_crash() -> None:
    ok, reason = NvmlMeter().available()
    assert not ok and reason  # no NVIDIA driver on this machine


def test_sampling_thread_starts_and_stops_without_leaking(tmp_path: Path) -> None:
    before = threading.active_count()
    meter = RaplMeter(make_powercap(tmp_path), interval_s=0.005)
    with meter:
        time.sleep(0.05)
        assert threading.active_count() == before + 1
    assert threading.active_count() == before
    meter.stop()  # idempotent
    assert len(meter.samples) >= 3


def test_modeled_cpu_meter_records_its_constants() -> None:
    meter = ModeledCpuMeter(tdp_w=50.0, reason="rapl unavailable: test")
    with meter:
        end = time.perf_counter() + 0.05
        while time.perf_counter() < end:
            pass
    reading = meter.reading()
    assert reading.provenance == "modeled"
    assert reading.constants["tdp_w"] == 50.0 and 0 < reading.constants["utilisation"] <= 1
    assert reading.avg_power_w == pytest.approx(50.0 * reading.constants["utilisation"])
    assert "rapl unavailable" in reading.method


def test_meter_selection_falls_back_to_the_model_with_the_reason() -> None:
    meter, why = meter_for("cpu")
    assert meter is not None and meter.provenance == "modeled" and "rapl unavailable" in why
    gpu_meter, gpu_why = meter_for("gpu")
    assert gpu_meter is None and "no GPU power figure" in gpu_why


def test_pynq_rail_samples_integrate_per_rail() -> None:
    reading = reading_from_rail_samples({"VCCINT": [[0.0, 1.0], [1.0, 1.0]], "VCCAUX": [[0.0, 0.5], [1.0, 0.5]]})
    assert reading.domains == {"VCCINT": 1.0, "VCCAUX": 0.5} and reading.avg_power_w == pytest.approx(1.5)


def test_doctor_lists_every_meter() -> None:
    assert [row["name"] for row in doctor_rows()] == ["rapl", "nvml", "pynq-rails", "modeled"]
