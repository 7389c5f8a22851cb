"""Choose the best power meter for a backend family on this machine, saying why better ones were not used."""

from __future__ import annotations

from typing import Any

from accelbench.power.base import PowerMeter
from accelbench.power.modeled import ModeledCpuMeter
from accelbench.power.nvml import NvmlMeter
from accelbench.power.rapl import RaplMeter


def meter_for(family: str, cpu_tdp_w: float | None = None) -> tuple[PowerMeter | None, str]:
    """The best meter for ``family`` and, when it is not a sensor, why.

    CPU: RAPL, else the modeled CPU meter carrying RAPL's reason. GPU: NVML (a GPU without NVML
    has no power figure: modeling it would need NVML's power limit and utilisation).
    """
    if family == "fpga":
        return None, ("FPGA power comes from the board's rails (fpga-pynq on a real board) or the analytical "
                      "model (fpga-hls4ml); the host's meters do not see the FPGA")
    if family == "gpu":
        nvml = NvmlMeter()
        ok, reason = nvml.available()
        return (nvml, "") if ok else (None, f"no GPU power figure: {reason}")
    rapl = RaplMeter()
    ok, reason = rapl.available()
    if ok:
        return rapl, ""
    why = f"rapl unavailable: {reason}"
    return ModeledCpuMeter(cpu_tdp_w, reason=why), why


def doctor_rows() -> list[dict[str, Any]]:
    """One row per meter for ``accelbench doctor``: name, available, reason."""
    rows = []
    for meter in (RaplMeter(), NvmlMeter()):
        ok, reason = meter.available()
        rows.append({"name": meter.name, "available": ok, "reason": reason})
    rows.append({"name": "pynq-rails", "available": False,
                 "reason": "read on the board by the board agent (fpga-pynq), not on this host"})
    rows.append({"name": "modeled", "available": True,
                 "reason": "CPU TDP x utilisation; FPGA from the analytical model: labelled modeled"})
    return rows
