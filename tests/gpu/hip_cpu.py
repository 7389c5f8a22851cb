"""Build kernels/*.cu with g++ and HIP-CPU into one shared object and launch them from Python.

HIP-CPU (the header-only HIP CPU Runtime) runs unmodified CUDA/HIP kernels on CPU threads: blocks
on TBB workers, the threads of a block as fibers, ``__shared__`` memory per block. For every
``extern "C" __global__`` entry point of kernels/*.cu a C wrapper ``run_<kernel>(grid, block,
shared bytes, kernel args...)`` is generated that launches it and waits. :func:`launch` calls the
wrapper with an :class:`accelbench.backends.cuda_launch.Launch` (the very object gpu-cupy launches
on a GPU), after checking every argument's type against the kernel's C signature.

Correctness only: nothing here is a timing.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.backends.cuda_launch import Launch
from accelbench.locate import data_dir

REPO = Path(__file__).resolve().parents[2]
ENV_VAR = "ACCELBENCH_HIP_CPU"
#: -O1 keeps the build short; the kernels' results do not depend on it.
CXXFLAGS = ("-std=c++17", "-O1", "-fPIC", "-w", "-pthread")
LIBS = ("-ltbb", "-lpthread")

#: Status a wrapper returns when a kernel issued a vector load from a misaligned address
#: (kernels/cuda_compat.h: a GPU would fault, a CPU would not notice).
MISALIGNED = 9001
_ENTRY = re.compile(r'extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\s*\(([^)]*)\)', re.S)
#: C parameter type -> the NumPy dtype an array argument must have (None: an int scalar).
_C_TYPES: dict[str, str | None] = {"float*": "float32", "__half*": "float16", "int": None}


def default_root() -> Path:
    """``$ACCELBENCH_HIP_CPU`` if set, else ``<repo>/../shared/tools/hip-cpu`` (where CI puts it)."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else REPO.parent / "shared" / "tools" / "hip-cpu"


def missing_reason(root: Path) -> str:
    """Why the HIP-CPU tier cannot run here ('' when it can): HIP-CPU, g++ or TBB missing."""
    if not (root / "include" / "hip" / "hip_runtime.h").is_file():
        hint = f"set {ENV_VAR} to a HIP-CPU checkout" if ENV_VAR not in os.environ else f"check {ENV_VAR}"
        return f"HIP-CPU not found at {root} (no include/hip/hip_runtime.h; {hint})"
    gxx = shutil.which("g++")
    if gxx is None:
        return "g++ is not on PATH (HIP-CPU kernels are built with g++)"
    lib = subprocess.run([gxx, "-print-file-name=libtbb.so"], capture_output=True, text=True).stdout.strip()
    header = subprocess.run([gxx, "-E", "-x", "c++", "-"], input="#include <tbb/version.h>\n",
                            capture_output=True, text=True)
    if not os.path.isabs(lib) or header.returncode != 0:
        return "TBB (libtbb.so and headers) not found: install Debian's libtbb-dev (make system-deps)"
    return ""


@dataclass(frozen=True)
class Entry:
    """One kernel entry point: its source file, name and C parameters as (type, name)."""

    source: Path
    name: str
    params: tuple[tuple[str, str], ...]


def entry_points(source: Path) -> list[Entry]:
    """Every ``extern "C" __global__`` kernel of ``source`` with its normalised parameter types."""
    entries = []
    for name, params in _ENTRY.findall(source.read_text()):
        parsed = []
        for param in params.split(","):
            words = param.replace("*", " * ").replace("__restrict__", "").replace("const", "").split()
            ctype = "".join(words[:-1])
            if ctype not in _C_TYPES:
                raise ValueError(f"{source.name}:{name}: parameter type {ctype!r} has no HIP-CPU mapping")
            parsed.append((ctype, words[-1]))
        entries.append(Entry(source, name, tuple(parsed)))
    return entries


def wrapper_source(source: Path) -> str:
    """A translation unit: HIP-CPU, the kernel source, and a ``run_<kernel>`` C function per kernel."""
    lines = ["#include <hip/hip_runtime.h>", f'#include "{source}"', f"#define MISALIGNED {MISALIGNED}", ""]
    for entry in entry_points(source):
        params = ", ".join(f"{'__half*' if t == '__half*' else t} {n}" for t, n in entry.params)
        names = ", ".join(n for _, n in entry.params)
        lines += [
            f'extern "C" int run_{entry.name}(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,',
            f"                                unsigned bz, unsigned shared, {params}) {{",
            f"    hipLaunchKernelGGL({entry.name}, dim3(gx, gy, gz), dim3(bx, by, bz), shared, 0, {names});",
            "    hipError_t launched = hipGetLastError();",
            "    hipError_t done = hipDeviceSynchronize();",
            "    if (accel_misaligned_loads.exchange(0)) return MISALIGNED;",
            "    return launched != hipSuccess ? int(launched) : int(done);",
            "}",
            "",
        ]
    return "\n".join(lines)


def build_key(root: Path) -> str:
    """Hash of everything the shared object depends on: kernels, HIP-CPU headers, flags."""
    digest = hashlib.sha256(" ".join(CXXFLAGS + LIBS).encode())
    for path in sorted(data_dir("kernels").iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted([*(root / "include").rglob("*"), *(root / "src" / "include").rglob("*")]):
        if path.is_file():  # include/hip/*.h pull in src/include/hip/detail/*
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def build(root: Path, cache_dir: Path) -> Path:
    """Compile every kernels/*.cu into ``cache_dir/kernels-<key>.so`` (reused when it exists)."""
    target = cache_dir / f"kernels-{build_key(root)}.so"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    sources = sorted(data_dir("kernels").glob("*.cu"))
    includes = [f"-I{root / 'include'}", f"-I{data_dir('kernels')}"]
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        objects = []
        jobs = []
        for source in sources:
            cpp, obj = Path(tmp) / f"{source.stem}.cpp", Path(tmp) / f"{source.stem}.o"
            cpp.write_text(wrapper_source(source))
            objects.append(obj)
            jobs.append(["g++", *CXXFLAGS, *includes, "-c", str(cpp), "-o", str(obj)])
        with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
            for proc in pool.map(lambda cmd: subprocess.run(cmd, capture_output=True, text=True, timeout=600), jobs):
                if proc.returncode != 0:
                    raise RuntimeError(f"HIP-CPU build failed: {' '.join(proc.args)}\n{proc.stderr[-4000:]}")
        partial = Path(tmp) / "kernels.so"
        subprocess.run(["g++", "-shared", *CXXFLAGS, *map(str, objects), "-o", str(partial), *LIBS],
                       check=True, capture_output=True, text=True, timeout=300)
        os.replace(partial, target)  # atomic: concurrent sessions never load a half-written file
    for stale in cache_dir.glob("kernels-*.so"):  # builds of older sources
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


class Kernels:
    """The built shared object: launch a :class:`Launch` on CPU threads."""

    def __init__(self, library: Path) -> None:
        self.library = ctypes.CDLL(str(library))
        self.entries = {e.name: e for src in sorted(data_dir("kernels").glob("*.cu")) for e in entry_points(src)}

    def launch(self, launch: Launch) -> None:
        """Run ``launch`` to completion; every argument must match the kernel's C parameter type."""
        entry = self.entries.get(launch.kernel)
        if entry is None or entry.source.name != launch.source:
            raise ValueError(f"{launch.source} has no kernel {launch.kernel!r}")
        if len(launch.args) != len(entry.params):
            raise ValueError(f"{launch.kernel} takes {len(entry.params)} arguments, the launch passes {len(launch.args)}")
        c_args: list[Any] = []
        for value, (ctype, name) in zip(launch.args, entry.params, strict=True):
            expected = _C_TYPES[ctype]
            if expected is None:
                if not isinstance(value, np.int32):
                    raise TypeError(f"{launch.kernel}: `{name}` is an int, the launch passes {type(value).__name__}")
                c_args.append(ctypes.c_int(int(value)))
            else:
                if not isinstance(value, np.ndarray) or value.dtype != np.dtype(expected):
                    raise TypeError(f"{launch.kernel}: `{name}` is {ctype}, the launch passes {value!r:.60}")
                if not value.flags.c_contiguous:
                    raise ValueError(f"{launch.kernel}: `{name}` must be C-contiguous")
                c_args.append(ctypes.c_void_p(value.ctypes.data))
        function = getattr(self.library, f"run_{launch.kernel}")
        function.restype = ctypes.c_int
        status = function(*(ctypes.c_uint(v) for v in (*launch.grid, *launch.block, launch.shared_mem_bytes)), *c_args)
        if status == MISALIGNED:
            raise RuntimeError(f"{launch.kernel} issued a vector load from a misaligned address (a GPU would fault)")
        if status != 0:
            raise RuntimeError(f"{launch.kernel} failed on HIP-CPU with hipError {status}")


def default_cache_dir() -> Path:
    """Where built shared objects are kept between sessions (keyed by :func:`build_key`)."""
    return Path(tempfile.gettempdir()) / f"accelbench-hip-cpu-{os.getuid()}"
