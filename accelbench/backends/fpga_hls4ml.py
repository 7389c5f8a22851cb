"""fpga-hls4ml: hls4ml designs, functional results from the bit-accurate C simulation, timing and
resources from the analytical model (and the vendor's report where Vitis/Vivado exists).

The C simulation is never timed: latency, II, throughput, resources and power are ``modeled``
(``timing = "modeled"``), the error metrics are ``simulated``. Every modeled figure has a range
(``fpga.<figure>_range``; the latency range also in the record's ``ranges``) and names the HLS tool
profile that produced it (``fpga.hls_tool``, ``fpga.hls4ml_version``). The tolerance of the
correctness check comes from the design's precision (:mod:`accelbench.fpga.tolerance`).

One lowering per workload kind (:attr:`Hls4mlBackend.lowerings`): gemm rows, conv2d, rnn_step
(one cell, iterated over a sequence) and whole networks all build a design the same way and differ
in how a call maps to design inferences.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from accelbench.backends.base import (
    Availability,
    BaseBackend,
    Estimate,
    Family,
    Fit,
    Lowering,
    Prepared,
    Timing,
)
from accelbench.workload import Workload

#: Figures of the ``fpga`` record that the model produces (provenance "modeled").
MODELED = ("latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k", "power_w", "fits")


def _inferences(workload: Workload, batch: int) -> int:
    """Design inferences per call: a gemm row each, else one per item."""
    return batch * int(workload.params["m"]) if workload.kind == "gemm" else batch


def _output_scale(workload: Workload) -> float:
    """max |reference| on a probe input (seed 0, batch 2): the scale the relative error divides by."""
    inputs = workload.make_inputs(0, 2)
    return float(np.max(np.abs(workload.reference(inputs)))) or 1.0


def _prepare(backend: Hls4mlBackend, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.fpga.build import build_design
    from accelbench.fpga.config import resolve_config
    from accelbench.fpga.model import estimate, sequence, to_record
    from accelbench.fpga.parts import get_part
    from accelbench.fpga.tolerance import Tolerance, precision_tolerance, recurrent_gain

    cfg = resolve_config(workload, config)
    profile = cfg.profile()
    design = build_design(workload, cfg)
    model = estimate(design.layers, get_part(cfg.part), cfg.clock_ns, profile)
    steps = design.lowered.steps
    if steps > 1:
        model = sequence(model, steps)
    figures = to_record(model)
    figures.update(reuse_factor=cfg.reuse_factor, strategy=cfg.strategy, io_type=cfg.io_type,
                   precision=cfg.precision, cache_hit=design.cache_hit, model_only=not design.functional,
                   timesteps=steps)
    fit = Fit(model.fits, dict(model.over), model.fit_reason)  # type: ignore[arg-type]
    provenance = {f"fpga.{key}": "modeled" for key in MODELED}
    provenance.update({f"fpga.{key}_range": "modeled" for key in ("latency_cycles", "ii_cycles", "dsp", "lut",
                                                                  "ff", "bram18k")})
    notes = list(design.notes)
    notes.append(f"figures modeled with the {profile.describe()}")
    if model.fits != "yes":  # "no": the resources over the part, named; "maybe": the range crossing it
        notes.append(model.fit_reason)
    tolerance: Tolerance | None = None
    if design.functional:
        provenance["error"] = "simulated"
        if cfg.rtol is not None:
            tolerance = Tolerance(cfg.rtol, "override (fpga_rtol)")
        else:
            gain = recurrent_gain(workload.weights()["w_hh"]) if steps > 1 else 0.0
            tolerance = precision_tolerance(design.layers, cfg.fixed, _output_scale(workload), steps, gain)
            if design.lowered.route == "qonnx":  # a quantized model: plus one activation quantizer step
                from accelbench.fpga.qonnx_lowering import with_quantization

                tolerance = with_quantization(tolerance, workload)
        figures["tolerance"] = tolerance.as_dict()
        if tolerance.capped:
            notes.append(f"the precision's error bound exceeds {tolerance.rtol:g} of the output scale: checked "
                         f"against {tolerance.rtol:g} instead ({tolerance.method})")
    synth: dict[str, Any] = {"ran": False}
    if config.get("fpga_synth") and design.functional:
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
        where = f"{tool} is on PATH but fpga_synth was not asked" if tool else "no Vitis/Vivado on PATH"
        notes.append(f"{where}: no Vitis/Vivado synthesis ran, FPGA figures are modeled")

    def call(arrays: list[np.ndarray], batch: int, host: tuple[np.ndarray, ...]) -> tuple[np.ndarray, int]:
        assert design.csim is not None  # functional: the library is loaded
        predict = design.csim.predict
        if steps > 1:
            from accelbench.fpga.lowering import sequence_call

            return sequence_call(lambda xs: predict(xs if len(xs) > 1 else xs[0]), workload, host), batch  # type: ignore[arg-type]
        return np.asarray(predict(arrays if len(arrays) > 1 else arrays[0])), batch

    return Prepared(workload, config, handle={"design": design, "model": model},
                    rtol=tolerance.rtol if tolerance else None, figures={"fpga": figures},
                    provenance=provenance, notes=notes, functional=design.functional, fit=fit,
                    call=call if design.functional else None)


class Hls4mlBackend(BaseBackend):
    name = "fpga-hls4ml"
    family: Family = "fpga"
    resources = {"HLS": 1}  # noqa: RUF012
    timing: Timing = "modeled"
    lowerings: ClassVar[Mapping[str, Lowering]] = {"gemm": _prepare, "conv2d": _prepare, "rnn_step": _prepare,
                                                   "model": _prepare}

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

    def prebuild(self, workload: Workload, config: Mapping[str, Any],
                 on_stage: Callable[[str], None] | None = None) -> None:
        """Build and cache the design's C simulation ahead of ``prepare`` (see :mod:`accelbench.prebuild`)."""
        from accelbench.fpga.prebuild import prebuild_design

        prebuild_design(workload, config, on_stage)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        design = prepared.handle["design"]
        return design.lowered.to_hls(inputs), inputs[0].shape[0], inputs

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        y, batch = device_output
        return np.asarray(prepared.handle["design"].lowered.from_hls(y, batch))

    def estimate(self, prepared: Prepared, batch: int) -> Estimate | None:
        model = prepared.handle["model"]
        inferences = _inferences(prepared.workload, batch)
        compute_s = model.call_s(inferences)
        low_s, high_s = model.call_range_s(inferences)
        method = (f"{model.method}; {inferences} inference(s) per call: (latency + (n-1) x II) x "
                  f"{model.clock_ns:g} ns")
        return Estimate(compute_s=compute_s, end_to_end_s=None, throughput_items_s=batch / compute_s, method=method,
                        ranges={"latency": (low_s, high_s),
                                "throughput_items_s": (batch / high_s, batch / low_s)},
                        power_w=None)

    def device_info(self) -> dict[str, Any]:
        return {"device": "hls4ml C simulation (host g++)", "timing": "analytical model"}

