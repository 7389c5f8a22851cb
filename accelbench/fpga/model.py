"""Analytical FPGA model: latency, initiation interval, resources and power from the configuration.

Every figure here is ``modeled``. The equations, constants and the model's measured error against
published hls4ml synthesis results are in docs/fpga-model.md (``benchmarks/fpga_model_fit.py``);
the constants come from an HLS tool profile (``hls/profiles/*.toml``, :mod:`accelbench.fpga.profiles`).
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
from dataclasses import asdict, dataclass, replace

from accelbench.fpga.layers import CONV_KINDS, LayerSpec
from accelbench.fpga.multipliers import Mapping, classify
from accelbench.fpga.parts import Part
from accelbench.fpga.profiles import DelayScale, Profile, get_profile

#: Bits in one BRAM18K.
BRAM18K_BITS = 18432
#: FIFOs and weight ROMs shallower than this are built from LUTs/SRLs, deeper ones from BRAM.
BRAM_MIN_DEPTH = 64
#: DSP multiplier port widths (signed): DSP48E2 27x18, DSP48E1 25x18.
DSP_PORTS = {"DSP48E2": (27, 18), "DSP48E1": (25, 18)}
#: Figures that get a [low, high] range in the record (``fpga.<figure>_range``).
RANGED = ("latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k")


@dataclass(frozen=True)
class LayerEstimate:
    """One layer's modeled figures: cycles and resource counts, with DSP/LUT extremes of the mapping."""

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
    dsp_low: int = 0
    dsp_high: int = 0
    lut_low: int = 0
    lut_high: int = 0
    #: Products of one step by what they become (zero/shift/csd/full; see multipliers.py), or "".
    mapping: dict[str, int] | None = None
    mapping_source: str = ""


@dataclass(frozen=True)
class DesignEstimate:
    """Totals and per-layer figures of one design on one part at one clock (all modeled).

    ``ranges`` gives [low, high] per figure of :data:`RANGED`: the mapping's extremes widened by
    the profile's fitted error band. ``fits`` is yes / no / maybe (a capacity inside a range).
    """

    part: str
    clock_ns: float
    latency_cycles: int
    ii_cycles: int
    dsp: int
    lut: int
    ff: int
    bram18k: int
    utilisation: dict[str, float]
    fits: str
    fit_reason: str
    over: dict[str, float]
    power_w: float
    static_power_w: float
    layers: tuple[LayerEstimate, ...]
    method: str
    ranges: dict[str, tuple[float, float]]
    profile: Profile
    latency_floor_cycles: int = 0
    #: The part's speed grade and how it scaled the operator delays (None: unscaled, tests only).
    delay: DelayScale | None = None

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_ns

    @property
    def throughput_inf_s(self) -> float:
        """Inferences per second in steady state: clock / II."""
        return 1e9 / (max(self.ii_cycles, 1) * self.clock_ns)

    def call_s(self, inferences: int, latency_cycles: float | None = None, ii_cycles: float | None = None) -> float:
        """Seconds for ``inferences`` back-to-back inferences: fill once, then one per II.

        A combinational design (0-cycle latency) still takes one clock to register its result.
        ``latency_cycles``/``ii_cycles`` replace the point values (to evaluate a range's ends).
        """
        latency = self.latency_cycles if latency_cycles is None else latency_cycles
        ii = self.ii_cycles if ii_cycles is None else ii_cycles
        cycles = max(latency, 1) + max(inferences - 1, 0) * max(ii, 1)
        return cycles * self.clock_ns * 1e-9

    def call_range_s(self, inferences: int) -> tuple[float, float]:
        """The [low, high] of :meth:`call_s` from the latency and II ranges."""
        (lat_lo, lat_hi), (ii_lo, ii_hi) = self.ranges["latency_cycles"], self.ranges["ii_cycles"]
        return self.call_s(inferences, lat_lo, ii_lo), self.call_s(inferences, lat_hi, ii_hi)


def dsp_per_mult(weight_bits: int, input_bits: int, dsp_kind: str, lut_max_bits: int = 10,
                 rule: str = "narrower") -> int:
    """DSP slices for one multiplication: 0 when narrow (LUTs), more when wider than the ports.

    ``rule`` (the profile's ``lut_mult_rule``, :data:`accelbench.fpga.profiles.LUT_MULT_RULES`) says
    when a product is narrow: "narrower" — the narrower operand has at most ``lut_max_bits`` bits;
    "both" — both operands do (a 16-bit input times a 6-bit weight stays on a DSP).
    The wider operand may go on either port; the cheaper orientation wins (a 32-bit input times a
    21-bit constant takes 2 DSP48E2: the constant on the 27-bit port, the input split over two).
    """
    narrow, wide = sorted((weight_bits, input_bits))
    if rule not in ("narrower", "both"):
        raise ValueError(f"unknown LUT-multiplier rule {rule!r} (known: narrower, both)")
    if (narrow if rule == "narrower" else wide) <= lut_max_bits:
        return 0
    port_a, port_b = DSP_PORTS.get(dsp_kind, DSP_PORTS["DSP48E2"])
    return min(math.ceil(wide / port_a) * math.ceil(narrow / port_b),
               math.ceil(narrow / port_a) * math.ceil(wide / port_b))


def tree_levels(n_terms: int) -> int:
    """Levels of a binary adder tree over ``n_terms``."""
    return math.ceil(math.log2(n_terms)) if n_terms > 1 else 0


def arithmetic_cycles(n_terms: int, clock_ns: float, profile: Profile, multiply: bool = True,
                      scale: float = 1.0) -> int:
    """Registers a multiply + adder tree over ``n_terms`` needs at ``clock_ns`` (0 = combinational).

    The tool schedules against the period minus its default clock uncertainty (profile); ``scale``
    multiplies every operator delay (the part's speed grade, :meth:`Profile.delay_scale`).
    """
    delay = ((profile.mult_ns if multiply else 0.0) + profile.add_ns * tree_levels(n_terms)) * scale
    return math.floor(delay / profile.effective_period_ns(clock_ns))


def chain_floor_cycles(layers: Sequence[LayerSpec], clock_ns: float, profile: Profile, scale: float = 1.0) -> int:
    """The adder trees of every multiply-accumulate layer one inference passes through, end to end
    (a recurrent layer's once per timestep), at the full clock period: no schedule is shallower.

    The delays are added before rounding down: four layers of 3.6 ns each are 2 cycles at 5 ns,
    where rounding each layer down first would give 0.
    """
    levels = sum(tree_levels(layer.n_in + (layer.n_out if layer.kind in ("lstm", "gru") else 0))
                 * (layer.timesteps if layer.kind in ("lstm", "gru") else 1)
                 for layer in layers if layer.kind in MAC_KINDS)
    return math.floor(profile.add_ns * levels * scale / clock_ns)


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


MAC_KINDS = ("dense", "lstm", "gru", *CONV_KINDS)


def _copies(layer: LayerSpec) -> int:
    """Hardware copies of one step's products (io_parallel convolutions: the parallelization factor)."""
    return layer.parallelization if layer.kind in CONV_KINDS and layer.io_type == "io_parallel" else 1


def constant_mapped(layer: LayerSpec, profile: Profile) -> bool:
    """Whether each weight keeps its own product (so synthesis sees a constant operand)."""
    return (layer.kind in MAC_KINDS and layer.strategy == "latency"
            and layer.reuse_factor <= profile.constant_mapping_max_rf)


@dataclass(frozen=True)
class _Arith:
    """One layer's multiplier hardware at one assumption: DSP and LUT counts and multiplier count."""

    dsp: int
    lut: float
    multipliers: int
    mapping: Mapping | None


def _arith(layer: LayerSpec, part: Part, profile: Profile, csd_max: int, full_fraction: float,
           rule: str | None = None) -> _Arith:
    """DSP/LUT of the layer's products, with ``csd_max`` CSD digits still built from LUT adders and
    ``rule`` (default: the profile's ``lut_mult_rule``) deciding which products are LUT multipliers.

    Constant-mapped layers classify their products (known weights) or put ``full_fraction`` of the
    non-zero products on multipliers (unknown weights); shared layers need ``ceil(nonzero / RF)``
    multipliers fed by an RF:1 operand multiplexer.
    """
    rf = layer.reuse_factor
    operand = layer.input_bits if layer.kind == "multiply" else layer.weight_bits
    per = dsp_per_mult(operand, layer.input_bits, part.dsp_kind, profile.lut_mult_max_bits,
                       rule or profile.lut_mult_rule)
    lut_mult = 0.0 if per else profile.lut_per_bit_product * operand * layer.input_bits
    if layer.kind in ("batchnorm", "multiply"):
        n = math.ceil(_lanes(layer) / rf)
        return _Arith(n * per, n * (profile.lut_per_mult + lut_mult), n, None)
    if layer.kind not in MAC_KINDS:
        return _Arith(0, 0.0, 0, None)
    copies = _copies(layer)
    nonzero = round(layer.n_mult * layer.nonzero_fraction)
    if constant_mapped(layer, profile):
        if layer.weight_digits and layer.kind not in ("lstm", "gru"):
            mapping = classify(layer.weight_digits, csd_max)
        else:
            full = round(nonzero * full_fraction)
            mapping = Mapping(layer.n_mult - nonzero, 0, nonzero - full, full, nonzero - full)
        adders = mapping.csd_adders * layer.input_bits * profile.lut_per_adder_bit
        lut = copies * (mapping.nonzero * profile.lut_per_product + adders + mapping.full * lut_mult)
        return _Arith(copies * mapping.full * per, lut, copies * mapping.nonzero, mapping)
    if layer.strategy == "resource":
        # the resource strategy streams every weight (zeros too) from a ROM through ceil(n / RF)
        # multipliers, which the tools put on DSPs whatever the operand widths (the projects' 6-bit
        # resource layers: DSP = weights / RF exactly)
        multipliers = copies * math.ceil(layer.n_mult / rf) if layer.n_mult else 0
        per, lut_mult = max(per, 1), 0.0
    else:
        multipliers = copies * math.ceil(nonzero / rf) if nonzero else 0
    mux = profile.mux_lut_per_bit * (rf - 1) / 3 * (operand + layer.input_bits)
    return _Arith(multipliers * per, multipliers * (profile.lut_per_mult + mux + lut_mult), multipliers, None)


def _other_rule(profile: Profile) -> str:
    """The LUT-multiplier rule the profile did not choose (the range's other extreme)."""
    return "both" if profile.lut_mult_rule == "narrower" else "narrower"


def _arithmetic_stages(layer: LayerSpec, clock_ns: float, profile: Profile, scale: float = 1.0) -> int:
    """Pipeline stages of the layer's multiply-accumulate datapath (registers behind each multiplier)."""
    if layer.kind in ("dense", *CONV_KINDS):
        resource = profile.resource_extra_cycles if layer.strategy == "resource" else 0
        return layer.reuse_factor - 1 + arithmetic_cycles(layer.n_in, clock_ns, profile, scale=scale) + resource
    if layer.kind in ("lstm", "gru"):
        return layer.reuse_factor - 1 + arithmetic_cycles(layer.n_in + layer.n_out, clock_ns, profile, scale=scale)
    if layer.kind in ("batchnorm", "multiply"):
        return layer.reuse_factor - 1 + arithmetic_cycles(1, clock_ns, profile, scale=scale)
    return 0


def _timing(layer: LayerSpec, clock_ns: float, profile: Profile, scale: float = 1.0) -> tuple[int, int, int]:
    """(busy, depth, ii) cycles of one layer, before the io_stream hand-off stage (``scale``: operator delays)."""
    rf = layer.reuse_factor

    def arith(n_terms: int, multiply: bool = True) -> int:
        return arithmetic_cycles(n_terms, clock_ns, profile, multiply, scale)

    stream = layer.io_type == "io_stream"
    resource = profile.resource_extra_cycles if layer.strategy == "resource" else 0
    extra = profile.extra_dense_cycles
    if layer.kind == "dense":
        busy = max(rf, layer.in_positions) if stream else rf
        return busy, arith(layer.n_in) + resource + extra, busy
    if layer.kind in CONV_KINDS:
        depth = arith(layer.n_in) + resource + extra
        if stream:
            busy = layer.in_positions * rf
            return busy, depth + profile.stream_conv_extra_cycles, busy + profile.stream_conv_extra_ii
        busy = math.ceil(layer.positions / layer.parallelization) * rf
        return busy, depth, busy
    if layer.kind in ("lstm", "gru"):
        step = (rf - 1 + arith(layer.n_in + layer.n_out)
                + profile.recurrent_step_cycles[layer.kind])
        return layer.timesteps * step, 1, layer.timesteps * step
    busy = layer.in_positions if stream else 1
    if layer.kind == "activation":
        if layer.activation == "softmax":
            depth = profile.softmax_cycles + arith(layer.n_out, multiply=False)
        else:
            depth = profile.table_cycles if layer.uses_table else 0
    elif layer.kind == "pool":
        depth = arith(layer.n_in, multiply=False)
    elif layer.kind in ("batchnorm", "multiply"):
        depth = arith(1)
    else:  # add, other: an adder or wiring
        depth = 0
    return busy, depth, busy


def estimate_layer(layer: LayerSpec, part: Part, clock_ns: float = 5.0, last: bool = False,
                   profile: Profile | None = None) -> LayerEstimate:
    """The modeled figures of one layer on ``part`` at ``clock_ns`` with ``profile`` (default: installed tool).

    ``last``: the design's output layer, whose io_stream output goes to the top-level port (no FIFO).
    """
    profile = profile or get_profile()
    rf = layer.reuse_factor
    stream = layer.io_type == "io_stream"
    scale = profile.delay_scale(part).scale
    busy, depth, ii = _timing(layer, clock_ns, profile, scale)
    out_lanes = _lanes(layer)
    low_digits, high_digits = profile.csd_digits_range
    f_low, f_mid, f_high = profile.unknown_dsp_fraction
    point = _arith(layer, part, profile, profile.csd_lut_max_digits, f_mid)
    fewest = _arith(layer, part, profile, high_digits, f_low)  # most products on LUT adders
    most = _arith(layer, part, profile, low_digits, f_high)
    # the other LUT-multiplier rule: differs only for products whose narrower operand fits a LUT
    # multiplier and whose wider one does not (a 16-bit input times a 6-bit weight). Operand widths
    # alone do not decide those (the published Vivado HLS 2019.2 and Vitis 2024.1 QKeras designs put
    # 5-85 % of them on DSPs), so the range spans both rules' outcomes whichever rule the fit chose.
    other = _arith(layer, part, profile, profile.csd_lut_max_digits, f_mid, rule=_other_rule(profile))
    extremes = (fewest, point, most, other)
    dsp = point.dsp
    lut = point.lut
    stages = _arithmetic_stages(layer, clock_ns, profile, scale)
    ff = point.multipliers * profile.ff_per_mult_stage * stages
    extra_lut = 0.0
    if depth > 0 or stream:  # a registered output
        ff += out_lanes * layer.result_bits
    if stream and layer.kind in CONV_KINDS:
        # the sliding window in registers, the other kernel rows' line buffers in shift-register LUTs (SRL32)
        window_bits = math.prod(layer.kernel or (1,)) * max(layer.channels, 1) * layer.input_bits
        ff += window_bits
        if len(layer.kernel) == 2:
            row = layer.in_positions // max(math.isqrt(layer.in_positions), 1)  # ~ input width
            extra_lut += math.ceil((layer.kernel[0] - 1) * row * max(layer.channels, 1) * layer.input_bits / 32)
    bram = 0
    extra_dsp = 0
    if layer.kind in MAC_KINDS:
        extra_lut += profile.lut_per_layer
        ff += profile.ff_per_layer
    if layer.kind == "activation":
        lookups = out_lanes
        if layer.uses_table:
            table_blocks = math.ceil(layer.table_size * layer.table_bits / BRAM18K_BITS)
            bram = math.ceil(lookups / 2) * table_blocks + (1 if layer.activation == "softmax" else 0)
            extra_lut += lookups * profile.lut_per_table_lookup * (2 if layer.activation == "softmax" else 1)
            ff += lookups * math.ceil(math.log2(layer.table_size))
            if layer.activation == "softmax":  # each exp times the inverse of the sum
                extra_dsp += lookups * dsp_per_mult(layer.table_bits, layer.table_bits, part.dsp_kind,
                                                    profile.lut_mult_max_bits, profile.lut_mult_rule)
        else:  # relu and friends: a comparison and a multiplexer per element
            extra_lut += lookups * layer.result_bits
    elif layer.kind in ("lstm", "gru"):
        lookups = layer.n_out * (5 if layer.kind == "lstm" else 3)
        bram = math.ceil(lookups / 2) * math.ceil(layer.table_size * 18 / BRAM18K_BITS)
        extra_lut += lookups * profile.lut_per_table_lookup
        ff += layer.n_out * layer.result_bits * (2 if layer.kind == "lstm" else 1)  # the state registers
    elif layer.kind == "pool":
        extra_lut += out_lanes * max(layer.n_in - 1, 1) * layer.result_bits
    elif layer.kind == "add":
        extra_lut += out_lanes * layer.result_bits
    if layer.strategy == "resource" and rf > 1 and layer.kind in MAC_KINDS:
        # weights reshaped to RF words of (multipliers x weight bits): BRAM when deep enough, else a LUT ROM
        width = point.multipliers * layer.weight_bits
        if rf >= BRAM_MIN_DEPTH:
            bram += bram18k_for(rf, width)
        else:
            extra_lut += width
    if stream:
        fifo_depth = layer.positions * layer.timesteps if layer.kind not in ("dense", "lstm", "gru") else 1
        fifo_width = layer.n_out * layer.result_bits
        if fifo_depth >= BRAM_MIN_DEPTH and not last:
            bram += bram18k_for(fifo_depth, fifo_width)
        depth += profile.stream_stage_cycles
    latency = busy - 1 + depth

    def luts(value: float) -> int:
        return round((value + extra_lut) * profile.lut_scale)

    lut_values = [luts(item.lut) for item in extremes]
    return LayerEstimate(
        layer.name, layer.kind, latency, ii, dsp + extra_dsp, luts(lut), round(ff * profile.ff_scale), bram, busy,
        depth, dsp_low=min(item.dsp for item in extremes) + extra_dsp,
        dsp_high=max(item.dsp for item in extremes) + extra_dsp, lut_low=min(lut_values), lut_high=max(lut_values),
        mapping=point.mapping.as_dict() if point.mapping else None,
        mapping_source=("weights" if layer.weight_digits and point.mapping else
                        "unknown weights: profile fraction" if point.mapping else ""),
    )


def _fit(totals: dict[str, int], ranges: dict[str, tuple[float, float]], part: Part) -> tuple[str, str, dict]:
    """(yes|no|maybe, reason, {RESOURCE: percent of the part}) from the point values and their ranges.

    no: a point value exceeds the part (the model's best estimate does not fit); maybe: every point
    fits but a range's high end exceeds the part; yes: every range fits.
    """
    capacity = {"dsp": part.dsp, "lut": part.lut, "ff": part.ff, "bram18k": part.bram18k}

    def pct(value: float, key: str) -> float:
        return 100.0 * value / capacity[key] if capacity[key] else (math.inf if value > 0 else 0.0)

    over = {key.upper(): pct(totals[key], key) for key in totals if pct(totals[key], key) > 100.0}
    if over:
        names = ", ".join(f"{name} {value:.0f} %" for name, value in over.items())
        return "no", f"does not fit: {names} of {part.name}", over
    maybe = {key.upper(): pct(ranges[key][1], key) for key in totals if pct(ranges[key][1], key) > 100.0}
    if maybe:
        names = ", ".join(f"{name} up to {value:.0f} %" for name, value in maybe.items())
        return "maybe", f"may not fit: modeled range reaches {names} of {part.name}", {}
    return "yes", "", {}


def estimate(
    layers: Sequence[LayerSpec], part: Part, clock_ns: float, profile: Profile | None = None
) -> DesignEstimate:
    """Totals of ``layers``: a pipeline (io_parallel) or a dataflow (io_stream), see the module docstring."""
    profile = profile or get_profile()
    delay = profile.delay_scale(part)
    last = len(layers) - 1
    per_layer = tuple(estimate_layer(layer, part, clock_ns, last=i == last, profile=profile)
                      for i, layer in enumerate(layers))
    stream = bool(layers) and all(layer.io_type == "io_stream" for layer in layers)
    if not per_layer:
        latency = 0
    elif stream:
        latency = max(item.busy_cycles for item in per_layer) - 1 + sum(item.depth_cycles for item in per_layer)
    else:
        latency = sum(item.latency_cycles for item in per_layer)
    floor = chain_floor_cycles(layers, clock_ns, profile, delay.scale)
    latency = max(latency, floor)
    ii = max((item.ii_cycles for item in per_layer), default=1)
    totals = {
        "dsp": sum(item.dsp for item in per_layer),
        "lut": sum(item.lut for item in per_layer),
        "ff": sum(item.ff for item in per_layer),
        "bram18k": sum(item.bram18k for item in per_layer),
    }
    extremes = {"dsp": (sum(i.dsp_low for i in per_layer), sum(i.dsp_high for i in per_layer)),
                "lut": (sum(i.lut_low for i in per_layer), sum(i.lut_high for i in per_layer))}
    points = {"latency_cycles": latency, "ii_cycles": ii, **totals}
    ranges: dict[str, tuple[float, float]] = {}
    for figure in RANGED:
        low, high = extremes.get(figure, (points[figure], points[figure]))
        band_low, band_high = profile.error[figure]
        ranges[figure] = (min(low, points[figure]) * band_low, max(high, points[figure]) * band_high)
    # a schedule is known to one cycle at best (where the tool puts a register): cycle ranges span +-1
    lat_low, lat_high = ranges["latency_cycles"]
    ranges["latency_cycles"] = (max(lat_low - 1, floor, 0), lat_high + 1)
    ii_low, ii_high = ranges["ii_cycles"]
    ranges["ii_cycles"] = (max(ii_low - 1, 1), max(ii_high + 1, 1))
    capacity = {"dsp": part.dsp, "lut": part.lut, "ff": part.ff, "bram18k": part.bram18k}
    utilisation = {key: 100.0 * totals[key] / capacity[key] if capacity[key] else math.inf for key in totals}
    fits, fit_reason, over = _fit(totals, ranges, part)
    scale = (1e3 / clock_ns) / 200.0 * (profile.toggle_rate / 0.125)
    dynamic = scale * sum(totals[key] * profile.dynamic_w_at_200mhz[key] for key in totals)
    method = (
        f"accelbench analytical model (docs/fpga-model.md), {profile.describe()}, {delay.describe()} on "
        f"{part.name}: products by constant weights "
        f"mapped by value (zero/shift/CSD adders/DSP), "
        f"latency = {'max busy + sum of stage depths (dataflow)' if stream else 'sum of layer latencies'}, "
        f"II = slowest layer, power = static {part.static_power_w:g} W (estimate) + dynamic at "
        f"{profile.toggle_rate:.1%} toggle"
    )
    return DesignEstimate(
        part=part.name,
        clock_ns=clock_ns,
        latency_cycles=latency,
        ii_cycles=ii,
        utilisation=utilisation,
        fits=fits,
        fit_reason=fit_reason,
        over=over,
        power_w=part.static_power_w + dynamic,
        static_power_w=part.static_power_w,
        layers=per_layer,
        method=method,
        ranges=ranges,
        profile=profile,
        latency_floor_cycles=floor,
        delay=delay,
        **totals,
    )


def sequence(cell: DesignEstimate, steps: int) -> DesignEstimate:
    """A one-step cell design run ``steps`` times with its state fed back (a recurrent sequence).

    Each step needs the previous step's state, so steps do not overlap: latency = T x max(cell
    latency, 1) + the pipeline fill (one hand-off stage, profile), and the next sequence starts after
    the last step (II = T x max(cell latency, cell II, 1)). Resources are those of one cell.
    """
    fill = cell.profile.stream_stage_cycles

    def lat(value: float) -> float:
        return steps * max(value, 1) + fill

    def ii(latency: float, interval: float) -> float:
        return steps * max(latency, interval, 1)

    (lat_lo, lat_hi), (ii_lo, ii_hi) = cell.ranges["latency_cycles"], cell.ranges["ii_cycles"]
    ranges = {**cell.ranges, "latency_cycles": (lat(lat_lo), lat(lat_hi)),
              "ii_cycles": (ii(lat_lo, ii_lo), ii(lat_hi, ii_hi))}
    return replace(cell, latency_cycles=round(lat(cell.latency_cycles)),
                   ii_cycles=round(ii(cell.latency_cycles, cell.ii_cycles)), ranges=ranges,
                   latency_floor_cycles=steps * cell.latency_floor_cycles,
                   method=f"{cell.method}; sequence of {steps} steps of one cell: latency = T x cell latency "
                          f"+ {fill} fill, II = T x cell latency (state fed back)")


def mapping_totals(design: DesignEstimate) -> dict[str, int]:
    """Products of one inference step by class, summed over the layers that map constants."""
    totals = {"zero": 0, "shift": 0, "csd": 0, "full": 0}
    for layer in design.layers:
        for key in totals:
            totals[key] += (layer.mapping or {}).get(key, 0)
    return totals


def to_record(design: DesignEstimate) -> dict[str, object]:
    """The record's ``fpga`` figures (all modeled), each ranged figure with ``<figure>_range``."""
    record: dict[str, object] = {
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
        "latency_floor_cycles": design.latency_floor_cycles,
        "throughput_inf_s": design.throughput_inf_s,
        "power_w": design.power_w,
        "toggle_rate": design.profile.toggle_rate,
        "speed_grade": design.delay.grade if design.delay else None,
        "delay_scale": design.delay.as_dict() if design.delay else None,
        "utilisation": design.utilisation,
        "hls_tool": design.profile.tool,
        "hls4ml_version": design.profile.hls4ml_version,
        "profile": {"source": design.profile.source, "generation": design.profile.generation,
                    "fitted_rows": len(design.profile.fitted_on), "inherited_from": design.profile.inherited_from,
                    "lut_mult_rule": design.profile.lut_mult_rule,
                    "lut_mult_max_bits": design.profile.lut_mult_max_bits,
                    "lut_mult_rule_rows": design.profile.lut_mult_rule_rows,
                    "lut_mult_rule_errors": dict(design.profile.lut_mult_rule_errors),
                    "lut_mult_rule_text": design.profile.lut_mult_text(),
                    # what each range's error band is and rests on (docs/fpga-model.md, Ranges)
                    "error_band": {figure: list(band) for figure, band in design.profile.error.items()},
                    "error_ratios": dict(design.profile.error_ratios),
                    "error_pooled_ratios": dict(design.profile.error_pooled_ratios),
                    "error_widened": dict(design.profile.error_widened)},
        "multipliers": mapping_totals(design),
        "layers": [asdict(layer) for layer in design.layers],
    }
    for figure, (low, high) in design.ranges.items():
        record[f"{figure}_range"] = [math.floor(low), math.ceil(high)]
    low, high = design.ranges["latency_cycles"]
    record["latency_ns_range"] = [math.floor(low) * design.clock_ns, math.ceil(high) * design.clock_ns]
    return record
