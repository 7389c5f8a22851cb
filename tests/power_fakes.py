"""Hardware-free stand-ins for power sensors: a powercap sysfs tree and an NVML module."""

from __future__ import annotations

import os
import sys
import threading
import types
from pathlib import Path

import pytest


def make_powercap(root: Path, package_uj: int = 1_000_000, dram_uj: int = 500_000,
                  max_uj: int = 262_143_328_850, *, flat_links: bool = True) -> Path:
    """The real layout: intel-rapl:0 (package-0) with sub-domain intel-rapl:0:0 (dram) nested in it,
    a core sub-domain intel-rapl:0:1 (inside the package: not counted) and psys (overlaps: not counted).
    sysfs also links every sub-domain at the top level (``flat_links``)."""
    package = root / "intel-rapl:0"
    for path, name, value in (
        (package, "package-0", package_uj),
        (package / "intel-rapl:0:0", "dram", dram_uj),
        (package / "intel-rapl:0:1", "core", 123),
        (root / "intel-rapl:1", "psys", 0),
    ):
        path.mkdir(parents=True, exist_ok=True)
        (path / "name").write_text(name + "\n")
        (path / "energy_uj").write_text(f"{value}\n")
        (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
        (path / "enabled").write_text("1\n")
    if flat_links:
        for sub in ("intel-rapl:0:0", "intel-rapl:0:1"):
            link = root / sub
            if not link.exists():
                link.symlink_to(package / sub)
    return root


def add_uj(counter: Path, delta_uj: int, max_uj: int) -> None:
    """Advance a powercap counter file by ``delta_uj``, wrapping after ``max_uj`` like the hardware.

    The file is replaced atomically, so a meter reading it concurrently never sees it half-written.
    """
    value = int(counter.read_text())
    scratch = counter.with_name(counter.name + ".new")
    scratch.write_text(f"{(value + delta_uj) % (max_uj + 1)}\n")
    os.replace(scratch, counter)


class FakeNvml:
    """A ``pynvml`` module for one GPU whose energy counter (mJ) and utilisation the test drives."""

    def __init__(self, energy_counter: bool = True, power_mw: int = 150_000, limit_mw: int = 300_000,
                 utilisation_pct: int = 50) -> None:
        self.energy_mj = 10_000
        self.power_mw = power_mw
        self.limit_mw = limit_mw
        self.utilisation_pct = utilisation_pct
        self.has_counter = energy_counter
        self.inits = 0
        self.lock = threading.Lock()
        module = types.ModuleType("pynvml")

        class NVMLError(Exception):
            pass

        module.NVMLError = NVMLError  # type: ignore[attr-defined]
        module.nvmlInit = self._init  # type: ignore[attr-defined]
        module.nvmlShutdown = self._shutdown  # type: ignore[attr-defined]
        module.nvmlDeviceGetHandleByIndex = self._handle  # type: ignore[attr-defined]
        module.nvmlDeviceGetTotalEnergyConsumption = self._energy  # type: ignore[attr-defined]
        module.nvmlDeviceGetPowerUsage = lambda handle: self.power_mw  # type: ignore[attr-defined]
        module.nvmlDeviceGetEnforcedPowerLimit = lambda handle: self.limit_mw  # type: ignore[attr-defined]
        module.nvmlDeviceGetUtilizationRates = (  # type: ignore[attr-defined]
            lambda handle: types.SimpleNamespace(gpu=self.utilisation_pct, memory=0))
        self.module = module

    def _init(self) -> None:
        with self.lock:
            self.inits += 1

    def _shutdown(self) -> None:
        with self.lock:
            self.inits -= 1

    def _handle(self, index: int) -> str:
        if index != 0:
            raise self.module.NVMLError("Invalid Argument")
        return "gpu0"

    def _energy(self, handle: str) -> int:
        if not self.has_counter:
            raise self.module.NVMLError("Not Supported")
        with self.lock:
            return self.energy_mj

    def add_mj(self, delta_mj: int) -> None:
        with self.lock:
            self.energy_mj += delta_mj

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeNvml:
        monkeypatch.setitem(sys.modules, "pynvml", self.module)
        return self
