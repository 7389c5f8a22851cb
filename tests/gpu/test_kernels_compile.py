"""Every kernels/*.cu compiles for sm_80 and sm_90 with nvcc --ptx and through NVRTC, with a clean log;
the numba.cuda kernels compile to PTX for cc 8.0 and 9.0. No GPU needed."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from accelbench.backends.cuda_compile import (
    ARCHS,
    KernelUsage,
    have,
    kernel_files,
    nvcc_ptx,
    nvrtc_ptx,
    occupancy,
    parse_ptxas_log,
    ptxas_usage,
)
from accelbench.backends.cuda_launch import GEMM_TILES

KERNELS = kernel_files()


@cache
def nvcc(source: Path, arch: str) -> tuple[str, str]:
    """nvcc --ptx once per source and architecture in this session."""
    return nvcc_ptx(source, arch)

NUMBA_SIGNATURES = {
    ("gemm", "gemm_tiled"): "void(float32[:,:,::1], float32[:,::1], float32[:,:,::1])",
    ("gemm", "gemm_tiled_sm90"): "void(float32[:,:,::1], float32[:,::1], float32[:,:,::1])",
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
    ptx, log = nvcc(source, arch)
    assert f".target sm_{arch}" in ptx
    assert "error" not in log.lower() and "warning" not in log.lower(), log


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", KERNELS, ids=lambda p: p.name)
def test_cuda_kernel_compiles_with_nvrtc(source: Path, arch: str) -> None:
    ptx, log = nvrtc_ptx(source, arch)
    assert ".entry" in ptx and f"sm_{arch}" in ptx
    assert log.strip("\x00") == "", log


@pytest.mark.skipif(not (have("ptxas") and have("nvcc")), reason="nvcc/ptxas are not on PATH")
@pytest.mark.parametrize("arch", ARCHS)
def test_sgemm_sizes_fit_two_blocks_per_sm_without_spills(arch: str) -> None:
    ptx, _ = nvcc(next(p for p in KERNELS if p.name == "sgemm.cu"), arch)
    usage = ptxas_usage(ptx, arch)
    assert set(usage) == {f"sgemm_{t}_{tile.suffix}" for t in ("f32", "f16_f32acc") for tile in GEMM_TILES.values()}
    for name, kernel in usage.items():
        tile = next(t for t in GEMM_TILES.values() if name.endswith(t.suffix))
        assert kernel.static_smem_bytes == 4 * 2 * tile.bk * ((tile.bm + 4) + (tile.bn + 4)), name  # 2 buffers
        assert not kernel.spills and kernel.stack_bytes == 0, (name, kernel)
        assert occupancy(arch, 256, kernel.registers, kernel.static_smem_bytes)[0] >= 2, (name, kernel)


@pytest.mark.skipif(not (have("ptxas") and have("nvcc")), reason="nvcc/ptxas are not on PATH")
@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("source", KERNELS, ids=lambda p: p.name)
def test_no_cuda_kernel_spills_to_local_memory(source: Path, arch: str) -> None:
    usage = ptxas_usage(nvcc(source, arch)[0], arch)
    assert usage and not [name for name, kernel in usage.items() if kernel.spills or kernel.stack_bytes], usage


def test_ptxas_log_parsing_reads_registers_shared_memory_and_spills() -> None:
    log = """ptxas info    : Compiling entry function 'k1' for 'sm_90'
ptxas info    : Function properties for k1
    8 bytes stack frame, 24 bytes spill stores, 16 bytes spill loads
ptxas info    : Used 128 registers, used 1 barriers, 8 bytes cumulative stack size, 33792 bytes smem
ptxas info    : Compiling entry function 'k2' for 'sm_90'
ptxas info    : Function properties for k2
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 16 registers, used 0 barriers, 380 bytes cmem[0]
"""
    usage = parse_ptxas_log(log)
    assert usage["k1"] == KernelUsage(128, 33792, 8, 24, 16) and usage["k1"].spills
    assert usage["k2"] == KernelUsage(16, 0) and not usage["k2"].spills


def test_occupancy_follows_the_cuda_occupancy_calculator() -> None:
    assert occupancy("80", 256, 128, 16896) == (2, 0.25)  # registers: 4096 per warp, 16 warps
    assert occupancy("90", 256, 155, 33792) == (1, 0.125)  # 160 per thread after rounding: one block
    assert occupancy("80", 128, 48, 0) == (10, 0.625)
    assert occupancy("90", 256, 32, 0) == (8, 1.0)  # thread-limited: 2048 per SM
    assert occupancy("80", 256, 32, 100 * 1024)[0] == 1  # shared memory: 164 KiB per SM


@pytest.mark.parametrize("cc", [(8, 0), (9, 0)])
@pytest.mark.parametrize(("module", "kernel"), list(NUMBA_SIGNATURES))
def test_numba_kernel_compiles_to_ptx(module: str, kernel: str, cc: tuple[int, int]) -> None:
    import importlib

    from numba import cuda

    pyfunc = getattr(importlib.import_module(f"accelbench.backends.numba_cuda_kernels.{module}"), kernel).py_func
    ptx, _ = cuda.compile_ptx(pyfunc, NUMBA_SIGNATURES[(module, kernel)], cc=cc)
    assert f".target sm_{cc[0]}{cc[1]}" in ptx and ".entry" in ptx
