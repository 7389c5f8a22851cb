"""QONNX models on hls4ml: the user's graph converted as it is, every quantizer's bit width kept.

hls4ml reads QONNX natively: after qonnx's clean-up, channels-last conversion and Gemm -> MatMul,
``convert_from_onnx_model`` turns each ``Quant`` node into the fixed-point type of the tensor it
quantizes (a 4-bit weight quantizer with a power-of-two scale becomes ``fixed<4,1>``, a 6-bit
unsigned ReLU quantizer ``ufixed<6,4>``): those types are the model's and are not replaced by the
design's default precision. The design precision (``--precision``) only types what the model
leaves unquantized: biases, accumulators hls4ml cannot infer, non-power-of-two scale factors.

The design's input port takes the first quantizer's type when the graph input goes straight into a
power-of-two quantizer (so the C simulation quantizes the input once, as the model does, instead
of rounding it to the default precision first).

:func:`accelbench.fpga.lowering.lower` gives a QONNX workload the route ``"qonnx"`` with a
:class:`QonnxCarrier` as its ``module``: the graph's weight layers as torch layers holding the
dequantized weights, so the build cache key and the products-per-step count see the real weights,
plus the graph itself, which :func:`accelbench.fpga.convert.convert` hands to hls4ml through
:func:`hls_graph` and :func:`with_input_type`. The analytical model reads the converted hls4ml
layers, whose weights are the model's quantized values (the weight-aware multiplier mapping of
:mod:`accelbench.fpga.multipliers` then counts their CSD digits at the model's own widths).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from torch import nn

if TYPE_CHECKING:
    from accelbench.fpga.tolerance import Tolerance
    from accelbench.usermodels.qonnx_graph import QonnxGraph, Quantizer
    from accelbench.workload import Workload


class QonnxCarrier(nn.Module):
    """The weight layers of a QONNX graph (dequantized weights) and the graph; never run as torch."""

    def __init__(self, graph: QonnxGraph, digest: str) -> None:
        super().__init__()
        self.graph = graph
        self.digest = digest
        self.layers = nn.ModuleList(_torch_layer(node, w) for node, w in graph.weight_layers)

    @classmethod
    def of(cls, workload: Workload) -> QonnxCarrier:
        """The carrier of a :class:`~accelbench.kinds.qonnx_model.QonnxModelWorkload`."""
        graph: QonnxGraph = workload.graph  # type: ignore[attr-defined]
        return cls(graph, str(workload.params["sha256"])).eval()

    @property
    def depth(self) -> int:
        """Weight layers (at least 1), for the fixed-point tolerance."""
        return max(len(self.layers), 1)

    def from_hls(self, y: np.ndarray, batch: int) -> np.ndarray:
        """hls4ml's outputs as the graph's (the channels-last clean-up keeps the graph's layout at its ends)."""
        return np.asarray(y).reshape(batch, *self.graph.output_shape)

    def extra_repr(self) -> str:
        return f"qonnx sha256={self.digest}, quantizers={self.graph.summary()}"

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError("a QONNX design is converted from its graph, not run as a torch module (a model-only "
                                  "QONNX design, over model_only_max_mults, is not supported)")


def _torch_layer(node: Any, w: np.ndarray) -> nn.Module:
    import torch

    weight = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
    if node.op_type == "MatMul":  # (in, out)
        layer: nn.Module = nn.Linear(w.shape[0], w.shape[1], bias=False)
        weight = weight.T
    elif node.op_type == "Gemm":  # (out, in)
        layer = nn.Linear(w.shape[1], w.shape[0], bias=False)
    else:
        groups = next((int(a.i) for a in node.attribute if a.name == "group"), 1)
        conv = nn.Conv2d if w.ndim == 4 else nn.Conv1d
        layer = conv(w.shape[1] * groups, w.shape[0], tuple(w.shape[2:]), groups=groups, bias=False)
    with torch.no_grad():
        layer.weight.copy_(weight)  # type: ignore[operator]
    return layer


def hls_graph(carrier: Any) -> Any:
    """The carrier's cleaned graph in the form hls4ml's ONNX frontend reads: channels-last, MatMul for Gemm."""
    import copy
    import warnings

    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul
    from qonnx.util.cleanup import cleanup_model

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model = ModelWrapper(copy.deepcopy(carrier.graph.model.model))
        model = model.transform(ConvertToChannelsLastAndClean())
        return cleanup_model(model.transform(GemmToMatMul()))


def input_type(graph: QonnxGraph) -> str | None:
    """The fixed-point type of the quantizer the graph input goes into, when it is one exactly
    (power-of-two scale, zero point 0, round-half-even); None otherwise."""
    model = graph.model
    consumers = model.find_consumers(graph.input_name) or []
    if len(consumers) != 1:
        return None
    quantizer = next((q for q in graph.quantizers if q.name == consumers[0].name), None)
    if quantizer is None or quantizer.op != "Quant" or not quantizer.power_of_two:
        return None
    node = consumers[0]
    zero = model.get_initializer(node.input[2])
    rounding = next((a.s.decode() for a in node.attribute if a.name == "rounding_mode"), "ROUND")
    if zero is None or np.any(np.asarray(zero) != 0) or rounding.upper() not in ("ROUND", "HALF_EVEN"):
        return None
    return fixed_type(quantizer)


def fixed_type(quantizer: Quantizer) -> str:
    """``ap_fixed<bits, int>`` of a power-of-two quantizer (scale 2^-f: int = bits - f), round to even, saturate."""
    integer = quantizer.bits + round(math.log2(quantizer.step))
    overflow = "AP_SAT_SYM" if quantizer.signed and quantizer.narrow else "AP_SAT"
    kind = "ap_fixed" if quantizer.signed else "ap_ufixed"
    return f"{kind}<{quantizer.bits},{integer},AP_RND_CONV,{overflow}>"


def with_input_type(config: dict[str, Any], carrier: Any, model: Any) -> dict[str, Any]:
    """hls4ml ``config`` with the design's input port typed as the quantizer the graph input goes into
    (when :func:`input_type` finds one); ``model`` is the graph given to hls4ml (:func:`hls_graph`)."""
    port = input_type(carrier.graph)
    if port is not None:
        entry = config.setdefault("LayerName", {}).setdefault(model.graph.input[0].name, {})
        entry.setdefault("Precision", {})["result"] = port
    return config


def with_quantization(tolerance: Tolerance, workload: Any) -> Tolerance:
    """``tolerance`` plus one activation quantizer step's effect on the output (a rounded bias can move an
    activation across a rounding boundary; see :mod:`accelbench.kinds.qonnx_model`)."""
    from accelbench.fpga.tolerance import MAX_RTOL

    step = float(getattr(workload, "quantization_rtol", 0.0))
    rtol = tolerance.rtol + step
    method = f"{tolerance.method}; + {step:.3g} for one activation quantizer step of the QONNX model"
    return dataclasses.replace(tolerance, rtol=min(rtol, MAX_RTOL), capped=tolerance.capped or rtol > MAX_RTOL,
                               method=method)
