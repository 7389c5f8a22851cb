"""layers_from_hls_model on tiny hls4ml 1.3 ModelGraphs (conversion only: nothing is compiled)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import hls4ml
import pytest
import torch
from torch import nn

from accelbench.fpga.layers import LayerSpec, layers_from_hls_model
from accelbench.fpga.model import estimate
from accelbench.fpga.parts import get_part
from accelbench.fpga.profiles import get_profile

#: 2020-era hls4ml: every wide product on a DSP, multipliers shared at RF > 1 (hand-computable counts).
LEGACY = get_profile("vivado-hls-2020.1", "0.5")


def _convert(module: Any, shape: tuple[int, ...], tmp: Path, io_type: str, reuse_factor: int = 1) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        config = hls4ml.utils.config_from_pytorch_model(module.eval(), shape, granularity="name", backend="Vitis",
                                                        default_precision="ap_fixed<16,6>")
        for layer in config["LayerName"].values():
            layer["ReuseFactor"] = reuse_factor
        return hls4ml.converters.convert_from_pytorch_model(module, hls_config=config, output_dir=str(tmp),
                                                            part="xc7z020clg400-1", io_type=io_type, backend="Vitis")


def _by_name(layers: list[LayerSpec]) -> dict[str, LayerSpec]:
    return {layer.name: layer for layer in layers}


def test_mlp_layers_carry_sizes_reuse_factor_widths_and_zero_weights(tmp_path: Path) -> None:
    torch.manual_seed(0)
    first_linear = nn.Linear(16, 8)
    with torch.no_grad():
        first_linear.weight[:4] = 0.0  # half of the first layer's products are constant zeros
    mlp = nn.Sequential(first_linear, nn.ReLU(), nn.Linear(8, 4), nn.Sigmoid())
    layers = layers_from_hls_model(_convert(mlp, (16,), tmp_path, "io_parallel", reuse_factor=2))
    assert [(layer.kind, layer.activation) for layer in layers] == [
        ("dense", ""), ("activation", "relu"), ("dense", ""), ("activation", "sigmoid")]
    first, _, second, sigmoid = layers
    assert (first.n_in, first.n_out, first.n_mult, first.reuse_factor) == (16, 8, 128, 2)
    assert first.nonzero_fraction == pytest.approx(0.5) and second.nonzero_fraction == 1.0
    # ap_fixed<16,6> weights of magnitude < 1 occupy sign + 10 fraction bits; inputs keep all 16
    assert first.weight_bits == 11 and first.input_bits == 16
    assert first.io_type == "io_parallel" and first.strategy == "latency"
    assert (sigmoid.n_out, sigmoid.table_size) == (4, 1024)
    assert sum(first.weight_digits) == first.n_mult and first.weight_digits[0] == 64  # the zeros, from the weights
    design = estimate(layers, get_part("xc7z020clg400-1"), 10.0, LEGACY)
    assert design.dsp == 64 // 2 + 32 // 2 and design.ii_cycles == 2
    assert design.layers[3].bram18k == 2


def test_stream_cnn_layers_know_their_pixels_kernel_and_channels(tmp_path: Path) -> None:
    cnn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
    layers = _by_name(layers_from_hls_model(_convert(cnn, (3, 8, 8), tmp_path, "io_stream")))
    conv = next(layer for layer in layers.values() if layer.kind == "conv2d")
    assert (conv.positions, conv.in_positions, conv.kernel, conv.channels, conv.n_in, conv.n_out) == (
        36, 64, (3, 3), 3, 27, 4)
    assert conv.io_type == "io_stream" and conv.n_mult == 27 * 4
    relu = next(layer for layer in layers.values() if layer.kind == "activation")
    pool = next(layer for layer in layers.values() if layer.kind == "pool")
    assert (relu.positions, relu.n_out) == (36, 4)
    assert (pool.positions, pool.in_positions, pool.n_in, pool.n_out) == (9, 36, 4, 4)
    design = estimate(list(layers.values()), get_part("xc7z020clg400-1"), 5.0, LEGACY)
    conv_estimate = next(layer for layer in design.layers if layer.kind == "conv2d")
    assert conv_estimate.mapping_source == "weights"  # products classified from the converted weights
    assert 100 <= design.dsp <= 108 and design.ii_cycles >= 64  # all but shifts/zeros on DSPs


@pytest.mark.parametrize(("cell", "gates"), [("LSTM", 4), ("GRU", 3)])
def test_recurrent_layers_count_gates_and_timesteps(tmp_path: Path, cell: str, gates: int) -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = getattr(nn, cell)(6, 5, batch_first=True)

        def forward(self, x: Any) -> Any:
            return self.rnn(x)[0]

    layers = layers_from_hls_model(_convert(Net(), (4, 6), tmp_path, "io_parallel"))
    (rnn,) = [layer for layer in layers if layer.kind == cell.lower()]
    assert (rnn.timesteps, rnn.n_in, rnn.n_out) == (4, 6, 5)
    assert rnn.n_mult == gates * 5 * (6 + 5) + 3 * 5
