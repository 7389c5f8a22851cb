"""Wall and CPU time of an FPGA suite on fpga-hls4ml (``accelbench run``) or of ``fpga explore``:
the code as the performance issue found it (``--baseline-cli``), then today's code cold with the
designs built one after another, cold with them built concurrently (prebuild), the same with one
compile per design (``ACCELBENCH_CSIM_SHARE=0``: what designs cost whose C++ differs, e.g. reuse
factors in the resource strategy; see accelbench/fpga/csim_share.py), cold designs with the
precompiled ap_types header already built (accelbench/fpga/pch.py: built once per compiler and
cache directory, so every run after a machine's first FPGA build starts this way), and warm.
Every run starts in a temporary directory: a build worker started with ``python -m`` imports
accelbench from its working directory first, so from a checkout the baseline would build with
that checkout's worker code.

Each cold run gets a fresh build cache (``ACCELBENCH_CACHE_DIR`` pointing at a new temporary
directory, see accelbench/fpga/cache.py); the warm run reuses the cache the prebuild run filled.
Every run is one command in its own process with its own store, so the times include start-up,
conversion, g++ and the (short) C-simulation measurements. CPU time is the user + system time of
the command and everything it started (conversion, g++): unlike the wall time it does not grow
when another program shares the cores, so it is the figure to compare if the machine was not quiet.

The baseline is any ``accelbench`` executable, e.g. the code at the commit the issue was filed on:

    git worktree add /tmp/accelbench-old 41356b9 && python3 -m venv /tmp/accelbench-old/.venv
    echo "$PWD/.venv/lib/python3.11/site-packages" > /tmp/accelbench-old/.venv/lib/python3.11/site-packages/main.pth
    /tmp/accelbench-old/.venv/bin/pip install --no-deps -e /tmp/accelbench-old

Run:   .venv/bin/python benchmarks/fpga_suite_wall.py deepbench-rnn backbones --baseline-cli /tmp/accelbench-old/.venv/bin/accelbench
       .venv/bin/python benchmarks/fpga_suite_wall.py jet_mlp --explore 1,2,4,8 --baseline-cli ...
Smoke: .venv/bin/python benchmarks/fpga_suite_wall.py 'rnn_step:cell=gru,hidden=4' \
           'rnn_step:cell=vanilla,hidden=4' --budget-s 0.01
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    label: str
    wall_s: float
    cpu_s: float
    exit: str


def command_for(cli: list[str], args: argparse.Namespace, store: Path, prebuild: bool, baseline: bool) -> list[str]:
    if args.explore:
        command = [*cli, "fpga", "explore", *args.targets, "--reuse-factor", args.explore, "--store", str(store),
                   "--json"]
    else:
        command = [*cli, "run", *args.targets, "--backends", "fpga-hls4ml", "--budget-s", args.budget_s,
                   "--store", str(store), "--json"]
    if not prebuild and not baseline:  # the baseline has no prebuild: it always built one design at a time
        command.append("--no-prebuild")
    return command


def timed(label: str, command: list[str], cache: Path, timeout_s: float, extra_env: dict[str, str]) -> Row:
    """Wall time, CPU time of the process tree, and how it ended.

    The command runs in the round's own directory, never in a checkout: a build worker started with
    ``python -m accelbench...`` imports the package from its working directory first, so a baseline
    run from this checkout built its designs with this checkout's worker code."""
    env = {**os.environ, "ACCELBENCH_CACHE_DIR": str(cache), **extra_env}
    print(f"running: {label} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=cache.parent)
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
        ended = str(proc.returncode)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        _, stderr = proc.communicate()
        ended = f"stopped after {timeout_s:.0f} s"
    wall_s = time.perf_counter() - t0
    if proc.returncode not in (0, None) and not ended.startswith("stopped"):
        print(f"  exit {proc.returncode}: {stderr.strip().splitlines()[-1:] or ''}", file=sys.stderr)
    return Row(label, wall_s, 0.0, ended)


def cpu_children_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", default=["deepbench-rnn"],
                        help="suites or workloads (default: deepbench-rnn)")
    parser.add_argument("--budget-s", default="0.1", help="sampling budget per measurement (default 0.1 s)")
    parser.add_argument("--explore", metavar="RF,RF,...", help="time `fpga explore TARGETS --reuse-factor RF,...`")
    parser.add_argument("--baseline-cli", metavar="PATH", help="an accelbench executable to compare with (cold)")
    parser.add_argument("--timeout-s", type=float, default=1800.0, help="stop a run after this long (default 30 min)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every variant this many times, round by round (this host's speed drifts: use 5+)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    ours = [sys.executable, "-m", "accelbench"]
    no_share = {"ACCELBENCH_CSIM_SHARE": "0"}  # what designs that differ in their C++ cost (accelbench/fpga/csim_share.py)
    runs: list[tuple[str, list[str], str, bool, bool, dict[str, str]]] = []
    if args.baseline_cli:
        runs.append(("baseline (code the issue measured), cold", [args.baseline_cli], "baseline", True, True, {}))
    runs += [("cold, designs built one after another (--no-prebuild)", ours, "serial", False, False, {}),
             ("cold, designs built concurrently (prebuild)", ours, "parallel", True, False, {}),
             ("cold, prebuild, one compile per design (ACCELBENCH_CSIM_SHARE=0)", ours, "unshared", True, False,
              no_share),
             ("cold designs, precompiled header already built (prebuild)", ours, "pch-ready", True, False, {}),
             ("warm (every design cached)", ours, "parallel", True, False, {})]
    rounds: list[list[Row]] = []
    with tempfile.TemporaryDirectory(prefix="fpga-suite-wall-") as tmp:
        for index in range(args.rounds):  # every variant once per round, so slow drift hits all alike
            root = Path(tmp) / f"round{index}"
            root.mkdir()
            rows: list[Row] = []
            for label, cli, cache, prebuild, baseline, extra_env in runs:
                if cache == "pch-ready":  # untimed: what a machine's first FPGA build leaves behind
                    subprocess.run([sys.executable, "-m", "accelbench.fpga.pch"], check=True,
                                   stdout=subprocess.DEVNULL, env={**os.environ, "ACCELBENCH_CACHE_DIR": str(root / cache)})
                command = command_for(cli, args, root / f"{len(rows)}.duckdb", prebuild, baseline)
                cpu0 = cpu_children_s()
                row = timed(label, command, root / cache, args.timeout_s, extra_env)
                row.cpu_s = cpu_children_s() - cpu0
                rows.append(row)
            rounds.append(rows)
    what = f"fpga explore {' '.join(args.targets)} --reuse-factor {args.explore}" if args.explore else \
        f"run {' '.join(args.targets)} --backends fpga-hls4ml (budget {args.budget_s} s per measurement)"
    print(f"FPGA evaluation time: accelbench {what}; {os.cpu_count()} cores; {args.rounds} round(s), each "
          "variant once per round in this order; medians over rounds, and the median of each round's ratio")
    print()
    reference = "baseline" if args.baseline_cli else "cold serial"
    print(f"| run | wall time (median) | CPU time (median) | wall vs {reference} | CPU vs {reference} | exits |")
    print("|---|---|---|---|---|---|")
    for column, (label, *_rest) in enumerate(runs):
        cells = [rows[column] for rows in rounds]
        bases = [rows[0] for rows in rounds]
        stopped = any(c.exit.startswith("stopped") for c in cells)
        # A stopped baseline's time is a lower bound, so a ratio to it is an upper bound.
        upper = any(b.exit.startswith("stopped") for b in bases) and column != 0
        wall_ratio = statistics.median(c.wall_s / b.wall_s for c, b in zip(cells, bases, strict=True))
        cpu_ratio = statistics.median(c.cpu_s / b.cpu_s for c, b in zip(cells, bases, strict=True) if b.cpu_s > 0)
        wall = f"{'>= ' if stopped else ''}{statistics.median(c.wall_s for c in cells):.1f} s"
        if len(cells) > 1:
            wall += f" ({min(c.wall_s for c in cells):.1f}–{max(c.wall_s for c in cells):.1f})"
        print(f"| {label} | {wall} | {statistics.median(c.cpu_s for c in cells):.1f} s | "
              f"{'<= ' if upper else ''}{wall_ratio:.2f}x | {'<= ' if upper else ''}{cpu_ratio:.2f}x | "
              f"{', '.join(sorted({c.exit for c in cells}))} |")


if __name__ == "__main__":
    main()
