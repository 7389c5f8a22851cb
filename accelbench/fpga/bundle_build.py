"""Build a board bundle with a Vivado or a Vitis flow (needs the vendor tools on PATH).

* ``vivado`` flow: hls4ml's VivadoAccelerator backend — Vivado HLS (``vivado_hls``, up to 2020.1)
  synthesises the design, Vivado (``vivado``) builds the board's block design and bitstream. The
  bundle (``design.bit``, ``design.hwh``, ``io.json``) lands in the cache under a key of the design,
  where the fpga-pynq backend looks for it. hls4ml 1.3 ships block designs for
  :data:`VIVADO_ACCELERATOR_BOARDS` only. A design with several inputs (an RNN step: x, h[, c])
  is refused by hls4ml's VivadoAccelerator backend (it asserts one input): it is written with the
  Vivado backend and completed by :mod:`accelbench.fpga.packed_io` into the same one-DMA project
  with a wrapper that splits one packed input stream; ``io.json`` records the packing
  (``packed_inputs``) and the board sends the inputs concatenated accordingly.
* ``vitis`` flow: hls4ml's Vitis backend — Vitis HLS (``vitis-run``) synthesises the design for the
  board's own part and exports it as a Vivado IP (``ip/``, ``io.json``). hls4ml 1.3 has no Vitis
  block-design template, so the bitstream step (IP integrator with the board's processing system)
  is left to the user; the bundle says so in ``README.txt``. A multi-input IP keeps one AXI-stream
  port per input (no packing recorded): the board path then wants one DMA engine per input.

Every board maps to its own part (``hls/parts.toml``): a ZCU104 is built for the xczu7ev, never as
a ZCU102.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

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


def bundle_io(workload: Workload, lowered: Any, packed: bool = True) -> dict[str, Any]:
    """``io.json``: input shapes and output size, plus the packed layout of a multi-input design when ``packed``.

    ``packed`` is what the vivado flow builds (and what the emulated board mirrors); the vitis
    flow's IP keeps one port per input.
    """
    from accelbench.board.packing import packing_json

    shapes = [list(s) for s in lowered.input_shapes]
    return {"input_shapes": shapes, "output_size": design_output_size(lowered),
            **(packing_json(shapes) if packed else {})}


def design_output_size(lowered: Any) -> int:
    """Values the design streams out per input row: its module's output on one row of zeros.

    Not the workload's output per item: a GEMM design takes one row of A per call (n values out, not
    m x n), and a sequence's LSTM cell returns concat(h', c') (2 x hidden) for the host to feed back.
    The board sizes its receive buffer from this.
    """
    import torch

    with torch.no_grad():
        out = lowered.module(*[torch.zeros(1, *shape) for shape in lowered.input_shapes])
    return int(out[0].numel())


#: The vivado_hls run of the vivado flow (hls4ml's VivadoBackend.build options: synthesis and IP export).
VIVADO_HLS_OPTIONS = "reset=0 csim=0 synth=1 cosim=0 validation=0 export=1 vsynth=0 fifo_opt=0"


def _run_tool(command: list[str], cwd: Path) -> None:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({proc.returncode}) in {cwd}: {(proc.stderr or proc.stdout)[-500:]}")


def write_packed_project(lowered: Any, cfg: FpgaConfig, project: Path) -> Any:
    """The multi-input design's one-stream accelerator project under ``project`` (no vendor tool runs).

    Vivado backend (hls4ml's VivadoAccelerator refuses several inputs), the board's part, io_stream,
    then :func:`accelbench.fpga.packed_io.write_packed_accelerator`. Returns the hls4ml ModelGraph.
    """
    import hls4ml

    from accelbench.board.packing import concat_layout
    from accelbench.fpga.convert import hls_config
    from accelbench.fpga.packed_io import board_design_tcl, write_packed_accelerator

    assert cfg.board is not None
    board = VIVADO_ACCELERATOR_BOARDS[cfg.board]
    board_design_tcl(board)  # refuse a board without a one-DMA block design before converting
    with contextlib.redirect_stdout(io.StringIO()):  # hls4ml prints its topology; stdout is the CLI's
        model = hls4ml.converters.convert_from_pytorch_model(
            lowered.module, hls_config=hls_config(lowered, cfg), output_dir=str(project), backend="Vivado",
            part=cfg.part, io_type="io_stream", clock_period=cfg.clock_ns,
        )
        model.write()
    write_packed_accelerator(model, concat_layout(lowered.input_shapes), board)
    return model


def build_packed_bitstream(project: Path) -> None:
    """Run what hls4ml's VivadoAccelerator build runs, on the packed project (needs Vivado; unchecked here).

    ``vivado_hls -f build_prj.tcl`` with synthesis and IP export (the top is the packed wrapper),
    then ``vivado -mode batch -source design.tcl`` (hls4ml's board block design and bitstream),
    each checked for its exit status (hls4ml's ``os.system`` calls are not).
    """
    _run_tool(["vivado_hls", "-f", "build_prj.tcl", VIVADO_HLS_OPTIONS], project)
    _run_tool(["vivado", "-mode", "batch", "-source", "design.tcl"], project)


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
    packed = flow == "vivado" and len(lowered.input_shapes) > 1
    if packed:
        write_packed_project(lowered, cfg, project)
        build_packed_bitstream(project)
        _copy_bitstream(project, target)
    elif flow == "vivado":
        model: Any = hls4ml.converters.convert_from_pytorch_model(
            lowered.module, hls_config=hls_config(lowered, cfg), output_dir=str(project),
            backend="VivadoAccelerator", board=VIVADO_ACCELERATOR_BOARDS[cfg.board], io_type="io_stream",
            clock_period=cfg.clock_ns,
        )
        model.build(csim=False, synth=True, export=True, bitfile=True)
        _copy_bitstream(project, target)
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
            "board's processing system and AXI DMA, then export design.bit and design.hwh here.\n"
            + ("The IP has one AXI-stream port per input: give it one AXI DMA per input (axi_dma_0, axi_dma_1, "
               "... in the order of io.json's input_shapes).\n" if len(lowered.input_shapes) > 1 else ""))
    (target / "io.json").write_text(json.dumps(bundle_io(workload, lowered, packed=packed)))
    return target


def _copy_bitstream(project: Path, target: Path) -> None:
    bits, hwhs = sorted(project.rglob("*.bit")), sorted(project.rglob("*.hwh"))
    if not bits or not hwhs:
        raise RuntimeError(f"Vivado finished without a .bit/.hwh under {project}")
    shutil.copy(bits[-1], target / "design.bit")
    shutil.copy(hwhs[-1], target / "design.hwh")
