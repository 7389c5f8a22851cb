"""The tool's own speed (issue 21 item 5): what `make run` and `make test` cost after bootstrap.

Times, in this checkout's .venv, the command `make run` runs (`accelbench run smoke` + `report`) and
the command `make test` runs (`pytest`), each once per round, and prints a Markdown table with the
machine. Run it on a quiet machine: nothing else may run beside it (the test suite alone keeps both
cores busy).

    .venv/bin/python benchmarks/tool_speed.py [--rounds 1] [--skip-tests]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _timed(command: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0,):
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}): {' | '.join(tail)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--skip-tests", action="store_true", help="time only the smoke run and report")
    args = parser.parse_args()
    env = dict(os.environ)
    rows = []
    with tempfile.TemporaryDirectory(prefix="accelbench-speed-") as tmp:
        smoke = []
        for index in range(args.rounds):
            store = str(Path(tmp) / f"s{index}.duckdb")
            smoke.append(_timed([str(BIN / "accelbench"), "run", "smoke", "--store", store], env)
                         + _timed([str(BIN / "accelbench"), "report", "--store", store, "--last", "--out",
                                   str(Path(tmp) / f"r{index}")], env))
        rows.append(("`make run` (smoke suite on every backend + report)", statistics.median(smoke), 120.0))
        if not args.skip_tests:
            suite = [_timed([str(BIN / "pytest"), "-q", "-p", "no:randomly"], env) for _ in range(args.rounds)]
            rows.append(("`make test` (the whole test suite)", statistics.median(suite), 600.0))
    cpus = os.cpu_count()
    print(f"machine: {platform.processor() or platform.machine()}, {cpus} CPUs, Python {platform.python_version()}")
    print("\n| step (after bootstrap) | wall time | goal | met |\n|---|---|---|---|")
    for name, seconds, goal in rows:
        print(f"| {name} | {seconds / 60:.1f} min ({seconds:.0f} s) | < {goal / 60:.0f} min | "
              f"{'yes' if seconds < goal else 'no'} |")


if __name__ == "__main__":
    main()
