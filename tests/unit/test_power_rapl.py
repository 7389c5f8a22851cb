"""RAPL against a synthetic powercap tree, and the sampling thread's lifecycle."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from accelbench.power.base import MeterError
from accelbench.power.rapl import RaplMeter, find_domains
from tests.power_fakes import add_uj, make_powercap


def test_package_and_dram_domains_are_found_and_core_psys_are_not_counted(tmp_path: Path) -> None:
    domains = find_domains(make_powercap(tmp_path))
    assert set(domains) == {"package-0", "dram-0"}


def test_nested_sub_domains_are_found_without_the_top_level_links(tmp_path: Path) -> None:
    domains = find_domains(make_powercap(tmp_path, flat_links=False))
    assert set(domains) == {"package-0", "dram-0"}


def test_available_names_the_domains(tmp_path: Path) -> None:
    ok, reason = RaplMeter(make_powercap(tmp_path)).available()
    assert ok and "package-0" in reason and "dram-0" in reason


def test_energy_is_the_counter_increase_across_a_wrap(tmp_path: Path) -> None:
    max_uj = 4_294_967_295
    root = make_powercap(tmp_path, package_uj=max_uj - 499_999, max_uj=max_uj)
    meter = RaplMeter(root, interval_s=0.005)
    with meter:
        time.sleep(0.03)
        add_uj(root / "intel-rapl:0" / "energy_uj", 1_000_000, max_uj)  # wraps to 500000
        add_uj(root / "intel-rapl:0" / "intel-rapl:0:0" / "energy_uj", 500_000, max_uj)
        time.sleep(0.03)
    reading = meter.reading()
    assert int((root / "intel-rapl:0" / "energy_uj").read_text()) == 500_000  # it did wrap
    assert reading.domains == {"package-0": pytest.approx(1.0), "dram-0": pytest.approx(0.5)}
    assert reading.energy_j == pytest.approx(1.5)
    assert reading.avg_power_w == pytest.approx(1.5 / reading.duration_s)
    assert reading.provenance == "measured" and "RAPL" in reading.method
    assert reading.constants["max_energy_range_uj"]["package-0"] == max_uj


def test_an_unreadable_counter_gives_the_reason_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_powercap(tmp_path)
    original = Path.read_text

    def root_only(self: Path, *args: object, **kwargs: object) -> str:  # what a non-root user sees
        if self.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", root_only)
    ok, reason = RaplMeter(root).available()
    assert not ok
    assert "PLATYPUS" in reason and "run as root" in reason
    assert f"sudo chmod o+r {root}/intel-rapl:*/energy_uj" in reason


def test_no_powercap_directory_says_so(tmp_path: Path) -> None:
    ok, reason = RaplMeter(tmp_path / "missing").available()
    assert not ok and "no powercap interface" in reason


def test_powercap_without_package_domains_says_so(tmp_path: Path) -> None:
    ok, reason = RaplMeter(tmp_path).available()
    assert not ok and "no RAPL package domains" in reason


def _meter_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("accelbench-")]


def test_sampling_thread_runs_only_inside_the_window_and_stop_is_idempotent(tmp_path: Path) -> None:
    meter = RaplMeter(make_powercap(tmp_path), interval_s=0.005)
    before = threading.active_count()
    for _ in range(3):  # repeated windows reuse the meter without piling up threads
        with meter:
            time.sleep(0.03)
            assert len(_meter_threads()) == 1 and meter.running
        assert _meter_threads() == [] and not meter.running
        assert threading.active_count() == before
    meter.stop()
    meter.stop()
    assert threading.active_count() == before
    assert len(meter.samples) >= 3  # opening sample, periodic samples, closing sample


def test_starting_a_running_meter_is_refused_instead_of_leaking_a_thread(tmp_path: Path) -> None:
    meter = RaplMeter(make_powercap(tmp_path), interval_s=0.005)
    with meter:
        with pytest.raises(RuntimeError, match="already running"):
            meter.start()
        assert len(_meter_threads()) == 1
    assert _meter_threads() == []


def test_a_sensor_failing_mid_window_is_reported_by_the_reading(tmp_path: Path) -> None:
    root = make_powercap(tmp_path)
    meter = RaplMeter(root, interval_s=0.005)
    with meter:
        (root / "intel-rapl:0" / "energy_uj").write_text("garbage\n")
        time.sleep(0.03)
    assert _meter_threads() == []
    with pytest.raises(MeterError, match="sampling failed"):
        meter.reading()


def test_reading_before_any_window_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MeterError, match="no window"):
        RaplMeter(make_powercap(tmp_path)).reading()
