"""Build (or fetch from the cache) the C-simulation library of one hls4ml design.

The expensive step, g++ on the generated HLS C++, runs in a child process
(:mod:`accelbench.fpga.compile_worker`) with a timeout and an address-space limit, so a
compiler blow-up becomes a recorded failure. Conversion (cheap) also happens here in the parent:
it gives the layer list for the analytical model and the ModelGraph whose ``predict`` the
backend calls once the compiled library is loaded.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import resource
import subprocess
import sys
import time
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


def _limit_memory(limit_bytes: int) -> Any:
    def apply() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


def _run_stage(workload: Workload, cfg: FpgaConfig, directory: Path, stage: str, what: str) -> None:
    """Run one build stage in the worker under the timeout and memory limit; BuildError names the stage."""
    spec = {
        "kind": workload.kind,
        "params": dict(workload.params),
        "name": workload.name,
        "config": cfg.as_dict(),
        "project_dir": str(directory / "prj"),
    }
    spec_path = directory / "spec.json"
    spec_path.write_text(json.dumps(spec))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "accelbench.fpga.compile_worker", str(spec_path), stage],
            capture_output=True, text=True, timeout=cfg.build_timeout_s, check=False,
            preexec_fn=_limit_memory(int(cfg.build_memory_gb * 2**30)),
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what} exceeded {cfg.build_timeout_s:g} s") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        reason = "; ".join(tail) or f"exit code {proc.returncode}"
        if proc.returncode < 0 or "MemoryError" in reason or "std::bad_alloc" in reason:
            reason = f"killed or out of memory (limit {cfg.build_memory_gb:g} GB): {reason}"
        raise BuildError(f"{what} failed: {reason}")


def _compile(workload: Workload, cfg: FpgaConfig, directory: Path) -> dict[str, Any]:
    _run_stage(workload, cfg, directory, "compile", "hls4ml C-simulation build")
    return seal_manifest(directory)  # records the library's sha256 for the cache check


def build_design(workload: Workload, cfg: FpgaConfig, root: Path | None = None) -> Design:
    """Convert ``workload`` with ``cfg``; compile (or reuse) its C simulation unless model-only.

    A design with more products per step than ``model_only_max_mults`` is model-only: it is never
    converted (conversion only fed the model, and took > 12 min for MobileNetV2 through qonnx); its
    layers come from the torch module (:mod:`accelbench.fpga.torch_layers`).
    """
    lowered = lower(workload)
    key = design_key(lowered.module, lowered.input_shapes, cfg)
    directory = (root or cache_root()) / key
    directory.mkdir(parents=True, exist_ok=True)
    products = weight_products(lowered.module)
    if products > cfg.model_only_max_mults:
        fixed = cfg.fixed
        layers = layers_from_torch(lowered.module, lowered.input_shapes, width=fixed.width, integer=fixed.integer,
                                   reuse_factor=cfg.reuse_factor, strategy=cfg.strategy, io_type=cfg.io_type)
        design = Design(workload, cfg, lowered, None, layers, key, directory, functional=False)
        design.notes.append(
            f"model-only: {products} multiplications per step exceed model_only_max_mults="
            f"{cfg.model_only_max_mults}; not converted nor C-simulated, layers read from the torch module, "
            "figures from the analytical model only"
        )
        return design
    if lowered.route == "onnx" and not (directory / "onnx" / CLEAN_ONNX).exists():
        with (directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (directory / "onnx" / CLEAN_ONNX).exists():
                _run_stage(workload, cfg, directory, "onnx", "conversion stage (ONNX export + qonnx clean-up)")
    hls_model = convert(lowered, cfg, directory / "prj")
    layers = layers_from_hls_model(hls_model)
    design = Design(workload, cfg, lowered, hls_model, layers, key, directory, functional=True)
    if cfg.io_type == "io_stream" and any(layer.activation == "relu6" for layer in layers):
        design.functional = False
        design.notes.append("model-only: hls4ml 1.3's C++ library has relu6 for io_parallel only (no io_stream "
                            "kernel); not C-simulated, figures from the analytical model only")
        return design
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build per design at a time, across processes
        manifest = cached_manifest(directory)  # None unless the library still has its recorded sha256
        if manifest:
            design.cache_hit = True
            design.notes.append(f"cached C-simulation build {key} (compiled in {manifest['compile_s']:.1f} s earlier)")
        else:
            t0 = time.perf_counter()
            manifest = _compile(workload, cfg, directory)
            design.compile_s = time.perf_counter() - t0
            design.notes.append(f"compiled C simulation with g++ in {design.compile_s:.1f} s (cache key {key})")
    # hls4ml has no public "load a compiled project": this is what ModelGraph._compile does after g++.
    hls_model._top_function_lib = ctypes.cdll.LoadLibrary(manifest["library"])
    return design
