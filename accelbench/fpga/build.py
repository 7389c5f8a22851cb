"""Build (or fetch from the cache) the C-simulation library of one hls4ml design.

Conversion and g++ run in a child process (:mod:`accelbench.fpga.compile_worker`) with a timeout
and an address-space limit, so a converter or compiler blow-up becomes a recorded failure; the
child is started, limited and killed by the build server (:mod:`accelbench.fpga.build_server`). The
worker's manifest carries what this process needs: the layer list for the analytical model and
the library's entry point and input/output sizes, so a design is never converted here. The
compiled library is loaded and called through :class:`~accelbench.fpga.csim.CSim` (what hls4ml's
``ModelGraph.predict`` does with it); the hls4ml ModelGraph itself is converted only if something
asks for it (:attr:`Design.hls_model`: vendor synthesis, tests).
"""

from __future__ import annotations

import atexit
import fcntl
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelbench.fpga.build_server import _ACTIVE, _ACTIVE_LOCK, _STOPPING, Watch, _limit_memory, _wait, _Worker
from accelbench.fpga.cache import cache_root, cached_manifest, current, design_key, seal_manifest
from accelbench.fpga.config import FpgaConfig
from accelbench.fpga.convert import CLEAN_ONNX, convert
from accelbench.fpga.csim import CSim
from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.lowering import Lowered, lower
from accelbench.fpga.torch_layers import layers_from_torch, weight_products
from accelbench.workload import Workload


class BuildError(RuntimeError):
    """The C-simulation build failed (compiler error, timeout, memory limit)."""


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

#: Called with (design key, stage) when a build stage starts; see :func:`build_library`.
StageHook = Callable[[str, str], None]


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
        "build_pch": False,  # the PCH is built by a stage of its own (_start_pch_build), never waited for
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


#: The background stage building the precompiled ap_types header (at most one per process).
_PCH_STAGE: list[threading.Thread] = []
_PCH_STAGE_LOCK = threading.Lock()


def _start_pch_build(workload: Workload, cfg: FpgaConfig) -> None:
    """Build the precompiled ap_types header (:mod:`accelbench.fpga.pch`) in a stage of its own, once
    per process, when it is missing: beside the first compiles, which use it only once it exists
    (building it took as long as one jet-tagger compile, so a compile waiting for it took twice as
    long). The stage has the design's time and memory limits and is killed with the other stages on
    an interrupt; at exit this process waits for it (so the next run finds the PCH, and no build
    outlives the run). Its failure only means compiling without the PCH."""
    from accelbench.fpga import pch
    from accelbench.fpga.gxx import cxx_flags

    with _PCH_STAGE_LOCK:
        if _PCH_STAGE:
            return
        try:
            if not pch.missing(cxx_flags()):
                return
        except OSError:  # no hls4ml templates: the compile says why
            return
        thread = threading.Thread(target=_pch_stage, args=(workload, cfg), name="accelbench-pch", daemon=True)
        thread.start()
        _PCH_STAGE.append(thread)
        atexit.register(thread.join, cfg.build_timeout_s)


def settle() -> None:
    """Before a run measures: wait for the background PCH stage and for an early-started build
    server's imports, so that neither shares the cores with a timed region."""
    from accelbench.fpga import build_server

    _join_pch_stage()
    build_server.settle()


def _join_pch_stage() -> None:
    """Wait for the background PCH stage, if one was started (it ends within its own time limit)."""
    for thread in list(_PCH_STAGE):
        thread.join()


def _pch_stage(workload: Workload, cfg: FpgaConfig) -> None:
    from accelbench.fpga.pch import pch_root

    pch_root().mkdir(parents=True, exist_ok=True)
    where = Path(tempfile.mkdtemp(prefix=".stage-", dir=pch_root()))
    try:
        _run_stage(workload, cfg, where, "pch", "precompiled ap_types header build")
    except (BuildError, OSError):  # the compiles go on without it
        pass
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _compile(workload: Workload, cfg: FpgaConfig, directory: Path, watch: Watch | None = None) -> dict[str, Any]:
    _start_pch_build(workload, cfg)
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
    comes from the build's manifest: nothing is converted in this process. Returns only once a
    precompiled-header build started beside the compile has ended: the caller measures next.
    """
    library = build_library(workload, cfg, root)
    _join_pch_stage()  # a PCH build started beside this compile ends before anything is timed
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
    recipe = manifest.get("recipe", "")
    pch = manifest.get("pch")
    if isinstance(pch, dict) and pch.get("used") is True:  # recorded by the worker since the PCH exists
        recipe += " with precompiled ap_types header"
    if manifest.get("cxxflags"):
        recipe += f", flags {' '.join(manifest['cxxflags'])}"
    shared = manifest.get("shared")
    if isinstance(shared, dict):  # see accelbench/fpga/csim_share.py
        recipe += (f"; one C simulation for every design whose C++ differs from this one only in "
                   f"{', '.join(map(str, shared.get('neutralised', [])))} (share key {shared.get('key')}, "
                   f"{'compiled by this build' if shared.get('compiled_here') else 'compiled by an earlier design'})")
    if design.cache_hit:
        design.notes.append(f"cached C-simulation build {key} (converted and compiled in {manifest['compile_s']:.1f} s "
                            f"earlier; {recipe})")
    elif isinstance(shared, dict) and not shared.get("compiled_here"):  # nothing compiled for this design
        design.notes.append(f"converted and copied the shared C simulation in {design.compile_s:.1f} s (cache key "
                            f"{key}; {recipe})")
    else:
        design.notes.append(f"converted and compiled the C simulation in {design.compile_s:.1f} s (cache key {key}; "
                            f"{recipe})")
    return design
