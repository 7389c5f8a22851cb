"""Compile-only checks of the GPU kernels (no device needed): nvcc --ptx, NVRTC, ptxas -v, occupancy.

Used by the GPU test tier and by ``benchmarks/gpu_kernel_resources.py`` (the register and
shared-memory table in docs/gpu-kernels.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class KernelUsage:
    """What ``ptxas -v`` reports for one kernel: registers per thread, static shared memory per block
    (bytes), local-memory stack frame and spill traffic (bytes per thread)."""

    registers: int
    static_smem_bytes: int
    stack_bytes: int = 0
    spill_store_bytes: int = 0
    spill_load_bytes: int = 0

    @property
    def spills(self) -> bool:
        return self.spill_store_bytes > 0 or self.spill_load_bytes > 0


def ptxas_usage(ptx: str, arch: str) -> dict[str, KernelUsage]:
    """kernel -> :class:`KernelUsage` from ``ptxas -v`` (use PTX from the same toolkit)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "k.ptx"
        path.write_text(ptx)
        proc = subprocess.run(["ptxas", "-v", f"-arch=sm_{arch}", str(path), "-o", os.devnull],
                              capture_output=True, text=True, check=True, timeout=300)
    return parse_ptxas_log(proc.stderr)


def parse_ptxas_log(log: str) -> dict[str, KernelUsage]:
    """Parse ``ptxas -v`` output (stderr) into kernel -> :class:`KernelUsage`."""
    usage: dict[str, KernelUsage] = {}
    frames: dict[str, tuple[int, int, int]] = {}
    current = ""
    for line in log.splitlines():
        function = re.search(r"Compiling entry function '(\w+)'|Function properties for (\w+)", line)
        if function:
            current = function.group(1) or function.group(2)
        frame = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if frame and current:
            frames[current] = (int(frame.group(1)), int(frame.group(2)), int(frame.group(3)))
        used = re.search(r"Used (\d+) registers", line)
        if used and current:
            smem = re.search(r"(\d+) bytes smem", line)
            usage[current] = KernelUsage(int(used.group(1)), int(smem.group(1)) if smem else 0)
    return {name: KernelUsage(u.registers, u.static_smem_bytes, *frames.get(name, (0, 0, 0)))
            for name, u in usage.items()}


@dataclass(frozen=True)
class SmLimits:
    """Per-SM limits of one architecture (CUDA C Programming Guide, compute capabilities table)."""

    registers: int = 65536
    register_unit: int = 256  #: registers are allocated per warp in units of this many
    subpartitions: int = 4  #: the register file is split between this many schedulers
    max_warps: int = 64
    max_blocks: int = 32
    shared_bytes: int = 0  #: shared memory per SM with the largest carveout
    reserved_shared_bytes: int = 1024  #: reserved by the system per block (sm_80 and later)
    shared_unit: int = 128  #: shared memory allocation granularity


SM_LIMITS: dict[str, SmLimits] = {"80": SmLimits(shared_bytes=164 * 1024), "90": SmLimits(shared_bytes=228 * 1024)}


def occupancy(arch: str, threads_per_block: int, registers: int, shared_bytes_per_block: int) -> tuple[int, float]:
    """(resident blocks per SM, fraction of the SM's warp slots filled), as the CUDA occupancy
    calculator computes them from registers per thread and shared memory per block (bytes)."""
    limits = SM_LIMITS[arch]
    warps = -(-threads_per_block // 32)
    by_threads = limits.max_warps // warps
    regs_per_warp = -(-registers * 32 // limits.register_unit) * limits.register_unit
    if regs_per_warp:
        per_subpartition = limits.registers // limits.subpartitions // regs_per_warp
        by_registers = per_subpartition * limits.subpartitions // warps
    else:
        by_registers = limits.max_blocks
    shared = shared_bytes_per_block + limits.reserved_shared_bytes
    shared = -(-shared // limits.shared_unit) * limits.shared_unit
    by_shared = limits.shared_bytes // shared
    blocks = min(limits.max_blocks, by_threads, by_registers, by_shared)
    return blocks, blocks * warps / limits.max_warps


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
