"""The hls4ml build cache (hls4ml has none): compiled C-simulation libraries keyed by design.

The key covers everything that changes the design: the lowered module's structure and weights, the
FPGA configuration, the lowering version, hls4ml's version and the g++ version (board bundles share
it). How the C simulation is compiled is recorded in the manifest instead
(:data:`~accelbench.fpga.gxx.BUILD_RECIPE`): an entry compiled another way is rebuilt.
Entries live in ``$ACCELBENCH_CACHE_DIR`` (default ``~/.cache/accelbench/hls4ml``); a lock file
serialises concurrent builds of the same design.

A cache entry's ``manifest.json`` names the compiled shared object, which is loaded into this
process, and carries what ``prepare`` needs instead of converting again (the layers, the library's
entry point and input/output sizes: :mod:`accelbench.fpga.compile_worker`). :func:`seal_manifest`
records the library's SHA-256 right after it is built, and :func:`cached_manifest` accepts an entry
only when the library lies inside the entry's directory and still has that hash; the build uses it
only when the manifest also has the current format (:func:`current`). Anything else (a replaced or
truncated library, a manifest naming a file elsewhere, an entry from before hashes or layers were
recorded) is treated as a miss: the design is rebuilt. A design the worker found model-only after
converting (relu6 in io_stream) has a manifest with its layers and reason and no library.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from accelbench.fpga.config import FpgaConfig
from accelbench.fpga.gxx import BUILD_RECIPE, FALLBACK_RECIPE
from accelbench.fpga.lowering import LOWERING_VERSION

#: Version of manifest.json: entries written with another (or none) are rebuilt, never misread.
MANIFEST_FORMAT = 2


def cache_root() -> Path:
    root = os.environ.get("ACCELBENCH_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "accelbench"
    return base / "hls4ml"


@cache
def compiler_version() -> str:
    """First line of ``g++ --version`` ("missing" without g++)."""
    try:
        out = subprocess.run(["g++", "--version"], check=True, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "missing"
    return out.splitlines()[0] if out else "unknown"


MANIFEST = "manifest.json"


def library_sha256(path: Path) -> str:
    """SHA-256 (hex) of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seal_manifest(directory: Path) -> dict[str, Any]:
    """Add the built library's SHA-256 to ``directory/manifest.json`` (none for a model-only design);
    returns the manifest."""
    path = directory / MANIFEST
    manifest = dict(json.loads(path.read_text()))
    if manifest.get("model_only"):
        return manifest
    manifest["sha256"] = library_sha256(Path(manifest["library"]))
    path.write_text(json.dumps(manifest))
    return manifest


def cached_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of an intact cache entry in ``directory``, else None (a miss: rebuild).

    Intact: the manifest parses and names a library inside ``directory`` that exists and whose
    SHA-256 equals the one recorded when it was built, or it is a :func:`current` manifest of a
    design found model-only (no library). A build also needs the manifest :func:`current`.
    """
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text())
        if current(manifest) and manifest.get("model_only"):
            return dict(manifest)
        library = Path(manifest["library"]).resolve()
        recorded = str(manifest["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not library.is_relative_to(directory.resolve()) or not library.is_file():
        return None
    if library_sha256(library) != recorded:
        return None
    return dict(manifest)


def current(manifest: Any) -> bool:
    """Whether ``manifest`` has this version's format (:data:`MANIFEST_FORMAT`: layers, entry point,
    input/output sizes) and its library was compiled the way this version compiles (or the design
    is model-only). An older entry lacks what ``prepare`` reads instead of converting, or was
    compiled with other flags: it is rebuilt."""
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT or not _layers_ok(manifest):
        return False
    if manifest.get("model_only"):
        return True
    sizes_ok = all(isinstance(sizes, list) and sizes and all(type(n) is int and n > 0 for n in sizes)
                   for sizes in (manifest.get("input_sizes"), manifest.get("output_sizes")))
    return (sizes_ok and isinstance(manifest.get("top"), str)
            and manifest.get("recipe") in (BUILD_RECIPE, FALLBACK_RECIPE))


def _layers_ok(manifest: dict[str, Any]) -> bool:
    """The recorded layers are what the worker writes: objects with LayerSpec's fields and JSON
    scalars or lists (a hand-edited or corrupted manifest is rebuilt, never fed to the model)."""
    from dataclasses import fields

    from accelbench.fpga.layers import LayerSpec

    names = {f.name for f in fields(LayerSpec)}
    layers = manifest.get("layers")
    return isinstance(layers, list) and all(
        isinstance(layer, dict) and set(layer) <= names
        and all(value is None or isinstance(value, bool | int | float | str | list) for value in layer.values())
        for layer in layers)


_NOT_IN_BUILD = frozenset(("build_timeout_s", "build_memory_gb", "rtol", "hls_tool", "hls4ml_version",
                           "toggle_rate", "fpga_rtol", "fpga_synth", "fpga_cosim"))


def design_key(module: Any, input_shapes: Sequence[tuple[int, ...]], cfg: FpgaConfig) -> str:
    """Hash of module structure + weights, input shapes, configuration and tool versions."""
    digest = hashlib.sha256()
    digest.update(repr(module).encode())
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().float().numpy().tobytes())
    meta = {
        "shapes": [list(s) for s in input_shapes],
        # Keys that change only the analytical model's figures (tool profile, hls4ml generation the
        # model assumes, toggle rate) or the run's limits do not change the C-simulation build.
        "config": {k: v for k, v in cfg.as_dict().items() if k not in _NOT_IN_BUILD},
        "lowering": LOWERING_VERSION,
        "hls4ml": version("hls4ml"),
        "gxx": compiler_version(),
    }
    digest.update(json.dumps(meta, sort_keys=True).encode())
    return digest.hexdigest()[:24]
