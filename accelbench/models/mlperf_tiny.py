"""MLPerf Tiny reference networks (mlcommons/tiny, benchmark/training/*), written in PyTorch.

Random-init weights: accelbench measures speed, energy and numerical agreement with a float64
reference, not accuracy, and no weight downloads exist here.
"""

from __future__ import annotations

from torch import nn

from accelbench.models.blocks import BasicBlock, conv_bn_act


def ds_cnn() -> nn.Sequential:
    """Keyword spotting DS-CNN (KWS): 49x10 MFCC input, 64 filters, 4 depthwise-separable blocks, 12 classes.

    The reference: Conv 10x4 stride 2 (64) + BN + ReLU, then 4 x [depthwise 3x3 + BN + ReLU,
    pointwise 1x1 (64) + BN + ReLU], average pool, dense 12.
    """
    layers: list[nn.Module] = [
        nn.Sequential(nn.Conv2d(1, 64, (10, 4), stride=2, padding=(5, 1), bias=False), nn.BatchNorm2d(64), nn.ReLU())
    ]
    for _ in range(4):
        layers += [
            conv_bn_act(64, 64, 3, groups=64),
            conv_bn_act(64, 64, 1),
        ]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 12)]
    return nn.Sequential(*layers).eval()


def resnet8(input_hw: int = 32) -> nn.Sequential:
    """Image classification ResNet-8 (IC): 3 stacks of one basic block, 16/32/64 filters, 10 classes."""
    del input_hw  # fully convolutional up to the global pool: any input size works
    return nn.Sequential(
        conv_bn_act(3, 16, 3),
        BasicBlock(16, 16, 1),
        BasicBlock(16, 32, 2),
        BasicBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 10),
    ).eval()


def mobilenet_v1(input_hw: int = 96, width: float = 0.25) -> nn.Sequential:
    """Visual wake words MobileNetV1 (VWW) with width multiplier ``width``, 2 classes."""
    del input_hw

    def ch(c: int) -> int:
        return max(8, int(c * width))

    # (output channels, stride) of the 13 depthwise-separable blocks.
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    layers: list[nn.Module] = [conv_bn_act(3, ch(32), 3, 2)]
    c_in = ch(32)
    for c_out, stride in plan:
        layers += [conv_bn_act(c_in, c_in, 3, stride, groups=c_in), conv_bn_act(c_in, ch(c_out), 1)]
        c_in = ch(c_out)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, 2)]
    return nn.Sequential(*layers).eval()


def autoencoder() -> nn.Sequential:
    """Anomaly detection deep autoencoder (AD): 640 -> 128x4 -> 8 -> 128x4 -> 640, BN + ReLU."""

    def dense(n_in: int, n_out: int) -> list[nn.Module]:
        return [nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU()]

    layers: list[nn.Module] = []
    for n_in, n_out in [(640, 128), (128, 128), (128, 128), (128, 128), (128, 8),
                        (8, 128), (128, 128), (128, 128), (128, 128)]:
        layers += dense(n_in, n_out)
    layers.append(nn.Linear(128, 640))
    return nn.Sequential(*layers).eval()
