"""What the analytical model needs to know about each layer of a design.

:func:`layers_from_hls_model` reads an hls4ml ModelGraph (after conversion, before any compile);
:func:`layers_from_description` builds the same list from a one-line architecture description
(tests and the calibration benchmark, no hls4ml needed).

Counting convention: ``n_mult`` is the multiplications of ONE STEP, i.e. of one output position of a
convolution (``n_in * n_out``) or one timestep of a recurrent layer; :attr:`LayerSpec.total_mults`
multiplies by ``positions * timesteps`` for the whole inference. This is what the generated HLS code
instantiates (and what the backend's model-only size limit counts).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from accelbench.errors import UserError

#: Layer kinds the model understands. "other" layers do no arithmetic (padding, transposes, ...).
KINDS = (
    "dense", "conv1d", "conv2d", "depthwise_conv1d", "depthwise_conv2d", "lstm", "gru",
    "activation", "pool", "batchnorm", "add", "multiply", "other",
)
STRATEGIES = ("latency", "resource")
IO_TYPES = ("io_parallel", "io_stream")
#: Activations hls4ml computes with lookup tables (BRAM/LUTRAM) rather than with logic.
TABLE_ACTIVATIONS = ("sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "softmax")
CONV_KINDS = ("conv1d", "conv2d", "depthwise_conv1d", "depthwise_conv2d")


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a design, with the configuration that shapes its hardware.

    ``n_in``/``n_out``: inputs per output and outputs per step (dense: fan-in and units; conv:
    kernel x channels and filters; depthwise: kernel and channels x multiplier; lstm/gru: input
    features and units; element-wise layers: elements per step). ``n_mult``: multiplications per step
    (see the module docstring). ``positions``/``in_positions``: output/input pixels (convolutions,
    pooling; 1 for dense). ``weight_bits``: effective width of the constant weights (bits);
    ``input_bits``/``result_bits``/``accum_bits``: widths of the input, output and accumulator
    (bits). ``nonzero_fraction``: fraction of weights that are not zero (products with a constant
    zero vanish in synthesis). ``table_size``/``table_bits``: lookup-table depth (entries) and width
    (bits) of table activations. ``weight_digits``: the weights of one step by their number of
    non-zero CSD digits after quantisation (:func:`accelbench.fpga.multipliers.digit_histogram`;
    index 0 = zero weights), empty when the weights are unknown.
    """

    name: str
    kind: str
    n_in: int = 0
    n_out: int = 0
    n_mult: int = 0
    positions: int = 1
    in_positions: int = 1
    kernel: tuple[int, ...] = ()
    channels: int = 0
    timesteps: int = 1
    reuse_factor: int = 1
    strategy: str = "latency"
    io_type: str = "io_parallel"
    weight_bits: int = 16
    input_bits: int = 16
    accum_bits: int = 32
    result_bits: int = 16
    activation: str = ""
    table_size: int = 1024
    table_bits: int = 18
    nonzero_fraction: float = 1.0
    parallelization: int = 1
    weight_digits: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UserError(f"layer {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.strategy not in STRATEGIES:
            raise UserError(f"layer {self.name!r}: strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if self.io_type not in IO_TYPES:
            raise UserError(f"layer {self.name!r}: io_type {self.io_type!r} is not one of {', '.join(IO_TYPES)}")
        for field in ("reuse_factor", "positions", "in_positions", "timesteps", "weight_bits", "input_bits",
                      "accum_bits", "result_bits", "table_size", "table_bits", "parallelization"):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 1:
                raise UserError(f"layer {self.name!r}: {field} must be an integer >= 1, got {value!r}")
        for field in ("n_in", "n_out", "n_mult", "channels"):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 0:
                raise UserError(f"layer {self.name!r}: {field} must be an integer >= 0, got {value!r}")
        if not 0.0 <= self.nonzero_fraction <= 1.0:
            raise UserError(f"layer {self.name!r}: nonzero_fraction must be within 0..1, got {self.nonzero_fraction}")

    @property
    def uses_table(self) -> bool:
        """Activations computed with lookup tables (BRAM/LUTRAM) rather than logic."""
        return self.kind == "activation" and self.activation in TABLE_ACTIVATIONS

    @property
    def total_mults(self) -> int:
        """Multiplications of one whole inference: per step x positions x timesteps."""
        return self.n_mult * self.positions * self.timesteps

    @property
    def items_in(self) -> int:
        """Stream items read per inference in io_stream (one item = one pixel's channels)."""
        return self.in_positions * self.timesteps


# --------------------------------------------------------------------------------------------
# Precision helpers


def precision_bits(precision: Any, default: int = 16) -> int:
    """Total width (bits) of an hls4ml precision (``fixed<16,6,...>``, ``ap_fixed<8,3>``, ``uint<1>``)."""
    width = getattr(precision, "width", None)
    if isinstance(width, int):
        return width
    match = re.search(r"<\s*(\d+)", str(precision))
    return int(match.group(1)) if match else default


def _fixed(precision: Any) -> tuple[int, int] | None:
    width, integer = getattr(precision, "width", None), getattr(precision, "integer", None)
    if isinstance(width, int) and isinstance(integer, int):
        return width, integer
    match = re.search(r"<\s*(\d+)\s*,\s*(-?\d+)", str(precision))
    return (int(match.group(1)), int(match.group(2))) if match else None


def effective_weight_bits(width: int, integer: int, max_abs: float = 0.999) -> int:
    """Bits a constant weight really occupies: sign + the integer bits its magnitude uses + all fraction bits.

    Integer bits above the largest magnitude are constant sign copies that synthesis drops; fraction
    bits are kept (a weight's low bits are rarely all zero). ``max_abs`` < 1 (the usual case for
    trained and randomly initialised weights) gives ``fraction + 1``.
    """
    fraction = width - integer
    int_bits = max(0, math.floor(math.log2(max_abs)) + 1) if max_abs >= 1 else 0
    return max(1, min(width, fraction + int_bits + 1))


# --------------------------------------------------------------------------------------------
# From an hls4ml ModelGraph


def _attr(layer: Any, name: str, default: Any = None) -> Any:
    try:
        value = layer.get_attr(name, default)
    except AttributeError:
        return default
    return default if value is None else value


def _weight_info(layer: Any, key: str) -> tuple[int, float, tuple[int, ...]]:
    """(effective bits, non-zero fraction, CSD digit histogram) of the weight ``key`` of ``layer``."""
    weights = getattr(layer, "weights", {}) or {}
    if key not in weights:
        return 16, 1.0, ()
    var = weights[key]
    data = getattr(var, "data", None)
    precision = var.type.precision
    fixed = _fixed(precision)
    nonzero, max_abs = 1.0, 0.999
    digits: tuple[int, ...] = ()
    if data is not None:
        import numpy as np

        values = np.asarray(data, dtype=np.float64)
        if values.size:
            nonzero = float(np.count_nonzero(values) / values.size)
            max_abs = float(np.max(np.abs(values))) or 0.999
            if fixed:
                from accelbench.fpga.multipliers import digit_histogram

                digits = digit_histogram(values, *fixed)
    bits = effective_weight_bits(*fixed, max_abs) if fixed else precision_bits(precision)
    return bits, nonzero, digits


def _in_bits(layer: Any) -> int:
    try:
        return precision_bits(layer.get_input_variable().type.precision)
    except (AttributeError, KeyError, IndexError):
        return 16


def _class_names(layer: Any) -> set[str]:
    return {cls.__name__ for cls in type(layer).__mro__} | {str(getattr(layer, "class_name", ""))}


def _spec_for(layer: Any, io_type: str) -> LayerSpec | None:
    names = _class_names(layer)
    out_var = layer.get_output_variable()
    size = int(out_var.size())
    shape = [int(s) for s in out_var.shape]
    common: dict[str, Any] = {
        "name": layer.name,
        "reuse_factor": int(_attr(layer, "reuse_factor", 1)),
        "strategy": str(_attr(layer, "strategy", "latency")).lower(),
        "io_type": io_type,
        "result_bits": precision_bits(out_var.type.precision),
        "input_bits": _in_bits(layer),
    }
    if common["strategy"] not in STRATEGIES:
        common["strategy"] = "latency"
    accum = _attr(layer, "accum_t")
    if accum is not None:
        common["accum_bits"] = precision_bits(getattr(accum, "precision", accum))
    per_pixel = shape[-1] if len(shape) > 1 else size
    if "Dense" in names:
        bits, nonzero, digits = _weight_info(layer, "weight")
        n_in, n_out = int(_attr(layer, "n_in")), int(_attr(layer, "n_out"))
        items = max(1, n_in // max(_in_last_dim(layer), 1)) if io_type == "io_stream" else 1
        return LayerSpec(kind="dense", n_in=n_in, n_out=n_out, n_mult=n_in * n_out, in_positions=items,
                         weight_bits=bits, nonzero_fraction=nonzero, weight_digits=digits, **common)
    conv = next((n for n in ("DepthwiseConv2D", "DepthwiseConv1D", "Conv2D", "Conv1D") if n in names), None)
    if conv is not None:
        bits, nonzero, digits = _weight_info(layer, "weight")
        two_d = conv.endswith("2D")
        kernel = (int(_attr(layer, "filt_height", 1)), int(_attr(layer, "filt_width", 1))) if two_d else (
            int(_attr(layer, "filt_width", 1)),)
        k = math.prod(kernel)
        chan, filt = int(_attr(layer, "n_chan")), int(_attr(layer, "n_filt"))
        depthwise = conv.startswith("Depthwise")
        positions = int(_attr(layer, "out_height", 1)) * int(_attr(layer, "out_width", 1)) if two_d else int(
            _attr(layer, "out_width", 1))
        in_positions = int(_attr(layer, "in_height", 1)) * int(_attr(layer, "in_width", 1)) if two_d else int(
            _attr(layer, "in_width", 1))
        kind = ("depthwise_" if depthwise else "") + ("conv2d" if two_d else "conv1d")
        n_in = k if depthwise else k * chan
        return LayerSpec(kind=kind, n_in=n_in, n_out=filt, n_mult=n_in * filt, positions=positions,
                         in_positions=in_positions, kernel=kernel, channels=chan, weight_bits=bits,
                         nonzero_fraction=nonzero, parallelization=int(_attr(layer, "parallelization_factor", 1)),
                         weight_digits=digits, **common)
    recurrent = next((n for n in ("LSTM", "GRU") if n in names), None)
    if recurrent is not None:
        bits, nonzero, _digits = _weight_info(layer, "weight")
        n_in, units = int(_attr(layer, "n_in")), int(_attr(layer, "n_out"))
        gates = 4 if recurrent == "LSTM" else 3
        n_mult = gates * units * (n_in + units) + 3 * units
        return LayerSpec(kind=recurrent.lower(), n_in=n_in, n_out=units, n_mult=n_mult,
                         timesteps=int(_attr(layer, "n_timesteps", 1)), weight_bits=bits, nonzero_fraction=nonzero,
                         activation=str(_attr(layer, "activation", "tanh")).lower(),
                         table_size=int(_attr(layer, "table_size", 1024)), **common)
    if "Activation" in names:
        act = "softmax" if "Softmax" in names else str(_attr(layer, "activation", layer.class_name)).lower()
        table = _attr(layer, "table_t")
        table_bits = precision_bits(getattr(table, "precision", table), 18) if table is not None else 18
        positions = max(1, size // per_pixel)
        return LayerSpec(kind="activation", n_in=per_pixel, n_out=per_pixel, activation=act, positions=positions,
                         in_positions=positions, table_size=int(_attr(layer, "table_size", 1024)),
                         table_bits=table_bits, **common)
    if names & {"Pooling1D", "Pooling2D", "GlobalPooling1D", "GlobalPooling2D"}:
        window = int(_attr(layer, "pool_height", 1)) * int(_attr(layer, "pool_width", 1))
        in_positions = int(_attr(layer, "in_height", 1)) * int(_attr(layer, "in_width", 1))
        if "Pooling1D" in names or "GlobalPooling1D" in names:
            window = int(_attr(layer, "pool_width", 1))
            in_positions = int(_attr(layer, "n_in", _attr(layer, "in_width", 1)))
        return LayerSpec(kind="pool", n_in=window, n_out=per_pixel, positions=max(1, size // per_pixel),
                         in_positions=max(1, in_positions), activation=str(_attr(layer, "pool_op", "max")).lower(),
                         **common)
    if "BatchNormalization" in names:
        positions = max(1, size // per_pixel)
        return LayerSpec(kind="batchnorm", n_in=per_pixel, n_out=per_pixel, n_mult=per_pixel, positions=positions,
                         in_positions=positions, **common)
    if "Merge" in names and "Concatenate" not in names and "Dot" not in names:
        op = str(_attr(layer, "op", "add")).lower()
        positions = max(1, size // per_pixel)
        kind = "multiply" if op == "multiply" else "add"
        return LayerSpec(kind=kind, n_in=per_pixel, n_out=per_pixel, n_mult=per_pixel if kind == "multiply" else 0,
                         positions=positions, in_positions=positions, activation=op, **common)
    if names & {"Input", "Constant", "Reshape"} or (io_type == "io_parallel" and names & {"Transpose", "Concatenate"}):
        return None  # wiring only
    positions = max(1, size // per_pixel)
    return LayerSpec(kind="other", n_in=per_pixel, n_out=per_pixel, positions=positions, in_positions=positions,
                     activation=str(layer.class_name).lower(), **common)


def _in_last_dim(layer: Any) -> int:
    try:
        shape = [int(s) for s in layer.get_input_variable().shape]
    except (AttributeError, KeyError, IndexError):
        return 0
    return shape[-1] if shape else 0


def layers_from_hls_model(model: Any) -> list[LayerSpec]:
    """LayerSpecs for every layer of an hls4ml ModelGraph that becomes hardware (wiring is skipped)."""
    io_type = str(model.config.get_config_value("IOType") or "io_parallel")
    specs = (_spec_for(layer, io_type) for layer in model.get_layers())
    return [spec for spec in specs if spec is not None]


# --------------------------------------------------------------------------------------------
# From a one-line description

_ACTIVATIONS = ("relu", "leaky_relu", "linear", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                "softsign", "hard_sigmoid", "hard_tanh")


def _ints(text: str, item: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UserError(f"architecture item {item!r}: {text!r} is not a size such as 16 or 3x3") from None
    if not values or min(values) < 1:
        raise UserError(f"architecture item {item!r}: sizes must be >= 1")
    return values


def layers_from_description(
    text: str,
    *,
    reuse_factor: int = 1,
    strategy: str = "latency",
    io_type: str = "io_parallel",
    precision: str = "ap_fixed<16,6>",
    weight_max_abs: float = 0.999,
    sparsity: float = 0.0,
) -> list[LayerSpec]:
    """LayerSpecs from an architecture description, tracking shapes (channels-last) as hls4ml does.

    ``text`` is a ``;``-separated list, starting with ``input N`` (vector), ``input WxC`` (1-D map or
    timesteps x features) or ``input HxWxC``; then ``dense N``, ``conv1d F K``, ``conv2d F KxK``,
    ``depthwise1d K``, ``depthwise2d KxK``, ``lstm N``, ``gru N``, an activation (``relu``,
    ``sigmoid``, ``tanh``, ``softmax``, ``elu``, ...), ``maxpool P``/``avgpool P``, ``batchnorm``,
    ``add``, ``multiply`` (with an equal-shaped branch), ``flatten``. Options as ``key=value`` after
    an item: ``stride``, ``padding`` (valid|same), ``rf``, ``strategy``, ``sparsity`` (fraction of
    zero weights), ``wbits`` (effective weight bits), ``ibits`` (input bits), ``multiplier``
    (depthwise). Weights are assumed to satisfy ``|w| <= weight_max_abs`` (sets the effective
    weight width, see :func:`effective_weight_bits`).
    """
    fixed = _fixed(precision)
    if fixed is None:
        raise UserError(f"precision {precision!r} is not of the form ap_fixed<W,I>")
    width, integer = fixed
    items = [item.strip() for item in text.replace("\n", ";").split(";") if item.strip()]
    if not items or not items[0].lower().startswith("input "):
        raise UserError(f"architecture {text!r} must start with 'input N', 'input WxC' or 'input HxWxC'")
    shape = _ints(items[0].split()[1], items[0])
    stream_items = math.prod(shape[:-1]) if len(shape) > 1 else 1  # io_stream items of the current tensor
    layers: list[LayerSpec] = []
    for index, item in enumerate(items[1:], start=1):
        words = item.split()
        op, args = words[0].lower(), [w for w in words[1:] if "=" not in w]
        opts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        name = f"{op}{index}"
        zero = float(opts.get("sparsity", sparsity))
        wbits = int(opts.get("wbits", effective_weight_bits(width, integer, weight_max_abs)))
        common: dict[str, Any] = {
            "name": name, "reuse_factor": int(opts.get("rf", reuse_factor)),
            "strategy": opts.get("strategy", strategy).lower(), "io_type": io_type,
            "input_bits": int(opts.get("ibits", width)), "result_bits": width,
        }
        per_pixel = shape[-1]
        pixels = math.prod(shape[:-1]) if len(shape) > 1 else 1
        if op == "dense":
            (units,) = _ints(args[0], item) if args else (0,)
            n_in = math.prod(shape)
            layers.append(LayerSpec(kind="dense", n_in=n_in, n_out=units, n_mult=n_in * units, weight_bits=wbits,
                                    in_positions=stream_items if io_type == "io_stream" else 1,
                                    nonzero_fraction=1.0 - zero, **common))
            shape = (units,)
        elif op in ("conv1d", "conv2d", "depthwise1d", "depthwise2d"):
            two_d = op.endswith("2d")
            depthwise = op.startswith("depthwise")
            if len(shape) != (3 if two_d else 2):
                raise UserError(f"architecture item {item!r}: needs a {'HxWxC' if two_d else 'WxC'} input, has {shape}")
            if depthwise:
                kernel = _ints(args[0], item) if args else ()
                filters = per_pixel * int(opts.get("multiplier", 1))
            else:
                if len(args) < 2:
                    raise UserError(f"architecture item {item!r}: give filters and kernel, e.g. '{op} 16 3x3'")
                (filters,), kernel = _ints(args[0], item), _ints(args[1], item)
            if len(kernel) == 1 and two_d:
                kernel = (kernel[0], kernel[0])
            stride = int(opts.get("stride", 1))
            same = opts.get("padding", "valid").lower() == "same"
            spatial = shape[:-1]
            out = tuple(math.ceil(s / stride) if same else (s - k) // stride + 1
                        for s, k in zip(spatial, kernel, strict=True))
            if min(out) < 1:
                raise UserError(f"architecture item {item!r}: kernel larger than the {spatial} input")
            n_in = math.prod(kernel) * (1 if depthwise else per_pixel)
            kind = ("depthwise_" if depthwise else "") + ("conv2d" if two_d else "conv1d")
            layers.append(LayerSpec(kind=kind, n_in=n_in, n_out=filters, n_mult=n_in * filters,
                                    positions=math.prod(out), in_positions=pixels, kernel=kernel, channels=per_pixel,
                                    weight_bits=wbits, nonzero_fraction=1.0 - zero, **common))
            shape = (*out, filters)
        elif op in ("lstm", "gru"):
            (units,) = _ints(args[0], item)
            steps, features = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
            gates = 4 if op == "lstm" else 3
            n_mult = gates * units * (features + units) + 3 * units
            layers.append(LayerSpec(kind=op, n_in=features, n_out=units, n_mult=n_mult,
                                    timesteps=steps, weight_bits=wbits, activation="tanh", nonzero_fraction=1.0 - zero,
                                    **common))
            shape = (units,)
        elif op in _ACTIVATIONS:
            layers.append(LayerSpec(kind="activation", n_in=per_pixel, n_out=per_pixel, activation=op, positions=pixels,
                                    in_positions=pixels, **common))
        elif op in ("maxpool", "avgpool"):
            size = _ints(args[0], item) if args else (2,)
            spatial = shape[:-1]
            size = size * len(spatial) if len(size) == 1 else size
            out = tuple(s // p for s, p in zip(spatial, size, strict=True))
            layers.append(LayerSpec(kind="pool", n_in=math.prod(size), n_out=per_pixel, positions=math.prod(out),
                                    in_positions=pixels, activation=op[:3], **common))
            shape = (*out, per_pixel)
        elif op in ("batchnorm", "add", "multiply"):
            kind = op
            layers.append(LayerSpec(kind=kind, n_in=per_pixel, n_out=per_pixel,
                                    n_mult=0 if op == "add" else per_pixel, positions=pixels, in_positions=pixels,
                                    activation=op, **common))
        elif op == "flatten":
            shape = (math.prod(shape),)
            continue  # a stream flatten only repacks: the next layer still reads the same items
        else:
            raise UserError(f"architecture item {item!r}: unknown layer {op!r}")
        stream_items = math.prod(shape[:-1]) if len(shape) > 1 else 1
    return layers
