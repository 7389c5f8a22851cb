"""Child process for the expensive stages of one hls4ml design.

``python -m accelbench.fpga.compile_worker SPEC [STAGE]``, or :func:`run_forked` in a process forked
from the build server (:class:`accelbench.fpga.build_server._Worker`): the same stages either way.

Runs under the parent's timeout and an address-space limit (set by the parent as it starts), so a
g++ or qonnx blow-up kills this process, not the benchmark. SPEC is a JSON file: the workload (kind,
params, name), the FPGA configuration and the output directory. Stages: ``onnx`` exports the module
and cleans it with qonnx (networks with depthwise convolutions), writing ``onnx/clean.onnx``;
``compile`` (default) converts, writes the hls4ml project and compiles its C simulation, writing
``manifest.json`` next to the project: the compiled library, how it was compiled, and everything
``prepare`` needs so that it never converts again (the layers for the analytical model, the
library's entry point and the sizes of its inputs and outputs; see :data:`MANIFEST_FORMAT`);
``pch`` builds the precompiled ap_types header unless it exists (:mod:`accelbench.fpga.pch`).

The C simulation is compiled as hls4ml's generated ``build_lib.sh`` does (same compiler, the same
language-standard and ``-fno-gnu-unique`` probes, include path), except that the firmware and the
Python bridge are one translation unit (the ap_fixed and nnet headers are parsed once, not twice)
at :data:`CXX_OPT` instead of ``-O3``, and ``WEIGHTS_DIR`` (the weights the library loads at its
first call) is found beside the loaded library rather than baked in as the project's absolute path
(:data:`WEIGHTS_DIR_CODE`: the same directory, and a copy of the library in another project reads
that project's weights). Designs whose C++ differs only in reuse factors share one compile
(:mod:`accelbench.fpga.csim_share`). Side by side (g++ CPU time, medians
of 3-4 alternated runs) that is a third (GRU cell) to a half (vanilla RNN cell) less per design; -O1
instead of -O3 in one translation unit accounts for 14-21 %. The C simulation is integer arithmetic
in ``ap_fixed``: outputs were checked bit-identical to ``build_lib.sh``'s library (float32 and
float64 inputs, in and far out of range) on GRU, LSTM and vanilla RNN cells, a gemm, an io_stream
conv2d, jet_mlp (softmax) and a depthwise ONNX block; ``tests/fpga/test_build_manifest.py`` keeps
checking a GRU. If hls4ml ever generates a ``build_lib.sh`` other than the one this mirrors, the
worker runs that script instead and the manifest says so.

The ap_types headers (``ap_fixed.h``, ``ap_int.h``, ``hls_stream.h``, after ``<iostream>``: what
every design's firmware includes first) come precompiled (:mod:`accelbench.fpga.pch`): one header
built once per g++ version, flags and hls4ml ap_types, passed as ``-include``, so each design's g++
loads it instead of parsing them again (about 38 % less g++ CPU on small RNN cells, 19 % on the
jet tagger at RF 2; building the PCH once took about 4.5 s and 100 MB). Include guards make the
firmware's own includes of them no-ops, so the translation unit is the same and so are the outputs
(``tests/fpga/test_pch.py``). A run builds it in a ``pch`` stage of its own beside its first
compiles, which do not wait for it (they compile without it; on the jet tagger building the PCH and
compiling plainly take about as long, so waiting doubled a one-design build); or ahead with
``python -m accelbench.fpga.pch``. A missing, rejected or corrupt PCH, or a project whose ap_types
differ from the ones it was built from, means the plain compile; ``pch`` in the manifest says which
ran (``ACCELBENCH_PCH=0`` turns it off).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from accelbench.fpga.cache import MANIFEST_FORMAT
from accelbench.fpga.csim_share import POISON as POISON_MARK
from accelbench.fpga.gxx import BUILD_RECIPE, FALLBACK_RECIPE, cxx_flags

#: The generated file that includes the firmware and the bridge (one translation unit).
UNITY_SOURCE = "accelbench_csim.cpp"
#: Where the library reads its weights (``WEIGHTS_DIR``, which build_lib.sh sets to the project's absolute
#: ``firmware/weights``): ``weights/`` beside the loaded library itself, found with ``dladdr``. The same
#: directory for a library compiled in its project, and it lets a library compiled once be copied into
#: several designs' projects (:mod:`accelbench.fpga.csim_share`), each then reading its own weights.
WEIGHTS_DIR_CODE = """#include <dlfcn.h>
#include <string>
static const char *accelbench_weights_dir() {
    static const std::string dir = [] {
        Dl_info info;
        std::string path;
        if (dladdr(reinterpret_cast<void *>(&accelbench_weights_dir), &info) != 0 && info.dli_fname != nullptr)
            path = info.dli_fname;
        std::string::size_type slash = path.rfind('/');
        return (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/weights";
    }();
    return dir.c_str();
}
"""
#: The ``WEIGHTS_DIR`` macro: hls4ml's loaders take ``std::string(WEIGHTS_DIR)``.
WEIGHTS_DIR_MACRO = "accelbench_weights_dir()"
#: ``dladdr`` is in libdl before glibc 2.34 (a stub after).
LINK_LIBS = ["-ldl"]

#: The compile lines of hls4ml 1.3's build_lib.sh that :func:`compile_project` reproduces.
_EXPECTED_SCRIPT = (
    'CFLAGS="-O3 -fPIC"',
    '-c firmware/${PROJECT}.cpp -o ${PROJECT}.o',
    '-c ${PROJECT}_bridge.cpp -o ${PROJECT}_bridge.o',
    '-shared ${PROJECT}.o ${PROJECT}_bridge.o -o firmware/${PROJECT}-${LIB_STAMP}.so',
)


def unity_text(name: str) -> str:
    """The one translation unit: the weights-directory function, then the firmware and the bridge."""
    return ("// accelbench: hls4ml's firmware and bridge as one translation unit (see compile_worker.py)\n"
            f"{WEIGHTS_DIR_CODE}#include \"firmware/{name}.cpp\"\n#include \"{name}_bridge.cpp\"\n")


def compile_project(project: Path, name: str, stamp: str, shareable: bool = False,
                    build_pch: bool = True) -> dict[str, Any]:
    """Compile hls4ml's written project into ``firmware/<name>-<stamp>.so``; how it was compiled.

    One g++ on a generated file that includes ``firmware/<name>.cpp`` and ``<name>_bridge.cpp``
    (the two sources build_lib.sh compiles separately and links), with the precompiled ap_types
    header (:mod:`accelbench.fpga.pch`) when the project may use it (built here first if missing,
    unless ``build_pch`` is false: then only one already built). A ``shareable`` design (see
    :func:`accelbench.fpga.csim_share.eligible`) gets a copy of the library compiled once for every
    design whose C++ differs from it only in directive constants (``shared`` in the result says so),
    unless those constants turn out to be read by its code. Raises RuntimeError with g++'s last
    lines on failure.
    """
    from accelbench.fpga import csim_share

    library = project / "firmware" / f"{name}-{stamp}.so"
    script = (project / "build_lib.sh").read_text()
    if not all(line in script for line in _EXPECTED_SCRIPT):  # not the script this mirrors: run it
        done = subprocess.run(["bash", "./build_lib.sh"], cwd=project, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"build_lib.sh failed: {_tail(done.stdout + done.stderr)}")
        return {"recipe": FALLBACK_RECIPE, "cxxflags": [], "pch": {"used": False, "why": "build_lib.sh ran"}}
    flags = cxx_flags()
    if shareable:
        try:
            shared = csim_share.shared_library(project, name, unity_text(name), flags, library,
                                               lambda where, out: _compile_unity(where, name, flags, out, build_pch))
        except OSError:  # an unwritable or full shared cache: this design compiles its own project
            shared = None
        if shared is not None:
            return {**shared[1], "shared": shared[0].as_dict()}
    return _compile_unity(project, name, flags, library, build_pch)


def _compile_unity(project: Path, name: str, flags: list[str], library: Path, build_pch: bool) -> dict[str, Any]:
    """Write the unity source into ``project`` and compile it into ``library`` (with the PCH when it
    may be used). A PCH g++ rejects (``-Werror=invalid-pch``) or any failure with it means the plain
    compile runs instead, and a PCH that fails where the plain compile succeeds is discarded. ``pch``
    in the result says whether it was used (and, if not, why)."""
    from accelbench.fpga import pch as pch_module

    (project / UNITY_SOURCE).write_text(unity_text(name))
    rest = ["-Ifirmware/ap_types/", f"-DWEIGHTS_DIR={WEIGHTS_DIR_MACRO}", "-shared", UNITY_SOURCE,
            "-o", str(library.absolute()), *LINK_LIBS]
    pch, why = pch_module.for_project(project, name, flags, build=build_pch)
    if pch is not None:
        # -Wfatal-errors: a rejected PCH fails at once instead of after compiling the whole file.
        done = _gxx([*flags, "-Werror=invalid-pch", "-Wfatal-errors", "-include", str(pch.header), *rest], project)
        if done.returncode == 0:
            return {"recipe": BUILD_RECIPE, "cxxflags": flags, "pch": {"used": True, "path": str(pch.header)}}
        if POISON_MARK in (done.stderr or ""):  # a directive constant is read: the plain compile fails the same
            raise RuntimeError(f"g++ failed: {_tail(done.stderr)}")
        why = f"g++ failed with it ({_tail(done.stderr or done.stdout)}); compiled without"
    done = _gxx([*flags, *rest], project)
    if done.returncode != 0:
        raise RuntimeError(f"g++ failed: {_tail(done.stderr or done.stdout)}")
    if pch is not None:  # the plain compile succeeded where the PCH failed: the PCH is broken
        pch_module.discard(pch)
    return {"recipe": BUILD_RECIPE, "cxxflags": flags, "pch": {"used": False, "why": why}}


def _gxx(args: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["g++", *args], cwd=project, capture_output=True, text=True, check=False)


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "; ".join(lines[-3:]) or "no output"


def _relu6_in_stream(layers: list[Any], io_type: str) -> str:
    if io_type == "io_stream" and any(layer.activation == "relu6" for layer in layers):
        return ("model-only: hls4ml 1.3's C++ library has relu6 for io_parallel only (no io_stream kernel); "
                "not C-simulated, figures from the analytical model only")
    return ""


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """Convert, write and compile one design; its manifest (not yet sealed with the library's hash)."""
    from accelbench.fpga.config import FpgaConfig
    from accelbench.fpga.convert import convert
    from accelbench.fpga.csim_share import eligible
    from accelbench.fpga.layers import layers_from_hls_model
    from accelbench.fpga.lowering import lower
    from accelbench.kinds import make_workload

    workload = make_workload(spec["kind"], spec["params"], name=spec["name"])
    cfg = FpgaConfig(**spec["config"])
    project = Path(spec["project_dir"])
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        model = convert(lower(workload), cfg, project)
    layers = layers_from_hls_model(model)
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "layers": [asdict(layer) for layer in layers],
        "convert_s": time.perf_counter() - t0,
    }
    model_only = _relu6_in_stream(layers, cfg.io_type)
    if model_only:  # nothing to compile: the design is modeled only
        manifest.update(model_only=model_only, compile_s=manifest["convert_s"])
        return manifest
    name = str(model.config.get_project_name())
    with contextlib.redirect_stdout(io.StringIO()):
        model.write()  # the project, build_lib.sh last (the parent reports "g++" when it appears)
    # Set by write(): a library name unique per build, so a rebuilt design is never the one dlopen has loaded.
    stamp = str(model.config.get_config_value("Stamp"))
    t1 = time.perf_counter()
    shareable = eligible([layer.strategy for layer in layers], cfg.io_type)
    manifest.update(compile_project(project, name, stamp, shareable=shareable, build_pch=spec.get("build_pch", True)))
    manifest.update(
        library=str(project / "firmware" / f"{name}-{stamp}.so"), stamp=stamp, top=name,
        input_sizes=[int(v.size()) for v in model.get_input_variables()],
        output_sizes=[int(v.size()) for v in model.get_output_variables()],
        gxx_s=time.perf_counter() - t1, compile_s=time.perf_counter() - t0,
    )
    return manifest


def main(spec_path: str, stage: str = "compile") -> int:
    spec = json.loads(Path(spec_path).read_text())
    project = Path(spec["project_dir"])
    if stage == "onnx":
        from accelbench.fpga.convert import onnx_model
        from accelbench.fpga.lowering import lower
        from accelbench.kinds import make_workload

        workload = make_workload(spec["kind"], spec["params"], name=spec["name"])
        with contextlib.redirect_stdout(io.StringIO()):
            onnx_model(lower(workload), project.parent / "onnx")
        return 0
    if stage == "pch":  # started by accelbench.fpga.build beside the first compiles
        from accelbench.fpga import pch
        from accelbench.fpga.gxx import cxx_flags

        pch.ensure(cxx_flags(), wait_s=0.0)  # another process building it: nothing to do
        return 0
    manifest = build(spec)
    part = project.parent / "manifest.json.part"
    part.write_text(json.dumps(manifest))
    part.replace(project.parent / "manifest.json")
    return 0


def run_forked(spec_path: str, stage: str, log_path: str, env: dict[str, str]) -> None:
    """A stage forked from the build server (:class:`accelbench.fpga.build_server._Worker`): what
    ``python -m accelbench.fpga.compile_worker SPEC STAGE`` does, in the parent's environment, with
    stdout and stderr in ``log_path``; a failure exits non-zero with its traceback in the log."""
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    code = main(spec_path, stage)
    sys.stdout.flush()
    sys.stderr.flush()
    if code:
        sys.exit(code)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
