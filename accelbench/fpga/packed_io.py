"""A VivadoAccelerator-style project for a design with several inputs: one packed AXI stream, split in HLS.

hls4ml 1.3's VivadoAccelerator backend refuses a model with more than one input
(``VivadoAcceleratorConfig`` asserts ``len(model_inputs) == 1``) and its board block designs
(``templates/vivado_accelerator/<board>/tcl_scripts/axi_stream_design.tcl``) have one AXI DMA
engine wired to the wrapper's ``in``/``out`` ports. An RNN step (x, h; an LSTM also c) is
therefore written with the plain Vivado backend and completed here the way hls4ml's
``VivadoAcceleratorWriter`` completes a one-input project:

* ``firmware/<project>_axi.h``/``.cpp``: the top function ``<project>_axi(input_axi_t in[N_IN],
  output_axi_t out[N_OUT])`` with hls4ml's AXI-stream element types (float data + TLAST) and
  interface pragmas. ``N_IN`` is the packed row (every input's values back to back, in the
  design's input order, as ``io.json``'s ``packed_inputs`` records); one split process reads it
  in order into one ``hls::stream`` per design input, the design runs, a merge process writes the
  output with TLAST after the last value of a transfer whose input carried TLAST.
* ``build_prj.tcl``: top ``<project>_axi`` and the wrapper source added (hls4ml's own edits);
  ``project.tcl``: backend ``vivadoaccelerator`` and the AXI bit widths; ``design.tcl``: the
  board's block design copied from the installed hls4ml, unchanged (one DMA, ``in_r``/``out_r``).

What is checked here (tests/fpga/test_packed_stream_wrapper.py): the wrapper compiles with g++
against hls4ml's ap_types and, in C simulation, gives bit for bit the unpacked design's output on
random inputs. What only a Vivado HLS / Vivado run can confirm: that C synthesis accepts the
split/merge dataflow (one reader of ``in``, one writer of ``out``, as in hls4ml's wrapper), that
``export_design`` names the ports ``in_r``/``out_r`` as hls4ml's block design expects, and that
the bitstream's DMA transfers of ``rows x N_IN`` floats return ``rows x N_OUT`` floats.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accelbench.board.packing import PackedInput, packed_size
from accelbench.errors import UserError

INDENT = "    "
#: AXI stream element data type of the packed input and the output (hls4ml's default "float").
AXI_TYPE = "float"
AXI_BITS = 32


def hls4ml_templates() -> Path:
    """The installed hls4ml's VivadoAccelerator templates (block designs, wrapper skeletons)."""
    import hls4ml

    return Path(hls4ml.__file__).parent / "templates" / "vivado_accelerator"


def board_design_tcl(board: str) -> Path:
    """hls4ml's AXI-stream block design for ``board``; UserError when it has none we can pack into."""
    import hls4ml

    boards = json.loads((Path(hls4ml.__file__).parent / "backends" / "vivado_accelerator"
                         / "supported_boards.json").read_text())
    info = boards.get(board)
    if info is None or board.startswith("alveo") or "axi_stream" not in info.get("tcl_scripts", {}):
        raise UserError(f"a design with several inputs is packed into hls4ml's one-DMA AXI-stream block design, "
                        f"which hls4ml has for Zynq boards only (pynq-z2, zcu102), not {board}")
    return hls4ml_templates() / board / "tcl_scripts" / info["tcl_scripts"]["axi_stream"]


def _stream_depth(variable: Any) -> int:
    pragma = getattr(variable, "pragma", None)
    return int(pragma[1]) if isinstance(pragma, tuple) and len(pragma) > 1 else 1


def check_design(inputs: Sequence[Any], outputs: Sequence[Any], layout: Sequence[PackedInput]) -> None:
    """ValueError unless the design's input variables are the layout's, in order, and it has one output."""
    sizes = [int(v.size()) for v in inputs]
    if sizes != [entry.size for entry in layout]:
        raise ValueError(f"the design's inputs have {sizes} values, the packed layout {[e.size for e in layout]}")
    if len(outputs) != 1:
        raise ValueError(f"the packed AXI wrapper writes one output stream, the design has {len(outputs)}")


def axi_header(project: str, inputs: Sequence[Any], output: Any, layout: Sequence[PackedInput]) -> str:
    """``<project>_axi.h``: sizes, offsets and hls4ml's AXI-stream element structs (data + TLAST)."""
    lines = [f"#ifndef {project.upper()}_AXI_H_", f"#define {project.upper()}_AXI_H_", "",
             "#include <iostream>", f'#include "{project}.h"', "",
             "// Written by accelbench.fpga.packed_io: the design's inputs arrive as one AXI stream, each",
             "// packed row holding every input's values back to back (io.json packed_inputs).",
             f"static const unsigned N_IN = {packed_size(layout)};",
             f"static const unsigned N_OUT = {int(output.size())};"]
    for entry, variable in zip(layout, inputs, strict=True):
        lines.append(f"static const unsigned IN{entry.index}_OFFSET = {entry.offset};  "
                     f"// {variable.name}: {entry.size} values")
    lines += [f"typedef {AXI_TYPE} T_in;", f"typedef {AXI_TYPE} T_out;",
              *_axi_struct("in_struct", "T_in", "input_axi_t"), *_axi_struct("out_struct", "T_out", "output_axi_t"),
              "", f"void {project}_axi(input_axi_t in[N_IN], output_axi_t out[N_OUT]);", "#endif", ""]
    return "\n".join(lines)


def _axi_struct(tag: str, data: str, name: str) -> list[str]:
    """hls4ml's AXI-stream element (``VivadoAcceleratorWriter.write_axi_wrapper``), the same members."""
    return [f"typedef struct {tag} {{", f"{INDENT}{data} data;", f"{INDENT}ap_uint<1> last;",
            f"{INDENT}{tag}(const {data}& data, const ap_uint<1>& last){{this->data = data; this->last = last;}};",
            f"{INDENT}{tag}(){{this->data = 0; this->last = 0;}};",
            f"{INDENT}friend std::ostream& operator<<(std::ostream& stream, const {tag}& v)",
            f'{INDENT}{{ return stream << "{{ data: " << v.data << ", last: " << v.last << " }}" << std::endl; }}',
            f"{INDENT}operator float() const {{return this->data;}}",
            f"{INDENT}operator double() const {{return this->data;}}",
            f"{INDENT}{tag}(float data) {{this->data = data; this->last = 0;}}",
            f"{INDENT}{tag}(double data) {{this->data = data; this->last = 0;}}",
            f"}} {name};"]


def axi_source(project: str, inputs: Sequence[Any], output: Any) -> str:
    """``<project>_axi.cpp``: split the packed stream into the design's input streams, run it, merge the output.

    The split reads ``in`` once, in order (an AXI stream), as hls4ml's one-input wrapper does; the
    float -> fixed cast per value is hls4ml's (``typename T::value_type(in[k].data)``).
    """
    streams = ", ".join(f"hls::stream<{v.type.name}> &s{i}" for i, v in enumerate(inputs))
    split = [f"static void {project}_split(input_axi_t in[N_IN], {streams}, bool &is_last) {{",
             f"{INDENT}bool last = false;"]
    for i, variable in enumerate(inputs):
        t, n = variable.type.name, int(variable.size())
        split += [f"{INDENT}// {variable.name}: values IN{i}_OFFSET .. IN{i}_OFFSET + {n} of the row",
                  f"{INDENT}for (unsigned i = 0; i < {n} / {t}::size; ++i) {{",
                  f"{INDENT * 2}{t} ctype;", f"{INDENT * 2}#pragma HLS DATA_PACK variable=ctype",
                  f"{INDENT * 2}for (unsigned j = 0; j < {t}::size; j++) {{",
                  f"{INDENT * 3}const unsigned k = IN{i}_OFFSET + i * {t}::size + j;",
                  f"{INDENT * 3}ctype[j] = typename {t}::value_type(in[k].data);",
                  f"{INDENT * 3}last |= (in[k].last == 1) ? true : false;",
                  f"{INDENT * 2}}}", f"{INDENT * 2}s{i}.write(ctype);", f"{INDENT}}}"]
    split += [f"{INDENT}is_last = last;", "}", ""]
    r = output.type.name
    merge = [f"static void {project}_merge(hls::stream<{r}> &out_local, bool is_last, output_axi_t out[N_OUT]) {{",
             f"{INDENT}for (unsigned i = 0; i < N_OUT / {r}::size; ++i) {{",
             f"{INDENT * 2}{r} ctype = out_local.read();",
             f"{INDENT * 2}for (unsigned j = 0; j < {r}::size; j++) {{",
             f"{INDENT * 3}bool last = (is_last && (i * {r}::size + j == N_OUT - 1)) ? true : false;",
             f"{INDENT * 3}out[i * {r}::size + j] = output_axi_t(ctype[j], last);",
             f"{INDENT * 2}}}", f"{INDENT}}}", "}", ""]
    top = [f"void {project}_axi(input_axi_t in[N_IN], output_axi_t out[N_OUT]) {{",
           f"{INDENT}#pragma HLS INTERFACE axis port=in", f"{INDENT}#pragma HLS INTERFACE axis port=out",
           f"{INDENT}#pragma HLS INTERFACE ap_ctrl_none port=return", f"{INDENT}#pragma HLS DATAFLOW", "",
           f"{INDENT}bool is_last = false;"]
    for i, variable in enumerate(inputs):
        top += [f'{INDENT}hls::stream<{variable.type.name}> in_local_{i}("{variable.name}");',
                f"{INDENT}#pragma HLS STREAM variable=in_local_{i} depth={_stream_depth(variable)}"]
    top += [f'{INDENT}hls::stream<{r}> out_local("output_1");',
            f"{INDENT}#pragma HLS STREAM variable=out_local depth={_stream_depth(output)}", "",
            f"{INDENT}{project}_split(in, {', '.join(f'in_local_{i}' for i in range(len(inputs)))}, is_last);",
            f"{INDENT}{project}({', '.join(f'in_local_{i}' for i in range(len(inputs)))}, out_local);",
            f"{INDENT}{project}_merge(out_local, is_last, out);", "}", ""]
    return "\n".join([f'#include "{project}_axi.h"', "", *split, *merge, *top])


def patch_build_script(text: str, project: str) -> str:
    """hls4ml's ``modify_build_script`` edits: top ``<project>_axi``, its source added, cosim names."""
    out, found = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("set_top"):
            found = True
            line = line.rstrip("\n") + "_axi\n" + f'add_files firmware/{project}_axi.cpp -cflags "-std=c++0x"\n'
        elif f"{project}_cosim" in line:
            line = line.replace(f"{project}_cosim", f"{project}_axi_cosim")
        elif "${project_name}.tcl" in line:
            line = line.replace("${project_name}.tcl", "${project_name}_axi.tcl")
        out.append(line)
    if not found:
        raise RuntimeError("build_prj.tcl has no set_top line: hls4ml's Vivado project layout changed")
    return "".join(out)


def patch_project_tcl(text: str) -> str:
    """Backend ``vivadoaccelerator`` (build_prj.tcl's cosim/FIFO paths of the AXI top) and the AXI widths.

    The width variable names are crossed as hls4ml writes them (``bit_width_hls_output`` holds the
    input width); with float on both sides both are 32.
    """
    text = text.replace('set backend "vivado"', 'set backend "vivadoaccelerator"')
    return text + f"set bit_width_hls_output {AXI_BITS}\nset bit_width_hls_input {AXI_BITS}\n"


def write_packed_accelerator(model: Any, layout: Sequence[PackedInput], board: str) -> list[Path]:
    """Complete a written Vivado-backend project into a one-stream accelerator project; returns the files written.

    ``model`` is an hls4ml ModelGraph converted with ``backend="Vivado"``, ``io_type="io_stream"``
    and already written (``model.write()``). Nothing here runs a vendor tool.
    """
    if model.config.get_config_value("IOType") != "io_stream":
        raise ValueError("the packed AXI wrapper is written for io_stream designs")
    inputs, outputs = model.get_input_variables(), model.get_output_variables()
    check_design(inputs, outputs, layout)
    root = Path(model.config.get_output_dir())
    project = model.config.get_project_name()
    design_tcl = board_design_tcl(board)
    files = {root / "firmware" / f"{project}_axi.h": axi_header(project, inputs, outputs[0], layout),
             root / "firmware" / f"{project}_axi.cpp": axi_source(project, inputs, outputs[0]),
             root / "build_prj.tcl": patch_build_script((root / "build_prj.tcl").read_text(), project),
             root / "project.tcl": patch_project_tcl((root / "project.tcl").read_text())}
    for path, text in files.items():
        path.write_text(text)
    shutil.copyfile(design_tcl, root / "design.tcl")
    return [*files, root / "design.tcl"]
