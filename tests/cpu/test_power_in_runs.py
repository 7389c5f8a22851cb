"""Power through the runner: one window gives power, energy per item and items per joule, with the
same code path reading RAPL or NVML where they exist and a labelled model where they do not."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from accelbench.backends.base import Family, Prepared
from accelbench.backends.registry import get_backend
from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.power_window import PowerOptions, make_power_hook, measure_power
from accelbench.measure.runner import PowerFields, Runner
from accelbench.power.base import PowerReading
from accelbench.power.select import MeterConfig
from accelbench.workload import Workload
from tests.fakes import FakeBackend
from tests.power_fakes import FakeNvml, add_uj, make_powercap

FAST = RunPolicy(budget_s=0.05, min_samples=5, warmup_s=0.0)
GEMM = make_workload("gemm", {"m": 8, "n": 8, "k": 8})
MAX_UJ = 262_143_328_850


def _options(tmp_path: Path, **meters: Any) -> PowerOptions:
    meters.setdefault("powercap_root", tmp_path / "no-powercap")
    return PowerOptions(window_s=1.0, idle_s=0.05, settle_s=0.0, meters=MeterConfig(**meters))


def test_cpu_numpy_run_records_modeled_power_with_its_reason(tmp_path: Path) -> None:
    hook = make_power_hook(_options(tmp_path, cpu_tdp_w=40.0))
    m = Runner(FAST, "p", power_hook=hook).measure(get_backend("cpu-numpy"), make_workload(
        "gemm", {"m": 64, "n": 64, "k": 64}), 4)
    assert m.status == "ok" and m.power_w is not None and 0 < m.power_w <= 40.0
    assert m.idle_power_w is not None and m.idle_power_w < m.power_w
    assert m.provenance["power_w"] == m.provenance["energy_j_per_item"] == m.provenance["idle_power_w"] == "modeled"
    assert m.methods["power_w"].startswith("modeled: CPU TDP 40 W")
    assert "no RAPL: no powercap interface" in m.methods["power_w"]
    detail = m.power
    assert detail is not None and detail["meter"] == "modeled-cpu" and detail["window_s"] >= 1.0
    assert detail["items"] == 4 * detail["runs"] > 0
    assert detail["constants"]["tdp_w"] == 40.0 and detail["constants"]["tdp_source"] == "configured (--cpu-tdp-w)"
    assert m.energy_j_per_item is not None
    assert m.energy_j_per_item == pytest.approx(m.power_w * detail["window_s"] / detail["items"])
    assert detail["items_per_j"] == pytest.approx(1.0 / m.energy_j_per_item)


class RaplLoadBackend(FakeBackend):
    """A CPU fake whose every run costs exactly ``uj_per_run`` on a synthetic package counter."""

    name = "fake-rapl-load"
    counter: Path
    uj_per_run = 1_000_000

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        add_uj(self.counter, self.uj_per_run, MAX_UJ)
        return super().run(prepared, device_inputs)


def test_the_same_path_measures_rapl_where_powercap_exists_even_across_a_wrap(tmp_path: Path) -> None:
    root = make_powercap(tmp_path / "powercap", package_uj=MAX_UJ - 2_500_000)
    backend = RaplLoadBackend()
    backend.counter = root / "intel-rapl:0" / "energy_uj"
    hook = make_power_hook(_options(tmp_path, powercap_root=root))
    m = Runner(FAST, "p", power_hook=hook).measure(backend, GEMM, 2)
    assert m.status == "ok" and m.power is not None
    assert m.provenance["power_w"] == m.provenance["energy_j_per_item"] == "measured"
    assert m.methods["power_w"].startswith("RAPL powercap energy counters (package-0, dram-0)")
    assert m.power["meter"] == "rapl" and "why_not_measured" not in m.power
    assert m.idle_power_w == 0.0  # no runs, no energy
    # every run costs 1 J: exactly 0.5 J per item at batch 2, whatever the window's length
    assert m.energy_j_per_item == pytest.approx(0.5, rel=1e-9)
    assert m.power["domains"]["package-0"]["energy_j"] == pytest.approx(m.power["runs"] * 1.0)
    assert m.power["items_per_j"] == pytest.approx(2.0)


class NvmlLoadBackend(FakeBackend):
    """A GPU fake whose every run costs exactly ``mj_per_run`` on a fake NVML energy counter."""

    name = "fake-nvml-load"
    family: Family = "gpu"
    nvml: FakeNvml
    mj_per_run = 300

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        self.nvml.add_mj(self.mj_per_run)
        return super().run(prepared, device_inputs)


def test_the_same_path_measures_nvml_where_a_gpu_has_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = NvmlLoadBackend()
    backend.nvml = FakeNvml(energy_counter=True).install(monkeypatch)
    m = Runner(FAST, "p", power_hook=make_power_hook(_options(tmp_path))).measure(backend, GEMM, 3)
    assert m.status == "ok" and m.power is not None and m.power["meter"] == "nvml"
    assert m.provenance["power_w"] == "measured" and "NVML total-energy counter" in m.methods["power_w"]
    assert m.energy_j_per_item == pytest.approx(0.3 / 3, rel=1e-9)
    assert backend.nvml.inits == 0


class ScriptedMeter:
    """A meter replaying fixed average powers (W): first the idle window, then the active one."""

    name = "scripted"
    provenance = "measured"
    method = "scripted test meter"

    def __init__(self, powers_w: list[float], update_period_s: float = 0.001) -> None:
        self.powers_w = iter(powers_w)
        self.update_period_s = update_period_s
        self.durations_s: list[float] = []
        self._t0 = 0.0

    def available(self) -> tuple[bool, str]:
        return True, "scripted"

    def __enter__(self) -> ScriptedMeter:
        import time

        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        import time

        self.durations_s.append(time.perf_counter() - self._t0)

    def reading(self) -> PowerReading:
        power_w, duration_s = next(self.powers_w), self.durations_s[-1]
        return PowerReading(power_w, power_w * duration_s, duration_s, 2, "measured", self.method)


@pytest.fixture
def prepared_fake() -> Iterator[tuple[FakeBackend, Prepared, Any]]:
    backend = FakeBackend()
    prepared = backend.prepare(GEMM, {})
    yield backend, prepared, GEMM.make_inputs(0, 2)


def test_idle_power_is_reported_and_subtracted_only_when_asked(prepared_fake: tuple[FakeBackend, Prepared, Any]) -> None:
    backend, prepared, inputs = prepared_fake
    kept = measure_power(backend, prepared, inputs, 2, ScriptedMeter([2.0, 10.0]),
                         PowerOptions(idle_s=0.05, settle_s=0.0))
    assert kept.idle is not None and kept.idle.avg_power_w == 2.0 and kept.power_w == 10.0
    subtracted = measure_power(backend, prepared, inputs, 2, ScriptedMeter([2.0, 10.0]),
                               PowerOptions(idle_s=0.05, settle_s=0.0, subtract_idle=True))
    assert subtracted.power_w == 8.0
    assert subtracted.energy_j_per_item == pytest.approx(8.0 * subtracted.active.duration_s / subtracted.items)
    fields = subtracted.fields()
    assert fields.idle_power_w == 2.0 and "minus idle power" in fields.methods["power_w"]
    assert "idle window just before" in fields.methods["idle_power_w"]


def test_energy_per_item_is_power_over_the_windows_own_throughput_stored_beside_it(
        prepared_fake: tuple[FakeBackend, Prepared, Any]) -> None:
    backend, prepared, inputs = prepared_fake
    result = measure_power(backend, prepared, inputs, 2, ScriptedMeter([2.0, 10.0]),
                           PowerOptions(idle_s=0.05, settle_s=0.0))
    fields = result.fields()
    window = fields.detail["window_throughput_items_s"]
    assert window == pytest.approx(result.items / result.active.duration_s)
    assert fields.energy_j_per_item == pytest.approx(fields.power_w / window)  # one window, figures agree
    assert "window_throughput_items_s" in fields.methods["energy_j_per_item"]


def test_a_window_is_extended_to_span_a_slow_sensors_update_periods(
        prepared_fake: tuple[FakeBackend, Prepared, Any]) -> None:
    backend, prepared, inputs = prepared_fake
    meter = ScriptedMeter([1.0, 1.0], update_period_s=0.3)
    result = measure_power(backend, prepared, inputs, 2, meter, PowerOptions(idle_s=0.05, settle_s=0.0))
    assert result.requested_window_s == pytest.approx(1.5)  # 5 update periods > the 1 s asked
    assert meter.durations_s[0] >= 1.5 and meter.durations_s[1] >= 1.5  # idle window too


def test_active_power_not_above_idle_gives_no_energy_per_item(prepared_fake: tuple[FakeBackend, Prepared, Any]) -> None:
    backend, prepared, inputs = prepared_fake
    result = measure_power(backend, prepared, inputs, 2, ScriptedMeter([5.0, 4.0]),
                           PowerOptions(idle_s=0.05, settle_s=0.0, subtract_idle=True))
    fields = result.fields()
    assert fields.energy_j_per_item is None and "energy_note" in fields.detail


class BoardWithoutRails(FakeBackend):
    """An FPGA fake that measures its own power but whose board returned no rail samples."""

    name = "fake-board-no-rails"
    family: Family = "fpga"

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        prepared = super().prepare(workload, config)
        prepared.figures["fpga"] = {"power_w": 1.75}
        return prepared

    def measure_power(self, prepared: Prepared, device_inputs: Any, batch: int, window_s: float) -> PowerFields:
        return PowerFields(0.0, None, None, {"meter": "pynq-rails"}, {"power_w": "measured"}, {})


def test_a_board_without_rail_samples_falls_back_to_the_labelled_fpga_model(tmp_path: Path) -> None:
    m = Runner(FAST, "p", power_hook=make_power_hook(_options(tmp_path))).measure(BoardWithoutRails(), GEMM, 1)
    assert m.status == "ok" and m.power_w == 1.75 and m.provenance["power_w"] == "modeled"
    assert m.power is not None and m.power["meter"] == "modeled-fpga"
    assert "gave no rail power" in m.power["why_not_measured"] and "no board rails" in m.methods["power_w"]


def test_power_window_shorter_than_a_second_is_refused() -> None:
    with pytest.raises(UserError, match="at least 1 s"):
        PowerOptions(window_s=0.5)
    with pytest.raises(UserError, match="--cpu-tdp-w"):
        PowerOptions(meters=MeterConfig(cpu_tdp_w=-1.0))


def test_cli_done_when_records_power_and_energy_with_modeled_provenance(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "accelbench.cli", "run", "gemm:m=512,n=512,k=512,dtype=float32",
         "--backends", "cpu-numpy", "--json", "--budget-s", "0.2", "--store", str(tmp_path / "s.duckdb")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(proc.stdout)
    assert record["power_w"] > 0 and record["energy_j_per_item"] > 0 and record["idle_power_w"] is not None
    if record["detail"]["power"]["meter"] == "modeled-cpu":  # no readable powercap (this machine)
        assert record["provenance"]["power_w"] == "modeled"
        assert "modeled: CPU TDP" in record["methods"]["power_w"] and "no RAPL" in record["methods"]["power_w"]
    else:
        assert record["provenance"]["power_w"] == "measured"
