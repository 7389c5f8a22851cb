"""Any workload as an ONNX model (bytes) for the ONNX Runtime backends.

A user's own ONNX file is used as it is (no re-export); a QONNX file in its QuantizeLinear/
DequantizeLinear form (:mod:`accelbench.usermodels.qonnx_graph`). Every other workload is exported from its
torch lowering (cpu-torch's builder table) with a dynamic batch dimension, through the TorchScript
exporter (``dynamo=False``: a fraction of a second for the shapes here, against seconds for the
dynamo exporter, with the same operators for these graphs).
"""

from __future__ import annotations

import io
from typing import Any

from accelbench.workload import Workload


def onnx_bytes(workload: Workload) -> bytes:
    """The workload as a serialized ONNX model whose inputs are the workload's inputs, in order."""
    params = workload.params
    if params.get("format") in ("onnx", "onnx-graph") and params.get("path"):
        from pathlib import Path

        return Path(str(params["path"])).read_bytes()
    if params.get("format") == "qonnx":  # Quant nodes as QuantizeLinear/DequantizeLinear (qonnx's QuantToQCDQ)
        model, why = workload.graph.qcdq  # type: ignore[attr-defined]
        if model is None:
            raise ValueError(why)
        return bytes(model)
    import warnings

    import torch

    from accelbench.backends.cpu_torch import build_callable

    fn = build_callable(workload, "cpu")

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = fn if isinstance(fn, torch.nn.Module) else None

        def forward(self, *inputs: Any) -> Any:
            return fn(*inputs)

    example = tuple(torch.from_numpy(x) for x in workload.make_inputs(0, 2))
    names = [spec.name for spec in workload.inputs]
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapped().eval(), example, buffer,  # type: ignore[arg-type]
                          dynamo=False, input_names=names, output_names=["y"],
                          dynamic_axes={**{name: {0: "batch"} for name in names}, "y": {0: "batch"}},
                          opset_version=17)
    return buffer.getvalue()
