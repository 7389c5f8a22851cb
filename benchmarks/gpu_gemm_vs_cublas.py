"""GPU owners: the hand-written tiled SGEMM (kernels/sgemm.cu) vs cuBLAS at 4096^3 float32.

Target (unverified until run on a GPU): >= 70 % of cuBLAS on an H100-class GPU. Both go through
accelbench's runner (CUDA events), alternating rounds. Without a GPU it says so and exits 0.

Run: .venv/bin/python benchmarks/gpu_gemm_vs_cublas.py [--size 4096] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics

from accelbench.backends.registry import get_backend
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.kinds import make_workload


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    backend = get_backend("gpu-cupy")
    status = backend.available()
    if not status.ok:
        print(f"gpu-cupy unavailable: {status.reason}; nothing measured (this benchmark needs a GPU)")
        return
    n = args.size
    workload = make_workload("gemm", {"m": n, "n": n, "k": n, "dtype": "float32", "rtol": 1e-3})
    runner = Runner(RunPolicy(budget_s=2.0), "bench")
    flops: dict[str, list[float]] = {"library": [], "custom": []}
    for _ in range(args.rounds):
        for kernel in flops:
            m = runner.measure(backend, workload, 1, {"kernel": kernel})
            assert m.valid and m.achieved_flops_s, m.invalid_reason
            flops[kernel].append(m.achieved_flops_s)
    cublas, ours = statistics.median(flops["library"]), statistics.median(flops["custom"])
    print(f"| GEMM {n}^3 float32 | TFLOP/s |\n|---|---|\n| cuBLAS (cupy.matmul) | {cublas / 1e12:.1f} |")
    print(f"| kernels/sgemm.cu | {ours / 1e12:.1f} |\n| ratio | {ours / cublas:.1%} (target >= 70 %) |")


if __name__ == "__main__":
    main()
