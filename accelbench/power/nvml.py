"""NVML (nvidia-ml-py): a GPU's total-energy counter where it has one (Volta+), else power samples."""

from __future__ import annotations

from typing import Any

from accelbench.power.base import PowerReading, SamplingMeter
from accelbench.power.integrate import trapezoid_j


def _nvml() -> Any:
    import pynvml

    pynvml.nvmlInit()
    return pynvml


class NvmlMeter(SamplingMeter):
    name = "nvml"
    provenance = "measured"
    update_period_s = 0.1  # NVML power readings refresh about every 100 ms on most boards

    def __init__(self, index: int = 0, interval_s: float = 0.05) -> None:
        super().__init__(interval_s)
        self.index = index
        self._handle: Any = None
        self._energy_counter = False

    def available(self) -> tuple[bool, str]:
        try:
            nvml = _nvml()
        except ImportError:
            return False, "nvidia-ml-py is not installed (pip install 'accelbench[power]')"
        except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded without a GPU
            return False, f"NVML unavailable: {exc}"
        try:
            self._handle = nvml.nvmlDeviceGetHandleByIndex(self.index)
        except Exception as exc:
            return False, f"NVML has no GPU {self.index}: {exc}"
        try:
            nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)
            self._energy_counter = True
        except Exception:
            self._energy_counter = False
        kind = "total-energy counter" if self._energy_counter else "power samples"
        return True, f"NVML GPU {self.index}, {kind}"

    def _sample(self) -> float:
        nvml = _nvml()
        if self._energy_counter:
            return float(nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)) * 1e-3  # mJ -> J
        return float(nvml.nvmlDeviceGetPowerUsage(self._handle)) * 1e-3  # mW -> W

    def reading(self) -> PowerReading:
        duration = self.t_stop - self.t_start
        times = [t for t, _ in self.samples]
        values = [v for _, v in self.samples]
        if self._energy_counter:
            energy = values[-1] - values[0]
            method = "NVML total-energy counter"
        else:
            energy = trapezoid_j(times, values)
            method = f"NVML power samples every {self.interval_s:g} s, trapezoid-integrated"
        return PowerReading(energy / duration if duration > 0 else 0.0, energy, duration, len(values),
                            "measured", method)
