"""Model-level workloads: torch ``nn.Module`` factories with random-init weights.

Nothing here imports torch at module import time: :data:`MODELS` describes every network
(input shape, options, whether it classifies, whether it uses depthwise convolutions) and
:func:`build` imports the module that defines it only when a network is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from accelbench.errors import UserError

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    """A network the catalog can build. ``options`` maps option name -> default value."""

    name: str
    description: str
    module: str
    factory: str
    input_shape: Callable[[Mapping[str, Any]], tuple[int, ...]]
    classifier: bool = True
    depthwise: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)

    def normalise_options(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Options from ``params`` with defaults filled in and types checked."""
        out: dict[str, Any] = {}
        for key, default in self.options.items():
            value = params.get(key, default)
            try:
                out[key] = type(default)(value)
            except (TypeError, ValueError):
                raise UserError(
                    f"option `{key}` of model {self.name} must be {type(default).__name__}, got {value!r}"
                ) from None
            if isinstance(out[key], int | float) and out[key] <= 0:
                raise UserError(f"option `{key}` of model {self.name} must be > 0, got {value!r}")
        return out


def _chw(channels: int, default_hw: int) -> Callable[[Mapping[str, Any]], tuple[int, ...]]:
    return lambda opts: (channels, int(opts.get("input_hw", default_hw)), int(opts.get("input_hw", default_hw)))


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "jet_mlp", "hls4ml jet-tagging MLP: dense 16-64-32-32-5, ReLU, softmax",
            "accelbench.models.mlp", "jet_mlp", lambda opts: (16,),
        ),
        ModelSpec(
            "mlp", "a small MLP (dense 32-32-10, ReLU) for quick FPGA checks",
            "accelbench.models.mlp", "small_mlp", lambda opts: (32,),
        ),
        ModelSpec(
            "dw_block", "a depthwise-separable block: depthwise 3x3 + ReLU, pointwise 1x1 to 8 channels + ReLU",
            "accelbench.models.mlp", "dw_block", _chw(4, 8), classifier=False, depthwise=True,
            options={"input_hw": 8},
        ),
        ModelSpec(
            "ds_cnn_kws", "MLPerf Tiny KWS: DS-CNN on 49x10 MFCC, 12 classes",
            "accelbench.models.mlperf_tiny", "ds_cnn", lambda opts: (1, 49, 10), depthwise=True,
        ),
        ModelSpec(
            "resnet8_ic", "MLPerf Tiny IC: ResNet-8 on CIFAR-10 32x32x3, 10 classes",
            "accelbench.models.mlperf_tiny", "resnet8", _chw(3, 32), options={"input_hw": 32},
        ),
        ModelSpec(
            "mobilenetv1_vww", "MLPerf Tiny VWW: MobileNetV1 alpha=0.25, 96x96x3, 2 classes",
            "accelbench.models.mlperf_tiny", "mobilenet_v1", _chw(3, 96), depthwise=True,
            options={"input_hw": 96, "width": 0.25},
        ),
        ModelSpec(
            "autoencoder_ad", "MLPerf Tiny AD: deep autoencoder 640-128x4-8-128x4-640",
            "accelbench.models.mlperf_tiny", "autoencoder", lambda opts: (640,), classifier=False,
        ),
        ModelSpec(
            "resnet18_trunk", "ResNet-18 conv1..layer4 detection trunk",
            "accelbench.models.backbones", "resnet18_trunk", _chw(3, 224), classifier=False,
            options={"input_hw": 224, "width": 1.0},
        ),
        ModelSpec(
            "mobilenetv2_trunk", "MobileNetV2 inverted-residual detection trunk",
            "accelbench.models.backbones", "mobilenetv2_trunk", _chw(3, 224), classifier=False,
            depthwise=True, options={"input_hw": 224, "width": 1.0},
        ),
        ModelSpec(
            "tiny_yolo_trunk", "tiny-YOLOv3-style conv+leaky-ReLU+maxpool trunk",
            "accelbench.models.backbones", "tiny_yolo_trunk", _chw(3, 416), classifier=False,
            options={"input_hw": 416, "width": 1.0},
        ),
    )
}


def build(name: str, options: Mapping[str, Any]) -> nn.Module:
    """Build network ``name`` with ``options`` (call under a fixed torch seed)."""
    spec = MODELS[name]
    factory = getattr(importlib.import_module(spec.module), spec.factory)
    module: nn.Module = factory(**dict(options))
    return module
