"""accelbench's timing vs torch.utils.benchmark, side by side in one run, same thread count.

Prints a Markdown table for the README (issue: within 5 % of torch.utils.benchmark below a
microsecond and on torch.mm):

* the median per call of ``torch.mm`` 256x256x256 and of a 1,000-element NumPy add (both timers
  time the same function object on the same arguments: ``add(x, y)`` for torch's Timer; a last
  row shows what timing ``np.add(x, y)``, the module lookup included, adds), measured by
  accelbench's runner (``time_callable``: the callable is the lowering's bound callable, timed in
  the runner's compiled ``timeit``-style loop, so no Backend call path is inside the timed region)
  and by ``torch.utils.benchmark.Timer.blocked_autorange``, in alternating rounds so both see the
  same machine state, with the same intra-op thread count on both sides (``--threads``, default:
  torch's current count); the ratio of the medians and whether it is within 5 %;
* the runner's own overhead at the default policy: per call inside a sample (a no-op) and between
  samples (stop test, counters, bookkeeping). ``benchmarks/runner_overhead.py`` has the details.

Run: .venv/bin/python benchmarks/runner_vs_torch_timer.py [--rounds 61] [--threads N]
Smoke: .venv/bin/python benchmarks/runner_vs_torch_timer.py --rounds 1 --budget-s 0.05
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
import torch.utils.benchmark as tb
from threadpoolctl import threadpool_limits

from accelbench.measure.callable import time_callable
from accelbench.measure.policy import RunPolicy
from accelbench.results.stats import median_ci


def accelbench_median_s(fn, args: tuple, budget_s: float, long_samples: bool = False) -> float:  # type: ignore[no-untyped-def]
    """fn and args handed apart, as a backend's lowering hands Prepared.call and its inputs.

    ``long_samples``: samples of at least 10 ms and no contended-sample re-takes, i.e. what
    torch's ``blocked_autorange`` measures (a median over long blocks, interruptions included);
    the default policy's short samples and re-takes leave interruptions out, so it reads lower on a
    host that interrupts often.
    """
    policy = (RunPolicy(budget_s=budget_s, target_rel_noise=0.005, min_samples=5, min_sample_s=0.01,
                        count_contention=False) if long_samples
              else RunPolicy(budget_s=budget_s, target_rel_noise=0.005, min_samples=20))
    return float(np.median(time_callable(fn, policy, args=args).samples_s))


def torch_median_s(stmt: str, env: dict, budget_s: float, threads: int) -> float:
    timer = tb.Timer(stmt=stmt, globals=env, num_threads=threads)
    return float(timer.blocked_autorange(min_run_time=budget_s).median)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=61)
    parser.add_argument("--budget-s", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads on both sides (default: torch's)")
    args = parser.parse_args()
    threads = args.threads or torch.get_num_threads()
    torch.set_num_threads(threads)  # our side; torch.utils.benchmark sets the same count for its own runs
    a, b = torch.randn(256, 256), torch.randn(256, 256)
    x, y = np.random.rand(1000), np.random.rand(1000)
    # Both timers time the same call: the function object and its arguments. A statement that
    # looks the function up on its module (`np.add(x, y)`) also times that lookup; the last row
    # shows what that statement reads, it is not the comparison the goal is about.
    add_env = {"add": np.add, "x": x, "y": y}
    cases = {
        "torch.mm 256x256x256": (torch.mm, (a, b), "mm(a, b)", {"mm": torch.mm, "a": a, "b": b}, False),
        "numpy add 1,000 elements": (np.add, (x, y), "add(x, y)", add_env, False),
        "numpy add 1,000 elements, accelbench with 10 ms samples and no re-takes (torch's blocks)":
            (np.add, (x, y), "add(x, y)", add_env, True),
        "numpy add 1,000 elements, torch statement `np.add(x, y)`": (np.add, (x, y), "np.add(x, y)",
                                                                     {"np": np, "x": x, "y": y}, False),
    }
    print(f"{threads} intra-op thread(s) on both sides; {args.rounds} paired rounds of {args.budget_s:g} s per "
          "timer, the order alternating (ABBA) so drift and order effects cancel\n")
    print("| operation | accelbench median | torch.utils.benchmark median | ratio of medians | median of paired "
          "ratios (IQR) | 95 % interval of that median | within 5 % (the interval inside 0.95–1.05) |")
    print("|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=threads):
        for label, (fn, fn_args, stmt, env, long_samples) in cases.items():
            ours, theirs = [], []
            for index in range(args.rounds):  # pairs, so both timers see the same machine state
                pair = [lambda: ours.append(accelbench_median_s(fn, fn_args, args.budget_s, long_samples)),  # noqa: B023
                        lambda: theirs.append(torch_median_s(stmt, env, args.budget_s, threads))]  # noqa: B023
                for step in (pair if index % 2 == 0 else pair[::-1]):
                    step()
            o, t = statistics.median(ours), statistics.median(theirs)
            paired = [a / b for a, b in zip(ours, theirs, strict=True)]
            q1, _, q3 = statistics.quantiles(paired, n=4) if len(paired) > 1 else (paired[0],) * 3
            ratio = statistics.median(paired)
            # distribution-free (binomial order-statistic) interval of the median paired ratio: each
            # pair saw one machine state, so the ratio cancels this host's minute-to-minute drift,
            # which moves the two medians apart run to run (0.95 and 1.05 on the same code)
            low, high = median_ci(paired)
            within = "yes" if low >= 0.95 and high <= 1.05 else "no"
            print(f"| {label} | {o * 1e6:.3f} µs | {t * 1e6:.3f} µs | {o / t:.3f} | {ratio:.3f} ({q1:.3f}–{q3:.3f}) | "
                  f"{low:.3f}–{high:.3f} | {within} |")

    # Overhead inside a sample: a no-op call in the compiled timing loop, at the default policy.
    noop = time_callable(lambda: None, RunPolicy())
    per_call_s = float(np.median(noop.samples_s))
    # Overhead between samples at the default policy: sampling wall time minus time inside blocks.
    timing = time_callable(np.add, RunPolicy(), args=(x, y))
    between_s = (timing.sampling_s - timing.inside_s) / max(timing.blocks, 1)
    print()
    print("| runner overhead (default policy) | value |")
    print("|---|---|")
    print(f"| per call inside a sample (no-op, compiled loop) | {per_call_s * 1e9:.1f} ns |")
    print(f"| between samples (numpy add; stop test, counters, bookkeeping; {timing.blocks} blocks) | {between_s * 1e6:.2f} µs |")


if __name__ == "__main__":
    main()
