"""Object-detection backbones (the trunk before the detection head), with input size and width multiplier.

Written here because torchvision does not import beside the CPU torch wheel; architectures
follow torchvision's ResNet-18 and MobileNetV2 and Darknet's yolov3-tiny.cfg.
"""

from __future__ import annotations

from torch import nn

from accelbench.errors import UserError
from accelbench.models.blocks import BasicBlock, InvertedResidual, conv_bn_act, make_divisible


def _leaky() -> nn.Module:
    return nn.LeakyReLU(0.1)


def resnet18_trunk(input_hw: int = 224, width: float = 1.0) -> nn.Sequential:
    """ResNet-18 conv1 .. layer4 (no pooling head): output (512*width, input/32, input/32)."""
    del input_hw
    c = [make_divisible(64 * width * 2**i) for i in range(4)]
    layers: list[nn.Module] = [
        conv_bn_act(3, c[0], 7, 2),
        nn.MaxPool2d(3, stride=2, padding=1),
    ]
    c_in = c[0]
    for stage, c_out in enumerate(c):
        stride = 1 if stage == 0 else 2
        layers += [BasicBlock(c_in, c_out, stride), BasicBlock(c_out, c_out, 1)]
        c_in = c_out
    return nn.Sequential(*layers).eval()


def mobilenetv2_trunk(input_hw: int = 224, width: float = 1.0) -> nn.Sequential:
    """MobileNetV2 features (inverted residuals with depthwise convs) up to the last 1x1 conv."""
    del input_hw
    # (expansion t, channels c, repeats n, first stride s) from the MobileNetV2 paper, table 2.
    plan = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    c_in = make_divisible(32 * width)
    layers: list[nn.Module] = [conv_bn_act(3, c_in, 3, 2, act=nn.ReLU6)]
    for t, c, n, s in plan:
        c_out = make_divisible(c * width)
        for i in range(n):
            layers.append(InvertedResidual(c_in, c_out, s if i == 0 else 1, t))
            c_in = c_out
    last = make_divisible(1280 * max(1.0, width))
    layers.append(conv_bn_act(c_in, last, 1, act=nn.ReLU6))
    return nn.Sequential(*layers).eval()


def tiny_yolo_trunk(input_hw: int = 416, width: float = 1.0) -> nn.Sequential:
    """tiny-YOLOv3 trunk: 3x3 conv + BN + LeakyReLU(0.1) and 2x2 max-pools, 16..512 then 1024 channels.

    Five stride-2 pools: the output map is ``input_hw // 32`` on a side, so ``input_hw`` >= 32.
    """
    if input_hw < 32:
        raise UserError(f"option `input_hw` of model tiny_yolo_trunk must be >= 32 (five 2x2 pools), got {input_hw}")
    layers: list[nn.Module] = []
    c_in = 3
    for i, c in enumerate([16, 32, 64, 128, 256, 512]):
        c_out = make_divisible(c * width)
        layers.append(conv_bn_act(c_in, c_out, 3, act=_leaky))
        if i < 5:
            layers.append(nn.MaxPool2d(2, 2))
        else:
            # yolov3-tiny's 6th pool keeps the resolution (size 2, stride 1, one extra column and row).
            # Darknet skips the out-of-range taps; zero padding (ConstantPad2d: hls4ml's PyTorch
            # frontend knows it, not ZeroPad2d) differs only where a whole edge window is negative.
            layers += [nn.ConstantPad2d((0, 1, 0, 1), 0.0), nn.MaxPool2d(2, 1)]
        c_in = c_out
    layers.append(conv_bn_act(c_in, make_divisible(1024 * width), 3, act=_leaky))
    return nn.Sequential(*layers).eval()
