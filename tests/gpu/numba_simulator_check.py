"""numba.cuda kernels on Numba's CUDA simulator (correctness only; never timed), on the shared cases.

Not collected by the main session (the file name does not start with test_): run by
tests/gpu/test_numba_cuda_simulator.py in a subprocess with NUMBA_ENABLE_CUDASIM=1, which must
be set before numba is imported. The shapes are tests/gpu/sim_cases.py, the same list the
kernels/*.cu are checked on with HIP-CPU; cases gpu-numba does not lower (float16) are left out.
"""

from __future__ import annotations

import os

import pytest

from accelbench.backends.gpu_numba import NumbaCudaBackend
from tests.gpu.sim_cases import CASES, Case, assert_matches

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", reason="needs NUMBA_ENABLE_CUDASIM=1")

NUMBA_CASES = [case for case in CASES if NumbaCudaBackend().supports(case.workload()).ok]


@pytest.mark.parametrize("case", NUMBA_CASES, ids=[case.name for case in NUMBA_CASES])
def test_numba_cuda_kernel_matches_float64_reference(case: Case) -> None:
    backend = NumbaCudaBackend()
    assert not backend.available().ok and "simulator" in backend.available().reason  # never timed
    workload = case.workload()
    prepared = backend.prepare(workload, {})
    inputs = workload.make_inputs(seed=7, batch=case.batch)
    out = backend.download(prepared, backend.run(prepared, backend.upload(prepared, inputs)))
    assert_matches(out, workload.reference(inputs))
