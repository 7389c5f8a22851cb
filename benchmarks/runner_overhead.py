"""The runner's own costs at the default policy, and what the contention accounting costs.

Prints Markdown tables for the README (docs/timing-quality.md):

1. **Accounting cost on a ~10 µs operation.** A NumPy add sized to take about 10 µs per call is
   measured with the default policy, counters on and off, in alternating rounds; the ratio of the
   median p50s must stay within 1 % (the accounting reads counters once per sample, outside the
   timed block). Also the cost of one counter reading (schedstat: one ``pread`` per thread +
   ``getrusage``; the thread list is re-read every 20 ms) beside the previous method, which
   listed the threads at every reading.
2. **Between-sample overhead at the default policy.** Sampling wall time minus the time inside
   timed blocks, per block (stop test on its geometric schedule, counter reading, bookkeeping),
   for a no-op and for the 10 µs op; and the per-call cost of a no-op inside a sample (the compiled
   timing loop).

Run: .venv/bin/python benchmarks/runner_overhead.py [--rounds 10]
Smoke: .venv/bin/python benchmarks/runner_overhead.py --rounds 1 --budget-s 0.05
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from accelbench.measure.callable import time_callable
from accelbench.measure.contention import SchedstatSource, default_source
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Timing


def sized_op(target_s: float = 10e-6) -> tuple[Callable[[], Any], int]:
    """A NumPy add whose call takes about ``target_s`` here, and its element count."""
    n = 1000
    while True:
        x, y, out = np.random.rand(n), np.random.rand(n), np.empty(n)
        t0 = time.perf_counter()
        for _ in range(200):
            np.add(x, y, out=out)
        per_call = (time.perf_counter() - t0) / 200
        if per_call >= target_s or n > 10_000_000:
            return (lambda: np.add(x, y, out=out)), n  # noqa: B023 - returned at once, never re-bound
        n = int(n * max(1.2, target_s / max(per_call, 1e-9)))


def between_sample_s(timing: Timing) -> float:
    return (timing.sampling_s - timing.inside_s) / max(timing.blocks, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--budget-s", type=float, default=1.0, help="the default policy's budget")
    args = parser.parse_args()
    op, n = sized_op()
    on, off = RunPolicy(budget_s=args.budget_s), RunPolicy(budget_s=args.budget_s, count_contention=False)
    p50_on, p50_off, between_on, between_off = [], [], [], []
    for _ in range(args.rounds):  # alternate so both modes see the same machine state
        t_on = time_callable(op, on)
        t_off = time_callable(op, off)
        p50_on.append(statistics.median(t_on.samples_s))
        p50_off.append(statistics.median(t_off.samples_s))
        between_on.append(between_sample_s(t_on))
        between_off.append(between_sample_s(t_off))
    source = default_source()
    relisting = default_source()  # the thread list re-read at every reading, as before it was cached
    if isinstance(relisting, SchedstatSource):
        relisting.refresh_ns = 0
    reads: list[float] = []
    relisted: list[float] = []
    try:
        for index in range(4000):  # interleaved, so both see the same machine state
            chosen, into = (source, reads) if index % 2 == 0 else (relisting, relisted)
            t0 = time.perf_counter()
            chosen.read()
            into.append(time.perf_counter() - t0)
    finally:
        source.close()
        relisting.close()
    on_s, off_s = statistics.median(p50_on), statistics.median(p50_off)
    print(f"| contention accounting ({source.name}) on a NumPy add of {n:,} float64 elements | value |")
    print("|---|---|")
    print(f"| median p50, counters on | {on_s * 1e6:.3f} µs |")
    print(f"| median p50, counters off | {off_s * 1e6:.3f} µs |")
    print(f"| ratio on / off (goal: within 1 %) | {on_s / off_s:.4f} |")
    print(f"| one counter reading (median of 2000) | {statistics.median(reads) * 1e6:.2f} µs |")
    print(f"| one counter reading re-listing the threads each time (the previous method, median of 2000) | "
          f"{statistics.median(relisted) * 1e6:.2f} µs |")
    print(f"| between-sample overhead, counters on / off | {statistics.median(between_on) * 1e6:.2f} µs / "
          f"{statistics.median(between_off) * 1e6:.2f} µs |")

    noop = time_callable(lambda: None, RunPolicy(budget_s=args.budget_s))
    print()
    print("| runner overhead at the default policy | value |")
    print("|---|---|")
    print(f"| per call inside a sample (no-op, compiled timing loop) | {statistics.median(noop.samples_s) * 1e9:.1f} ns |")
    print(f"| between samples (no-op; {noop.blocks} blocks of {noop.iterations} calls) | "
          f"{between_sample_s(noop) * 1e6:.2f} µs |")


if __name__ == "__main__":
    main()
