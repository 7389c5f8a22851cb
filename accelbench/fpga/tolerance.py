"""The C simulation's error bound from the design's precision (the fpga-hls4ml tolerance).

Fixed point has a step ``lsb = 2^-F`` (F fractional bits). Along the layers of the design the
absolute error of an output is bounded by

* each multiply-accumulate layer: ``(K * sqrt(n_in) + 1) * lsb`` — every product rounds (weight and
  product quantisation, each error within lsb/2, independent: their sum grows as sqrt(n_in); K = 1.5
  puts the bound ~5 standard deviations above the rounding noise of unit-scale operands) plus the
  output's own rounding — on top of the incoming error (unit gain: the workloads' weights are
  scaled to keep activations O(1));
* each table activation (sigmoid, tanh, softmax, ...): the incoming error times the function's
  largest slope (sigmoid 1/4, softmax 1/2, tanh 1), plus one table step times that slope (hls4ml's
  tables: 1024 entries over [-8, 8) for sigmoid/softmax, [-4, 4) for tanh);
* a recurrent sequence: the step error carried through T steps with the recurrent gain ``g`` (the
  spectral norm of the recurrent weights, the activations' slope being <= 1): ``sum_{t<T} g^t``,
  at most T.

The bound is divided by the reference's output scale (max |ref| on a probe input) to become the
relative tolerance the runner checks (its error metric is max |out - ref| / max |ref|). A bound above
:data:`MAX_RTOL` verifies nothing: the tolerance is capped there and the record says so, so a design
whose error is only within a loose bound is ``invalid``, not ``ok``. ``fpga_rtol`` overrides it (recorded).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.precision import FixedPoint

#: Standard-deviation multiplier of the accumulated rounding error (see the module docstring).
K_SIGMA = 1.5
#: Largest relative tolerance the bound may give: above it the check would verify nothing.
MAX_RTOL = 0.1
#: (input range width, largest slope) of hls4ml's table activations.
TABLES = {"sigmoid": (16.0, 0.25), "tanh": (8.0, 1.0), "softmax": (16.0, 0.5), "elu": (16.0, 1.0),
          "selu": (16.0, 1.1), "softplus": (16.0, 1.0), "softsign": (16.0, 1.0)}


@dataclass(frozen=True)
class Tolerance:
    """The relative tolerance used and how it was obtained (stored as ``fpga.tolerance``)."""

    rtol: float
    source: str  # "precision bound" or "override (fpga_rtol)"
    abs_bound: float | None = None
    output_scale: float | None = None
    lsb: float | None = None
    steps: int = 1
    capped: bool = False
    method: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def step_bound(layers: Sequence[LayerSpec], lsb: float) -> float:
    """Absolute error bound of one pass through ``layers`` (one timestep of a cell)."""
    error = lsb / 2  # the inputs' own rounding
    for layer in layers:
        if layer.kind in ("dense", "conv1d", "conv2d", "depthwise_conv1d", "depthwise_conv2d", "lstm", "gru"):
            error += (K_SIGMA * math.sqrt(max(layer.n_in, 1)) + 1) * lsb
        elif layer.kind in ("batchnorm", "multiply", "add", "pool"):
            error += lsb
        elif layer.kind == "activation" and layer.activation in TABLES:
            span, slope = TABLES[layer.activation]
            error = error * slope + slope * span / max(layer.table_size, 1) + lsb
    return error


def sequence_factor(steps: int, gain: float) -> float:
    """How a per-step error adds up over ``steps`` steps with recurrent gain ``gain``: sum g^t, at most T."""
    if steps <= 1:
        return 1.0
    if gain >= 1.0:
        return float(steps)
    return min(float(steps), (1.0 - gain**steps) / (1.0 - gain))


def precision_tolerance(layers: Sequence[LayerSpec], fixed: FixedPoint, output_scale: float,
                        steps: int = 1, gain: float = 0.0) -> Tolerance:
    """The relative tolerance the precision supports for ``layers`` (see the module docstring)."""
    bound = step_bound(layers, fixed.lsb) * sequence_factor(steps, gain)
    scale = max(output_scale, fixed.lsb)
    rtol = bound / scale
    capped = rtol > MAX_RTOL
    method = (f"abs bound {bound:.3g} = sum over layers of ({K_SIGMA:g} sqrt(n_in) + 1) lsb, tables: error and "
              "step x slope"
              + (f", x {sequence_factor(steps, gain):.3g} over {steps} steps (gain {gain:.3g})" if steps > 1 else "")
              + f"; / output scale {scale:.3g}" + (f"; capped at {MAX_RTOL:g}" if capped else ""))
    return Tolerance(min(rtol, MAX_RTOL), "precision bound", bound, scale, fixed.lsb, steps, capped, method)


def recurrent_gain(w_hh: object) -> float:
    """Spectral norm of the recurrent weights ``w_hh`` (gate blocks stacked by rows; the largest block's):
    how much a state error can grow per step (the ``g`` of :func:`sequence_factor`)."""
    import numpy as np

    weights = np.asarray(w_hh, dtype=np.float64)
    hidden = weights.shape[1]
    return max(float(np.linalg.norm(weights[i:i + hidden], 2)) for i in range(0, weights.shape[0], hidden))
