"""Choose the best power meter for a backend family on this machine, saying why better ones were not used.

Order of preference (a sensor always beats a model):

* cpu: RAPL (powercap) -> modeled CPU (TDP x utilisation);
* gpu: NVML -> modeled GPU (power limit x utilisation);
* fpga: the board's rails (read by the board agent: the fpga-pynq backend measures them itself)
  -> modeled FPGA (the analytical resource model's power).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelbench.power.base import PowerMeter
from accelbench.power.modeled import ModeledCpuMeter, ModeledFpgaMeter, ModeledGpuMeter
from accelbench.power.nvml import NvmlMeter
from accelbench.power.rapl import POWERCAP, RaplMeter

BOARD_RAILS_REASON = "board rails are read on the board by the board agent (fpga-pynq with a real board)"


@dataclass(frozen=True)
class MeterConfig:
    """Where the sensors are and the constants the models may use (W)."""

    cpu_tdp_w: float | None = None
    gpu_power_limit_w: float | None = None
    gpu_index: int = 0
    powercap_root: Path = POWERCAP


@dataclass(frozen=True)
class MeterChoice:
    """The chosen meter (None: no figure possible) and, per better meter not used, why not."""

    meter: PowerMeter | None
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reason(self) -> str:
        """Why the best meter was not used ('' when it was)."""
        return "; ".join(self.skipped)


def choose_meter(family: str, config: MeterConfig | None = None, *, fpga_power_w: float | None = None,
                 fpga_static_power_w: float | None = None) -> MeterChoice:
    """The best meter for backends of ``family`` (cpu|gpu|fpga) here.

    ``fpga_power_w`` is the analytical model's power for the design being measured (from the
    prepared lowering's ``fpga`` figures), used when the board's rails are not available.
    """
    config = config or MeterConfig()
    if family == "cpu":
        rapl = RaplMeter(config.powercap_root)
        ok, why = rapl.available()
        if ok:
            return MeterChoice(rapl)
        skipped = (f"no RAPL: {why}",)
        return MeterChoice(ModeledCpuMeter(config.cpu_tdp_w, reason="; ".join(skipped)), skipped)
    if family == "gpu":
        nvml = NvmlMeter(config.gpu_index)
        ok, why = nvml.available()
        if ok:
            return MeterChoice(nvml)
        skipped = (f"no NVML power: {why}",)
        gpu_model = ModeledGpuMeter(config.gpu_index, config.gpu_power_limit_w, reason="; ".join(skipped))
        ok, model_why = gpu_model.available()
        if ok:
            return MeterChoice(gpu_model, skipped)
        return MeterChoice(None, (*skipped, f"no GPU power model: {model_why}"))
    if family == "fpga":
        skipped = (f"no board rails: {BOARD_RAILS_REASON}",)
        if fpga_power_w:
            meter = ModeledFpgaMeter(fpga_power_w, fpga_static_power_w, reason="; ".join(skipped))
            return MeterChoice(meter, skipped)
        return MeterChoice(None, (*skipped, "no FPGA power model figure for this design"))
    raise ValueError(f"unknown backend family {family!r} (expected cpu, gpu or fpga)")


def doctor_rows(config: MeterConfig | None = None) -> list[dict[str, Any]]:
    """One row per meter for ``accelbench doctor``: name, available, reason."""
    config = config or MeterConfig()
    meters: list[PowerMeter] = [
        RaplMeter(config.powercap_root),
        NvmlMeter(config.gpu_index),
        ModeledCpuMeter(config.cpu_tdp_w),
        ModeledGpuMeter(config.gpu_index, config.gpu_power_limit_w),
    ]
    rows: list[dict[str, Any]] = []
    for meter in meters:
        ok, reason = meter.available()
        rows.append({"name": meter.name, "provenance": meter.provenance, "available": ok, "reason": reason})
    rows.insert(2, {"name": "pynq-rails", "provenance": "measured", "available": False,
                    "reason": f"not on this host: {BOARD_RAILS_REASON}"})
    rows.append({"name": "modeled-fpga", "provenance": "modeled", "available": True,
                 "reason": "per design: the analytical resource model's power (fpga-hls4ml, emulated boards)"})
    sensors = [row for row in rows if row["provenance"] == "measured" and row["available"]]
    if not sensors:
        for row in rows:
            if row["provenance"] == "modeled" and row["available"]:
                row["reason"] = f"no power sensor on this host: records carry this estimate; {row['reason']}"
    return rows
