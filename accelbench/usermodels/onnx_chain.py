"""A sequential ONNX graph -> torch layers, so an ONNX model runs on every backend that lowers
torch modules (cpu-torch, cpu-numpy/cpu-numba for dense nets, fpga-hls4ml) and has a float64
reference.

Supported: a chain (each node consumes the previous node's output plus constants) of Gemm,
MatMul (+ Add of a constant bias), Add of a constant, Relu, Sigmoid, Tanh, Softmax, Flatten,
Reshape to (batch, -1), Conv (2-D, groups), MaxPool, AveragePool, GlobalAveragePool,
BatchNormalization, Clip (ReLU6 / hard-tanh), Identity and Dropout. Anything else is refused with
the operator named; cpu-onnxruntime still runs such a graph as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from accelbench.errors import UserError

if TYPE_CHECKING:
    from torch import nn


class UnsupportedGraph(UserError):
    """The ONNX graph is not a chain of supported operators (the message names the first one)."""


def input_shape(path: Path) -> tuple[int, ...]:
    """The first graph input's shape without its batch dimension."""
    import onnx

    model = onnx.load(str(path))
    inits = {init.name for init in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in inits]
    if len(inputs) != 1:
        raise UserError(f"{path.name}: expected one graph input, found {len(inputs)}")
    dims = inputs[0].type.tensor_type.shape.dim
    shape = tuple(int(d.dim_value) for d in dims[1:])
    if not shape or min(shape) < 1:
        raise UserError(f"{path.name}: input {inputs[0].name!r} needs fixed dimensions after the batch, got "
                        f"{[d.dim_param or d.dim_value for d in dims]}")
    return shape


def load_onnx(path: Path) -> tuple[nn.Module, tuple[int, ...]]:
    """(torch.nn.Sequential in eval mode, input shape) for a sequential ONNX graph."""
    import onnx
    import torch
    from onnx import numpy_helper

    try:
        model = onnx.load(str(path))
    except Exception as exc:
        raise UserError(f"{path.name} is not a readable ONNX file: {str(exc).splitlines()[0]}") from None
    shape = input_shape(path)
    consts = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    nodes = [n for n in model.graph.node if n.op_type != "Constant"]
    layers: list[Any] = []
    current = next(i.name for i in model.graph.input if i.name not in consts)
    i = 0
    while i < len(nodes):
        node = nodes[i]
        dynamic = [name for name in node.input if name and name not in consts]
        if dynamic != [current]:
            raise UnsupportedGraph(f"{path.name}: node {node.name or node.op_type} ({node.op_type}) is not part of a "
                                   "single chain; run this model on cpu-onnxruntime")
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        follow = nodes[i + 1] if i + 1 < len(nodes) else None
        layer, used_next = _layer(node, attrs, consts, follow, path)
        layers.append(layer)
        current = (follow.output[0] if used_next and follow is not None else node.output[0])
        i += 2 if used_next else 1
    net = torch.nn.Sequential(*layers).eval()
    return net, shape


def _const(consts: dict[str, np.ndarray], name: str) -> Any:
    import torch

    return torch.from_numpy(np.array(consts[name], dtype=np.float32))


def _layer(node: Any, attrs: dict[str, Any], consts: dict[str, np.ndarray], follow: Any,
           path: Path) -> tuple[Any, bool]:
    """(torch layer, whether ``follow`` was folded into it) for one ONNX node."""
    import torch
    from torch import nn

    op = node.op_type
    if op == "Gemm":
        if attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0 or attrs.get("transA", 0):
            raise UnsupportedGraph(f"{path.name}: Gemm with alpha/beta != 1 or transA is not supported")
        w = _const(consts, node.input[1])
        w = w if attrs.get("transB", 0) else w.T
        return _linear(w, _const(consts, node.input[2]) if len(node.input) > 2 and node.input[2] else None), False
    if op == "MatMul":
        w = _const(consts, node.input[1]).T  # (in, out) -> Linear's (out, in)
        if follow is not None and follow.op_type == "Add" and follow.input[0] == node.output[0] \
                and follow.input[1] in consts:
            return _linear(w, _const(consts, follow.input[1])), True
        return _linear(w, None), False
    simple = {"Relu": nn.ReLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh, "Identity": nn.Identity,
              "Dropout": nn.Identity}
    if op in simple:
        return simple[op](), False
    if op == "Softmax":
        return nn.Softmax(dim=int(attrs.get("axis", -1))), False
    if op == "Flatten":
        if int(attrs.get("axis", 1)) != 1:
            raise UnsupportedGraph(f"{path.name}: Flatten with axis != 1 is not supported")
        return nn.Flatten(), False
    if op == "Reshape":
        target = consts.get(node.input[1])
        if target is None or len(target) != 2 or int(target[1]) != -1:
            raise UnsupportedGraph(f"{path.name}: only Reshape to (batch, -1) is supported")
        return nn.Flatten(), False
    if op == "Add" and node.input[1] in consts:
        from accelbench.usermodels.layers import Bias

        return Bias(_const(consts, node.input[1])), False
    if op == "Conv":
        return _conv(node, attrs, consts, path), False
    if op in ("MaxPool", "AveragePool"):
        kernel = tuple(attrs["kernel_shape"])
        strides = tuple(attrs.get("strides", kernel))
        pads = list(attrs.get("pads", [0] * 2 * len(kernel)))
        if pads[: len(kernel)] != pads[len(kernel):]:
            raise UnsupportedGraph(f"{path.name}: asymmetric pooling pads are not supported")
        cls = nn.MaxPool2d if op == "MaxPool" else nn.AvgPool2d
        return cls(kernel, strides, padding=tuple(pads[: len(kernel)])), False
    if op == "GlobalAveragePool":
        from accelbench.usermodels.layers import GlobalAvg

        return GlobalAvg(), False
    if op == "BatchNormalization":
        scale, bias, mean, var = (_const(consts, name) for name in node.input[1:5])
        bn = nn.BatchNorm2d(scale.numel(), eps=float(attrs.get("epsilon", 1e-5)))
        state = {"weight": scale, "bias": bias, "running_mean": mean, "running_var": var,
                 "num_batches_tracked": torch.tensor(0)}
        bn.load_state_dict(state)
        return bn, False
    if op == "Clip":
        low = float(consts[node.input[1]]) if len(node.input) > 1 and node.input[1] else attrs.get("min", -np.inf)
        high = float(consts[node.input[2]]) if len(node.input) > 2 and node.input[2] else attrs.get("max", np.inf)
        if low == 0.0 and high == 6.0:
            return nn.ReLU6(), False
        return nn.Hardtanh(low, high), False
    raise UnsupportedGraph(f"{path.name}: ONNX operator {op} is not supported by accelbench's ONNX import "
                           "(it runs as is on cpu-onnxruntime)")


def _linear(weight: Any, bias: Any) -> Any:
    import torch
    from torch import nn

    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    return layer


def _conv(node: Any, attrs: dict[str, Any], consts: dict[str, np.ndarray], path: Path) -> Any:
    from torch import nn

    w = _const(consts, node.input[1])
    if w.ndim != 4:
        raise UnsupportedGraph(f"{path.name}: only 2-D Conv is supported")
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    if pads[:2] != pads[2:]:
        raise UnsupportedGraph(f"{path.name}: asymmetric Conv pads are not supported")
    if any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise UnsupportedGraph(f"{path.name}: dilated Conv is not supported")
    groups = int(attrs.get("group", 1))
    bias = _const(consts, node.input[2]) if len(node.input) > 2 and node.input[2] else None
    conv = nn.Conv2d(w.shape[1] * groups, w.shape[0], tuple(w.shape[2:]), stride=tuple(attrs.get("strides", [1, 1])),
                     padding=tuple(pads[:2]), groups=groups, bias=bias is not None)
    conv.load_state_dict({"weight": w, **({"bias": bias} if bias is not None else {})})
    return conv
