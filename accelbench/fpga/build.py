"""Build (or fetch from the cache) the C-simulation library of one hls4ml design.

Conversion and g++ run in a child process (:mod:`accelbench.fpga.compile_worker`) with a timeout
and an address-space limit, so a converter or compiler blow-up becomes a recorded failure. Each
such stage is forked from a build server that imported torch, hls4ml and the converter once
(:class:`_Worker`), instead of a fresh interpreter importing them for every design. The
worker's manifest carries what this process needs: the layer list for the analytical model and
the library's entry point and input/output sizes, so a design is never converted here. The
compiled library is loaded and called through :class:`CSim` (what hls4ml's ``ModelGraph.predict``
does with it); the hls4ml ModelGraph itself is converted only if something asks for it
(:attr:`Design.hls_model`: vendor synthesis, tests).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.fpga.cache import cache_root, cached_manifest, current, design_key, seal_manifest
from accelbench.fpga.config import FpgaConfig
from accelbench.fpga.convert import CLEAN_ONNX, convert
from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.lowering import Lowered, lower
from accelbench.fpga.torch_layers import layers_from_torch, weight_products
from accelbench.workload import Workload


class BuildError(RuntimeError):
    """The C-simulation build failed (compiler error, timeout, memory limit)."""


class CSim:
    """A design's compiled C-simulation library, called as hls4ml 1.3's ``ModelGraph._predict`` calls it.

    ``top`` is the project name (entry points ``<top>_float`` / ``<top>_double``, chosen by the
    first input's dtype); ``input_sizes``/``output_sizes`` are the element counts of the design's
    input and output variables. ``predict`` takes and returns what ``ModelGraph.predict`` does: one
    array, or a list with one array per input, of one or several samples.
    """

    def __init__(self, library: str, top: str, input_sizes: list[int], output_sizes: list[int]) -> None:
        self.library = library
        self.top = top
        self.input_sizes = list(input_sizes)
        self.output_sizes = list(output_sizes)
        self.lib = ctypes.cdll.LoadLibrary(library)

    def _top_function(self, xlist: list[np.ndarray]) -> tuple[Any, Any]:
        from numpy import ctypeslib

        for xi in xlist:
            if not isinstance(xi, np.ndarray):
                raise TypeError(f"expected numpy.ndarray, got {type(xi).__name__}")
            if not xi.flags["C_CONTIGUOUS"]:
                raise ValueError("array must be C-contiguous (numpy.ascontiguousarray)")
        dtype = xlist[0].dtype
        ctype: type[ctypes.c_float] | type[ctypes.c_double]
        if dtype == np.float32:
            function, ctype = getattr(self.lib, f"{self.top}_float"), ctypes.c_float
        elif dtype == np.float64:
            function, ctype = getattr(self.lib, f"{self.top}_double"), ctypes.c_double
        else:
            raise TypeError(f"invalid dtype {dtype} for the C simulation: float32 or float64")
        function.restype = None
        function.argtypes = [ctypeslib.ndpointer(ctype, flags="C_CONTIGUOUS")
                             for _ in range(len(xlist) + len(self.output_sizes))]
        return function, ctype

    def _n_samples(self, xlist: list[np.ndarray]) -> int:
        counts = []
        for xi, size in zip(xlist, self.input_sizes, strict=False):
            n, rem = divmod(int(np.prod(xi.shape)), size)
            if rem:
                raise ValueError(f"input size mismatch: {xi.shape} is not a multiple of {size} elements")
            counts.append(n)
        if len(set(counts)) > 1:
            raise ValueError("input size mismatch: the inputs hold different numbers of samples")
        return counts[0]

    def predict(self, x: Any) -> Any:
        n_inputs, n_outputs = len(self.input_sizes), len(self.output_sizes)
        xlist = [x] if n_inputs == 1 else list(x)
        function, ctype = self._top_function(xlist)
        n_samples = self._n_samples(xlist)
        if n_samples == 1 and n_inputs == 1:
            x = [x]
        output = []
        for i in range(n_samples):
            predictions = [np.zeros(size, dtype=ctype) for size in self.output_sizes]
            inp = [np.asarray(x[i])] if n_inputs == 1 else [np.asarray(xj[i]) for xj in x]
            function(*[np.ascontiguousarray(a) for a in inp], *predictions)
            output.append(predictions)
        outputs = [np.asarray([output[s][o] for s in range(n_samples)]) for o in range(n_outputs)]
        if n_samples == 1 and n_outputs == 1:
            return outputs[0][0]
        if n_outputs == 1:
            return outputs[0]
        if n_samples == 1:
            return [out[0] for out in outputs]
        return outputs


@dataclass
class Design:
    """A design, its layers and (unless model-only) its loaded C-simulation library (``csim``)."""

    workload: Workload
    config: FpgaConfig
    lowered: Lowered
    csim: CSim | None
    layers: list[LayerSpec]
    key: str
    directory: Path
    functional: bool
    cache_hit: bool = False
    compile_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    _hls_model: Any = field(default=None, repr=False)

    @property
    def n_mult(self) -> int:
        return sum(layer.n_mult for layer in self.layers)

    @property
    def hls_model(self) -> Any:
        """The hls4ml ModelGraph, converted here on first use (measuring never needs it); its
        ``predict`` calls the already loaded library, nothing is recompiled."""
        if self._hls_model is None:
            model = convert(self.lowered, self.config, self.directory / "prj")
            if self.csim is not None:
                model._top_function_lib = self.csim.lib
            self._hls_model = model
        return self._hls_model


def layers_from_manifest(manifest: dict[str, Any]) -> list[LayerSpec]:
    """The LayerSpecs the build worker recorded (JSON lists back to tuples)."""
    specs = []
    for layer in manifest["layers"]:
        fields: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                                  for key, value in layer.items()}
        specs.append(LayerSpec(**fields))
    return specs


#: Build processes running now (so an interrupted run can stop them: see :func:`stop_builds`).
_ACTIVE: set[_Worker] = set()
_ACTIVE_LOCK = threading.Lock()
#: Set by :func:`stop_builds`: stages not yet started fail at once.
_STOPPING = threading.Event()

#: Called with (design key, stage) when a build stage starts; see :func:`build_library`.
StageHook = Callable[[str, str], None]

#: Set to 0 to start every build stage as a fresh interpreter instead of forking it from the build server.
FORK_ENV = "ACCELBENCH_BUILD_FORKSERVER"
#: What the build server imports once, so that a forked stage does not (~2.5 s of CPU each, torch first).
_PRELOAD = ["accelbench.fpga.compile_worker", "torch", "hls4ml", "accelbench.fpga.convert", "accelbench.fpga.layers",
            "accelbench.fpga.lowering", "accelbench.kinds"]
_FORK_LOCK = threading.Lock()
_FORK_CONTEXT: list[Any] = []


class _Worker:
    """One build stage in a child process with its output in a log file: forked from the build
    server (a ``multiprocessing`` forkserver that has imported torch, hls4ml and the converter once)
    or, with ``ACCELBENCH_BUILD_FORKSERVER=0`` or without a forkserver, a fresh
    ``python -m accelbench.fpga.compile_worker``. The same code runs either way."""

    def __init__(self, spec_path: Path, stage: str, log_path: Path) -> None:
        self.log_path = log_path
        self.forked: Any = None
        self.popen: subprocess.Popen[bytes] | None = None
        context = _fork_context()
        if context is not None:
            from accelbench.fpga.compile_worker import run_forked

            forked = context.Process(target=run_forked, args=(str(spec_path), stage, str(log_path), dict(os.environ)))
            # OSError/EOFError: the server could not start; AssertionError: this process is a daemonic
            # multiprocessing child (a Dask worker), which may not have multiprocessing children of its own.
            with contextlib.suppress(OSError, EOFError, AssertionError):
                forked.start()
                self.forked = forked
                self.pid = int(forked.pid)
        if self.forked is None:
            with log_path.open("wb") as log:
                self.popen = subprocess.Popen([sys.executable, "-m", "accelbench.fpga.compile_worker",
                                               str(spec_path), stage], stdout=log, stderr=subprocess.STDOUT)
            self.pid = self.popen.pid

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s``; whether the stage has ended."""
        if self.forked is not None:
            self.forked.join(timeout_s)
            return self.forked.exitcode is not None
        assert self.popen is not None
        try:
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        """Kill the stage and everything it started (g++ outlives a killed parent otherwise, and a
        compile that blew the time limit would go on eating a core)."""
        kill_tree(self.pid)

    @property
    def returncode(self) -> int:
        code = self.forked.exitcode if self.forked is not None else self.popen.returncode if self.popen else None
        return -9 if code is None else int(code)

    def output_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return "; ".join(line.strip() for line in lines[-3:] if line.strip())


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """Every live descendant of ``pid`` (Linux ``/proc``; [] where there is none), parents first."""
    children: dict[int, list[int]] = {}
    try:
        entries = list(proc.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the command may hold spaces and ')'
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    frontier = [pid]
    while frontier:
        found = [child for parent in frontier for child in children.get(parent, [])]
        out += found
        frontier = found
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its descendants: the process first (so it starts nothing more), then the
    descendants listed just before (they are reparented, not killed, when their parent dies)."""
    below = descendants(pid)
    for target in (pid, *below):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(target, signal.SIGKILL)


def _fork_context() -> Any:
    """The forkserver context (started with :data:`_PRELOAD` on first use), or None when disabled or
    when this process is a daemonic multiprocessing child (Dask's workers are)."""
    import multiprocessing

    if os.environ.get(FORK_ENV, "1") == "0" or multiprocessing.current_process().daemon:
        return None
    with _FORK_LOCK:
        if not _FORK_CONTEXT:
            context: Any = None
            with contextlib.suppress(ValueError):  # no forkserver on this platform
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(_PRELOAD)
                atexit.register(_stop_fork_server)
            _FORK_CONTEXT.append(context)
        return _FORK_CONTEXT[0]


def _stop_fork_server() -> None:
    """Stop and reap the build server at exit, so that its CPU time (and its stages' and their g++'s)
    is counted in this process's children, as it was with one interpreter per stage."""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)  # CPython's own, 3.8-3.13
    if stop is not None:
        with contextlib.suppress(Exception):
            stop()


def _limit_memory(pid: int, limit_bytes: int) -> None:
    """Cap the child's address space (inherited by the g++ it starts). ``prlimit`` from the parent
    rather than a ``preexec_fn``: builds start from several threads, where preexec_fn may deadlock."""
    with contextlib.suppress(ProcessLookupError):  # already gone: its exit code tells
        resource.prlimit(pid, resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def stop_builds() -> None:
    """Kill every build process of this process and refuse new stages (an interrupted run)."""
    _STOPPING.set()
    with _ACTIVE_LOCK:
        for worker in _ACTIVE:
            worker.kill()


def allow_builds() -> None:
    """Undo :func:`stop_builds` (a new run in the same process)."""
    _STOPPING.clear()


#: (file, stage, report): when ``file`` is written during a stage, ``report(stage)`` is called once.
Watch = tuple[Path, str, Callable[[str], None]]


def _wait(worker: _Worker, timeout_s: float, watch: Watch | None) -> bool:
    """Wait for the stage to end within ``timeout_s`` (False: it did not); meanwhile, once a second,
    look for ``watch``'s file (a sub-stage the worker does not report, e.g. g++ started)."""
    deadline = time.monotonic() + timeout_s
    started = time.time()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if worker.wait(min(left, 1.0) if watch else left):
            return True
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
    worker = _Worker(spec_path, stage, directory / f"worker-{stage}.log")
    with _ACTIVE_LOCK:
        _ACTIVE.add(worker)
    try:
        _limit_memory(worker.pid, int(cfg.build_memory_gb * 2**30))
        if not _wait(worker, cfg.build_timeout_s, watch):
            worker.kill()
            worker.wait(30.0)
            raise BuildError(f"{what} exceeded {cfg.build_timeout_s:g} s")
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(worker)
    code = worker.returncode
    if code != 0:
        if _STOPPING.is_set():
            raise BuildError(f"{what} stopped: the run was interrupted")
        reason = worker.output_tail() or f"exit code {code}"
        if code < 0 or "MemoryError" in reason or "std::bad_alloc" in reason:
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
        if manifest and current(manifest):  # an entry of an older format lacks the layers: rebuilt
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
    """The design of ``workload`` under ``cfg``: built (or found in the cache) and loaded unless model-only.

    A design with more products per step than ``model_only_max_mults`` is model-only: it is never
    converted (conversion only fed the model, and took > 12 min for MobileNetV2 through qonnx); its
    layers come from the torch module (:mod:`accelbench.fpga.torch_layers`). Otherwise everything
    comes from the build's manifest: nothing is converted in this process.
    """
    library = build_library(workload, cfg, root)
    lowered, key, directory = library.lowered, library.key, library.directory
    if library.model_only_reason:
        fixed = cfg.fixed
        layers = layers_from_torch(lowered.module, lowered.input_shapes, width=fixed.width, integer=fixed.integer,
                                   reuse_factor=cfg.reuse_factor, strategy=cfg.strategy, io_type=cfg.io_type)
        design = Design(workload, cfg, lowered, None, layers, key, directory, functional=False)
        design.notes.append(library.model_only_reason)
        return design
    manifest = library.manifest
    assert manifest is not None
    layers = layers_from_manifest(manifest)
    if manifest.get("model_only"):  # found by the worker after converting (relu6 in io_stream)
        design = Design(workload, cfg, lowered, None, layers, key, directory, functional=False)
        design.notes.append(str(manifest["model_only"]))
        return design
    csim = CSim(manifest["library"], manifest["top"], manifest["input_sizes"], manifest["output_sizes"])
    design = Design(workload, cfg, lowered, csim, layers, key, directory, functional=True,
                    cache_hit=library.cache_hit, compile_s=library.compile_s)
    recipe = f"{manifest['recipe']}, flags {' '.join(manifest['cxxflags'])}" if manifest.get("cxxflags") else \
        manifest.get("recipe", "")
    if design.cache_hit:
        design.notes.append(f"cached C-simulation build {key} (converted and compiled in {manifest['compile_s']:.1f} s "
                            f"earlier; {recipe})")
    else:
        design.notes.append(f"converted and compiled the C simulation in {design.compile_s:.1f} s (cache key {key}; "
                            f"{recipe})")
    return design
