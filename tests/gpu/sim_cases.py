"""The one list of edge-case shapes every GPU kernel is checked on without a GPU.

Used by tests/gpu/test_kernels_hip_cpu.py (kernels/*.cu on CPU threads with HIP-CPU) and by
tests/gpu/numba_simulator_check.py (the numba.cuda kernels on Numba's CUDA simulator). Shapes are
chosen against the tiles in use (128x128 with K slices of 8 or 16 for kernels/sgemm.cu, 64x64 for
the numba GEMM, 256-thread blocks for the element-wise kernels): full tiles, ragged edges in every
dimension alone and together, row lengths that are and are not multiples of 4 (sgemm's vectorised
and element-wise loads), batch > 1, transposed operands, strides and asymmetric padding for conv2d,
every RNN cell, float16 inputs where a kernel takes them. Kept small: the simulator runs each CUDA
thread in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelbench.kinds import make_workload
from accelbench.workload import Workload


@dataclass(frozen=True)
class Case:
    """One workload shape and batch, with the edge it exercises."""

    name: str
    kind: str
    params: dict[str, Any] = field(hash=False)
    batch: int = 1

    def workload(self) -> Workload:
        return make_workload(self.kind, self.params)


CASES: tuple[Case, ...] = (
    Case("gemm-full-tiles", "gemm", {"m": 128, "n": 128, "k": 16}),
    Case("gemm-ragged-all-batch2", "gemm", {"m": 67, "n": 70, "k": 19}, batch=2),
    Case("gemm-ragged-m", "gemm", {"m": 129, "n": 64, "k": 8}),
    Case("gemm-ragged-n", "gemm", {"m": 64, "n": 131, "k": 8}),
    Case("gemm-ragged-k", "gemm", {"m": 64, "n": 64, "k": 21}),
    Case("gemm-1x1x1", "gemm", {"m": 1, "n": 1, "k": 1}),
    Case("gemm-transposed-batch2", "gemm", {"m": 5, "n": 3, "k": 40, "trans_a": True, "trans_b": True}, batch=2),
    Case("gemm-float16-full-tiles-batch2", "gemm", {"m": 128, "n": 128, "k": 32, "dtype": "float16"}, batch=2),
    Case("gemm-float16-ragged-batch2", "gemm", {"m": 70, "n": 90, "k": 33, "dtype": "float16"}, batch=2),
    Case("conv2d-3x3-pad1", "conv2d", {"c": 2, "h": 7, "w": 6, "k": 3, "r": 3, "s": 3, "pad": 1}),
    Case("conv2d-stride2-3x2-batch2", "conv2d", {"c": 1, "h": 9, "w": 9, "k": 2, "r": 3, "s": 2, "stride": 2}, batch=2),
    Case("conv2d-asymmetric-stride-pad-batch2", "conv2d",
         {"c": 3, "h": 10, "w": 7, "k": 4, "r": 3, "s": 3, "stride_h": 2, "stride_w": 1, "pad_h": 0, "pad_w": 2},
         batch=2),
    Case("conv2d-1x1-ragged-blocks-batch2", "conv2d", {"c": 2, "h": 20, "w": 19, "k": 2, "r": 1, "s": 1}, batch=2),
    Case("rnn-vanilla", "rnn_step", {"cell": "vanilla", "hidden": 5, "input_size": 3}),
    Case("rnn-lstm-batch2", "rnn_step", {"cell": "lstm", "hidden": 6, "input_size": 4}, batch=2),
    Case("rnn-gru-batch3", "rnn_step", {"cell": "gru", "hidden": 7, "input_size": 3}, batch=3),
    Case("rnn-lstm-ragged-blocks-batch3", "rnn_step", {"cell": "lstm", "hidden": 130, "input_size": 8}, batch=3),
)


def assert_matches(out: np.ndarray, reference: np.ndarray) -> None:
    """``out`` equals the float64 ``reference`` up to float32 accumulation (1e-5 of the output's
    scale) and, for a float16 output, its final rounding (half an ulp: 2**-11 relative).

    Far tighter than a float16 workload's own rtol (2e-2): a kernel accumulating in float16 fails;
    an element never written (outputs start as NaN in the HIP-CPU tier) fails too.
    """
    assert out.shape == reference.shape, (out.shape, reference.shape)
    rtol = 2.0**-11 if out.dtype == np.float16 else 0.0
    atol = 1e-5 * max(1.0, float(np.abs(reference).max()))
    np.testing.assert_allclose(out.astype(np.float64), reference, rtol=rtol, atol=atol)
