"""LayerSpec validation, effective weight widths and architecture descriptions (no hls4ml)."""

from __future__ import annotations

import pytest

from accelbench.errors import UserError
from accelbench.fpga.layers import LayerSpec, effective_weight_bits, layers_from_description


def test_description_tracks_shapes_through_convolutions_and_pooling() -> None:
    conv, relu, pool, out = layers_from_description("input 32x32x3; conv2d 16 3x3; relu; maxpool 2; flatten; dense 10")
    assert (conv.kind, conv.positions, conv.in_positions, conv.n_in, conv.n_out, conv.n_mult) == (
        "conv2d", 30 * 30, 32 * 32, 27, 16, 27 * 16)
    assert conv.total_mults == 27 * 16 * 900
    assert (relu.positions, relu.n_out) == (900, 16)
    assert (pool.positions, pool.n_in, pool.n_out) == (15 * 15, 4, 16)
    assert (out.kind, out.n_in, out.n_out) == ("dense", 15 * 15 * 16, 10)


def test_description_handles_stride_padding_depthwise_and_recurrent_layers() -> None:
    (same,) = layers_from_description("input 28x28x3; conv2d 32 4x4 stride=4 padding=same")
    assert same.positions == 49 and same.n_in == 48
    (dw,) = layers_from_description("input 32x32x3; depthwise2d 3x3", precision="ap_fixed<32,12>")
    assert (dw.kind, dw.n_in, dw.n_out, dw.n_mult, dw.weight_bits, dw.input_bits) == (
        "depthwise_conv2d", 9, 3, 27, 21, 32)
    (dw1,) = layers_from_description("input 32x3; depthwise1d 3")
    assert (dw1.kind, dw1.positions, dw1.n_mult) == ("depthwise_conv1d", 30, 9)
    (lstm,) = layers_from_description("input 4x6; lstm 5")
    assert (lstm.timesteps, lstm.n_in, lstm.n_out, lstm.n_mult) == (4, 6, 5, 4 * 5 * 11 + 3 * 5)


def test_description_options_set_reuse_sparsity_and_widths() -> None:
    first, second = layers_from_description("input 16; dense 8 rf=4 sparsity=0.5; dense 4 wbits=6 ibits=6",
                                            strategy="resource")
    assert (first.reuse_factor, first.nonzero_fraction, first.strategy) == (4, 0.5, "resource")
    assert (second.reuse_factor, second.weight_bits, second.input_bits) == (1, 6, 6)


@pytest.mark.parametrize(
    ("width", "integer", "max_abs", "bits"),
    [(16, 6, 0.5, 11), (16, 6, 3.0, 13), (8, 3, 0.9, 6), (16, 6, 100.0, 16), (32, 12, 0.2, 21)],
)
def test_effective_weight_width_drops_unused_integer_bits_only(width: int, integer: int, max_abs: float,
                                                                bits: int) -> None:
    assert effective_weight_bits(width, integer, max_abs) == bits


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dense 4", "must start with 'input"),
        ("input 8; conv2d 4 3x3", "needs a HxWxC input"),
        ("input 8x8x1; conv2d 4", "give filters and kernel"),
        ("input 8; frobnicate 3", "unknown layer 'frobnicate'"),
        ("input 4x4x1; conv2d 2 5x5", "kernel larger"),
        ("input 8; dense 4 rf=0", "reuse_factor must be an integer >= 1"),
    ],
)
def test_bad_descriptions_name_the_item(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        layers_from_description(text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "transformer"}, "kind 'transformer' is not one of"),
        ({"kind": "dense", "reuse_factor": 0}, "reuse_factor must be an integer >= 1"),
        ({"kind": "dense", "strategy": "fast"}, "strategy 'fast'"),
        ({"kind": "dense", "io_type": "io_serial"}, "io_type 'io_serial'"),
        ({"kind": "dense", "nonzero_fraction": 1.5}, "nonzero_fraction"),
    ],
)
def test_invalid_layer_specs_name_the_field(fields: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        LayerSpec(name="x", **fields)
