"""What the analytical model needs to know about each layer of a design.

:func:`layers_from_hls_model` reads an hls4ml ModelGraph (after conversion, before any compile);
tests and the calibration build :class:`LayerSpec` lists by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: Layer classes the model understands; anything else counts as "other" (no arithmetic).
KINDS = ("dense", "conv2d", "activation", "softmax", "merge", "pool", "batchnorm", "other")
_TABLE_ACTIVATIONS = ("sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "softmax")


@dataclass(frozen=True)
class LayerSpec:
    """One layer. ``n_mult`` is multiplications per inference; ``positions`` output pixels (conv)."""

    name: str
    kind: str
    n_in: int = 0
    n_out: int = 0
    n_mult: int = 0
    positions: int = 1
    in_positions: int = 1
    reuse_factor: int = 1
    strategy: str = "latency"
    io_type: str = "io_parallel"
    weight_bits: int = 16
    input_bits: int = 16
    accum_bits: int = 32
    activation: str = ""
    nonzero_fraction: float = 1.0

    @property
    def uses_table(self) -> bool:
        """Activations computed with lookup tables (BRAM/LUTRAM) rather than logic."""
        return self.kind == "softmax" or self.activation in _TABLE_ACTIVATIONS


def _bits(precision: Any, default: int = 16) -> int:
    text = str(precision)
    match = re.search(r"<\s*(\d+)", text)
    return int(match.group(1)) if match else default


def _attr(layer: Any, name: str, default: Any = None) -> Any:
    try:
        return layer.get_attr(name, default)
    except AttributeError:
        return default


def layers_from_hls_model(model: Any) -> list[LayerSpec]:
    """LayerSpecs for every computing layer of an hls4ml ModelGraph."""
    io_type = model.config.get_config_value("IOType")
    out: list[LayerSpec] = []
    for layer in model.get_layers():
        cls = layer.class_name
        rf = int(_attr(layer, "reuse_factor", 1) or 1)
        strategy = str(_attr(layer, "strategy", "latency") or "latency").lower()
        common: dict[str, Any] = {"name": layer.name, "reuse_factor": rf, "strategy": strategy, "io_type": io_type}
        result_bits = _bits(layer.get_output_variable().type.precision)
        if cls in ("Dense",):
            n_in, n_out = int(_attr(layer, "n_in")), int(_attr(layer, "n_out"))
            weights = layer.get_weights("weight").data if "weight" in layer.weights else None
            nonzero = float((weights != 0).mean()) if weights is not None else 1.0
            w_bits = _bits(layer.weights["weight"].type.precision) if "weight" in layer.weights else 16
            in_bits = _bits(layer.get_input_variable().type.precision)
            accum = _bits(_attr(layer, "accum_t").precision) if _attr(layer, "accum_t") is not None else 32
            out.append(LayerSpec(kind="dense", n_in=n_in, n_out=n_out, n_mult=n_in * n_out, weight_bits=w_bits,
                                 input_bits=in_bits, accum_bits=accum, nonzero_fraction=nonzero, **common))
        elif cls in ("Conv2D", "Conv2DBatchnorm", "Conv1D", "PointwiseConv2D", "DepthwiseConv2D"):
            chan, filt = int(_attr(layer, "n_chan")), int(_attr(layer, "n_filt"))
            kh = int(_attr(layer, "filt_height", 1) or 1)
            kw = int(_attr(layer, "filt_width", 1) or 1)
            oh = int(_attr(layer, "out_height", 1) or 1)
            ow = int(_attr(layer, "out_width", 1) or 1)
            ih = int(_attr(layer, "in_height", 1) or 1)
            iw = int(_attr(layer, "in_width", 1) or 1)
            weights = layer.get_weights("weight").data if "weight" in layer.weights else None
            nonzero = float((weights != 0).mean()) if weights is not None else 1.0
            w_bits = _bits(layer.weights["weight"].type.precision) if "weight" in layer.weights else 16
            in_bits = _bits(layer.get_input_variable().type.precision)
            if cls == "DepthwiseConv2D":  # one filter per channel: chan x kh x kw products per pixel
                filt, mults = chan, chan * kh * kw
            else:
                mults = chan * kh * kw * filt
            out.append(LayerSpec(kind="conv2d", n_in=chan * kh * kw, n_out=filt, n_mult=mults,
                                 positions=oh * ow, in_positions=ih * iw, weight_bits=w_bits, input_bits=in_bits,
                                 nonzero_fraction=nonzero, **common))
        elif cls in ("Activation", "ParametrizedActivation", "LeakyReLU", "ReLU", "PReLU", "ELU"):
            act = str(_attr(layer, "activation", cls) or cls).lower()
            n = int(layer.get_output_variable().size())
            out.append(LayerSpec(kind="activation", n_in=n, n_out=n, activation=act, input_bits=result_bits, **common))
        elif cls == "Softmax":
            n = int(layer.get_output_variable().size())
            out.append(LayerSpec(kind="softmax", n_in=n, n_out=n, activation="softmax", **common))
        elif cls in ("Merge", "Concatenate", "Dot"):
            n = int(layer.get_output_variable().size())
            op = str(_attr(layer, "op", cls)).lower()
            n_mult = n if op == "multiply" else 0
            out.append(LayerSpec(kind="merge", n_in=n, n_out=n, n_mult=n_mult, activation=op, **common))
        elif "Pooling" in cls:
            n = int(layer.get_output_variable().size())
            out.append(LayerSpec(kind="pool", n_in=n, n_out=n, **common))
        elif cls == "BatchNormalization":
            n = int(layer.get_output_variable().size())
            out.append(LayerSpec(kind="batchnorm", n_in=n, n_out=n, n_mult=n, **common))
    return out
