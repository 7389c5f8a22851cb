"""Lower simple sequential networks (dense layers, ReLU, softmax, batch norm) to NumPy arrays.

Used by cpu-numpy and cpu-numba for model workloads made only of those layers (the jet tagger,
the small MLP, the autoencoder); anything else is reported unsupported naming the first layer
that is not handled. Weights are taken from the workload's module in the workload's dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Op:
    kind: str  # "dense" | "relu" | "softmax" | "affine" | "flatten"
    a: np.ndarray | None = None  # dense: (in, out) weight; affine: scale
    b: np.ndarray | None = None  # bias or shift


def _leaves(module: Any) -> list[Any]:
    from torch import nn

    if isinstance(module, nn.Sequential):
        return [leaf for child in module for leaf in _leaves(child)]
    return [module]


def lower_sequential(module: Any, dtype: Any) -> tuple[list[Op], str]:
    """(ops, "") for a supported network, or ([], reason) naming the first unsupported layer."""
    from torch import nn

    ops: list[Op] = []
    for layer in _leaves(module):
        if isinstance(layer, nn.Linear):
            weight = layer.weight.detach().numpy().T.astype(dtype)
            bias = layer.bias.detach().numpy().astype(dtype) if layer.bias is not None else None
            ops.append(Op("dense", np.ascontiguousarray(weight), bias))
        elif isinstance(layer, nn.ReLU):
            ops.append(Op("relu"))
        elif isinstance(layer, nn.Softmax) and layer.dim in (-1, 1):
            ops.append(Op("softmax"))
        elif isinstance(layer, nn.BatchNorm1d) and layer.running_var is not None and layer.running_mean is not None:
            var = layer.running_var.detach().double().numpy()
            mean = layer.running_mean.detach().double().numpy()
            gamma = layer.weight.detach().double().numpy()
            beta = layer.bias.detach().double().numpy()
            scale = gamma / np.sqrt(var + layer.eps)
            ops.append(Op("affine", scale.astype(dtype), (beta - mean * scale).astype(dtype)))
        elif isinstance(layer, nn.Flatten | nn.Identity):
            ops.append(Op("flatten"))
        else:
            return [], f"layer {type(layer).__name__} is not lowered (dense/ReLU/softmax/batch-norm networks only)"
    return ops, ""


def run_ops(ops: list[Op], x: np.ndarray, matmul: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply ``ops`` to a batch ``x`` with ``matmul`` for the dense layers."""
    for op in ops:
        if op.kind == "dense":
            assert op.a is not None
            x = matmul(x, op.a)
            if op.b is not None:
                x = x + op.b
        elif op.kind == "relu":
            x = np.maximum(x, 0)
        elif op.kind == "softmax":
            shifted = np.exp(x - x.max(axis=-1, keepdims=True))
            x = shifted / shifted.sum(axis=-1, keepdims=True)
        elif op.kind == "affine":
            x = x * op.a + op.b
        else:
            x = x.reshape(x.shape[0], -1)
    return x
