"""Modeled power where no sensor exists: always labelled ``modeled``, every constant recorded.

* CPU: full-load power x utilisation. Utilisation is this process's CPU time (all its threads)
  over wall time x the hardware threads it may use, so one busy thread on 2 counts 50 %. The
  full-load power is ``--cpu-tdp-w`` when configured, else the TDP table's share for the CPU
  model (accelbench.power.cpu_tdp), else the table's median W per thread.
* GPU: the board power limit (NVML's enforced limit, or configured) x NVML GPU utilisation
  sampled over the window (assumed 1.0 without NVML: the window runs the workload back to back).
* FPGA: a power figure from the analytical resource model (accelbench.fpga.model), constant.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from accelbench.power.base import MeterError, PowerReading, SamplingMeter
from accelbench.power.cpu_tdp import FALLBACK_W_PER_THREAD, lookup
from accelbench.power.integrate import time_weighted_mean
from accelbench.power.nvml import MW_TO_W, nvml_device, nvml_unavailable_reason


def visible_cpus() -> int:
    """Hardware threads this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class CpuPowerModel:
    """Power (W) of the CPUs this process may use at full load, and where the figure comes from."""

    full_load_w: float
    source: str
    constants: dict[str, Any]


def cpu_power_model(cpu_model: str, cpus: int, tdp_w: float | None = None) -> CpuPowerModel:
    """Full-load power for ``cpus`` hardware threads of ``cpu_model``; ``tdp_w`` (configured) wins."""
    if tdp_w is not None:
        return CpuPowerModel(tdp_w, "configured --cpu-tdp-w",
                             {"tdp_w": tdp_w, "tdp_source": "configured (--cpu-tdp-w)", "visible_cpus": cpus})
    row = lookup(cpu_model)
    if row is not None:
        full_w = row.tdp_w * cpus / row.threads
        return CpuPowerModel(full_w, f"{row.key} TDP {row.tdp_w:g} W x {cpus}/{row.threads} threads",
                             {"tdp_w": full_w, "tdp_source": "TDP table", "table_key": row.key,
                              "package_tdp_w": row.tdp_w, "package_threads": row.threads, "visible_cpus": cpus})
    full_w = FALLBACK_W_PER_THREAD * cpus
    return CpuPowerModel(full_w, f"fallback {FALLBACK_W_PER_THREAD:g} W/thread x {cpus} threads, "
                                 f"{cpu_model!r} not in the TDP table",
                         {"tdp_w": full_w, "tdp_source": "fallback: median W per thread of the TDP table",
                          "w_per_thread": FALLBACK_W_PER_THREAD, "cpu_model": cpu_model, "visible_cpus": cpus})


def _why(reason: str) -> str:
    return f" ({reason})" if reason else ""


class ModeledCpuMeter:
    """CPU power = full-load power x this process's CPU utilisation over the window (modeled)."""

    name = "modeled-cpu"
    provenance = "modeled"
    update_period_s = 0.01  # process CPU time advances at the scheduler tick

    def __init__(self, tdp_w: float | None = None, reason: str = "", cpu_model: str | None = None) -> None:
        if tdp_w is not None and not tdp_w > 0:
            raise ValueError(f"`tdp_w` must be > 0 W, got {tdp_w!r}")
        if cpu_model is None:
            from accelbench.results.environment import cpu_model as detect

            cpu_model = detect()
        self.cpus = visible_cpus()
        self.model = cpu_power_model(cpu_model, self.cpus, tdp_w)
        self.tdp_w = self.model.full_load_w
        self.reason = reason
        self._cpu0_s = self._wall0_s = self._cpu1_s = self._wall1_s = 0.0
        self._running = False

    @property
    def method(self) -> str:
        return f"modeled: CPU TDP {self.tdp_w:.3g} W ({self.model.source}) x process utilisation{_why(self.reason)}"

    def available(self) -> tuple[bool, str]:
        return True, f"CPU TDP {self.tdp_w:.3g} W ({self.model.source}) x process utilisation, labelled modeled"

    def __enter__(self) -> ModeledCpuMeter:
        self._cpu0_s, self._wall0_s = time.process_time(), time.perf_counter()
        self._running = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """End the window (idempotent)."""
        if self._running:
            self._cpu1_s, self._wall1_s = time.process_time(), time.perf_counter()
            self._running = False

    def reading(self) -> PowerReading:
        if self._running or self._wall1_s <= self._wall0_s:
            raise MeterError("modeled-cpu: no finished window to read")
        wall_s = self._wall1_s - self._wall0_s
        cpu_s = self._cpu1_s - self._cpu0_s
        utilisation = min(1.0, cpu_s / (wall_s * self.cpus))
        power_w = self.tdp_w * utilisation
        return PowerReading(
            avg_power_w=power_w,
            energy_j=power_w * wall_s,
            duration_s=wall_s,
            n_samples=2,
            provenance="modeled",
            method=(f"modeled: CPU TDP {self.tdp_w:.3g} W ({self.model.source}) x utilisation {utilisation:.2f}"
                    f"{_why(self.reason)}"),
            constants={**self.model.constants, "utilisation": utilisation, "process_cpu_s": cpu_s},
        )


class ModeledGpuMeter(SamplingMeter):
    """GPU power = board power limit x GPU utilisation (NVML), modeled."""

    name = "modeled-gpu"
    provenance = "modeled"
    update_period_s = 1.0  # NVML's utilisation covers the last 1/6 s to 1 s, depending on the board

    def __init__(self, index: int = 0, power_limit_w: float | None = None, reason: str = "",
                 interval_s: float = 0.1) -> None:
        super().__init__(interval_s)
        if power_limit_w is not None and not power_limit_w > 0:
            raise ValueError(f"`power_limit_w` must be > 0 W, got {power_limit_w!r}")
        self.index = index
        self.power_limit_w = power_limit_w
        self.limit_source = "configured (--gpu-power-limit-w)" if power_limit_w is not None else ""
        self.reason = reason
        self.nvml_reason: str | None = None  # '' when NVML works, known after available()
        self._nvml: Any = None
        self._handle: Any = None

    @property
    def method(self) -> str:
        util = "NVML GPU utilisation" if not self.nvml_reason else "utilisation assumed 1.0 (no NVML)"
        return f"modeled: GPU power limit {self.power_limit_w or 0:g} W x {util}{_why(self.reason)}"

    def available(self) -> tuple[bool, str]:
        self.nvml_reason = nvml_unavailable_reason(self.index)
        if not self.nvml_reason and self.power_limit_w is None:
            nvml, handle = nvml_device(self.index)
            try:
                self.power_limit_w = float(nvml.nvmlDeviceGetEnforcedPowerLimit(handle)) * MW_TO_W
                self.limit_source = "NVML enforced power limit"
            except nvml.NVMLError as exc:
                return False, f"GPU {self.index} has no NVML power limit ({exc}): give --gpu-power-limit-w"
            finally:
                nvml.nvmlShutdown()
        if self.power_limit_w is None:
            return False, f"no GPU power limit: {self.nvml_reason}, and no --gpu-power-limit-w given"
        util = "NVML utilisation" if not self.nvml_reason else "utilisation assumed 1.0"
        return True, f"GPU power limit {self.power_limit_w:g} W ({self.limit_source}) x {util}"

    def _open(self) -> None:
        if self.nvml_reason is None:
            ok, reason = self.available()
            if not ok:
                raise MeterError(reason)
        if not self.nvml_reason:
            self._nvml, self._handle = nvml_device(self.index)

    def _close(self) -> None:
        if self._nvml is not None:
            self._nvml.nvmlShutdown()
        self._nvml = self._handle = None

    def _sample(self) -> float:
        if self._nvml is None:
            return 1.0
        return float(self._nvml.nvmlDeviceGetUtilizationRates(self._handle).gpu) / 100.0

    def reading(self) -> PowerReading:
        samples = self._check()
        times_s = [t for t, _ in samples]
        utilisation = time_weighted_mean(times_s, [u for _, u in samples])
        duration_s = times_s[-1] - times_s[0]
        limit_w = float(self.power_limit_w or 0.0)
        power_w = limit_w * utilisation
        util = "NVML GPU utilisation" if not self.nvml_reason else "assumed utilisation (no NVML)"
        return PowerReading(
            avg_power_w=power_w,
            energy_j=power_w * duration_s,
            duration_s=duration_s,
            n_samples=len(samples),
            provenance="modeled",
            method=f"modeled: GPU power limit {limit_w:g} W x {util} {utilisation:.2f}{_why(self.reason)}",
            constants={"power_limit_w": limit_w, "power_limit_source": self.limit_source,
                       "utilisation": utilisation, "utilisation_source": util},
        )


class ModeledFpgaMeter:
    """FPGA power = the analytical resource model's figure (W), constant over the window (modeled).

    The model has no activity signal, so an idle window reads the same power as a busy one.
    """

    name = "modeled-fpga"
    provenance = "modeled"
    update_period_s = 0.0

    def __init__(self, power_w: float, static_power_w: float | None = None, source: str = "",
                 reason: str = "") -> None:
        if not power_w > 0:
            raise ValueError(f"`power_w` must be > 0 W, got {power_w!r}")
        self.power_w = power_w
        self.static_power_w = static_power_w
        self.source = source or "accelbench analytical FPGA model (docs/fpga-model.md)"
        self.reason = reason
        self._t0_s = self._t1_s = 0.0
        self._running = False

    @property
    def method(self) -> str:
        static = f", static {self.static_power_w:g} W" if self.static_power_w is not None else ""
        return f"modeled: FPGA {self.power_w:.3g} W from {self.source}{static}{_why(self.reason)}"

    def available(self) -> tuple[bool, str]:
        return True, f"FPGA power {self.power_w:.3g} W from {self.source}"

    def __enter__(self) -> ModeledFpgaMeter:
        self._t0_s, self._running = time.perf_counter(), True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._running:
            self._t1_s, self._running = time.perf_counter(), False

    def reading(self) -> PowerReading:
        if self._running or self._t1_s <= self._t0_s:
            raise MeterError("modeled-fpga: no finished window to read")
        duration_s = self._t1_s - self._t0_s
        return PowerReading(self.power_w, self.power_w * duration_s, duration_s, 2, "modeled", self.method,
                            constants={"power_w": self.power_w, "static_power_w": self.static_power_w,
                                       "source": self.source})
