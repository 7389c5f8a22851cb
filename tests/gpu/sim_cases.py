"""numba.cuda kernels on Numba's CUDA simulator (correctness only; never timed).

Not collected by the main session (the file name does not start with test_): run by
tests/gpu/test_numba_cuda_simulator.py in a subprocess with NUMBA_ENABLE_CUDASIM=1, which must
be set before numba is imported.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from accelbench.backends.gpu_numba import NumbaCudaBackend
from accelbench.workload import make_workload

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", reason="needs NUMBA_ENABLE_CUDASIM=1")

CASES = [
    ("gemm", {"m": 17, "n": 19, "k": 21}, 1),  # not multiples of the 16x16 tile
    ("gemm", {"m": 5, "n": 3, "k": 40, "trans_a": True, "trans_b": True}, 2),
    ("gemm", {"m": 1, "n": 1, "k": 1}, 1),
    ("conv2d", {"c": 2, "h": 7, "w": 6, "k": 3, "r": 3, "s": 3, "pad": 1}, 1),
    ("conv2d", {"c": 1, "h": 9, "w": 9, "k": 2, "r": 3, "s": 2, "stride": 2}, 2),
    ("rnn_step", {"cell": "vanilla", "hidden": 5, "input_size": 3}, 1),
    ("rnn_step", {"cell": "lstm", "hidden": 6, "input_size": 4}, 2),
    ("rnn_step", {"cell": "gru", "hidden": 7, "input_size": 3}, 1),
]


@pytest.mark.parametrize(("kind", "params", "batch"), CASES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(CASES)])
def test_numba_cuda_kernel_matches_float64_reference(kind: str, params: dict, batch: int) -> None:
    backend = NumbaCudaBackend()
    assert not backend.available().ok and "simulator" in backend.available().reason  # never timed
    workload = make_workload(kind, params)
    assert backend.supports(workload).ok
    prepared = backend.prepare(workload, {})
    inputs = workload.make_inputs(seed=7, batch=batch)
    out = backend.download(prepared, backend.run(prepared, backend.upload(prepared, inputs)))
    ref = workload.reference(inputs)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-4 * max(1.0, float(np.abs(ref).max())))
