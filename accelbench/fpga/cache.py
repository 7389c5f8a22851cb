"""The hls4ml build cache (hls4ml has none): compiled C-simulation libraries keyed by design.

The key covers everything that changes the compiled library: the lowered module's structure and
weights, the FPGA configuration, the lowering version, hls4ml's version and the g++ version.
Entries live in ``$ACCELBENCH_CACHE_DIR`` (default ``~/.cache/accelbench/hls4ml``); a lock file
serialises concurrent builds of the same design.
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
from accelbench.fpga.lowering import LOWERING_VERSION


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


def design_key(module: Any, input_shapes: Sequence[tuple[int, ...]], cfg: FpgaConfig) -> str:
    """Hash of module structure + weights, input shapes, configuration and tool versions."""
    digest = hashlib.sha256()
    digest.update(repr(module).encode())
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().float().numpy().tobytes())
    meta = {
        "shapes": [list(s) for s in input_shapes],
        "config": {k: v for k, v in cfg.as_dict().items() if k not in ("build_timeout_s", "build_memory_gb", "rtol")},
        "lowering": LOWERING_VERSION,
        "hls4ml": version("hls4ml"),
        "gxx": compiler_version(),
    }
    digest.update(json.dumps(meta, sort_keys=True).encode())
    return digest.hexdigest()[:24]
