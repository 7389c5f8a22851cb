"""Modeled power when no sensor exists: CPU TDP x utilisation; a fixed figure from a model (FPGA).

Utilisation is this process's CPU time over wall time times the cores it may use, so a
single-threaded kernel on 2 cores counts 50 %. The TDP comes from configuration
(``--cpu-tdp-w``) or an assumed figure per visible core; both are recorded as constants.
"""

from __future__ import annotations

import os
import time

from accelbench.power.base import PowerReading

#: Assumed CPU power per visible core (W) when no TDP is configured: a mid-range server core at
#: load (e.g. a 64-core 225 W EPYC is ~3.5 W/core, a 4-core 65 W desktop ~16 W/core).
DEFAULT_WATTS_PER_CORE = 10.0


def visible_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class ModeledCpuMeter:
    name = "modeled-cpu"
    provenance = "modeled"
    update_period_s = 0.01

    def __init__(self, tdp_w: float | None = None, reason: str = "") -> None:
        self.cores = visible_cores()
        self.tdp_w = tdp_w if tdp_w is not None else DEFAULT_WATTS_PER_CORE * self.cores
        self.tdp_source = "configured (--cpu-tdp-w)" if tdp_w is not None else (
            f"assumed {DEFAULT_WATTS_PER_CORE:g} W x {self.cores} visible cores")
        self.reason = reason
        self._cpu0 = self._wall0 = self._cpu1 = self._wall1 = 0.0

    def available(self) -> tuple[bool, str]:
        return True, "always (an estimate, labelled modeled)"

    def __enter__(self) -> ModeledCpuMeter:
        self._cpu0, self._wall0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cpu1, self._wall1 = time.process_time(), time.perf_counter()

    def reading(self) -> PowerReading:
        wall = self._wall1 - self._wall0
        utilisation = min(1.0, (self._cpu1 - self._cpu0) / (wall * self.cores)) if wall > 0 else 0.0
        power = self.tdp_w * utilisation
        why = f" ({self.reason})" if self.reason else ""
        return PowerReading(
            avg_power_w=power,
            energy_j=power * wall,
            duration_s=wall,
            n_samples=2,
            provenance="modeled",
            method=f"modeled: CPU TDP {self.tdp_w:g} W x utilisation {utilisation:.2f}{why}",
            constants={"tdp_w": self.tdp_w, "tdp_source": self.tdp_source, "utilisation": utilisation,
                       "cores": self.cores},
        )
