"""A user's ONNX model that is not a single chain of layers (a residual add, a branch, an operator
accelbench's layer import lacks): kind ``model``, run as the graph it is.

The graph has no torch module, so only the ONNX Runtime backends lower it (the file as it is); every
other backend reports it ``unsupported`` naming the node the layer import stopped at. Its float64
reference and FLOP count come from the graph itself (ONNX's reference evaluator in double, as for
QONNX models: :class:`accelbench.kinds.qonnx_model.QonnxModelWorkload`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from accelbench.kinds.qonnx_model import QonnxModelWorkload

if TYPE_CHECKING:
    import torch

    from accelbench.usermodels.source import ModelSource

#: Backends that run the ONNX graph as it is.
ORT_BACKENDS = ("cpu-onnxruntime", "gpu-onnxruntime")


@dataclass(frozen=True, eq=False)
class OnnxGraphWorkload(QonnxModelWorkload):
    @classmethod
    def from_source(cls, source: ModelSource, dtype: str = "float32") -> OnnxGraphWorkload:
        """The workload for an ONNX ``source`` whose layers accelbench cannot import as torch layers
        (the reason, naming the node, is kept in the parameters as ``not_a_chain``)."""
        import dataclasses

        from accelbench.usermodels.onnx_chain import UnsupportedGraph, load_onnx

        why = ""
        try:
            load_onnx(source.path)
        except UnsupportedGraph as exc:
            why = str(exc)
        workload = super().from_source(dataclasses.replace(source, format="onnx-graph"), dtype)
        params: dict[str, Any] = {**workload.params, "not_a_chain": why}
        params.pop("quantizers", None)
        graph = workload.__dict__.get("_graph")
        out = dataclasses.replace(workload, params=params)
        if graph is not None:
            out.__dict__["_graph"] = graph  # the graph already read and cleaned
        assert isinstance(out, OnnxGraphWorkload)
        return out

    def module(self) -> torch.nn.Module:
        raise RuntimeError(f"{self.name} is an ONNX graph without a torch module "
                           f"(it runs on {', '.join(ORT_BACKENDS)})")

    def unsupported_reason(self, backend: str) -> str:
        """Why ``backend`` cannot lower this graph ("" for the ONNX Runtime backends)."""
        if backend in ORT_BACKENDS:
            return ""
        why = str(self.params.get("not_a_chain") or "its layers could not be imported")
        where = "" if "onnxruntime" in why else f"; it runs on {', '.join(ORT_BACKENDS)}"
        return f"{backend} lowers torch modules and this ONNX graph has none: {why}{where}"

    def describe(self) -> str:
        return f"ONNX graph {self.params['path']} (sha256 {self.params['sha256']})"
