"""Build a board bundle with a Vivado or a Vitis flow (needs the vendor tools on PATH).

* ``vivado`` flow: hls4ml's VivadoAccelerator backend — Vivado HLS (``vivado_hls``, up to 2020.1)
  synthesises the design, Vivado (``vivado``) builds the board's block design and bitstream. The
  bundle (``design.bit``, ``design.hwh``, ``io.json``) lands in the cache under a key of the design,
  where the fpga-pynq backend looks for it. hls4ml 1.3 ships block designs for
  :data:`VIVADO_ACCELERATOR_BOARDS` only.
* ``vitis`` flow: hls4ml's Vitis backend — Vitis HLS (``vitis-run``) synthesises the design for the
  board's own part and exports it as a Vivado IP (``ip/``, ``io.json``). hls4ml 1.3 has no Vitis
  block-design template, so the bitstream step (IP integrator with the board's processing system)
  is left to the user; the bundle says so in ``README.txt``.

Every board maps to its own part (``hls/parts.toml``): a ZCU104 is built for the xczu7ev, never as
a ZCU102.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from accelbench.errors import UserError
from accelbench.fpga.cache import cache_root, design_key
from accelbench.fpga.config import FpgaConfig
from accelbench.workload import Workload

#: hls4ml 1.3 VivadoAccelerator board names for accelbench's boards (those it has block designs for).
VIVADO_ACCELERATOR_BOARDS = {"pynq-z2": "pynq-z2", "zcu102": "zcu102", "alveo-u250": "alveo-u250"}
FLOWS = ("vivado", "vitis")
#: The executables each flow needs.
FLOW_TOOLS = {"vivado": ("vivado_hls", "vivado"), "vitis": ("vitis-run",)}


def bundle_dir(workload: Workload, cfg: FpgaConfig) -> Path:
    from accelbench.fpga.lowering import lower

    lowered = lower(workload)
    return cache_root().parent / "bundles" / design_key(lowered.module, lowered.input_shapes, cfg)


def default_flow() -> str:
    """The flow whose tools are on PATH (Vitis first), else "vivado"."""
    for flow in ("vitis", "vivado"):
        if all(shutil.which(tool) for tool in FLOW_TOOLS[flow]):
            return flow
    return "vivado"


def check_flow(flow: str, board: str | None) -> None:
    """UserError when the flow is unknown, its tools are missing or it cannot target ``board``."""
    if flow not in FLOWS:
        raise UserError(f"--flow must be one of {', '.join(FLOWS)}, got {flow!r}")
    if board is None:
        raise UserError("a bundle needs a board (--board)")
    if flow == "vivado" and board not in VIVADO_ACCELERATOR_BOARDS:
        raise UserError(f"the vivado flow (hls4ml's VivadoAccelerator) has block designs for "
                        f"{', '.join(VIVADO_ACCELERATOR_BOARDS)} only, not {board}; use --flow vitis to export "
                        f"the design as an IP for {board}'s part")
    missing = [tool for tool in FLOW_TOOLS[flow] if shutil.which(tool) is None]
    if missing:
        raise UserError(f"the {flow} flow needs {', '.join(missing)} on PATH; the emulated board "
                        "(`accelbench board serve --emulate`) needs none")


def _io(workload: Workload, lowered: Any) -> dict[str, Any]:
    return {"input_shapes": [list(s) for s in lowered.input_shapes],
            "output_size": int(np.prod(workload.output_shape(1)[1:]))}


def build_bundle(workload: Workload, cfg: FpgaConfig, flow: str | None = None) -> Path:
    """Synthesise ``workload`` for ``cfg.board`` with ``flow``; returns the bundle directory."""
    flow = flow or default_flow()
    check_flow(flow, cfg.board)
    assert cfg.board is not None
    import hls4ml

    from accelbench.fpga.convert import hls_config
    from accelbench.fpga.lowering import lower

    lowered = lower(workload)
    target = bundle_dir(workload, cfg)
    project = target / f"prj-{flow}"
    if flow == "vivado":
        model: Any = hls4ml.converters.convert_from_pytorch_model(
            lowered.module, hls_config=hls_config(lowered, cfg), output_dir=str(project),
            backend="VivadoAccelerator", board=VIVADO_ACCELERATOR_BOARDS[cfg.board], io_type="io_stream",
            clock_period=cfg.clock_ns,
        )
        model.build(csim=False, synth=True, export=True, bitfile=True)
        bits, hwhs = sorted(project.rglob("*.bit")), sorted(project.rglob("*.hwh"))
        if not bits or not hwhs:
            raise RuntimeError(f"Vivado finished without a .bit/.hwh under {project}")
        shutil.copy(bits[-1], target / "design.bit")
        shutil.copy(hwhs[-1], target / "design.hwh")
    else:
        model = hls4ml.converters.convert_from_pytorch_model(
            lowered.module, hls_config=hls_config(lowered, cfg), output_dir=str(project), backend="Vitis",
            part=cfg.part, io_type="io_stream", clock_period=cfg.clock_ns,
        )
        model.write()
        (project / "build_opt.tcl").write_text("array set opt {\n    reset 0\n    csim 0\n    synth 1\n"
                                               "    cosim 0\n    validation 0\n    export 1\n    vsynth 0\n"
                                               "    fifo_opt 0\n}\n")
        proc = subprocess.run(["vitis-run", "--tcl", "build_prj.tcl", "--mode", "hls"], cwd=project,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"Vitis HLS failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-500:]}")
        ips = sorted(project.rglob("impl/ip"))
        if not ips:
            raise RuntimeError(f"Vitis HLS finished without an exported IP under {project}")
        shutil.copytree(ips[-1], target / "ip", dirs_exist_ok=True)
        (target / "README.txt").write_text(
            f"Vitis HLS IP of {workload.name} for {cfg.board} ({cfg.part}, {cfg.clock_ns:g} ns).\n"
            "hls4ml 1.3 has no Vitis block-design template: add ip/ to a Vivado IP integrator design with the "
            "board's processing system and AXI DMA, then export design.bit and design.hwh here.\n")
    (target / "io.json").write_text(json.dumps(_io(workload, lowered)))
    return target
