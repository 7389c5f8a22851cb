"""NVML: absent -> a reason; with a (fake) driver, the energy counter or integrated power samples.

No test depends on the host: NVML with or without a driver is injected (``pynvml`` replaced in
``sys.modules``), so the tests hold on a machine with an NVIDIA GPU too.
"""

from __future__ import annotations

import sys
import time
import types

import pytest

from accelbench.power.modeled import ModeledGpuMeter
from accelbench.power.nvml import NvmlMeter
from accelbench.power.select import MeterConfig, choose_meter
from tests.power_fakes import FakeNvml


def test_nvml_absent_gives_a_reason_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError
    ok, reason = NvmlMeter().available()
    assert not ok and "nvidia-ml-py is not installed" in reason


def no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Install a ``pynvml`` whose nvmlInit fails as it does on a host without the NVIDIA driver."""
    module = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    def init() -> None:
        raise NVMLError("Driver Not Loaded")

    module.NVMLError = NVMLError  # type: ignore[attr-defined]
    module.nvmlInit = init  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynvml", module)


def test_nvml_without_a_driver_gives_the_library_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    no_driver(monkeypatch)
    ok, reason = NvmlMeter().available()
    assert not ok and "NVML unavailable" in reason and "Driver Not Loaded" in reason


def test_energy_counter_is_used_where_the_gpu_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = FakeNvml(energy_counter=True).install(monkeypatch)
    meter = NvmlMeter(interval_s=0.005)
    ok, reason = meter.available()
    assert ok and "total-energy counter" in reason and meter.update_period_s == pytest.approx(0.1)
    with meter:
        time.sleep(0.02)
        nvml.add_mj(2_500)
        time.sleep(0.02)
    reading = meter.reading()
    assert reading.energy_j == pytest.approx(2.5)
    assert reading.provenance == "measured" and "total-energy counter" in reading.method
    assert nvml.inits == 0  # every nvmlInit was matched by nvmlShutdown


def test_power_samples_are_integrated_where_there_is_no_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeNvml(energy_counter=False, power_mw=150_000).install(monkeypatch)
    meter = NvmlMeter(interval_s=0.005)
    ok, reason = meter.available()
    assert ok and "power samples" in reason and meter.update_period_s == pytest.approx(1.0)
    with meter:
        time.sleep(0.05)
    reading = meter.reading()
    assert reading.avg_power_w == pytest.approx(150.0)
    assert reading.energy_j == pytest.approx(150.0 * reading.duration_s)
    assert "trapezoid" in reading.method


def test_gpu_selection_prefers_nvml_when_it_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeNvml().install(monkeypatch)
    choice = choose_meter("gpu")
    assert choice.meter is not None and choice.meter.name == "nvml" and choice.reason == ""


def test_gpu_without_nvml_and_without_a_power_limit_has_no_figure_and_says_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    no_driver(monkeypatch)
    choice = choose_meter("gpu")
    assert choice.meter is None
    assert "no NVML power" in choice.reason and "--gpu-power-limit-w" in choice.reason


def test_gpu_model_is_power_limit_times_nvml_utilisation(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeNvml(limit_mw=300_000, utilisation_pct=40).install(monkeypatch)
    meter = ModeledGpuMeter(interval_s=0.005, reason="test")
    ok, reason = meter.available()
    assert ok and "300 W" in reason and "NVML enforced power limit" in reason
    with meter:
        time.sleep(0.03)
    reading = meter.reading()
    assert reading.provenance == "modeled" and reading.avg_power_w == pytest.approx(120.0)
    assert reading.constants["power_limit_w"] == 300.0 and reading.constants["utilisation"] == pytest.approx(0.4)
    assert "modeled: GPU power limit 300 W" in reading.method


def test_gpu_model_with_a_configured_limit_and_no_nvml_assumes_full_use_and_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    no_driver(monkeypatch)
    choice = choose_meter("gpu", MeterConfig(gpu_power_limit_w=250.0))
    assert choice.meter is not None and choice.meter.provenance == "modeled"
    with choice.meter:
        time.sleep(0.02)
    reading = choice.meter.reading()
    assert reading.avg_power_w == pytest.approx(250.0)
    assert "assumed utilisation" in reading.method and "no NVML power" in reading.method
