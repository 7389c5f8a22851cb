"""hls4ml designs: C-simulation build time cold vs cached, and C-simulation samples per second.

Each design is built twice through accelbench's build cache (a fresh cache directory): the first
prepare compiles with g++, the second reuses the compiled library. Samples/s is the host's
C-simulation throughput (predict on 1,000 inputs) — a property of the simulator, not of the
FPGA; the FPGA's own latency and throughput are modeled elsewhere.

Run: .venv/bin/python benchmarks/fpga_compile_cache.py
"""

from __future__ import annotations

import os
import tempfile
import time

from accelbench.fpga.build import build_design
from accelbench.fpga.config import resolve_config
from accelbench.kinds import make_workload

DESIGNS = {
    "jet_mlp (dense 16-64-32-32-5)": make_workload("model", {"model": "jet_mlp"}),
    "conv2d 3x32x32 k8 3x3 (io_stream)": make_workload("conv2d", {"c": 3, "h": 32, "w": 32, "k": 8, "pad": 1}),
    "lstm step hidden 16": make_workload("rnn_step", {"cell": "lstm", "hidden": 16}),
}


def main() -> None:
    print("| design | cold build (g++) | cached build | C-sim samples/s |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ACCELBENCH_CACHE_DIR"] = cache
        for label, workload in DESIGNS.items():
            cfg = resolve_config(workload, {})
            t0 = time.perf_counter()
            build_design(workload, cfg)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            design = build_design(workload, cfg)
            cached = time.perf_counter() - t0
            assert design.cache_hit
            inputs = design.lowered.to_hls(workload.make_inputs(0, 1000))
            t0 = time.perf_counter()
            assert design.csim is not None
            design.csim.predict(inputs if len(inputs) > 1 else inputs[0])
            rate = 1000 / (time.perf_counter() - t0)
            print(f"| {label} | {cold:.1f} s | {cached:.2f} s | {rate:,.0f} |")


if __name__ == "__main__":
    main()
