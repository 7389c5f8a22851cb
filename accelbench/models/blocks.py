"""Building blocks shared by the MLPerf Tiny nets and the backbones."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def make_divisible(value: float, divisor: int = 8, minimum: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor`` (MobileNet's rule: never drop > 10 %)."""
    minimum = minimum or divisor
    rounded = max(minimum, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def conv_bn_act(
    c_in: int,
    c_out: int,
    kernel: int,
    stride: int = 1,
    groups: int = 1,
    act: Callable[[], nn.Module] | None = nn.ReLU,
    bias: bool = False,
) -> nn.Sequential:
    """Conv2d ('same' padding; bias only when ``bias``, as Keras' default) + BatchNorm2d + activation.

    ``act`` makes the activation (ReLU by default); ``None`` leaves it out (no ``nn.Identity``:
    hls4ml's PyTorch frontend does not know that layer).
    """
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=bias),
        nn.BatchNorm2d(c_out),
    ]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """ResNet basic block: two 3x3 convs with a (projected when needed) identity shortcut.

    torchvision's form by default (bias-free convs, 1x1 projection + BatchNorm); ``bias=True,
    shortcut_bn=False`` gives the MLPerf Tiny (EEMBC) form: biased convs, bare 1x1 projection.
    """

    def __init__(
        self, c_in: int, c_out: int, stride: int = 1, bias: bool = False, shortcut_bn: bool = True
    ) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv_bn_act(c_in, c_out, 3, stride, bias=bias),
            conv_bn_act(c_out, c_out, 3, 1, act=None, bias=bias),
        )
        self.shortcut: nn.Module | None = None  # identity
        if stride != 1 or c_in != c_out:
            projection = nn.Conv2d(c_in, c_out, 1, stride=stride, bias=bias)
            self.shortcut = nn.Sequential(projection, nn.BatchNorm2d(c_out)) if shortcut_bn else projection
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        return self.act(self.body(x) + identity)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 linear project, residual when shapes match."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = c_in * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(conv_bn_act(c_in, hidden, 1, act=nn.ReLU6))
        layers += [
            conv_bn_act(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            conv_bn_act(hidden, c_out, 1, act=None),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        return x + out if self.residual else out


def halved(size: int, times: int) -> int:
    """Feature-map side after ``times`` stride-2 'same' convolutions: ceil(size / 2) each time."""
    for _ in range(times):
        size = (size + 1) // 2
    return size
