"""fpga-hls4ml: hls4ml designs, functional results from the bit-accurate C simulation, timing and
resources from the analytical model (and the vendor's report where Vitis/Vivado exists).

The C simulation is never timed: latency, II, throughput, resources and power are ``modeled``
(``timing = "modeled"``), the error metrics are ``simulated``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Estimate, Family, Fit, Prepared, Support, Timing
from accelbench.workload import Workload


class Hls4mlBackend(BaseBackend):
    name = "fpga-hls4ml"
    family: Family = "fpga"
    resources = {"HLS": 1}  # noqa: RUF012
    timing: Timing = "modeled"

    def available(self) -> Availability:
        try:
            from importlib.metadata import version

            hls4ml_version = version("hls4ml")
        except Exception as exc:
            return Availability(False, f"hls4ml is not installed ({exc}); pip install 'accelbench[fpga]'")
        if shutil.which("g++") is None:
            return Availability(False, "g++ is not on PATH: the hls4ml C simulation needs it")
        from accelbench.fpga.reports import find_vendor_tool

        tool = find_vendor_tool()
        vendor = f"vendor tool {tool} found" if tool else "no Vitis/Vivado on PATH: FPGA figures modeled"
        return Availability(True, f"hls4ml {hls4ml_version}, C simulation with g++; {vendor}")

    def supports(self, workload: Workload) -> Support:
        from accelbench.fpga.lowering import why_not

        reason = why_not(workload)
        return Support(not reason, reason)

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        from accelbench.fpga.build import build_design
        from accelbench.fpga.config import resolve_config
        from accelbench.fpga.model import estimate, to_record
        from accelbench.fpga.parts import get_part

        cfg = resolve_config(workload, config)
        design = build_design(workload, cfg)
        model = estimate(design.layers, get_part(cfg.part), cfg.clock_ns)
        figures = to_record(model)
        figures.update(reuse_factor=cfg.reuse_factor, strategy=cfg.strategy, io_type=cfg.io_type,
                       precision=cfg.precision, cache_hit=design.cache_hit)
        over = {key.upper(): pct for key, pct in model.utilisation.items() if pct > 100}
        fit = Fit("yes" if model.fits else "no", over, model.fit_reason)
        provenance = {f"fpga.{key}": "modeled" for key in ("latency_cycles", "ii_cycles", "dsp", "lut", "ff",
                                                              "bram18k", "power_w", "fits")}
        if design.functional:
            provenance["error"] = "simulated"
        notes = list(design.notes)
        synth: dict[str, Any] = {"ran": False}
        if config.get("fpga_synth"):
            from accelbench.fpga.synth import synthesize

            synth = synthesize(design.hls_model, design.directory / "prj", model, cosim=bool(config.get("fpga_cosim")))
            if synth.get("reported"):
                figures["reported"] = synth["reported"]
                figures["model_relative_error"] = synth["model_relative_error"]
                provenance.update({f"fpga.reported.{key}": "reported" for key in synth["reported"]})
                notes.append(f"C synthesis ran with {synth['tool']}: reported figures stored beside the model's")
            else:
                notes.append(synth["reason"])
        if not synth.get("ran"):
            from accelbench.fpga.reports import find_vendor_tool

            tool = find_vendor_tool()
            where = (f"{tool} is on PATH but fpga_synth was not asked" if tool
                     else "no Vitis/Vivado on PATH")
            notes.append(f"{where}: no Vitis/Vivado synthesis ran, FPGA figures are modeled")
        prepared = Prepared(workload, config, handle={"design": design, "model": model},
                            rtol=cfg.tolerance(design.lowered.depth), figures={"fpga": figures},
                            provenance=provenance, notes=notes, functional=design.functional, fit=fit)
        return prepared

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        design = prepared.handle["design"]
        return design.lowered.to_hls(inputs), inputs[0].shape[0]

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        arrays, batch = device_inputs
        design = prepared.handle["design"]
        y = design.hls_model.predict(arrays if len(arrays) > 1 else arrays[0])
        return np.asarray(y), batch

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        y, batch = device_output
        return np.asarray(prepared.handle["design"].lowered.from_hls(y, batch))

    def estimate(self, prepared: Prepared, batch: int) -> Estimate | None:
        model = prepared.handle["model"]
        workload = prepared.workload
        inferences = batch * int(workload.params["m"]) if workload.kind == "gemm" else batch
        compute_s = model.call_s(inferences)
        method = (f"{model.method}; {inferences} inference(s) per call: (latency + (n-1) x II) x "
                  f"{model.clock_ns:g} ns")
        return Estimate(compute_s=compute_s, end_to_end_s=None, throughput_items_s=batch / compute_s, method=method)

    def device_info(self) -> dict[str, Any]:
        return {"device": "hls4ml C simulation (host g++)", "timing": "analytical model"}
