"""Torch layers for ONNX operators that have no torch layer of their own (imports torch)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class Bias(nn.Module):
    """Adds a constant (an ONNX ``Add`` of an initializer)."""

    def __init__(self, bias: torch.Tensor) -> None:
        super().__init__()
        self.bias = nn.Parameter(bias, requires_grad=False)

    def forward(self, x: Any) -> Any:
        return x + self.bias


class GlobalAvg(nn.Module):
    """ONNX GlobalAveragePool: the mean over H and W, kept as 1x1."""

    def forward(self, x: Any) -> Any:
        return x.mean(dim=(2, 3), keepdim=True)
