"""MLPerf Tiny reference networks (mlcommons/tiny, benchmark/training/*), written in PyTorch.

Layer for layer as the Keras references, including Keras' default biased convolutions, so the
parameter counts match the published ones (KWS 23,756 trainable; IC 78,186 trainable; VWW
221,794 and AD 269,992 counting BatchNorm's running statistics, as Keras does). Dropout (a
no-op at inference) and the final softmax are left out: classifiers return logits.
Final pools: ResNet-8 (hls4ml's PyTorch frontend, which has no adaptive pooling) keeps the
reference's fixed ``AvgPool2d`` over the whole map; the depthwise nets go to hls4ml through ONNX,
whose qonnx channels-last pass takes ``GlobalAveragePool`` but not ``AveragePool``, so they pool
with ``AdaptiveAvgPool2d(1)`` (the same thing for MobileNetV1; see :func:`ds_cnn`).

Random-init weights: accelbench measures speed, energy and numerical agreement with a float64
reference, not accuracy, and no weight downloads exist here.
"""

from __future__ import annotations

from torch import nn

from accelbench.models.blocks import BasicBlock, conv_bn_act, halved


def ds_cnn() -> nn.Sequential:
    """Keyword spotting DS-CNN (KWS): 49x10 MFCC input, 64 filters, 4 depthwise-separable blocks, 12 classes.

    The reference: Conv 10x4 stride 2 (64) + BN + ReLU -> 25x5, then 4 x [depthwise 3x3 + BN + ReLU,
    pointwise 1x1 (64) + BN + ReLU], global average pool, dense 12. Two small departures, neither
    changing a layer's size: the reference pools 24x5 (``input/2``, leaving the 25th row out)
    and Keras' 'same' padding of the first conv puts 4 rows above and 5 below (here 5 and 5).
    """
    layers: list[nn.Module] = [
        nn.Sequential(nn.Conv2d(1, 64, (10, 4), stride=2, padding=(5, 1)), nn.BatchNorm2d(64), nn.ReLU())
    ]
    for _ in range(4):
        layers += [
            conv_bn_act(64, 64, 3, groups=64, bias=True),
            conv_bn_act(64, 64, 1, bias=True),
        ]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 12)]
    return nn.Sequential(*layers).eval()


def resnet8(input_hw: int = 32) -> nn.Sequential:
    """Image classification ResNet-8 (IC): 3 stacks of one basic block, 16/32/64 filters, 10 classes.

    As EEMBC's ``resnet_v1_eembc``: biased convs, 1x1 projection shortcuts without BatchNorm,
    average pool over the whole final map (8x8 at ``input_hw`` 32).
    """
    return nn.Sequential(
        conv_bn_act(3, 16, 3, bias=True),
        BasicBlock(16, 16, 1, bias=True, shortcut_bn=False),
        BasicBlock(16, 32, 2, bias=True, shortcut_bn=False),
        BasicBlock(32, 64, 2, bias=True, shortcut_bn=False),
        nn.AvgPool2d(halved(input_hw, 2)),
        nn.Flatten(),
        nn.Linear(64, 10),
    ).eval()


def mobilenet_v1(input_hw: int = 96, width: float = 0.25) -> nn.Sequential:
    """Visual wake words MobileNetV1 (VWW) with width multiplier ``width``, 2 classes.

    As EEMBC's ``mobilenet_v1_eembc``: 3x3 stride-2 conv, 13 depthwise-separable blocks (biased
    convs, BN + ReLU), average pool over the whole final map (3x3 at ``input_hw`` 96), dense 2.
    """

    def ch(c: int) -> int:
        return max(8, int(c * width))

    # (output channels, stride) of the 13 depthwise-separable blocks.
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    layers: list[nn.Module] = [conv_bn_act(3, ch(32), 3, 2, bias=True)]
    c_in = ch(32)
    for c_out, stride in plan:
        layers += [
            conv_bn_act(c_in, c_in, 3, stride, groups=c_in, bias=True),
            conv_bn_act(c_in, ch(c_out), 1, bias=True),
        ]
        c_in = ch(c_out)
    del input_hw  # the pool covers the whole final map at any input size
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
