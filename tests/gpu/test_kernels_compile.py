"""Every kernels/*.cu compiles for sm_80 and sm_90 with nvcc --ptx and through NVRTC, with a clean log;
the numba.cuda kernels compile to PTX for cc 8.0 and 9.0. No GPU needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelbench.backends.cuda_compile import ARCHS, have, kernel_files, nvcc_ptx, nvrtc_ptx, ptxas_usage

KERNELS = kernel_files()
NUMBA_SIGNATURES = {
    ("gemm", "gemm_tiled"): "void(float32[:,:,::1], float32[:,::1], float32[:,:,::1])",
    ("conv2d", "conv2d_direct"): "void(float32[:,:,:,::1], float32[:,:,:,::1], float32[:,:,:,::1], int64, int64, int64, int64)",
    ("rnn", "vanilla_step"): "void(float32[:,::1], float32[:,::1], float32[:,::1], float32[:,::1], float32[::1], float32[::1], float32[:,::1])",
    ("rnn", "lstm_step"): "void(float32[:,::1], float32[:,::1], float32[:,::1], float32[:,::1], float32[:,::1], float32[::1], float32[::1], float32[:,::1], float32[:,::1])",
    ("rnn", "gru_step"): "void(float32[:,::1], float32[:,::1], float32[:,::1], float32[:,::1], float32[::1], float32[::1], float32[:,::1])",
}


def test_there_are_kernels_to_check() -> None:
    assert {p.name for p in KERNELS} >= {"sgemm.cu", "conv2d.cu", "rnn_cell.cu"}


@pytest.mark.skipif(not have("nvcc"), reason="nvcc is not on PATH")
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", KERNELS, ids=lambda p: p.name)
def test_cuda_kernel_compiles_with_nvcc(source: Path, arch: str) -> None:
    ptx, log = nvcc_ptx(source, arch)
    assert f".target sm_{arch}" in ptx
    assert "error" not in log.lower() and "warning" not in log.lower(), log


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", KERNELS, ids=lambda p: p.name)
def test_cuda_kernel_compiles_with_nvrtc(source: Path, arch: str) -> None:
    ptx, log = nvrtc_ptx(source, arch)
    assert ".entry" in ptx and f"sm_{arch}" in ptx
    assert log.strip("\x00") == "", log


@pytest.mark.skipif(not (have("ptxas") and have("nvcc")), reason="nvcc/ptxas are not on PATH")
def test_ptxas_reports_registers_for_every_entry_point() -> None:
    ptx, _ = nvcc_ptx(next(p for p in KERNELS if p.name == "sgemm.cu"), "90")
    usage = ptxas_usage(ptx, "90")
    assert set(usage) == {"sgemm_f32", "sgemm_f16_f32acc"}
    registers, shared = usage["sgemm_f32"]
    assert 0 < registers <= 255 and shared == 4 * 16 * (64 + 4) * 2


@pytest.mark.parametrize("cc", [(8, 0), (9, 0)])
@pytest.mark.parametrize(("module", "kernel"), list(NUMBA_SIGNATURES))
def test_numba_kernel_compiles_to_ptx(module: str, kernel: str, cc: tuple[int, int]) -> None:
    import importlib

    from numba import cuda

    pyfunc = getattr(importlib.import_module(f"accelbench.backends.numba_cuda_kernels.{module}"), kernel).py_func
    ptx, _ = cuda.compile_ptx(pyfunc, NUMBA_SIGNATURES[(module, kernel)], cc=cc)
    assert f".target sm_{cc[0]}{cc[1]}" in ptx and ".entry" in ptx
