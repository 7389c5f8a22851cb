"""cpu-numba's hand-written kernels match the workloads' float64 references on ragged shapes.

Shapes are chosen to cross every blocking edge (MR rows, NR columns, KC depth, a conv pixel
panel, RNN units per panel) and both code paths (serial below the FLOP thresholds, parallel
tasks above); they stay small so each kernel signature compiles once per session (and the
on-disk cache makes later sessions cheap).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("numba")

from accelbench.backends.numba_cpu import gemm as gemm_module
from accelbench.backends.numba_cpu.microkernel import MR, nr_for
from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure.correctness import compare

NR32 = nr_for(4)
KC = gemm_module.KC


def _check(kind: str, params: dict[str, Any], batch: int = 1) -> None:
    workload = make_workload(kind, params)
    backend = get_backend("cpu-numba")
    prepared = backend.prepare(workload, {})
    inputs = workload.make_inputs(3, batch)
    output = backend.download(prepared, backend.run(prepared, backend.upload(prepared, inputs)))
    metrics, reason = compare(output, workload.reference(inputs), workload.rtol())
    assert not reason, f"{workload.name} batch {batch}: {reason}"
    assert metrics is not None and metrics.rel <= workload.rtol()


GEMM_CASES = [
    # ragged in every direction: MR + 1 rows, NR + 1 columns, KC + 1 deep (two K slices, accumulate)
    ({"m": MR + 1, "n": NR32 + 1, "k": KC + 1}, 1),
    ({"m": 1, "n": 3, "k": 2}, 1),
    ({"m": MR - 1, "n": NR32 - 1, "k": 5, "trans_a": True, "trans_b": True}, 3),
    ({"m": 2 * MR + 5, "n": 2 * NR32 + 3, "k": 19, "dtype": "float64"}, 2),
    ({"m": 9, "n": 10, "k": 11, "dtype": "float16"}, 1),
    # above the serial threshold: parallel tasks, several row blocks, a ragged last block
    ({"m": 61, "n": 3 * NR32 + 7, "k": KC + 37}, 2),
    # too few rows for the threads: column panels are split across tasks
    ({"m": 3, "n": 40 * NR32 + 5, "k": 300}, 2),
    # A blocks packed into micro-panels: many B panels, or K steps of A a page apart
    ({"m": MR + 1, "n": gemm_module.PACK_A_MIN_PANELS * NR32 + 1, "k": 7}, 1),
    ({"m": 1030, "n": 9, "k": 5, "trans_a": True}, 2),
    # fewer than SMALL_N columns: dot products over rows of A (serial, transposed, parallel)
    ({"m": 37, "n": 1, "k": 300}, 2),
    ({"m": 5, "n": gemm_module.SMALL_N - 1, "k": 9, "trans_a": True, "trans_b": True}, 3),
    ({"m": 2100, "n": 1, "k": 1000}, 1),
]


@pytest.mark.parametrize(("params", "batch"), GEMM_CASES, ids=[str(i) for i in range(len(GEMM_CASES))])
def test_gemm_matches_the_float64_reference(params: dict[str, Any], batch: int) -> None:
    _check("gemm", {"dtype": "float32", **params}, batch)


CONV_CASES = [
    # 3x3, stride 2, padding: the general gather path; MR + 1 output channels
    ({"c": 5, "h": 9, "w": 11, "k": MR + 1, "r": 3, "s": 3, "stride": 2, "pad": 1}, 2),
    # 1x1 stride 1: full pixel panels read in place, a ragged last panel packed; depth > KC
    ({"c": KC + 44, "h": 7, "w": 9, "k": 5, "r": 1, "s": 1}, 1),
    # asymmetric filter, stride and padding
    ({"c": 3, "h": 8, "w": 13, "k": 4, "r": 2, "s": 3, "stride_h": 1, "stride_w": 2, "pad_h": 1, "pad_w": 0}, 1),
    ({"c": 6, "h": 6, "w": 5, "k": 7, "r": 3, "s": 3, "pad": 1, "dtype": "float64"}, 2),
    # above the serial threshold: parallel tasks over pixel and channel blocks
    ({"c": 40, "h": 17, "w": 19, "k": 2 * MR + 3, "r": 3, "s": 3, "pad": 1}, 1),
]


@pytest.mark.parametrize(("params", "batch"), CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d_matches_the_float64_reference(params: dict[str, Any], batch: int) -> None:
    _check("conv2d", {"dtype": "float32", **params}, batch)


RNN_CASES = [
    ({"cell": "vanilla", "hidden": NR32 + 1, "input_size": 5}, 1),
    ({"cell": "lstm", "hidden": 9, "input_size": 4}, 1),  # 8 units a panel: a ragged second panel
    ({"cell": "gru", "hidden": 11, "input_size": 6}, 5),  # batch >= 4: the 12-row tile
    ({"cell": "lstm", "hidden": 7, "input_size": 3, "timesteps": 4}, 2),  # sequence: x projections as a GEMM
    ({"cell": "gru", "hidden": 13, "input_size": 9, "timesteps": 3, "dtype": "float64"}, 1),
    ({"cell": "vanilla", "hidden": 6, "timesteps": 5}, 6),
    # above the per-step serial threshold: one parallel region per step
    ({"cell": "lstm", "hidden": 200, "input_size": 440, "timesteps": 2}, 1),
]


@pytest.mark.parametrize(("params", "batch"), RNN_CASES, ids=[str(i) for i in range(len(RNN_CASES))])
def test_rnn_cells_match_the_float64_reference(params: dict[str, Any], batch: int) -> None:
    _check("rnn_step", {"dtype": "float32", **params}, batch)


def test_edge_tiles_write_only_inside_c_and_accumulate_when_asked() -> None:
    from numba import njit

    from accelbench.backends.numba_cpu.microkernel import micro_kernel

    @njit
    def tile(a: np.ndarray, b: np.ndarray, c: np.ndarray, offset: int, rows: int, cols: int, kc: int,
             accumulate: bool) -> None:
        micro_kernel(a, 0, a.shape[1], 1, b, 0, b.shape[1], kc, c, offset, c.shape[1], rows, cols, accumulate)

    rng = np.random.default_rng(0)
    rows, cols, kc = 5, NR32 - 3, 7
    a = rng.standard_normal((rows, kc)).astype(np.float32)  # only ``rows`` rows exist: no over-read
    b = np.zeros((kc, NR32), dtype=np.float32)
    b[:, :cols] = rng.standard_normal((kc, cols))
    c = np.full((rows + 2, NR32 + 4), -7.0, dtype=np.float32)
    tile(a, b, c, c.shape[1] + 1, rows, cols, kc, False)
    expected = a.astype(np.float64) @ b[:, :cols].astype(np.float64)
    np.testing.assert_allclose(c[1:1 + rows, 1:1 + cols], expected, rtol=1e-5, atol=1e-5)
    untouched = np.ones(c.shape, dtype=bool)
    untouched[1:1 + rows, 1:1 + cols] = False
    assert np.all(c[untouched] == -7.0)
    tile(a, b, c, c.shape[1] + 1, rows, cols, kc, True)
    np.testing.assert_allclose(c[1:1 + rows, 1:1 + cols], 2 * expected, rtol=1e-5, atol=1e-5)
    assert np.all(c[untouched] == -7.0)


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("m", [1, MR - 1, MR * 7 + 2, 256, 1024, 5000])
def test_gemm_blocking_covers_every_row_once_with_enough_tasks(m: int, threads: int) -> None:
    mc, col_blocks = gemm_module.blocking(m, panels=64, threads=threads)
    row_blocks = -(-m // mc)
    assert mc % MR == 0 and mc <= max(gemm_module.MC_MAX, MR)
    assert (row_blocks - 1) * mc < m <= row_blocks * mc  # no empty row block
    assert row_blocks * col_blocks >= min(threads, -(-m // MR) * 64)


def test_rational_tanh_of_float32_cells_is_within_3e_8_of_tanh() -> None:
    from numba import njit

    from accelbench.backends.numba_cpu.rnn import _tanh_rational

    @njit
    def over(x: np.ndarray) -> np.ndarray:
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = _tanh_rational(x[i])
        return out

    x = np.linspace(-30.0, 30.0, 600_001)
    assert np.max(np.abs(over(x) - np.tanh(x))) < 3e-8
