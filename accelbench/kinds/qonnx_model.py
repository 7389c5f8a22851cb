"""A user's quantized network from a QONNX file (kind ``model``): the graph keeps its quantization.

A QONNX model (ONNX with ``Quant`` nodes, e.g. exported by Brevitas after quantization-aware
training) has no torch module: its reference and FLOPs come from the graph
(:mod:`accelbench.usermodels.qonnx_graph`), and only the lowerings that take the graph as it is
run it — cpu-onnxruntime / gpu-onnxruntime (qonnx's QuantToQCDQ: QuantizeLinear/DequantizeLinear,
up to 8 bits) and fpga-hls4ml (hls4ml's QONNX frontend, every quantizer's bit width kept, see
:mod:`accelbench.fpga.qonnx_lowering`). Every other backend reports it ``unsupported`` with the
reason (:meth:`QonnxModelWorkload.unsupported_reason`, asked by ``BaseBackend.supports``).

The tolerance of a lowering is the float32 one plus the output change of one activation
quantizer moving by one step (:meth:`QonnxGraph.step_bound`) over the output scale, at most
:data:`MAX_RTOL`: a float32 implementation of a quantized network legitimately lands on the other
side of a rounding boundary now and then; accuracy and argmax agreement on ``--data`` show what
that costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from accelbench.kinds.user_model import UserModelWorkload
from accelbench.workload import DEFAULT_RTOL

if TYPE_CHECKING:
    import torch

    from accelbench.usermodels.qonnx_graph import QonnxGraph
    from accelbench.usermodels.source import ModelSource

#: Backends that lower the QONNX graph itself.
GRAPH_BACKENDS = ("cpu-onnxruntime", "gpu-onnxruntime", "fpga-hls4ml")
#: Largest relative tolerance the one-step bound may give (above it the check would verify nothing).
MAX_RTOL = 0.1
#: How the reference computes (stored in the parameters: a change of reference changes the identity).
REFERENCE = "float64: onnx.reference evaluator, Quant by qonnx int_quant"


@dataclass(frozen=True, eq=False)
class QonnxModelWorkload(UserModelWorkload):
    @classmethod
    def from_source(cls, source: ModelSource, dtype: str = "float32") -> QonnxModelWorkload:
        """The workload for a QONNX ``source`` (the graph is read and cleaned now: a broken file fails early)."""
        from accelbench.usermodels.qonnx_graph import QonnxGraph

        graph = QonnxGraph(source.path)
        params: dict[str, Any] = {"model": f"user:{source.name}", "format": source.format, "path": str(source.path),
                                  "sha256": source.digest(), "dtype": dtype, "quantizers": graph.summary(),
                                  "reference": REFERENCE}
        workload = cls(name=source.name, params=params, source=source)
        workload.__dict__["_graph"] = graph  # cached_property slot, filled with the graph read above
        return workload

    @cached_property
    def _graph(self) -> QonnxGraph:
        from accelbench.usermodels.qonnx_graph import QonnxGraph

        assert self.source is not None
        return QonnxGraph(self.source.path)

    @property
    def graph(self) -> QonnxGraph:
        """The cleaned QONNX graph."""
        return self._graph

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._graph.input_shape

    @property
    def has_depthwise(self) -> bool:
        return False

    @cached_property
    def _counts(self) -> tuple[int, int, tuple[int, ...]]:
        return self._graph.counts

    def module(self) -> torch.nn.Module:
        raise RuntimeError(f"{self.name} is a QONNX model: it has no torch module (it runs on "
                           f"{', '.join(GRAPH_BACKENDS)})")

    def reference(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        (x,) = inputs
        return self._graph.reference(x)

    def unsupported_reason(self, backend: str) -> str:
        """Why ``backend`` cannot lower this model ("" when it can)."""
        if backend in ("cpu-onnxruntime", "gpu-onnxruntime"):
            _, why = self._graph.qcdq
            return f"{backend}: {why}" if why else ""
        if backend in GRAPH_BACKENDS:
            return ""
        return (f"{backend} lowers torch modules; a QONNX model ({self._graph.summary()}) keeps its quantization "
                f"only on {', '.join(GRAPH_BACKENDS)}")

    def rtol(self) -> float:
        """The float32 tolerance plus one activation step's effect on the output (see the module docstring)."""
        if "rtol" in self.params:
            return float(self.params["rtol"])
        return self.quantization_rtol + DEFAULT_RTOL["float32"]

    @cached_property
    def quantization_rtol(self) -> float:
        """One activation quantizer step's largest effect on the output, over the output scale (<= MAX_RTOL)."""
        probe = self.make_inputs(0, 8)
        scale = float(np.max(np.abs(self.reference(probe)))) or 1.0
        return min(MAX_RTOL, self._graph.step_bound() / scale)

    def describe(self) -> str:
        return (f"QONNX model {self.params['path']} (sha256 {self.params['sha256']}; quantizers "
                f"{self.params['quantizers']})")
