"""Small networks: hls4ml's jet tagger, a small MLP and a depthwise-separable block for quick FPGA checks."""

from __future__ import annotations

import itertools

from torch import nn


def _mlp(sizes: list[int], softmax: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if softmax:
        layers.append(nn.Softmax(dim=-1))
    return nn.Sequential(*layers).eval()


def jet_mlp() -> nn.Sequential:
    """hls4ml's jet-tagging model: 16 inputs, dense 64-32-32, 5 classes, ReLU, softmax."""
    return _mlp([16, 64, 32, 32, 5], softmax=True)


def small_mlp() -> nn.Sequential:
    """Dense 32-32-10 with ReLU and no softmax: a tiny design for fast FPGA builds."""
    return _mlp([32, 32, 10], softmax=False)


def dw_block(input_hw: int = 8) -> nn.Sequential:
    """Depthwise 3x3 (4 channels, padded) + ReLU, pointwise 1x1 to 8 channels + ReLU (MobileNet's unit)."""
    del input_hw  # fully convolutional
    return nn.Sequential(
        nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.ReLU(), nn.Conv2d(4, 8, 1), nn.ReLU()
    ).eval()
