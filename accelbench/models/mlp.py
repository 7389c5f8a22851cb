"""Multilayer perceptrons: hls4ml's jet tagger and a small MLP for quick FPGA checks."""

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
