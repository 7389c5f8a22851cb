"""Every catalog network builds deterministically, runs in float64, and has the published size."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from accelbench.kinds import make_workload
from accelbench.kinds.model import ModelWorkload
from accelbench.models import MODELS


def _small(name: str) -> dict:
    return {"input_hw": 64} if "input_hw" in MODELS[name].options else {}


def _module(params: dict) -> torch.nn.Module:
    workload = make_workload("model", params)
    assert isinstance(workload, ModelWorkload)
    return workload.module()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_reference_runs_and_matches_its_output_shape(name: str) -> None:
    w = make_workload("model", {"model": name, **_small(name)})
    out = w.reference(w.make_inputs(seed=0, batch=2))
    assert out.shape == w.output_shape(2)
    assert np.all(np.isfinite(out))
    assert w.flops(2) == 2 * w.flops(1) > 0


@pytest.mark.parametrize("name", ["jet_mlp", "resnet8_ic", "mobilenetv2_trunk"])
def test_two_builds_have_identical_weights(name: str) -> None:
    a = _module({"model": name, **_small(name)})
    b = _module({"model": name, **_small(name)})
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
        # MLPerf Tiny, trainable parameters of the Keras references (Keras' totals add BatchNorm's
        # running mean and variance: 24,908 / 78,666 / 221,794 / 269,992).
        ("ds_cnn_kws", 23_756, 23_756),
        ("resnet8_ic", 78_186, 78_186),
        ("mobilenetv1_vww", 216_322, 216_322),
        ("autoencoder_ad", 267_928, 267_928),
        ("resnet18_trunk", 11_170_000, 11_180_000),  # ResNet-18 (11.69M) minus its 513k fc head
        ("mobilenetv2_trunk", 2_200_000, 2_240_000),  # MobileNetV2 (3.50M) minus its 1.28M classifier
    ],
)
def test_parameter_counts_match_published_figures(name: str, low: int, high: int) -> None:
    module = _module({"model": name})
    assert low <= sum(p.numel() for p in module.parameters()) <= high


@pytest.mark.parametrize(
    ("name", "low_mmac", "high_mmac"),
    [
        ("ds_cnn_kws", 2.6, 2.8),  # MLPerf Tiny: 2.7 M MACs
        ("resnet8_ic", 12.4, 12.7),  # 12.5 M
        ("mobilenetv1_vww", 7.4, 7.8),  # 7.5 M
        ("resnet18_trunk", 1790, 1830),  # ResNet-18: 1.81 G MACs (its fc head is 0.5 M)
    ],
)
def test_flops_match_published_mac_counts(name: str, low_mmac: float, high_mmac: float) -> None:
    mmac = make_workload("model", {"model": name}).flops(1) / 2e6
    assert low_mmac <= mmac <= high_mmac


def test_flop_count_charges_pooling_taps_and_not_flatten_or_padding() -> None:
    from torch import nn

    from accelbench.models.flops import count

    net = nn.Sequential(
        nn.ConstantPad2d((0, 1, 0, 1), 0.0), nn.MaxPool2d(2, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten()
    )
    net.register_parameter("unused", nn.Parameter(torch.zeros(1)))  # count() reads the dtype from a parameter
    flops, _, out_shape = count(net, (3, 4, 4))
    assert out_shape == (3,)
    assert flops == 3 * 4 * 4 * 4 + 3 * 4 * 4  # 2x2 window on each of 4x4 outputs, then one read per element


def test_width_multiplier_scales_the_backbones() -> None:
    def params(width: float) -> int:
        module = _module({"model": "tiny_yolo_trunk", "width": width, "input_hw": 64})
        return sum(p.numel() for p in module.parameters())

    assert params(0.25) < params(0.5) < params(1.0)


def test_backbone_output_stride_is_32() -> None:
    w = make_workload("model", {"model": "resnet18_trunk", "input_hw": 96, "width": 0.25})
    assert w.output_shape(1)[-2:] == (3, 3)


def test_bad_model_option_names_the_option() -> None:
    from accelbench.errors import UserError

    with pytest.raises(UserError, match="option `width`"):
        make_workload("model", {"model": "resnet18_trunk", "width": "wide"})


def test_too_small_tiny_yolo_input_names_the_option() -> None:
    from accelbench.errors import UserError

    with pytest.raises(UserError, match="option `input_hw`"):
        make_workload("model", {"model": "tiny_yolo_trunk", "input_hw": 16}).output_shape(1)
