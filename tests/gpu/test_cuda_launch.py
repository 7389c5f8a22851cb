"""The launch configuration functions gpu-cupy and the HIP-CPU tier share (pure: no GPU, no build)."""

from __future__ import annotations

import numpy as np
import pytest

from accelbench.backends import cuda_launch


def arrays(*shapes: tuple[int, ...], dtype: str = "float32") -> list[np.ndarray]:
    return [np.zeros(shape, dtype=dtype) for shape in shapes]


@pytest.mark.parametrize("arch", ["80", "90"])
def test_gemm_grid_covers_every_row_and_column_of_c(arch: str) -> None:
    a, b = arrays((3, 129, 7), (7, 65))
    launch = cuda_launch.sgemm(a, b, np.zeros((3, 129, 65), np.float32), arch)
    tile = cuda_launch.GEMM_TILES[arch]
    assert launch.grid == (-(-65 // tile.bn), -(-129 // tile.bm), 3)
    assert launch.grid[0] * tile.bn >= 65 and launch.grid[1] * tile.bm >= 129
    assert launch.kernel == f"sgemm_f32_{tile.bm}x{tile.bn}x{tile.bk}"
    assert [int(v) for v in launch.args[3:]] == [129, 65, 7]
    assert all(isinstance(v, np.int32) for v in launch.args[3:])


def test_float16_operands_pick_the_float32_accumulating_kernel() -> None:
    a, b = arrays((1, 4, 4), (4, 4), dtype="float16")
    assert cuda_launch.sgemm(a, b, np.zeros((1, 4, 4), np.float32), "80").kernel.startswith("sgemm_f16_f32acc_")


def test_each_compute_capability_gets_its_architecture_size() -> None:
    assert cuda_launch.gemm_tile_for("86") == cuda_launch.GEMM_TILES["80"]
    assert cuda_launch.gemm_tile_for("90") == cuda_launch.gemm_tile_for("100") == cuda_launch.GEMM_TILES["90"]
    assert cuda_launch.GEMM_TILES["80"] != cuda_launch.GEMM_TILES["90"]
    with pytest.raises(ValueError, match="compute capability"):
        cuda_launch.gemm_tile_for("sm_90")


def test_mismatched_shapes_and_dtypes_are_refused() -> None:
    a, b = arrays((1, 4, 5), (4, 4))
    with pytest.raises(ValueError, match="b has shape"):
        cuda_launch.sgemm(a, b, np.zeros((1, 4, 4), np.float32), "80")
    a16, b32 = np.zeros((1, 4, 4), np.float16), np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="dtype"):
        cuda_launch.sgemm(a16, b32, np.zeros((1, 4, 4), np.float32), "80")


def test_conv_stages_the_whole_filter_of_one_channel_in_dynamic_shared_memory() -> None:
    x, w, y = arrays((2, 3, 10, 7), (4, 3, 3, 3), (2, 4, 4, 9))
    launch = cuda_launch.conv2d(x, w, y, (2, 1), (0, 2))
    assert launch.shared_mem_bytes == 3 * 3 * 3 * 4
    assert launch.grid == (1, 2 * 4, 1) and launch.block == (cuda_launch.CONV_THREADS, 1, 1)
    with pytest.raises(ValueError, match="y has shape"):
        cuda_launch.conv2d(x, w, y, (1, 1), (0, 2))


def test_a_launch_outside_cuda_limits_is_refused() -> None:
    x, w = arrays((1, 2048, 3, 3), (1, 2048, 3, 3))  # 2048*9 floats: 72 KiB of shared memory
    with pytest.raises(ValueError, match="shared memory"):
        cuda_launch.conv2d(x, w, np.zeros((1, 1, 1, 1), np.float32), (1, 1), (0, 0))
    with pytest.raises(ValueError, match="grid"):
        cuda_launch.Launch("sgemm.cu", "sgemm_f32", (1, 1, 70000), (16, 16, 1), 0, ())
    with pytest.raises(ValueError, match="block"):
        cuda_launch.Launch("sgemm.cu", "sgemm_f32", (1, 1, 1), (64, 32, 1), 0, ())


@pytest.mark.parametrize(("cell", "gates"), [("vanilla", 1), ("lstm", 4), ("gru", 3)])
def test_cell_launch_has_one_thread_per_hidden_unit_and_the_state_it_needs(cell: str, gates: int) -> None:
    gi, gh, h_out = arrays((3, gates * 100), (3, gates * 100), (3, 100))
    state = None if cell == "vanilla" else np.zeros((3, 100), np.float32)
    launch = cuda_launch.rnn_cell(cell, gi, gh, state, h_out)
    assert launch.kernel == f"{cell}_cell" and launch.threads >= 300
    assert launch.grid[0] == -(-300 // cuda_launch.CELL_THREADS)
    assert len(launch.args) == (5 if cell == "vanilla" else 6)
