"""Build (or fetch from the cache) the C-simulation library of one hls4ml design.

The expensive step, g++ on the generated HLS C++, runs in a child process
(:mod:`accelbench.fpga.compile_worker`) with a timeout and an address-space limit, so a
compiler blow-up becomes a recorded failure. Conversion (cheap) also happens here in the parent:
it gives the layer list for the analytical model and the ModelGraph whose ``predict`` the
backend calls once the compiled library is loaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelbench.fpga.cache import cache_root, cached_manifest, design_key, seal_manifest
from accelbench.fpga.config import FpgaConfig
from accelbench.fpga.convert import CLEAN_ONNX, convert
from accelbench.fpga.layers import LayerSpec, layers_from_hls_model
from accelbench.fpga.lowering import Lowered, lower
from accelbench.fpga.torch_layers import layers_from_torch, weight_products
from accelbench.workload import Workload


class BuildError(RuntimeError):
    """The C-simulation build failed (compiler error, timeout, memory limit)."""


@dataclass
class Design:
    """A converted design, its layers and (unless model-only) a loaded C-simulation library."""

    workload: Workload
    config: FpgaConfig
    lowered: Lowered
    hls_model: Any
    layers: list[LayerSpec]
    key: str
    directory: Path
    functional: bool
    cache_hit: bool = False
    compile_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def n_mult(self) -> int:
        return sum(layer.n_mult for layer in self.layers)


#: Build processes running now (so an interrupted run can stop them: see :func:`stop_builds`).
_ACTIVE: set[subprocess.Popen[str]] = set()
_ACTIVE_LOCK = threading.Lock()
#: Set by :func:`stop_builds`: stages not yet started fail at once.
_STOPPING = threading.Event()

#: Called with (design key, stage) when a build stage starts; see :func:`build_library`.
StageHook = Callable[[str, str], None]


def _limit_memory(proc: subprocess.Popen[str], limit_bytes: int) -> None:
    """Cap the child's address space (inherited by the g++ it starts). ``prlimit`` from the parent
    rather than a ``preexec_fn``: builds start from several threads, where preexec_fn may deadlock."""
    with contextlib.suppress(ProcessLookupError):  # already gone: its exit code tells
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def stop_builds() -> None:
    """Kill every build process of this process and refuse new stages (an interrupted run)."""
    _STOPPING.set()
    with _ACTIVE_LOCK:
        for proc in _ACTIVE:
            proc.kill()


def allow_builds() -> None:
    """Undo :func:`stop_builds` (a new run in the same process)."""
    _STOPPING.clear()


#: (file, stage, report): when ``file`` is written during a stage, ``report(stage)`` is called once.
Watch = tuple[Path, str, Callable[[str], None]]


def _communicate(proc: subprocess.Popen[str], timeout_s: float, watch: Watch | None) -> tuple[str, str]:
    """``proc.communicate`` with a total timeout; meanwhile, once a second, look for ``watch``'s file
    (a sub-stage the worker does not report, e.g. conversion finished and g++ started)."""
    deadline = time.monotonic() + timeout_s
    started = time.time()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise subprocess.TimeoutExpired(proc.args, timeout_s)
        try:
            return proc.communicate(timeout=min(left, 1.0) if watch else left)
        except subprocess.TimeoutExpired:
            if watch is not None:
                path, stage, report = watch
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime >= started:
                        report(stage)
                        watch = None


def _run_stage(workload: Workload, cfg: FpgaConfig, directory: Path, stage: str, what: str,
               watch: Watch | None = None) -> None:
    """Run one build stage in the worker under the timeout and memory limit; BuildError names the stage."""
    if _STOPPING.is_set():
        raise BuildError(f"{what} not started: the run was interrupted")
    spec = {
        "kind": workload.kind,
        "params": dict(workload.params),
        "name": workload.name,
        "config": cfg.as_dict(),
        "project_dir": str(directory / "prj"),
    }
    spec_path = directory / f"spec-{stage}.json"
    spec_path.write_text(json.dumps(spec))
    proc = subprocess.Popen(
        [sys.executable, "-m", "accelbench.fpga.compile_worker", str(spec_path), stage],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    with _ACTIVE_LOCK:
        _ACTIVE.add(proc)
    try:
        _limit_memory(proc, int(cfg.build_memory_gb * 2**30))
        try:
            out, err = _communicate(proc, cfg.build_timeout_s, watch)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise BuildError(f"{what} exceeded {cfg.build_timeout_s:g} s") from None
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(proc)
    if proc.returncode != 0:
        if _STOPPING.is_set():
            raise BuildError(f"{what} stopped: the run was interrupted")
        tail = (err or out).strip().splitlines()[-3:]
        reason = "; ".join(tail) or f"exit code {proc.returncode}"
        if proc.returncode < 0 or "MemoryError" in reason or "std::bad_alloc" in reason:
            reason = f"killed or out of memory (limit {cfg.build_memory_gb:g} GB): {reason}"
        raise BuildError(f"{what} failed: {reason}")


def _compile(workload: Workload, cfg: FpgaConfig, directory: Path, watch: Watch | None = None) -> dict[str, Any]:
    _run_stage(workload, cfg, directory, "compile", "hls4ml C-simulation build", watch)
    return seal_manifest(directory)  # records the library's sha256 for the cache check


@dataclass
class Library:
    """Where a design's C-simulation library stands: built now, found in the cache, or not needed."""

    key: str
    directory: Path
    lowered: Lowered
    manifest: dict[str, Any] | None = None  # None for a model-only design
    cache_hit: bool = False
    compile_s: float = 0.0
    model_only_reason: str = ""


def _model_only_reason(lowered: Lowered, cfg: FpgaConfig) -> str:
    products = weight_products(lowered.module)
    if products > cfg.model_only_max_mults:
        return (f"model-only: {products} multiplications per step exceed model_only_max_mults="
                f"{cfg.model_only_max_mults}; not converted nor C-simulated, layers read from the torch module, "
                "figures from the analytical model only")
    return ""


def design_location(workload: Workload, cfg: FpgaConfig, root: Path | None = None) -> tuple[Lowered, str, Path]:
    """The lowered module, the cache key and the cache directory of ``workload`` under ``cfg``."""
    lowered = lower(workload)
    key = design_key(lowered.module, lowered.input_shapes, cfg)
    return lowered, key, (root or cache_root()) / key


def _ensure_onnx(workload: Workload, cfg: FpgaConfig, directory: Path, key: str, on_stage: StageHook | None) -> None:
    if (directory / "onnx" / CLEAN_ONNX).exists():
        return
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "onnx" / CLEAN_ONNX).exists():
            if on_stage:
                on_stage(key, "exporting ONNX + qonnx clean-up")
            _run_stage(workload, cfg, directory, "onnx", "conversion stage (ONNX export + qonnx clean-up)")


def _ensure_library(workload: Workload, cfg: FpgaConfig, directory: Path, key: str,
                    on_stage: StageHook | None) -> tuple[dict[str, Any], bool, float]:
    """The manifest of the design's compiled library, compiling it unless cached; (manifest, hit, compile_s)."""
    with (directory / ".lock").open("w") as lock:
        # One build per design at a time, across processes and threads (flock binds the open file).
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = cached_manifest(directory)  # None unless the library still has its recorded sha256
        if manifest:
            return manifest, True, 0.0
        watch: Watch | None = None
        if on_stage:
            on_stage(key, "converting (hls4ml)")
            # hls4ml writes the project (build_lib.sh among it) when conversion is done, then runs g++.
            watch = (directory / "prj" / "build_lib.sh", "compiling the C simulation (g++)",
                     lambda stage: on_stage(key, stage))
        t0 = time.perf_counter()
        manifest = _compile(workload, cfg, directory, watch)
        return manifest, False, time.perf_counter() - t0


def build_library(workload: Workload, cfg: FpgaConfig, root: Path | None = None,
                  on_stage: StageHook | None = None) -> Library:
    """Build (or find in the cache) the C-simulation library of ``workload`` under ``cfg``, all in
    worker processes: nothing is converted or loaded in this process, so builds of several designs
    may run at once from threads (:mod:`accelbench.fpga.prebuild`). ``on_stage(key, stage)`` is
    called as each stage starts. Raises :class:`BuildError` like :func:`build_design`."""
    lowered, key, directory = design_location(workload, cfg, root)
    directory.mkdir(parents=True, exist_ok=True)
    library = Library(key, directory, lowered)
    library.model_only_reason = _model_only_reason(lowered, cfg)
    if library.model_only_reason:
        return library
    if lowered.route == "onnx":
        _ensure_onnx(workload, cfg, directory, key, on_stage)
    library.manifest, library.cache_hit, library.compile_s = _ensure_library(workload, cfg, directory, key, on_stage)
    return library


def build_design(workload: Workload, cfg: FpgaConfig, root: Path | None = None) -> Design:
    """Convert ``workload`` with ``cfg``; compile (or reuse) its C simulation unless model-only.

    A design with more products per step than ``model_only_max_mults`` is model-only: it is never
    converted (conversion only fed the model, and took > 12 min for MobileNetV2 through qonnx); its
    layers come from the torch module (:mod:`accelbench.fpga.torch_layers`).
    """
    lowered, key, directory = design_location(workload, cfg, root)
    directory.mkdir(parents=True, exist_ok=True)
    model_only = _model_only_reason(lowered, cfg)
    if model_only:
        fixed = cfg.fixed
        layers = layers_from_torch(lowered.module, lowered.input_shapes, width=fixed.width, integer=fixed.integer,
                                   reuse_factor=cfg.reuse_factor, strategy=cfg.strategy, io_type=cfg.io_type)
        design = Design(workload, cfg, lowered, None, layers, key, directory, functional=False)
        design.notes.append(model_only)
        return design
    if lowered.route == "onnx":
        _ensure_onnx(workload, cfg, directory, key, None)
    hls_model = convert(lowered, cfg, directory / "prj")
    layers = layers_from_hls_model(hls_model)
    design = Design(workload, cfg, lowered, hls_model, layers, key, directory, functional=True)
    if cfg.io_type == "io_stream" and any(layer.activation == "relu6" for layer in layers):
        design.functional = False
        design.notes.append("model-only: hls4ml 1.3's C++ library has relu6 for io_parallel only (no io_stream "
                            "kernel); not C-simulated, figures from the analytical model only")
        return design
    manifest, design.cache_hit, design.compile_s = _ensure_library(workload, cfg, directory, key, None)
    if design.cache_hit:
        design.notes.append(f"cached C-simulation build {key} (compiled in {manifest['compile_s']:.1f} s earlier)")
    else:
        design.notes.append(f"compiled C simulation with g++ in {design.compile_s:.1f} s (cache key {key})")
    # hls4ml has no public "load a compiled project": this is what ModelGraph._compile does after g++.
    hls_model._top_function_lib = ctypes.cdll.LoadLibrary(manifest["library"])
    return design
