"""NVML (nvidia-ml-py): a GPU's total-energy counter where it has one (Volta+), else power samples.

``nvmlDeviceGetTotalEnergyConsumption`` gives millijoules since the driver loaded: the window's
energy is its last reading minus its first. Without it, ``nvmlDeviceGetPowerUsage`` (mW) is
sampled and integrated with the trapezoid rule; on Ampere and newer that figure is itself a
~1 s running average, which is why the window must span several of its update periods.
Both figures are the whole board's (every process on that GPU). ``pynvml`` is imported lazily.
"""

from __future__ import annotations

from typing import Any

from accelbench.power.base import MeterError, PowerReading, SamplingMeter
from accelbench.power.integrate import trapezoid_j

MJ_TO_J = 1e-3
MW_TO_W = 1e-3
#: Refresh period of the energy counter (s): it advances every ~20-100 ms depending on the board.
COUNTER_UPDATE_S = 0.1
#: Refresh/averaging period of nvmlDeviceGetPowerUsage (s): up to a 1 s average on Ampere+.
POWER_UPDATE_S = 1.0


def nvml_device(index: int) -> tuple[Any, Any]:
    """``(pynvml, handle)`` after ``nvmlInit``; the caller calls ``pynvml.nvmlShutdown()``.

    Raises ImportError without nvidia-ml-py and ``pynvml.NVMLError`` without a driver/device.
    """
    import pynvml

    pynvml.nvmlInit()
    try:
        return pynvml, pynvml.nvmlDeviceGetHandleByIndex(index)
    except Exception:
        pynvml.nvmlShutdown()
        raise


def nvml_unavailable_reason(index: int) -> str:
    """Why NVML cannot read GPU ``index`` here ('' when it can)."""
    try:
        nvml, _ = nvml_device(index)
    except ImportError:
        return "nvidia-ml-py is not installed (pip install nvidia-ml-py: accelbench's power extra)"
    except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded / InvalidArgument
        return f"NVML unavailable for GPU {index}: {exc}"
    nvml.nvmlShutdown()
    return ""


class NvmlMeter(SamplingMeter):
    """GPU board energy (J) over a window: energy counter, else integrated power samples."""

    name = "nvml"
    provenance = "measured"

    def __init__(self, index: int = 0, interval_s: float = 0.05) -> None:
        super().__init__(interval_s)
        self.index = index
        self.update_period_s = POWER_UPDATE_S
        self.energy_counter: bool | None = None  # known after available()
        self._nvml: Any = None
        self._handle: Any = None

    @property
    def method(self) -> str:
        if self.energy_counter:
            return f"NVML total-energy counter of GPU {self.index} (whole board), last minus first reading"
        return (f"NVML power samples of GPU {self.index} (whole board) every {self.interval_s:g} s, "
                "trapezoid-integrated")

    def available(self) -> tuple[bool, str]:
        reason = nvml_unavailable_reason(self.index)
        if reason:
            return False, reason
        nvml, handle = nvml_device(self.index)
        try:
            try:
                nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
                self.energy_counter = True
            except nvml.NVMLError:  # NOT_SUPPORTED before Volta
                self.energy_counter = False
                try:
                    nvml.nvmlDeviceGetPowerUsage(handle)
                except nvml.NVMLError as exc:
                    return False, f"GPU {self.index} reports neither an energy counter nor power usage: {exc}"
        finally:
            nvml.nvmlShutdown()
        self.update_period_s = COUNTER_UPDATE_S if self.energy_counter else POWER_UPDATE_S
        kind = "total-energy counter" if self.energy_counter else "power samples"
        return True, f"NVML GPU {self.index}, {kind}"

    def _open(self) -> None:
        if self.energy_counter is None:
            ok, reason = self.available()
            if not ok:
                raise MeterError(reason)
        self._nvml, self._handle = nvml_device(self.index)

    def _close(self) -> None:
        if self._nvml is not None:
            self._nvml.nvmlShutdown()
        self._nvml = self._handle = None

    def _sample(self) -> float:
        if self.energy_counter:
            return float(self._nvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)) * MJ_TO_J
        return float(self._nvml.nvmlDeviceGetPowerUsage(self._handle)) * MW_TO_W

    def reading(self) -> PowerReading:
        samples = self._check()
        times_s = [t for t, _ in samples]
        values = [v for _, v in samples]
        duration_s = times_s[-1] - times_s[0]
        energy_j = values[-1] - values[0] if self.energy_counter else trapezoid_j(times_s, values)
        return PowerReading(
            avg_power_w=energy_j / duration_s if duration_s > 0 else 0.0,
            energy_j=energy_j,
            duration_s=duration_s,
            n_samples=len(samples),
            provenance="measured",
            method=self.method,
            domains={f"gpu-{self.index}": energy_j},
            constants={"interval_s": self.interval_s, "energy_counter": bool(self.energy_counter)},
        )
