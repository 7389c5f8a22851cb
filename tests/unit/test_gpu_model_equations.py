"""The GPU model's equations: quantisation, rooflines, math paths, overheads (no fitting here)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from accelbench.gpumodel.catalog import lookup
from accelbench.gpumodel.equations import Constants
from accelbench.gpumodel.pieces import Piece, PieceTable, conv_piece, evaluate, gemm_piece, rnn_piece, stream_piece
from accelbench.gpumodel.precision import math_path

C = Constants()
V100 = lookup("V100")
A100 = lookup("A100")


def _latency(pieces: list[Piece], c: Constants = C) -> float:
    return float(evaluate(PieceTable.build(pieces), c).latency_s[0])


def _gemm(gpu: str, m: int, n: int, k: int, precision: str = "float32") -> float:
    return _latency([gemm_piece(0, lookup(gpu), precision, m, n, k)[0]])


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_gemm_time_never_falls_when_a_dimension_grows(axis: int) -> None:
    times = []
    for size in range(64, 4096, 61):
        shape = [1024, 1024, 1024]
        shape[axis] = size
        times.append(_gemm("V100", *shape))
    assert all(b >= a * (1 - 1e-12) for a, b in itertools.pairwise(times))


def test_one_tile_more_than_a_full_wave_costs_a_whole_wave() -> None:
    # 80 SMs: 8 x 10 tiles of 256x128 fill one wave; one more row of tiles starts a second.
    one_wave = _gemm("V100", 8 * 256, 10 * 128, 4096)
    spill = _gemm("V100", 8 * 256 + 1, 10 * 128, 4096)
    assert spill > one_wave * 1.05


def test_large_square_gemm_is_compute_bound_near_the_efficient_peak() -> None:
    n = 8192
    t = _gemm("V100", n, n, n)
    peak_time = 2 * n**3 / (V100.fp32_tflops * 1e12)
    efficient = peak_time / C.eff_fp32  # a 128x128 tile's efficiency; 256x128 tiles do slightly better
    assert peak_time < t <= efficient * 1.15
    assert t >= efficient * 0.9


def test_matrix_vector_product_is_memory_bound() -> None:
    m, k = 16384, 16384
    prediction = evaluate(PieceTable.build([gemm_piece(0, V100, "float32", m, 1, k)[0]]), C)
    assert prediction.memory_s[0] > prediction.compute_s[0]
    assert prediction.latency_s[0] == pytest.approx(C.launch_s + m * k * 4 / (V100.bandwidth_bytes_s * C.bw_eff),
                                                    rel=0.05)


def test_float16_takes_tensor_cores_and_is_several_times_faster_on_a_big_gemm() -> None:
    assert "tensor" in math_path(V100, "float16", aligned8=True).label
    assert _gemm("V100", 4096, 4096, 4096, "float32") > 4 * _gemm("V100", 4096, 4096, 4096, "float16")


def test_volta_convolutions_with_unaligned_channels_leave_the_tensor_cores() -> None:
    assert "tensor" not in math_path(V100, "float16", aligned8=False, conv=True).label
    assert "tensor" in math_path(A100, "float16", aligned8=False, conv=True).label


def test_float32_convolutions_use_tf32_on_ampere_but_gemms_do_not() -> None:
    assert math_path(A100, "float32", aligned8=True, conv=True).label.startswith("TF32")
    assert math_path(A100, "float32", aligned8=True).label == "fp32 CUDA cores"
    assert math_path(V100, "float32", aligned8=True, conv=True).label == "fp32 CUDA cores"


def test_winograd_makes_a_3x3_convolution_cheaper_than_its_direct_form() -> None:
    args = {"batch": 16, "c": 256, "h": 28, "w": 28, "k": 256, "stride_h": 1, "stride_w": 1}
    three = conv_piece(0, V100, "float32", r=3, s=3, pad_h=1, pad_w=1, **args)[0]
    no_winograd = Piece(**{**three.__dict__, "winograd": 0.0})
    assert _latency([three], Constants(wino_gain=2.0)) < _latency([no_winograd], Constants(wino_gain=2.0))


def test_each_kernel_pays_one_launch_and_each_recurrent_step_one_step_overhead() -> None:
    stream = stream_piece(0, V100, 0.0)
    assert _latency([stream]) == pytest.approx(C.launch_s)
    assert _latency([stream, stream]) == pytest.approx(2 * C.launch_s)
    one = _latency([rnn_piece(0, V100, "float32", cell="lstm", hidden=256, batch=4, timesteps=1)[0]])
    two = _latency([rnn_piece(0, V100, "float32", cell="lstm", hidden=256, batch=4, timesteps=2)[0]])
    assert two - one == pytest.approx(one - C.launch_s)


def test_faster_hardware_is_predicted_faster() -> None:
    assert _gemm("H100", 4096, 4096, 4096) < _gemm("A100", 4096, 4096, 4096) < _gemm("T4", 4096, 4096, 4096)


def test_constants_round_trip_through_an_array() -> None:
    assert Constants.from_array(C.as_array()) == C
    assert np.all(C.as_array() > 0)
