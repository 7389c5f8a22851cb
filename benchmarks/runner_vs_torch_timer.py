"""accelbench's timing vs torch.utils.benchmark, side by side in one run, plus the runner's overhead.

Prints a Markdown table for the README:
* the median per call of ``torch.mm`` 256x256x256 and of a 1,000-element NumPy add, measured by
  accelbench's runner and by ``torch.utils.benchmark.Timer.blocked_autorange``, alternating
  rounds so both see the same machine state; the ratio of the medians;
* the runner's own overhead: per iteration inside a timed sample (a no-op call) and per sample
  between samples (bookkeeping: stop test, statistics).

Run: .venv/bin/python benchmarks/runner_vs_torch_timer.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.utils.benchmark as tb

from accelbench.measure.callable import time_callable
from accelbench.measure.policy import RunPolicy


def accelbench_median_s(fn, budget_s: float) -> float:  # type: ignore[no-untyped-def]
    timing = time_callable(fn, RunPolicy(budget_s=budget_s, target_rel_noise=0.005, min_samples=20))
    return float(np.median(timing.samples_s))


def torch_median_s(stmt: str, env: dict, budget_s: float) -> float:
    timer = tb.Timer(stmt=stmt, globals=env, num_threads=torch.get_num_threads())
    return float(timer.blocked_autorange(min_run_time=budget_s).median)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--budget-s", type=float, default=0.5)
    args = parser.parse_args()
    a, b = torch.randn(256, 256), torch.randn(256, 256)
    x, y = np.random.rand(1000), np.random.rand(1000)
    cases = {
        "torch.mm 256x256x256": (lambda: torch.mm(a, b), "torch.mm(a, b)", {"torch": torch, "a": a, "b": b}),
        "numpy add 1,000 elements": (lambda: np.add(x, y), "np.add(x, y)", {"np": np, "x": x, "y": y}),
    }
    print("| operation | accelbench median | torch.utils.benchmark median | ratio |")
    print("|---|---|---|---|")
    for label, (fn, stmt, env) in cases.items():
        ours, theirs = [], []
        for _ in range(args.rounds):  # alternate so both timers see the same machine state
            ours.append(accelbench_median_s(fn, args.budget_s))
            theirs.append(torch_median_s(stmt, env, args.budget_s))
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"| {label} | {o * 1e6:.3f} µs | {t * 1e6:.3f} µs | {o / t:.3f} |")

    # Overhead inside a sample: a no-op call costs the runner's loop + run() + synchronize().
    noop = time_callable(lambda: None, RunPolicy(budget_s=0.5, target_rel_noise=0.005, min_samples=50))
    per_iteration_s = float(np.median(noop.samples_s))
    # Overhead between samples: wall time of sampling minus the time inside timed blocks.
    sleepless = RunPolicy(budget_s=0.5, min_samples=200, max_samples=200, target_rel_noise=1e-9, warmup_s=0.0)
    t0 = time.perf_counter()
    timing = time_callable(lambda: np.add(x, y), sleepless)
    wall_s = time.perf_counter() - t0
    inside_s = sum(timing.samples_s) * timing.iterations
    between_s = (wall_s - inside_s) / len(timing.samples_s)
    print()
    print("| runner overhead | value |")
    print("|---|---|")
    print(f"| per iteration inside a sample (no-op call, run + synchronize) | {per_iteration_s * 1e9:.0f} ns |")
    print(f"| per sample between samples (stop test, bookkeeping; {len(timing.samples_s)} samples, incl. warm-up/calibration) | {between_s * 1e6:.2f} µs |")


if __name__ == "__main__":
    main()
