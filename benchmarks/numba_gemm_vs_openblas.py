"""cpu-numba's hand-written GEMM vs NumPy/OpenBLAS (float32), side by side through accelbench's runner.

Goal (issue 21): >= 50 % of OpenBLAS at 1024^3 and >= 40 % at 256^3. Both backends are measured
by the same runner in the same process, alternating rounds, same thread count (default: all
cores); prints a Markdown table (GFLOP/s, percentage) and the machine description.

Run:   .venv/bin/python benchmarks/numba_gemm_vs_openblas.py [--sizes 1024 256] [--rounds 3] [--threads N]
Smoke: .venv/bin/python benchmarks/numba_gemm_vs_openblas.py --sizes 64 --rounds 1 --budget-s 0.05
"""

from __future__ import annotations

from numba_side_by_side import arguments, compare, workload


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 256], help="square GEMM sizes m = n = k")
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    cases = [(f"GEMM {s}x{s}x{s} {args.dtype}", workload("gemm", {"m": s, "n": s, "k": s, "dtype": args.dtype}))
             for s in args.sizes]
    compare(cases, "cpu-numpy", args.rounds, args.budget_s, args.threads, args.settle_s)


if __name__ == "__main__":
    main()
