"""Every catalog network builds deterministically, runs in float64, and has the published size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from accelbench.models import MODELS
from accelbench.workload import make_workload


def _small(name: str) -> dict:
    return {"input_hw": 64} if "input_hw" in MODELS[name].options else {}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_reference_runs_and_matches_its_output_shape(name: str) -> None:
    w = make_workload("model", {"model": name, **_small(name)})
    out = w.reference(w.make_inputs(seed=0, batch=2))
    assert out.shape == w.output_shape(2)
    assert np.all(np.isfinite(out))
    assert w.flops(2) == 2 * w.flops(1) > 0


@pytest.mark.parametrize("name", ["jet_mlp", "resnet8_ic", "mobilenetv2_trunk"])
def test_two_builds_have_identical_weights(name: str) -> None:
    a = make_workload("model", {"model": name, **_small(name)}).module()
    b = make_workload("model", {"model": name, **_small(name)}).module()
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_jet_mlp_flops_match_the_hand_count() -> None:
    macs = 16 * 64 + 64 * 32 + 32 * 32 + 32 * 5
    pointwise = 64 + 32 + 32 + 5  # three ReLUs and the softmax, one FLOP per element
    assert make_workload("model", {"model": "jet_mlp"}).flops(1) == 2 * macs + pointwise


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("jet_mlp", 4389, 4389),  # 16*64+64 + 64*32+32 + 32*32+32 + 32*5+5
        ("resnet8_ic", 77_000, 79_500),  # MLPerf Tiny IC: 78k parameters
        ("mobilenetv1_vww", 200_000, 230_000),  # MobileNetV1 0.25 with a 2-class head: ~221k
        ("resnet18_trunk", 11_170_000, 11_180_000),  # ResNet-18 (11.69M) minus its 513k fc head
        ("mobilenetv2_trunk", 2_200_000, 2_240_000),  # MobileNetV2 (3.50M) minus its 1.28M classifier
    ],
)
def test_parameter_counts_match_published_figures(name: str, low: int, high: int) -> None:
    module = make_workload("model", {"model": name}).module()
    assert low <= sum(p.numel() for p in module.parameters()) <= high


def test_width_multiplier_scales_the_backbones() -> None:
    def params(width: float) -> int:
        module = make_workload("model", {"model": "tiny_yolo_trunk", "width": width, "input_hw": 64}).module()
        return sum(p.numel() for p in module.parameters())

    assert params(0.25) < params(0.5) < params(1.0)


def test_backbone_output_stride_is_32() -> None:
    w = make_workload("model", {"model": "resnet18_trunk", "input_hw": 96, "width": 0.25})
    assert w.output_shape(1)[-2:] == (3, 3)


def test_bad_model_option_names_the_option() -> None:
    from accelbench.errors import UserError

    with pytest.raises(UserError, match="option `width`"):
        make_workload("model", {"model": "resnet18_trunk", "width": "wide"})
