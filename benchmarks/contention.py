"""Does the timing verdict catch contention? Quiet runs vs runs beside a busy neighbour.

For gemm 64³ float32 on cpu-torch and cpu-numpy: ``--runs`` measurements on the machine as it is
(run this on a quiet machine), then ``--runs`` beside a busy neighbour that the script starts and
stops itself (one process per core, each spinning ``--spin-s`` with ``--pause-s`` pauses: the load
of a compiler or a test suite). Prints a Markdown table for the README:

* quiet: median p50 and its spread (max - min over median), and false flags (records not ``ok``;
  goal: none);
* beside the neighbour: records more than 3x the quiet median p50, how many of those were
  flagged (goal: all), all flagged records, and the worst p50.

Each measurement uses the default policy (``RunPolicy()``: 1 s budget, 2 % noise target, 5 %
contention threshold) unless flags say otherwise.

Run: .venv/bin/python benchmarks/contention.py [--runs 10] [--budget-s 1.0] [--threads N]
Smoke: .venv/bin/python benchmarks/contention.py --runs 1 --budget-s 0.05 --backends cpu-numpy
"""

from __future__ import annotations

import argparse
import statistics
import time

from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure.neighbour import Neighbour
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.results.record import Measurement

WORKLOAD = make_workload("gemm", {"m": 64, "n": 64, "k": 64, "dtype": "float32"})


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def _measure(name: str, policy: RunPolicy, runs: int) -> list[Measurement]:
    backend = get_backend(name)
    runner = Runner(policy, "contention-bench")
    out = []
    for _ in range(runs):
        m = runner.measure(backend, WORKLOAD, 1)
        if m.status != "ok" or m.latency is None or m.quality is None:
            raise SystemExit(f"{name}: {m.status}: {m.invalid_reason}")
        out.append(m)
    return out


def _flagged(ms: list[Measurement]) -> str:
    contended = sum(m.quality is not None and m.quality.verdict == "contended" for m in ms)
    noisy = sum(m.quality is not None and m.quality.verdict == "noisy" for m in ms)
    return f"{contended + noisy}/{len(ms)} ({contended} contended, {noisy} noisy)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--budget-s", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads (default: the libraries' own)")
    parser.add_argument("--backends", default="cpu-torch,cpu-numpy")
    parser.add_argument("--spin-s", type=float, default=0.2)
    parser.add_argument("--pause-s", type=float, default=0.001)
    args = parser.parse_args()
    policy = RunPolicy(budget_s=args.budget_s, threads=args.threads)
    names = [name.strip() for name in args.backends.split(",") if name.strip()]
    rows = []
    for name in names:
        if not get_backend(name).available().ok:
            print(f"{name}: unavailable ({get_backend(name).available().reason})")
            continue
        quiet = _measure(name, policy, args.runs)
        with Neighbour(spin_s=args.spin_s, pause_s=args.pause_s) as neighbour:
            time.sleep(0.1)  # let the neighbour get going
            busy = _measure(name, policy, args.runs)
        quiet_p50 = [m.latency.p50_s for m in quiet if m.latency]
        centre = statistics.median(quiet_p50)
        slow = [m for m in busy if m.latency and m.latency.p50_s > 3 * centre]
        slow_flagged = [m for m in slow if m.quality and m.quality.verdict != "ok"]
        worst = max(m.latency.p50_s for m in busy if m.latency)
        missed = [m for m in slow if m.quality and m.quality.verdict == "ok"]
        retaken = statistics.median(m.quality.retries for m in busy if m.quality)
        delay = max((m.quality.run_delay_fraction or 0.0) for m in busy if m.quality)
        reasons = sorted({m.quality.reason.split(":")[0].split(" is ±")[0] for m in quiet
                          if m.quality and m.quality.verdict != "ok"})
        rows.append((name, centre, (max(quiet_p50) - min(quiet_p50)) / centre, _flagged(quiet), len(slow),
                     len(slow_flagged), _flagged(busy), worst, neighbour.processes, missed, retaken, delay, reasons))
    threads = args.threads if args.threads is not None else "default"
    print(f"\ngemm 64x64x64 float32, {args.runs} quiet runs + {args.runs} beside a neighbour; "
          f"budget {args.budget_s:g} s, threads {threads}\n")
    print("| backend | quiet p50 (median) | quiet p50 spread | quiet runs flagged (goal: 0) | "
          "neighbour runs > 3x quiet p50 | of those flagged (goal: all) | neighbour runs flagged | worst neighbour p50 "
          "| contended samples re-taken per neighbour run (median) | worst kept run-queue wait |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, centre, spread, quiet_flags, n_slow, n_slow_flagged, busy_flags, worst, _, _, retaken, delay, _ in rows:
        print(f"| {name} | {_us(centre)} | {spread:.1%} | {quiet_flags} | {n_slow}/{args.runs} | "
              f"{n_slow_flagged}/{n_slow} | {busy_flags} | {_us(worst)} | {retaken:g} | {delay:.1%} |")
    procs = rows[0][8] if rows else 0
    print(f"\nneighbour: {procs} process(es), each spinning {args.spin_s:g} s with {args.pause_s * 1e3:g} ms pauses")
    for row in rows:
        if row[12]:
            print(f"{row[0]}: quiet runs flagged because: {'; '.join(row[12])}")
    for row in rows:
        for m in row[9]:
            assert m.latency is not None and m.quality is not None
            print(f"MISSED: {row[0]} p50 {_us(m.latency.p50_s)} with verdict ok "
                  f"(run-delay {m.quality.run_delay_fraction}, tail {m.quality.tail_ratio})")


if __name__ == "__main__":
    main()
