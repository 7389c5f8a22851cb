"""Count a network's FLOPs per item (multiply-add = 2) and parameters with forward hooks."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def count(module: nn.Module, input_shape: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
    """Return (FLOPs per item, parameter count, output shape without batch) for ``module``.

    Convolutions, linear layers and recurrent layers are counted exactly; pointwise layers
    (activations, batch norm, pooling, additions) add one FLOP per output element.
    """
    flops = 0

    def hook(layer: nn.Module, args: Any, out: Any) -> None:
        nonlocal flops
        tensor = out[0] if isinstance(out, tuple) else out
        if isinstance(layer, nn.Conv2d | nn.Conv1d):
            per_out = (layer.in_channels // layer.groups) * int(torch.tensor(layer.kernel_size).prod())
            flops += 2 * tensor.numel() * per_out
        elif isinstance(layer, nn.Linear):
            flops += 2 * tensor.numel() * layer.in_features
        elif not list(layer.children()):
            flops += tensor.numel()

    handles = [m.register_forward_hook(hook) for m in module.modules() if m is not module]
    try:
        with torch.no_grad():
            dtype = next(module.parameters()).dtype
            out = module(torch.zeros((1, *input_shape), dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
    params = sum(p.numel() for p in module.parameters())
    return flops, params, tuple(out.shape[1:])
