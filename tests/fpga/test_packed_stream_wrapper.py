"""A multi-input design behind one packed AXI stream: ``fpga bundle``'s project, io.json and C simulation.

hls4ml 1.3's VivadoAccelerator backend refuses a model with several inputs; the vivado flow writes
the project with the Vivado backend and accelbench's one-stream wrapper (accelbench.fpga.packed_io).
Here, with stand-ins for vivado_hls/vivado that only record their calls: the bundle's io.json
records the packing, the project files reference the packed top, the wrapper compiles against
hls4ml's ap_types, and (g++ C simulation) the wrapper fed the buffer the board sends gives the
unpacked design's output bit for bit, with TLAST after the last output value only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from accelbench.board.packing import concat_layout, pack, read_layout
from accelbench.errors import UserError
from accelbench.kinds import make_workload

LSTM = make_workload("rnn_step", {"cell": "lstm", "hidden": 4, "input_size": 3})  # three inputs: x, h, c
SHAPES = [(3,), (4,), (4,)]
ROWS = 5
FAKE_VIVADO_HLS = '#!/bin/sh\necho "vivado_hls $*" >> "$CALLS"\n'
FAKE_VIVADO = """#!/bin/sh
echo "vivado $*" >> "$CALLS"
mkdir -p myproject_vivado_accelerator/impl_1
echo bit > myproject_vivado_accelerator/impl_1/design_1_wrapper.bit
echo hwh > myproject_vivado_accelerator/impl_1/design_1.hwh
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``fpga bundle``'s vivado flow for the LSTM step, with stand-ins for vivado_hls and vivado on PATH.

    The stand-ins only record how they were called and leave a .bit/.hwh where Vivado would: the
    project and io.json are the real ones; synthesis and the bitstream are not checked here.
    """
    from accelbench.fpga.bundle_build import build_bundle
    from accelbench.fpga.config import resolve_config

    tools = tmp_path_factory.mktemp("vendor-stand-ins")
    for name, text in (("vivado_hls", FAKE_VIVADO_HLS), ("vivado", FAKE_VIVADO)):
        (tools / name).write_text(text)
        (tools / name).chmod(0o755)
    patch = pytest.MonkeyPatch()
    patch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    patch.setenv("CALLS", str(tools / "calls.log"))
    try:
        target = build_bundle(LSTM, resolve_config(LSTM, {"fpga_board": "pynq-z2"}), "vivado")
    finally:
        patch.undo()
    return target, tools / "calls.log"


@pytest.fixture(scope="module")
def project(bundle: tuple[Path, Path]) -> Path:
    return bundle[0] / "prj-vivado"


def test_vivado_accelerator_backend_refuses_several_inputs_so_we_pack(tmp_path: Path) -> None:
    """Why the packed route exists: hls4ml's own accelerator writer asserts one input."""
    import hls4ml

    from accelbench.fpga.config import resolve_config
    from accelbench.fpga.convert import hls_config
    from accelbench.fpga.lowering import lower

    lowered = lower(LSTM)
    cfg = resolve_config(LSTM, {"fpga_board": "pynq-z2"})
    model = hls4ml.converters.convert_from_pytorch_model(
        lowered.module, hls_config=hls_config(lowered, cfg), output_dir=str(tmp_path / "va"),
        backend="VivadoAccelerator", board="pynq-z2", io_type="io_stream", clock_period=cfg.clock_ns)
    with pytest.raises(AssertionError, match="one input tensor"):
        model.write()


def test_the_bundle_records_the_packing_and_runs_hls4mls_build_steps(bundle: tuple[Path, Path]) -> None:
    target, calls = bundle
    io = json.loads((target / "io.json").read_text())
    assert io["input_shapes"] == [[3], [4], [4]] and io["output_size"] == 4
    assert io["input_packing"] == "concat" and io["packed_size"] == 11
    assert [(e["offset"], e["size"]) for e in io["packed_inputs"]] == [(0, 3), (3, 4), (7, 4)]
    assert read_layout(io) == concat_layout(SHAPES)
    assert calls.read_text().splitlines() == [
        "vivado_hls -f build_prj.tcl reset=0 csim=0 synth=1 cosim=0 validation=0 export=1 vsynth=0 fifo_opt=0",
        "vivado -mode batch -source design.tcl"]
    assert (target / "design.bit").read_text() == "bit\n" and (target / "design.hwh").exists()


def test_the_project_builds_the_packed_top_into_hls4mls_one_dma_block_design(project: Path) -> None:
    build = (project / "build_prj.tcl").read_text()
    assert "set_top ${project_name}_axi\n" in build
    assert 'add_files firmware/myproject_axi.cpp -cflags "-std=c++0x"' in build
    project_tcl = (project / "project.tcl").read_text()
    assert 'set backend "vivadoaccelerator"' in project_tcl and "set bit_width_hls_input 32" in project_tcl
    assert 'set part "xc7z020clg400-1"' in project_tcl  # the pynq-z2's part
    design = (project / "design.tcl").read_text()
    assert design.count("create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma") == 1  # one engine
    assert "${project_name}_axi_0/in_r" in design and "${project_name}_axi_0/out_r" in design
    header = (project / "firmware" / "myproject_axi.h").read_text()
    assert "static const unsigned N_IN = 11;" in header and "static const unsigned N_OUT = 4;" in header
    assert "IN1_OFFSET = 3;" in header and "IN2_OFFSET = 7;" in header
    source = (project / "firmware" / "myproject_axi.cpp").read_text()
    assert "void myproject_axi(input_axi_t in[N_IN], output_axi_t out[N_OUT])" in source
    assert "#pragma HLS INTERFACE axis port=in" in source
    assert "myproject(in_local_0, in_local_1, in_local_2, out_local);" in source


def test_the_wrapper_compiles_against_hls4mls_ap_types(project: Path) -> None:
    subprocess.run(["g++", "-std=c++11", "-fsyntax-only", "-Ifirmware/ap_types", "-Ifirmware",
                    "firmware/myproject_axi.cpp"], cwd=project, check=True, capture_output=True, text=True)


def _design_ports(project: Path) -> tuple[list[str], str]:
    """The stream types of the design's inputs and output, from hls4ml's ``myproject.h`` prototype."""
    header = (project / "firmware" / "myproject.h").read_text()
    types = re.findall(r"hls::stream<(\w+)> &\w+", header.split("void myproject(")[1].split(");")[0])
    return types[:-1], types[-1]


def _harness(project: Path, sizes: list[int], n_out: int, rows: int) -> str:
    """A C simulation reading each row's inputs then its packed buffer; prints both paths' outputs and TLAST."""
    in_types, out_type = _design_ports(project)
    lines = ["#include <cstdio>", "#include <iostream>", "#include <map>", "#include <string>",
             '#include "firmware/myproject_axi.h"', '#include "firmware/nnet_utils/nnet_helpers.h"',
             "namespace nnet { bool trace_enabled = false; std::map<std::string, void *> *trace_outputs = NULL;",
             "size_t trace_type_size = sizeof(double); }", "int main() {",
             f"  for (unsigned r = 0; r < {rows}; ++r) {{"]
    for i, (t, n) in enumerate(zip(in_types, sizes, strict=True)):  # the unpacked design, fed as hls4ml's bridge does
        lines += [f"    float v{i}[{n}];", f"    for (unsigned k = 0; k < {n}; ++k) std::cin >> v{i}[k];",
                  f"    hls::stream<{t}> s{i};", f"    nnet::convert_data<float, {t}, {n}>(v{i}, s{i});"]
    lines += [f"    hls::stream<{out_type}> so;", f"    myproject({', '.join(f's{i}' for i in range(len(sizes)))}, so);",
              f"    float y[{n_out}];", f"    nnet::convert_data<{out_type}, float, {n_out}>(so, y);",
              "    input_axi_t in[N_IN];", "    output_axi_t out[N_OUT];",
              "    for (unsigned k = 0; k < N_IN; ++k) { float p; std::cin >> p;",
              f"      in[k] = input_axi_t(p, (r == {rows - 1} && k == N_IN - 1) ? 1 : 0); }}",
              "    myproject_axi(in, out);",
              f'    for (unsigned k = 0; k < {n_out}; ++k) printf("%.9g %.9g %d\\n", y[k], (float)out[k].data, '
              "(int)out[k].last);", "  }", "  return 0;", "}", ""]
    return "\n".join(lines)


def test_packed_wrapper_equals_the_unpacked_design_in_c_simulation(project: Path) -> None:
    import torch

    from accelbench.fpga.lowering import lower

    (project / "packed_check.cpp").write_text(_harness(project, [3, 4, 4], 4, ROWS))
    weights = '"' + str(project / "firmware" / "weights") + '"'
    subprocess.run(["g++", "-std=c++11", "-O1", "-Ifirmware/ap_types", "-Ifirmware", "-I.", f"-DWEIGHTS_DIR={weights}",
                    "firmware/myproject.cpp", "firmware/myproject_axi.cpp", "packed_check.cpp", "-o", "packed_check"],
                   cwd=project, check=True, capture_output=True, text=True)
    rng = np.random.default_rng(7)
    inputs = [rng.uniform(-1, 1, (ROWS, *shape)).astype(np.float32) for shape in SHAPES]
    packed = pack(inputs, concat_layout(SHAPES))  # the DMA buffer the board sends
    text = "\n".join(" ".join(f"{v:.9g}" for part in [*(x[r] for x in inputs), packed[r]] for v in part)
                     for r in range(ROWS))
    run = subprocess.run(["./packed_check"], cwd=project, input=text, check=True, capture_output=True, text=True)
    values = np.array([[float(v) for v in line.split()] for line in run.stdout.splitlines()])
    unpacked, wrapped, last = values[:, 0], values[:, 1], values[:, 2]
    np.testing.assert_array_equal(wrapped, unpacked)  # bit for bit: same casts, same design
    assert last.tolist() == [0.0] * (len(last) - 1) + [1.0]  # TLAST after the transfer's last value only
    with torch.no_grad():  # and it is the cell: within fixed-point error of the float module
        expected = lower(LSTM).module(*(torch.from_numpy(x) for x in inputs)).numpy()
    np.testing.assert_allclose(unpacked.reshape(ROWS, -1), expected, atol=0.05)
    assert np.ptp(unpacked) > 0.1


def test_a_layout_that_is_not_the_designs_inputs_is_refused() -> None:
    from accelbench.fpga.packed_io import check_design

    def variable(size: int) -> SimpleNamespace:
        return SimpleNamespace(size=lambda: size)

    design = [variable(3), variable(4), variable(4)]
    check_design(design, [variable(4)], concat_layout(SHAPES))
    with pytest.raises(ValueError, match="packed layout"):
        check_design(design, [variable(4)], concat_layout([(4,), (3,), (4,)]))
    with pytest.raises(ValueError, match="one output"):
        check_design(design, [variable(4), variable(4)], concat_layout(SHAPES))


def test_boards_without_a_one_dma_zynq_design_are_refused() -> None:
    from accelbench.fpga.packed_io import board_design_tcl

    assert str(board_design_tcl("pynq-z2")).endswith("pynq-z2/tcl_scripts/axi_stream_design.tcl")
    with pytest.raises(UserError, match="Zynq boards only"):
        board_design_tcl("alveo-u250")
