"""Compile-only checks of the GPU kernels (no device needed): nvcc --ptx, NVRTC, ptxas -v, numba PTX.

Used by the GPU test tier and by ``benchmarks/gpu_kernel_resources.py`` (the register and
shared-memory table in docs/gpu-kernels.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from accelbench.locate import data_dir

ARCHS = ("80", "90")


def kernel_files() -> list[Path]:
    return sorted(data_dir("kernels").glob("*.cu"))


def cuda_include_dir() -> Path | None:
    """A directory with cuda_fp16.h for NVRTC: CUDA_HOME/CUDA_PATH, /usr/local/cuda, or numba-cuda's copy."""
    candidates = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"]
    for root in filter(None, candidates):
        if (Path(root) / "include" / "cuda_fp16.h").exists():
            return Path(root) / "include"
    try:
        import numba_cuda

        bundled = sorted((Path(numba_cuda.__file__).parent / "numba" / "cuda" / "include").glob("*/cuda_fp16.h"))
        return bundled[-1].parent if bundled else None
    except ImportError:
        return None


def nvcc_ptx(source: Path, arch: str) -> tuple[str, str]:
    """(PTX, compiler log) from ``nvcc --ptx -arch=sm_ARCH``; raises CalledProcessError on failure."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "kernel.ptx"
        proc = subprocess.run(["nvcc", "--ptx", f"-arch=sm_{arch}", "-o", str(out), str(source)],
                              capture_output=True, text=True, check=True, timeout=300)
        return out.read_text(), (proc.stdout + proc.stderr).strip()


def nvrtc_ptx(source: Path, arch: str) -> tuple[str, str]:
    """(PTX, program log) from NVRTC (cupy.cuda.nvrtc); raises on a compile error."""
    from cupy.cuda import nvrtc

    options = [f"--gpu-architecture=compute_{arch}", "-std=c++17", f"-I{source.parent}"]  # cuda_compat.h
    include = cuda_include_dir()
    if include is not None:
        options.append(f"-I{include}")
    program = nvrtc.createProgram(source.read_text(), source.name, [], [])
    try:
        nvrtc.compileProgram(program, tuple(options))
    except Exception as exc:
        raise RuntimeError(f"NVRTC failed on {source.name}: {nvrtc.getProgramLog(program)}") from exc
    ptx = nvrtc.getPTX(program)
    return (ptx.decode() if isinstance(ptx, bytes) else str(ptx)), str(nvrtc.getProgramLog(program)).strip()


def ptxas_usage(ptx: str, arch: str) -> dict[str, tuple[int, int]]:
    """kernel -> (registers, static shared-memory bytes) from ``ptxas -v`` (use PTX from the same toolkit)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "k.ptx"
        path.write_text(ptx)
        proc = subprocess.run(["ptxas", "-v", f"-arch=sm_{arch}", str(path), "-o", os.devnull],
                              capture_output=True, text=True, check=True, timeout=300)
    usage: dict[str, tuple[int, int]] = {}
    current = ""
    for line in proc.stderr.splitlines():
        function = re.search(r"Compiling entry function '(\w+)'|Function properties for (\w+)", line)
        if function:
            current = function.group(1) or function.group(2)
        used = re.search(r"Used (\d+) registers.*?(\d+) bytes smem", line)
        if used and current:
            usage[current] = (int(used.group(1)), int(used.group(2)))
        elif re.search(r"Used (\d+) registers", line) and current:
            usage[current] = (int(re.search(r"Used (\d+) registers", line).group(1)), 0)  # type: ignore[union-attr]
    return usage


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
