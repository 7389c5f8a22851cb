"""LayerSpecs straight from a lowered torch module, without hls4ml conversion (model-only designs).

A design too large for C simulation is never compiled, so converting it to an hls4ml graph would
only feed the analytical model, and conversion itself can take many minutes (qonnx's channels-last
clean-up of MobileNetV2 took > 12 min). This walks the module once with forward hooks on a zero
input and describes each Linear / Conv / activation / pooling / batch-norm layer the way
:func:`accelbench.fpga.layers.layers_from_hls_model` would, weights included (their CSD digit
histogram at the design's precision). ReLU6 (MobileNetV2) is a saturating ReLU: a comparison and a
multiplexer per element, like ReLU. Residual additions are functional code, not modules: they are
not counted (a few LUTs per element in io_parallel).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from accelbench.fpga.layers import LayerSpec, effective_weight_bits
from accelbench.fpga.multipliers import digit_histogram

_ACTIVATIONS = {"ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh",
                "Softmax": "softmax", "Hardtanh": "hard_tanh", "ELU": "elu"}


def weight_products(module: Any) -> int:
    """Products of one step over every Linear/Conv layer (= their weight count), as hls4ml counts them."""
    from torch import nn

    kinds = nn.Linear | nn.Conv1d | nn.Conv2d
    return sum(int(layer.weight.numel()) for layer in module.modules() if isinstance(layer, kinds))


def layers_from_torch(
    module: Any,
    input_shapes: Sequence[tuple[int, ...]],
    *,
    width: int,
    integer: int,
    reuse_factor: int,
    strategy: str,
    io_type: str,
) -> list[LayerSpec]:
    """The hardware layers of ``module`` (in execution order) at one precision and configuration."""
    import torch
    from torch import nn

    order: list[tuple[Any, tuple[int, ...], tuple[int, ...]]] = []

    def hook(layer: Any, inputs: tuple[Any, ...], output: Any) -> None:
        order.append((layer, tuple(inputs[0].shape[1:]), tuple(output.shape[1:])))

    handles = [layer.register_forward_hook(hook) for layer in module.modules()
               if isinstance(layer, nn.Linear | nn.Conv1d | nn.Conv2d | nn.BatchNorm1d | nn.BatchNorm2d
                             | nn.MaxPool2d | nn.AvgPool2d | nn.MaxPool1d | nn.AvgPool1d)
               or type(layer).__name__ in _ACTIVATIONS]
    try:
        with torch.no_grad():
            module(*(torch.zeros((1, *shape)) for shape in input_shapes))
    finally:
        for handle in handles:
            handle.remove()
    common: dict[str, Any] = {"reuse_factor": reuse_factor, "strategy": strategy, "io_type": io_type,
                              "input_bits": width, "result_bits": width}
    specs: list[LayerSpec] = []
    for index, (layer, in_shape, out_shape) in enumerate(order):
        name = f"{type(layer).__name__.lower()}{index}"
        channels_out = out_shape[0] if len(out_shape) > 1 else (out_shape[0] if out_shape else 1)
        positions = math.prod(out_shape[1:]) if len(out_shape) > 1 else 1
        in_positions = math.prod(in_shape[1:]) if len(in_shape) > 1 else 1
        if isinstance(layer, nn.Linear | nn.Conv1d | nn.Conv2d):
            weights = layer.weight.detach().cpu().numpy().astype(np.float64)
            max_abs = float(np.max(np.abs(weights))) if weights.size else 0.999
            bits = effective_weight_bits(width, integer, max_abs or 0.999)
            digits = digit_histogram(weights, width, integer)
            nonzero = float(np.count_nonzero(weights) / weights.size) if weights.size else 1.0
            if isinstance(layer, nn.Linear):
                specs.append(LayerSpec(name, "dense", layer.in_features, layer.out_features,
                                       layer.in_features * layer.out_features, weight_bits=bits,
                                       nonzero_fraction=nonzero, weight_digits=digits, **common))
                continue
            kernel = tuple(int(k) for k in layer.kernel_size)
            depthwise = layer.groups > 1 and layer.groups == layer.in_channels
            n_in = math.prod(kernel) * (1 if depthwise else layer.in_channels // layer.groups)
            two_d = isinstance(layer, nn.Conv2d)
            kind = ("depthwise_" if depthwise else "") + ("conv2d" if two_d else "conv1d")
            specs.append(LayerSpec(name, kind, n_in, layer.out_channels, int(weights.size), positions=positions,
                                   in_positions=in_positions, kernel=kernel, channels=layer.in_channels,
                                   weight_bits=bits, nonzero_fraction=nonzero, weight_digits=digits, **common))
        elif isinstance(layer, nn.BatchNorm1d | nn.BatchNorm2d):
            specs.append(LayerSpec(name, "batchnorm", channels_out, channels_out, channels_out, positions=positions,
                                   in_positions=positions, **common))
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d | nn.MaxPool1d | nn.AvgPool1d):
            size = layer.kernel_size if isinstance(layer.kernel_size, tuple) else (layer.kernel_size,) * (
                len(out_shape) - 1)
            specs.append(LayerSpec(name, "pool", math.prod(size), channels_out, positions=positions,
                                   in_positions=in_positions, activation="max" if "Max" in type(layer).__name__
                                   else "avg", **common))
        else:
            per_pixel = out_shape[0] if out_shape else 1
            specs.append(LayerSpec(name, "activation", per_pixel, per_pixel,
                                   activation=_ACTIVATIONS[type(layer).__name__], positions=positions,
                                   in_positions=positions, **common))
    return specs
