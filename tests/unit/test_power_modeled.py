"""Modeled meters record every constant; meter selection and doctor rows give reasons.

The host's own sensors never decide a test: the powercap root is a temporary directory and NVML is
injected (tests.unit.test_power_nvml.no_driver), so these hold on hosts with RAPL or a GPU too.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from accelbench.power.cpu_tdp import FALLBACK_W_PER_THREAD, TABLE, lookup
from accelbench.power.modeled import ModeledCpuMeter, ModeledFpgaMeter, cpu_power_model
from accelbench.power.select import MeterConfig, choose_meter, doctor_rows
from tests.power_fakes import make_powercap
from tests.unit.test_power_nvml import no_driver


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_tdp_table_matches_the_longest_model_substring() -> None:
    assert lookup("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz").tdp_w == 95.0  # type: ignore[union-attr]
    assert lookup("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz").tdp_w == 65.0  # type: ignore[union-attr]
    assert lookup("AMD EPYC") is None
    assert all(row.tdp_w > 0 and row.threads > 0 for row in TABLE)


def test_a_slice_of_a_big_package_is_charged_its_share_of_the_tdp() -> None:
    model = cpu_power_model("AMD EPYC 7763 64-Core Processor", cpus=2)
    assert model.full_load_w == pytest.approx(280.0 * 2 / 128)
    assert model.constants["package_tdp_w"] == 280.0 and model.constants["table_key"] == "EPYC 7763"


def test_unknown_cpu_uses_the_recorded_fallback() -> None:
    model = cpu_power_model("AMD EPYC", cpus=2)
    assert model.full_load_w == pytest.approx(2 * FALLBACK_W_PER_THREAD)
    assert model.constants["w_per_thread"] == FALLBACK_W_PER_THREAD and "fallback" in model.constants["tdp_source"]


def test_configured_tdp_wins_over_the_table() -> None:
    model = cpu_power_model("AMD EPYC 7763 64-Core Processor", cpus=2, tdp_w=65.0)
    assert model.full_load_w == 65.0 and model.constants["tdp_source"] == "configured (--cpu-tdp-w)"


def test_modeled_cpu_meter_records_its_constants_and_reason() -> None:
    meter = ModeledCpuMeter(tdp_w=50.0, reason="no RAPL: test", cpu_model="Test CPU")
    with meter:
        _busy(0.05)
    reading = meter.reading()
    utilisation = reading.constants["utilisation"]
    assert reading.provenance == "modeled" and 0 < utilisation <= 1
    assert reading.constants["tdp_w"] == 50.0 and reading.constants["process_cpu_s"] > 0
    assert reading.avg_power_w == pytest.approx(50.0 * utilisation)
    assert reading.energy_j == pytest.approx(reading.avg_power_w * reading.duration_s)
    assert reading.method.startswith("modeled: CPU TDP 50 W") and "no RAPL: test" in reading.method


def test_modeled_cpu_utilisation_is_low_while_the_process_sleeps() -> None:
    # in a fresh interpreter: the test process may still have threads of earlier tests at work (an
    # OpenMP pool spinning after its last parallel region), which the meter rightly counts
    program = ("import time\nfrom accelbench.power.modeled import ModeledCpuMeter\n"
               "meter = ModeledCpuMeter(tdp_w=50.0, cpu_model='Test CPU')\n"
               "with meter:\n    time.sleep(0.1)\n"
               "print(meter.reading().constants['utilisation'])\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True)
    assert float(done.stdout) < 0.5


def test_modeled_fpga_meter_is_the_model_figure_times_the_window() -> None:
    meter = ModeledFpgaMeter(2.5, static_power_w=0.6, reason="no board rails")
    with meter:
        time.sleep(0.02)
    reading = meter.reading()
    assert reading.avg_power_w == 2.5 and reading.energy_j == pytest.approx(2.5 * reading.duration_s)
    assert reading.provenance == "modeled" and "static 0.6 W" in reading.method
    with pytest.raises(ValueError, match="power_w"):
        ModeledFpgaMeter(0.0)


def test_cpu_selection_uses_rapl_where_powercap_is_readable(tmp_path: Path) -> None:
    choice = choose_meter("cpu", MeterConfig(powercap_root=make_powercap(tmp_path)))
    assert choice.meter is not None and choice.meter.name == "rapl" and choice.meter.provenance == "measured"
    assert choice.reason == ""


def test_cpu_selection_falls_back_to_the_model_with_the_reason(tmp_path: Path) -> None:
    choice = choose_meter("cpu", MeterConfig(cpu_tdp_w=40.0, powercap_root=tmp_path / "none"))
    assert choice.meter is not None and choice.meter.provenance == "modeled"
    assert "no RAPL: no powercap interface" in choice.reason
    assert "no RAPL" in choice.meter.method


def test_fpga_selection_uses_the_model_figure_and_says_the_rails_were_not_there() -> None:
    choice = choose_meter("fpga", fpga_power_w=1.8)
    assert choice.meter is not None and choice.meter.name == "modeled-fpga" and "no board rails" in choice.reason
    none = choose_meter("fpga")
    assert none.meter is None and "no FPGA power model figure" in none.reason


def test_doctor_lists_every_meter_with_availability_and_reason(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    no_driver(monkeypatch)  # no readable RAPL (empty powercap root) and no NVIDIA driver, whatever the host has
    rows = doctor_rows(MeterConfig(powercap_root=tmp_path / "none"))
    assert [row["name"] for row in rows] == ["rapl", "nvml", "pynq-rails", "modeled-cpu", "modeled-gpu",
                                             "modeled-fpga"]
    assert all(row["reason"] for row in rows)
    cpu = next(row for row in rows if row["name"] == "modeled-cpu")
    assert cpu["available"] and cpu["reason"].startswith("no power sensor on this host")


def test_doctor_does_not_claim_no_sensor_when_rapl_works(tmp_path: Path) -> None:
    rows = doctor_rows(MeterConfig(powercap_root=make_powercap(tmp_path)))
    assert next(row for row in rows if row["name"] == "rapl")["available"]
    assert not any("no power sensor" in row["reason"] for row in rows)
