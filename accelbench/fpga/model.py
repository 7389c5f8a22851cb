"""Analytical FPGA model: latency, initiation interval, resources and power from the configuration.

Every figure here is ``modeled``. The equations, constants and the model's measured error against
published hls4ml synthesis results are in docs/fpga-model.md (``benchmarks/fpga_model_error.py``).
Units: cycles, counts of DSP/LUT/FF/BRAM18K, watts, nanoseconds.

Each layer gets a *busy* time (cycles it needs the input for one inference: the reuse factor, the
number of output partitions, or the number of stream items it reads) and a *depth* (pipeline
stages between its first input and its last output). io_parallel designs run the layers one after
another: latency = sum(busy - 1 + depth). io_stream designs are a dataflow whose stages overlap:
latency = max(busy) - 1 + sum(depth). Either way the slowest layer sets the initiation interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from accelbench.fpga.layers import CONV_KINDS, LayerSpec
from accelbench.fpga.parts import Part

# ---- timing (ns at the chosen clock; cycles) -------------------------------------------------
#: A combinational multiplication (a DSP without its internal registers), ns.
MULT_NS = 3.0
#: One level of an adder tree, ns.
ADD_NS = 0.7
#: Pipeline stages of a table activation (index arithmetic + table read).
TABLE_CYCLES = 2
#: Pipeline stages of a softmax (exp table, sum, inverse table, product) before its adder tree.
SOFTMAX_CYCLES = 5
#: Extra stages of the resource strategy (weight memory read, accumulator).
RESOURCE_EXTRA_CYCLES = 3
#: Extra stages of a streaming convolution (line buffer shift, window assembly, output write).
STREAM_CONV_EXTRA_CYCLES = 3
#: Extra interval cycles of a streaming convolution over its input pixels (row and frame ends).
STREAM_CONV_EXTRA_II = 4
#: Every io_stream layer is a dataflow process: one more stage for the FIFO hand-off.
STREAM_STAGE_CYCLES = 1
#: Stages per timestep of a recurrent cell after its matrix products (tables, products, state).
RECURRENT_STEP_CYCLES = {"lstm": 6, "gru": 5}

# ---- resources -------------------------------------------------------------------------------
#: A multiplication whose narrower operand has at most this many bits is built from LUTs.
LUT_MULT_MAX_BITS = 10
#: DSP multiplier port widths (signed): DSP48E2 27x18, DSP48E1 25x18.
DSP_PORTS = {"DSP48E2": (27, 18), "DSP48E1": (25, 18)}
#: LUTs per parallel multiplication for its share of the adder tree and operand routing.
LUT_PER_MULT = 18.0
#: LUTs per bit-product of a multiplication built from LUTs.
LUT_PER_BIT_PRODUCT = 0.7
#: LUTs per operand bit per 3 extra inputs of the RF:1 operand multiplexer (a LUT6 is a 4:1 mux).
MUX_LUT_PER_BIT = 1.37
#: Flip-flops per parallel multiplication per pipeline stage.
FF_PER_MULT_STAGE = 6.0
#: LUTs per table lookup (index arithmetic, range clamp).
LUT_PER_TABLE_LOOKUP = 90
#: Bits in one BRAM18K.
BRAM18K_BITS = 18432
#: FIFOs and weight ROMs shallower than this are built from LUTs/SRLs, deeper ones from BRAM.
BRAM_MIN_DEPTH = 64

# ---- power -----------------------------------------------------------------------------------
#: Dynamic power at 200 MHz and a 12.5 % toggle rate (W per resource): order-of-magnitude
#: XPE-style defaults, not measurements.
TOGGLE_RATE = 0.125
DYNAMIC_W_AT_200MHZ = {"dsp": 2.0e-3, "lut": 1.5e-5, "ff": 4.0e-6, "bram18k": 1.5e-3}


@dataclass(frozen=True)
class LayerEstimate:
    """One layer's modeled figures: cycles and resource counts."""

    name: str
    kind: str
    latency_cycles: int
    ii_cycles: int
    dsp: int
    lut: int
    ff: int
    bram18k: int
    busy_cycles: int = 1
    depth_cycles: int = 0


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
        """Inferences per second in steady state: clock / II."""
        return 1e9 / (max(self.ii_cycles, 1) * self.clock_ns)

    def call_s(self, inferences: int) -> float:
        """Seconds for ``inferences`` back-to-back inferences: fill once, then one per II.

        A combinational design (0-cycle latency) still takes one clock to register its result.
        """
        cycles = max(self.latency_cycles, 1) + max(inferences - 1, 0) * max(self.ii_cycles, 1)
        return cycles * self.clock_ns * 1e-9


def dsp_per_mult(weight_bits: int, input_bits: int, dsp_kind: str) -> int:
    """DSP slices for one multiplication: 0 when narrow (LUTs), more when wider than the ports.

    The wider operand may go on either port; the cheaper orientation wins (a 32-bit input times a
    21-bit constant takes 2 DSP48E2: the constant on the 27-bit port, the input split over two).
    """
    narrow, wide = sorted((weight_bits, input_bits))
    if narrow <= LUT_MULT_MAX_BITS:
        return 0
    port_a, port_b = DSP_PORTS.get(dsp_kind, DSP_PORTS["DSP48E2"])
    return min(math.ceil(wide / port_a) * math.ceil(narrow / port_b),
               math.ceil(narrow / port_a) * math.ceil(wide / port_b))


def arithmetic_cycles(n_terms: int, clock_ns: float, multiply: bool = True) -> int:
    """Registers a multiply + adder tree over ``n_terms`` needs at ``clock_ns`` (0 = combinational)."""
    levels = math.ceil(math.log2(n_terms)) if n_terms > 1 else 0
    return math.floor(((MULT_NS if multiply else 0.0) + ADD_NS * levels) / clock_ns)


def bram18k_for(depth: int, width_bits: int) -> int:
    """BRAM18K blocks for a memory of ``depth`` words of ``width_bits`` (aspect ratios 512x36 .. 16Kx1)."""
    if depth < 1 or width_bits < 1:
        return 0
    for max_depth, width in ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1)):
        if depth <= max_depth:
            return math.ceil(width_bits / width)
    return width_bits * math.ceil(depth / 16384)


def _lanes(layer: LayerSpec) -> int:
    """Output elements the layer produces at once: per step (io_parallel: all positions of an element-wise layer)."""
    if layer.kind in ("dense", "lstm", "gru"):
        return layer.n_out
    if layer.kind in CONV_KINDS:
        return layer.n_out * (layer.parallelization if layer.io_type == "io_parallel" else 1)
    return layer.n_out * (layer.positions if layer.io_type == "io_parallel" else 1)


def _multipliers(layer: LayerSpec, rf: int) -> int:
    """Hardware multipliers of the layer (products per step sharing one multiplier RF times)."""
    if layer.kind in ("batchnorm", "multiply"):
        return math.ceil(_lanes(layer) / rf)
    if layer.kind in ("dense", "lstm", "gru", *CONV_KINDS):
        mults = round(layer.n_mult * layer.nonzero_fraction)
        if layer.kind in CONV_KINDS and layer.io_type == "io_parallel":
            mults *= layer.parallelization
        return math.ceil(mults / rf) if mults else 0
    return 0


def _arithmetic_stages(layer: LayerSpec, clock_ns: float) -> int:
    """Pipeline stages of the layer's multiply-accumulate datapath (registers behind each multiplier)."""
    if layer.kind in ("dense", *CONV_KINDS):
        resource = RESOURCE_EXTRA_CYCLES if layer.strategy == "resource" else 0
        return layer.reuse_factor - 1 + arithmetic_cycles(layer.n_in, clock_ns) + resource
    if layer.kind in ("lstm", "gru"):
        return layer.reuse_factor - 1 + arithmetic_cycles(layer.n_in + layer.n_out, clock_ns)
    if layer.kind in ("batchnorm", "multiply"):
        return layer.reuse_factor - 1 + arithmetic_cycles(1, clock_ns)
    return 0


def _timing(layer: LayerSpec, clock_ns: float) -> tuple[int, int, int]:
    """(busy, depth, ii) cycles of one layer, before the io_stream hand-off stage."""
    rf = layer.reuse_factor
    stream = layer.io_type == "io_stream"
    resource = RESOURCE_EXTRA_CYCLES if layer.strategy == "resource" else 0
    if layer.kind == "dense":
        busy = max(rf, layer.in_positions) if stream else rf
        return busy, arithmetic_cycles(layer.n_in, clock_ns) + resource, busy
    if layer.kind in CONV_KINDS:
        depth = arithmetic_cycles(layer.n_in, clock_ns) + resource
        if stream:
            busy = layer.in_positions * rf
            return busy, depth + STREAM_CONV_EXTRA_CYCLES, busy + STREAM_CONV_EXTRA_II
        busy = math.ceil(layer.positions / layer.parallelization) * rf
        return busy, depth, busy
    if layer.kind in ("lstm", "gru"):
        step = rf - 1 + arithmetic_cycles(layer.n_in + layer.n_out, clock_ns) + RECURRENT_STEP_CYCLES[layer.kind]
        return layer.timesteps * step, 1, layer.timesteps * step
    busy = layer.in_positions if stream else 1
    if layer.kind == "activation":
        if layer.activation == "softmax":
            depth = SOFTMAX_CYCLES + arithmetic_cycles(layer.n_out, clock_ns, multiply=False)
        else:
            depth = TABLE_CYCLES if layer.uses_table else 0
    elif layer.kind == "pool":
        depth = arithmetic_cycles(layer.n_in, clock_ns, multiply=False)
    elif layer.kind in ("batchnorm", "multiply"):
        depth = arithmetic_cycles(1, clock_ns)
    else:  # add, other: an adder or wiring
        depth = 0
    return busy, depth, busy


def estimate_layer(layer: LayerSpec, part: Part, clock_ns: float = 5.0, last: bool = False) -> LayerEstimate:
    """The modeled figures of one layer on ``part`` at ``clock_ns``.

    ``last``: the design's output layer, whose io_stream output goes to the top-level port (no FIFO).
    """
    rf = layer.reuse_factor
    stream = layer.io_type == "io_stream"
    busy, depth, ii = _timing(layer, clock_ns)
    out_lanes = _lanes(layer)
    multipliers = _multipliers(layer, rf)
    operand = layer.input_bits if layer.kind == "multiply" else layer.weight_bits
    per = dsp_per_mult(operand, layer.input_bits, part.dsp_kind) if multipliers else 0
    dsp = multipliers * per
    mux = MUX_LUT_PER_BIT * math.ceil((rf - 1) / 3) * (operand + layer.input_bits)
    lut_per = LUT_PER_MULT + mux + (0 if per else LUT_PER_BIT_PRODUCT * operand * layer.input_bits)
    lut = round(multipliers * lut_per)
    stages = _arithmetic_stages(layer, clock_ns)
    ff = round(multipliers * FF_PER_MULT_STAGE * stages)
    if depth > 0 or stream:  # a registered output
        ff += out_lanes * layer.result_bits
    if stream and layer.kind in CONV_KINDS:
        # the sliding window in registers, the other kernel rows' line buffers in shift-register LUTs (SRL32)
        window_bits = math.prod(layer.kernel or (1,)) * max(layer.channels, 1) * layer.input_bits
        ff += window_bits
        if len(layer.kernel) == 2:
            row = layer.in_positions // max(math.isqrt(layer.in_positions), 1)  # ~ input width
            lut += math.ceil((layer.kernel[0] - 1) * row * max(layer.channels, 1) * layer.input_bits / 32)
    bram = 0
    if layer.kind == "activation":
        lookups = out_lanes
        if layer.uses_table:
            table_blocks = math.ceil(layer.table_size * layer.table_bits / BRAM18K_BITS)
            bram = math.ceil(lookups / 2) * table_blocks + (1 if layer.activation == "softmax" else 0)
            lut += lookups * LUT_PER_TABLE_LOOKUP * (2 if layer.activation == "softmax" else 1)
            ff += lookups * math.ceil(math.log2(layer.table_size))
            if layer.activation == "softmax":  # each exp times the inverse of the sum
                dsp += lookups * dsp_per_mult(layer.table_bits, layer.table_bits, part.dsp_kind)
        else:  # relu and friends: a comparison and a multiplexer per element
            lut += lookups * layer.result_bits
    elif layer.kind in ("lstm", "gru"):
        lookups = layer.n_out * (5 if layer.kind == "lstm" else 3)
        bram = math.ceil(lookups / 2) * math.ceil(layer.table_size * 18 / BRAM18K_BITS)
        lut += lookups * LUT_PER_TABLE_LOOKUP
        ff += layer.n_out * layer.result_bits * (2 if layer.kind == "lstm" else 1)  # the state registers
    elif layer.kind == "pool":
        lut += out_lanes * max(layer.n_in - 1, 1) * layer.result_bits
    elif layer.kind in ("add", "other"):
        lut += out_lanes * layer.result_bits if layer.kind == "add" else 0
    if layer.strategy == "resource" and rf > 1 and layer.kind in ("dense", "lstm", "gru", *CONV_KINDS):
        # weights reshaped to RF words of (multipliers x weight bits): BRAM when deep enough, else a LUT ROM
        width = multipliers * layer.weight_bits
        if rf >= BRAM_MIN_DEPTH:
            bram += bram18k_for(rf, width)
        else:
            lut += width
    if stream:
        fifo_depth = layer.positions * layer.timesteps if layer.kind not in ("dense", "lstm", "gru") else 1
        fifo_width = layer.n_out * layer.result_bits
        if fifo_depth >= BRAM_MIN_DEPTH and not last:
            bram += bram18k_for(fifo_depth, fifo_width)
        depth += STREAM_STAGE_CYCLES
    latency = busy - 1 + depth
    return LayerEstimate(layer.name, layer.kind, latency, ii, dsp, lut, ff, bram, busy, depth)


def estimate(layers: Sequence[LayerSpec], part: Part, clock_ns: float) -> DesignEstimate:
    """Totals of ``layers``: a pipeline (io_parallel) or a dataflow (io_stream), see the module docstring."""
    last = len(layers) - 1
    per_layer = tuple(estimate_layer(layer, part, clock_ns, last=i == last) for i, layer in enumerate(layers))
    stream = bool(layers) and all(layer.io_type == "io_stream" for layer in layers)
    if not per_layer:
        latency = 0
    elif stream:
        latency = max(item.busy_cycles for item in per_layer) - 1 + sum(item.depth_cycles for item in per_layer)
    else:
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
        f"latency = {'max busy + sum of stage depths (dataflow)' if stream else 'sum of layer latencies'}, "
        f"II = slowest layer, power = static {part.static_power_w:g} W (estimate) + dynamic at {TOGGLE_RATE:.1%} toggle"
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
