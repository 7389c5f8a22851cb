"""Build a PYNQ bitstream bundle with hls4ml's VivadoAccelerator backend (needs Vivado on PATH).

The bundle (``*.bit``, ``*.hwh``, ``io.json``) lands in the cache under a key of the design, where
the fpga-pynq backend looks for it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.errors import UserError
from accelbench.fpga.cache import cache_root, design_key
from accelbench.fpga.config import FpgaConfig
from accelbench.workload import Workload

#: hls4ml VivadoAccelerator board names for accelbench's board presets.
HLS4ML_BOARDS = {"pynq-z2": "pynq-z2", "zcu102": "zcu102", "zcu104": "zcu102", "kv260": "kv260",
                 "alveo-u250": "alveo-u250"}


def bundle_dir(workload: Workload, cfg: FpgaConfig) -> Path:
    from accelbench.fpga.lowering import lower

    lowered = lower(workload)
    return cache_root().parent / "bundles" / design_key(lowered.module, lowered.input_shapes, cfg)


def build_bundle(workload: Workload, cfg: FpgaConfig) -> Path:
    """Synthesise and implement the design for ``cfg.board``; returns the bundle directory."""
    if shutil.which("vivado") is None:
        raise UserError("building a bitstream needs Vivado (`vivado` is not on PATH); "
                        "the emulated board (`accelbench board serve --emulate`) needs none")
    if cfg.board not in HLS4ML_BOARDS:
        raise UserError(f"--fpga-board must be one of {', '.join(HLS4ML_BOARDS)} to build a bundle")
    import hls4ml

    from accelbench.fpga.convert import hls_config
    from accelbench.fpga.lowering import lower

    lowered = lower(workload)
    target = bundle_dir(workload, cfg)
    project = target / "prj"
    model: Any = hls4ml.converters.convert_from_pytorch_model(
        lowered.module, hls_config=hls_config(lowered, cfg), output_dir=str(project), backend="VivadoAccelerator",
        board=HLS4ML_BOARDS[cfg.board], io_type="io_stream", clock_period=cfg.clock_ns,
    )
    model.build(csim=False, synth=True, export=True, bitfile=True)
    bits = sorted(project.rglob("*.bit"))
    hwhs = sorted(project.rglob("*.hwh"))
    if not bits or not hwhs:
        raise RuntimeError(f"Vivado finished without a .bit/.hwh under {project}")
    shutil.copy(bits[-1], target / "design.bit")
    shutil.copy(hwhs[-1], target / "design.hwh")
    io = {"input_shapes": [list(s) for s in lowered.input_shapes],
          "output_size": int(np.prod(workload.output_shape(1)[1:]))}
    (target / "io.json").write_text(json.dumps(io))
    return target
