"""Wall time of an FPGA suite on fpga-hls4ml: cold with prebuild (designs built concurrently), cold
without (one build after another, as each is measured), and warm (every design in the cache).

Each cold run gets a fresh build cache (``ACCELBENCH_CACHE_DIR`` pointing at a new temporary
directory, see accelbench/fpga/cache.py); the warm run reuses the cache the prebuild run filled.
Every run is ``accelbench run TARGETS --backends fpga-hls4ml`` in its own process with its own
store, so the times include start-up, conversion, g++ and the (short) C-simulation measurements.
Run it on a quiet machine: the cold rows are dominated by g++, which uses one core per design.

Run:   .venv/bin/python benchmarks/fpga_suite_wall.py                        # deepbench-rnn
       .venv/bin/python benchmarks/fpga_suite_wall.py deepbench-rnn backbones
Smoke: .venv/bin/python benchmarks/fpga_suite_wall.py 'rnn_step:cell=gru,hidden=4' \
           'rnn_step:cell=vanilla,hidden=4' --budget-s 0.01
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_run(targets: list[str], cache: Path, store: Path, budget_s: str, prebuild: bool) -> tuple[float, int]:
    """Seconds of one ``accelbench run`` and its exit code."""
    command = [sys.executable, "-m", "accelbench", "run", *targets, "--backends", "fpga-hls4ml",
               "--budget-s", budget_s, "--store", str(store), "--json"]
    if not prebuild:
        command.append("--no-prebuild")
    env = {**os.environ, "ACCELBENCH_CACHE_DIR": str(cache)}
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    wall_s = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"  exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:] or ''}", file=sys.stderr)
    return wall_s, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", default=["deepbench-rnn"], help="suites or workloads (default: "
                                                                               "deepbench-rnn)")
    parser.add_argument("--budget-s", default="0.1", help="sampling budget per measurement (default 0.1 s)")
    args = parser.parse_args()
    rows: list[tuple[str, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="fpga-suite-wall-") as tmp:
        root = Path(tmp)
        for label, cache, prebuild in (("cold, designs built one after another (--no-prebuild)", "serial", False),
                                       ("cold, designs built concurrently (prebuild)", "parallel", True),
                                       ("warm (every design cached)", "parallel", True)):
            print(f"running: {label} ...", file=sys.stderr, flush=True)
            wall_s, code = timed_run(args.targets, root / cache, root / f"{len(rows)}.duckdb", args.budget_s,
                                     prebuild)
            rows.append((label, wall_s, code))
    print(f"FPGA suite wall time: {' '.join(args.targets)} on fpga-hls4ml, {os.cpu_count()} cores, "
          f"budget {args.budget_s} s per measurement")
    print()
    print("| run | wall time | vs cold serial | exit |")
    print("|---|---|---|---|")
    base = rows[0][1]
    for label, wall_s, code in rows:
        print(f"| {label} | {wall_s:.1f} s | {wall_s / base:.2f}x | {code} |")


if __name__ == "__main__":
    main()
