"""Analytical FPGA model: latency, initiation interval, resources and power from the configuration.

Every figure here is ``modeled``. The equations, constants and the model's measured error against
published hls4ml synthesis results are in docs/fpga-model.md (``benchmarks/fpga_model_error.py``).
Units: cycles, counts of DSP/LUT/FF/BRAM18K, watts, nanoseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.parts import Part

#: A multiplication whose narrower operand has at most this many bits is built from LUTs.
LUT_MULT_MAX_BITS = 10
#: DSP multiplier port widths (signed): DSP48E2 27x18, DSP48E1 25x18.
DSP_PORTS = {"DSP48E2": (27, 18), "DSP48E1": (25, 18)}
#: LUTs per parallel DSP multiplication at RF 1 (operand routing, adder tree share), calibrated.
LUT_PER_DSP_MULT = 18.0
#: LUTs per bit-product of a LUT-built multiplication.
LUT_PER_BIT_PRODUCT = 0.7
#: Flip-flops per parallel multiplication at RF 1 (pipeline registers), calibrated.
FF_PER_MULT = 6.5
#: Dynamic power at 200 MHz and a 12.5 % toggle rate (W per resource): order-of-magnitude
#: XPE-style defaults, not measurements.
TOGGLE_RATE = 0.125
DYNAMIC_W_AT_200MHZ = {"dsp": 2.0e-3, "lut": 1.5e-5, "ff": 4.0e-6, "bram18k": 1.5e-3}


@dataclass(frozen=True)
class LayerEstimate:
    name: str
    kind: str
    latency_cycles: int
    ii_cycles: int
    dsp: int
    lut: int
    ff: int
    bram18k: int


@dataclass(frozen=True)
class DesignEstimate:
    """Totals and per-layer figures of one design on one part at one clock (all modeled)."""

    part: str
    clock_ns: float
    latency_cycles: int
    ii_cycles: int
    dsp: int
    lut: int
    ff: int
    bram18k: int
    utilisation: dict[str, float]
    fits: bool
    fit_reason: str
    power_w: float
    static_power_w: float
    layers: tuple[LayerEstimate, ...]
    method: str

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_ns

    @property
    def throughput_inf_s(self) -> float:
        return 1e9 / (max(self.ii_cycles, 1) * self.clock_ns)

    def call_s(self, inferences: int) -> float:
        """Seconds for ``inferences`` back-to-back inferences: fill once, then one per II."""
        cycles = self.latency_cycles + max(inferences - 1, 0) * max(self.ii_cycles, 1)
        return cycles * self.clock_ns * 1e-9


def dsp_per_mult(weight_bits: int, input_bits: int, dsp_kind: str) -> int:
    """DSP slices for one multiplication: 0 when narrow (LUTs), more when wider than the ports."""
    narrow, wide = sorted((weight_bits, input_bits))
    if narrow <= LUT_MULT_MAX_BITS:
        return 0
    port_a, port_b = DSP_PORTS.get(dsp_kind, DSP_PORTS["DSP48E2"])
    return math.ceil(wide / port_a) * math.ceil(narrow / port_b)


def estimate_layer(layer: LayerSpec, part: Part) -> LayerEstimate:
    rf = max(layer.reuse_factor, 1)
    mults = round(layer.n_mult * layer.nonzero_fraction)
    parallel = math.ceil(mults / rf) if mults else 0
    per = dsp_per_mult(layer.weight_bits, layer.input_bits, part.dsp_kind)
    dsp = parallel * per
    lut_mult = 0 if per else round(parallel * layer.weight_bits * layer.input_bits * LUT_PER_BIT_PRODUCT)
    # Reuse multiplexes operands into each multiplier: LUTs grow ~RF^1.5, registers ~RF (jet-tagger fit).
    lut = round(parallel * LUT_PER_DSP_MULT * rf**1.5) if per else lut_mult
    ff = round(parallel * FF_PER_MULT * rf)
    bram = 0
    extra = 3 if layer.strategy == "resource" else 1
    if layer.kind == "dense":
        latency, ii = rf + extra, rf
        if layer.strategy == "resource" and rf > 1:
            weight_bits = layer.n_mult * layer.weight_bits
            bram = math.ceil(weight_bits / 18432)
    elif layer.kind == "conv2d":
        if layer.io_type == "io_stream":
            ii = layer.in_positions * rf
            latency = ii + extra + 2
        else:
            ii = layer.positions * rf
            latency = ii + extra + 1
    elif layer.kind in ("activation", "softmax"):
        latency = 2 if layer.kind == "softmax" else (1 if layer.uses_table else 0)
        ii = 1
        lut = layer.n_out * (10 if layer.uses_table else layer.input_bits)
        ff = layer.n_out * layer.input_bits // 2 if layer.uses_table else 0  # ReLU is combinational
        if layer.uses_table:
            copies = 1 if layer.io_type == "io_stream" else math.ceil(layer.n_out / 2)
            bram = copies + (1 if layer.kind == "softmax" else 0)
    elif layer.kind == "merge":
        latency, ii = 1, 1
        lut = lut if mults else layer.n_out * layer.input_bits
    else:  # pooling, batch norm, padding, transposes: one pipeline stage
        latency, ii = 1, 1
        lut = lut or layer.n_out * 8
    return LayerEstimate(layer.name, layer.kind, latency, ii, dsp, lut, ff, bram)


def estimate(layers: Sequence[LayerSpec], part: Part, clock_ns: float) -> DesignEstimate:
    """Totals of ``layers`` (a pipeline: latency adds up, the slowest stage sets the II)."""
    per_layer = tuple(estimate_layer(layer, part) for layer in layers)
    latency = sum(item.latency_cycles for item in per_layer)
    ii = max((item.ii_cycles for item in per_layer), default=1)
    totals = {
        "dsp": sum(item.dsp for item in per_layer),
        "lut": sum(item.lut for item in per_layer),
        "ff": sum(item.ff for item in per_layer),
        "bram18k": sum(item.bram18k for item in per_layer),
    }
    capacity = {"dsp": part.dsp, "lut": part.lut, "ff": part.ff, "bram18k": part.bram18k}
    utilisation = {key: 100.0 * totals[key] / capacity[key] if capacity[key] else math.inf for key in totals}
    over = [f"{key.upper()} {value:.0f} % of {part.name}" for key, value in utilisation.items() if value > 100]
    scale = (1e3 / clock_ns) / 200.0 * (TOGGLE_RATE / 0.125)
    dynamic = scale * sum(totals[key] * DYNAMIC_W_AT_200MHZ[key] for key in totals)
    method = (
        f"accelbench analytical model (docs/fpga-model.md): DSP = mults/RF for operands > {LUT_MULT_MAX_BITS} bits, "
        f"latency = sum of layer latencies, II = slowest layer, power = static {part.static_power_w:g} W "
        f"(estimate) + dynamic at {TOGGLE_RATE:.1%} toggle"
    )
    return DesignEstimate(
        part=part.name,
        clock_ns=clock_ns,
        latency_cycles=latency,
        ii_cycles=ii,
        utilisation=utilisation,
        fits=not over,
        fit_reason="" if not over else "does not fit: " + ", ".join(over),
        power_w=part.static_power_w + dynamic,
        static_power_w=part.static_power_w,
        layers=per_layer,
        method=method,
        **totals,
    )


def to_record(design: DesignEstimate) -> dict[str, object]:
    """The record's ``fpga`` figures (all modeled)."""
    return {
        "latency_cycles": design.latency_cycles,
        "ii_cycles": design.ii_cycles,
        "dsp": design.dsp,
        "lut": design.lut,
        "ff": design.ff,
        "bram18k": design.bram18k,
        "clock_ns": design.clock_ns,
        "part": design.part,
        "fits": design.fits,
        "fit_reason": design.fit_reason,
        "latency_ns": design.latency_ns,
        "throughput_inf_s": design.throughput_inf_s,
        "power_w": design.power_w,
        "utilisation": design.utilisation,
        "layers": [asdict(layer) for layer in design.layers],
    }
