"""kernels/*.cu run on CPU threads with HIP-CPU and checked against the float64 reference.

gpu-cupy's own custom lowering runs here: NumPy stands in for CuPy (every output array starts as
NaN, so an element no thread writes fails) and a HIP-CPU launcher for the GPU launch; the grid,
block, shared memory and arguments come from accelbench.backends.cuda_launch, as on a GPU. The
shapes are tests/gpu/sim_cases.py, shared with the Numba CUDA simulator tier. Built once and
cached (keyed by the sources); skipped with the reason when HIP-CPU, g++ or TBB is missing.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Callable

import numpy as np
import pytest

from accelbench.backends import cuda_launch, gpu_cupy
from accelbench.backends.cuda_compile import ARCHS
from accelbench.backends.cuda_launch import Launch
from accelbench.locate import data_dir
from accelbench.workload import Workload
from tests.gpu import hip_cpu
from tests.gpu.sim_cases import CASES, Case, assert_matches


@pytest.fixture(scope="session")
def kernels() -> hip_cpu.Kernels:
    root = hip_cpu.default_root()
    reason = hip_cpu.missing_reason(root)
    if reason:
        pytest.skip(reason)
    return hip_cpu.Kernels(hip_cpu.build(root, hip_cpu.default_cache_dir()))


def numpy_cupy() -> types.ModuleType:
    """NumPy standing in for CuPy (CuPy mirrors NumPy), with ``empty`` filled with NaN."""
    fake = types.ModuleType("cupy")
    fake.__getattr__ = lambda name: getattr(np, name)  # type: ignore[method-assign]
    fake.empty = lambda shape, dtype=float: np.full(shape, np.nan, dtype=dtype)  # type: ignore[attr-defined]
    return fake


def run_custom(workload: Workload, inputs: tuple[np.ndarray, ...], launch: Callable[[Launch], None],
               arch: str = "80") -> np.ndarray:
    """gpu-cupy's own custom lowering (prepare, then run) with NumPy arrays and ``launch`` as the
    executor, on a device of compute capability ``arch``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "cupy", numpy_cupy())
        patch.setattr(gpu_cupy, "launch_on_gpu", launch)
        patch.setattr(gpu_cupy, "device_arch", lambda: arch)
        backend = gpu_cupy.CupyBackend()
        prepared = backend.prepare(workload, {"kernel": "custom"})
        return np.asarray(backend.run(prepared, inputs))


def launches_of(case: Case, arch: str = "80") -> list[Launch]:
    """The launches gpu-cupy makes for ``case`` on an sm_``arch`` device (recorded, not run)."""
    workload = case.workload()
    recorded: list[Launch] = []
    run_custom(workload, workload.make_inputs(seed=1, batch=case.batch), recorded.append, arch)
    return recorded


#: Every case once; the GEMM cases once per architecture size of kernels/sgemm.cu.
ARCH_CASES = [(case, arch) for case in CASES for arch in (ARCHS if case.kind == "gemm" else ARCHS[:1])]


@pytest.mark.parametrize(("case", "arch"), ARCH_CASES, ids=[f"{case.name}-sm{arch}" for case, arch in ARCH_CASES])
def test_cuda_kernel_matches_float64_reference_on_cpu_threads(kernels: hip_cpu.Kernels, case: Case, arch: str) -> None:
    workload = case.workload()
    inputs = workload.make_inputs(seed=11, batch=case.batch)
    assert_matches(run_custom(workload, inputs, kernels.launch, arch), workload.reference(inputs))


def test_the_cases_launch_every_kernel_in_kernels_cu() -> None:
    launched = {launch.kernel for case, arch in ARCH_CASES for launch in launches_of(case, arch)}
    defined = {e.name for src in data_dir("kernels").glob("*.cu") for e in hip_cpu.entry_points(src)}
    assert {"conv2d_nchw_f32", "lstm_cell", "gru_cell", "vanilla_cell"} < defined
    assert {f"sgemm_{t}_{s}" for t in ("f32", "f16_f32acc") for s in ("128x128x8", "128x128x16")} < defined
    assert launched == defined


def test_some_cases_reach_the_vectorised_and_some_the_element_wise_gemm_loads() -> None:
    """sgemm loads 4-element vectors when a row's length is a multiple of 4 and the array is 16-byte aligned."""
    paths = set()
    for case in CASES:
        for launch in launches_of(case):
            if launch.kernel.startswith("sgemm"):
                a, b, _, _, n, k = launch.args
                paths.add(("a", k % 4 == 0 and a.ctypes.data % 16 == 0))
                paths.add(("b", n % 4 == 0 and b.ctypes.data % 16 == 0))
    assert paths == {("a", True), ("a", False), ("b", True), ("b", False)}


@pytest.mark.parametrize("arch", ARCHS)
def test_sgemm_is_right_on_operands_that_are_not_16_byte_aligned(kernels: hip_cpu.Kernels, arch: str) -> None:
    """Row lengths allow vector loads but the pointers do not: the element-wise path must be taken."""
    case = next(c for c in CASES if c.name == "gemm-full-tiles")
    workload = case.workload()
    (a,) = workload.make_inputs(seed=5, batch=2)
    b = np.asarray(workload.weights()["b"], dtype=np.float32)
    a_off = np.empty(a.size + 1, np.float32)[1:].reshape(a.shape)  # 4 bytes past an aligned start
    b_off = np.empty(b.size + 1, np.float32)[1:].reshape(b.shape)
    a_off[...], b_off[...] = a, b
    assert a_off.ctypes.data % 16 and b_off.ctypes.data % 16
    out = np.full(workload.output_shape(2), np.nan, np.float32)
    kernels.launch(cuda_launch.sgemm(a_off, b_off, out, arch))
    assert_matches(out, workload.reference((a,)))


def test_a_grid_that_misses_the_last_tile_is_caught(kernels: hip_cpu.Kernels) -> None:
    case = next(c for c in CASES if c.name == "gemm-ragged-m")
    workload = case.workload()
    inputs = workload.make_inputs(seed=11, batch=case.batch)

    def short_grid(launch: Launch) -> None:
        gx, gy, gz = launch.grid
        kernels.launch(dataclasses.replace(launch, grid=(gx, gy - 1, gz)))

    with pytest.raises(AssertionError):
        assert_matches(run_custom(workload, inputs, short_grid), workload.reference(inputs))


def test_an_argument_of_the_wrong_type_is_refused_before_launch(kernels: hip_cpu.Kernels) -> None:
    (launch,) = launches_of(next(c for c in CASES if c.name == "gemm-1x1x1"))
    swapped = dataclasses.replace(launch, args=(launch.args[0], launch.args[1], launch.args[2], 1, *launch.args[4:]))
    with pytest.raises(TypeError, match="`m` is an int"):
        kernels.launch(swapped)
    with pytest.raises(ValueError, match="takes 6 arguments"):
        kernels.launch(dataclasses.replace(launch, args=launch.args[:5]))
