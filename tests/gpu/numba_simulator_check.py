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

#: The cases gpu-numba lowers (float32); the GEMM ones once per architecture sizing.
NUMBA_CASES = [(case, arch) for case in CASES if NumbaCudaBackend().supports(case.workload()).ok
               for arch in (("80", "90") if case.kind == "gemm" else ("80",))]


@pytest.mark.parametrize(("case", "arch"), NUMBA_CASES, ids=[f"{case.name}-sm{arch}" for case, arch in NUMBA_CASES])
def test_numba_cuda_kernel_matches_float64_reference(case: Case, arch: str) -> None:
    backend = NumbaCudaBackend()
    assert not backend.available().ok and "simulator" in backend.available().reason  # never timed
    workload = case.workload()
    prepared = backend.prepare(workload, {"gemm_arch": arch} if case.kind == "gemm" else {})
    inputs = workload.make_inputs(seed=7, batch=case.batch)
    out = backend.download(prepared, backend.run(prepared, backend.upload(prepared, inputs)))
    assert_matches(out, workload.reference(inputs))
