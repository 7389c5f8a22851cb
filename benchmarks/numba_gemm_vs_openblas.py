"""cpu-numba's hand-written GEMM vs NumPy/OpenBLAS at 1024^3 float32, through accelbench's runner.

Both backends are measured by the same runner in the same process, alternating rounds, on all
cores; prints a Markdown table with the medians and the percentage.

Run: .venv/bin/python benchmarks/numba_gemm_vs_openblas.py [--size 1024] [--rounds 3]
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
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.size
    workload = make_workload("gemm", {"m": n, "n": n, "k": n, "dtype": "float32"})
    runner = Runner(RunPolicy(budget_s=2.0, min_samples=10), run_id="bench")
    flops = {"cpu-numpy": [], "cpu-numba": []}  # type: dict[str, list[float]]
    for _ in range(args.rounds):
        for backend in flops:
            m = runner.measure(get_backend(backend), workload, 1)
            assert m.valid, m.invalid_reason
            assert m.achieved_flops_s is not None
            flops[backend].append(m.achieved_flops_s)
    blas, numba = statistics.median(flops["cpu-numpy"]), statistics.median(flops["cpu-numba"])
    print(f"| GEMM {n}x{n}x{n} float32 | GFLOP/s (median of {args.rounds} runner medians) |")
    print("|---|---|")
    print(f"| cpu-numpy (OpenBLAS) | {blas / 1e9:.1f} |")
    print(f"| cpu-numba (hand-written) | {numba / 1e9:.1f} |")
    print(f"| cpu-numba / OpenBLAS | {numba / blas:.1%} |")


if __name__ == "__main__":
    main()
