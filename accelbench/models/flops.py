"""Count a network's FLOPs per item (multiply-add = 2) and parameters with forward hooks."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

#: Layers that only move or reshape data (or do nothing at inference): no FLOPs.
_DATA_MOVEMENT = (
    nn.Flatten, nn.Unflatten, nn.Identity, nn.Dropout,
    nn.ConstantPad1d, nn.ConstantPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d,
)
_WINDOW_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d)
_ADAPTIVE_POOLS = (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d)


def _layer_flops(layer: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> int:
    """FLOPs of one leaf layer for the whole (batch-1) call."""
    if isinstance(layer, nn.Conv2d | nn.Conv1d):
        # groups: each output sees in_channels / groups input channels (depthwise: 1).
        taps = (layer.in_channels // layer.groups) * math.prod(layer.kernel_size)
        return 2 * out.numel() * taps
    if isinstance(layer, nn.Linear):
        return 2 * out.numel() * layer.in_features
    if isinstance(layer, _DATA_MOVEMENT):
        return 0
    if isinstance(layer, _WINDOW_POOLS):
        kernel = layer.kernel_size
        window = math.prod(kernel) if isinstance(kernel, tuple) else kernel ** (out.dim() - 2)
        return out.numel() * int(window)  # one add or compare per tap
    if isinstance(layer, _ADAPTIVE_POOLS):
        return max(inp.numel(), out.numel())  # every input element is read into one window
    return out.numel()  # pointwise: activations, batch norm, softmax


def count(module: nn.Module, input_shape: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
    """Return (FLOPs per item, parameter count, output shape without batch) for ``module``.

    Convolutions (any ``groups``) and linear layers count 2 per multiply-add; pooling one per
    window tap; pointwise layers (activations, batch norm, softmax) one per output element;
    flatten, padding and dropout none. Tensor arithmetic written inside a ``forward`` (the
    residual additions of ResNet and MobileNetV2 blocks, one FLOP per element) is not a layer,
    so the hooks do not see it: below 1 % of any catalog network.
    """
    flops = 0

    def hook(layer: nn.Module, args: Any, out: Any) -> None:
        nonlocal flops
        tensor = out[0] if isinstance(out, tuple) else out
        if isinstance(tensor, torch.Tensor) and args and isinstance(args[0], torch.Tensor):
            flops += _layer_flops(layer, args[0], tensor)

    leaves = [m for m in module.modules() if m is not module and not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad():
            dtype = next(module.parameters()).dtype
            out = module(torch.zeros((1, *input_shape), dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
    if flops == 0:  # a graph whose layers are not called as modules (a torch.export program)
        from torch.utils.flop_counter import FlopCounterMode

        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            module(torch.zeros((1, *input_shape), dtype=dtype))
        flops = int(counter.get_total_flops())
    params = sum(p.numel() for p in module.parameters())
    return flops, params, tuple(out.shape[1:])
