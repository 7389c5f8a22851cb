"""Child process for the expensive stages of one hls4ml design.

``python -m accelbench.fpga.compile_worker SPEC [STAGE]``.

Runs under the parent's timeout and an address-space limit (set before exec), so a g++ or qonnx
blow-up kills this process, not the benchmark. SPEC is a JSON file: the workload (kind, params,
name), the FPGA configuration and the output directory. Stages: ``onnx`` exports the module and
cleans it with qonnx (networks with depthwise convolutions), writing ``onnx/clean.onnx``;
``compile`` (default) converts and compiles, writing ``manifest.json`` next to the project with
the compiled library's path.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path


def main(spec_path: str, stage: str = "compile") -> int:
    from accelbench.fpga.config import FpgaConfig
    from accelbench.fpga.convert import convert, onnx_model
    from accelbench.fpga.lowering import lower
    from accelbench.kinds import make_workload

    spec = json.loads(Path(spec_path).read_text())
    workload = make_workload(spec["kind"], spec["params"], name=spec["name"])
    cfg = FpgaConfig(**spec["config"])
    project = Path(spec["project_dir"])
    if stage == "onnx":
        with contextlib.redirect_stdout(io.StringIO()):
            onnx_model(lower(workload), project.parent / "onnx")
        return 0
    log = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(log):
        model = convert(lower(workload), cfg, project)
        model.compile()
    stamp = model.config.get_config_value("Stamp")
    library = project / "firmware" / f"{model.config.get_project_name()}-{stamp}.so"
    manifest = {"library": str(library), "compile_s": time.perf_counter() - t0, "stamp": stamp}
    (project.parent / "manifest.json").write_text(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
