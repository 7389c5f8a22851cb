"""cpu-numba's fused RNN cells vs PyTorch (cpu-torch), side by side, on the deepbench-rnn suite.

One step and whole sequences (workloads/deepbench-rnn.toml, batch 1, float32). Both backends are
measured by accelbench's runner in one process, alternating rounds, same thread count (default:
all cores); prints a Markdown table (GFLOP/s, percentage) and the machine description.

Run:   .venv/bin/python benchmarks/numba_rnn.py [--rounds 3] [--threads N] [--only NAME ...]
Smoke: .venv/bin/python benchmarks/numba_rnn.py --rounds 1 --budget-s 0.05 --only lstm-h256-step
"""

from __future__ import annotations

from numba_side_by_side import arguments, compare

from accelbench.suites import load_suite


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--suite", default="deepbench-rnn")
    parser.add_argument("--only", nargs="+", default=None, help="workload names to keep (substring match)")
    args = parser.parse_args()
    cases = [(e.workload.name, e.workload) for e in load_suite(args.suite).entries
             if not args.only or any(name in e.workload.name for name in args.only)]
    compare(cases, "cpu-torch", args.rounds, args.budget_s, args.threads, args.settle_s)


if __name__ == "__main__":
    main()
