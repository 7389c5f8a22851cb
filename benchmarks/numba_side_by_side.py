"""Shared by the ``numba_*`` benchmarks: cpu-numba vs a library backend, side by side, one process.

For every workload both backends are measured by accelbench's runner (so the figures are the
ones ``accelbench run`` records: the bound callable timed in the runner's loop, compile time in
prepare, never in a sample), in alternating rounds so both see the same machine state, with the
same intra-op thread count on both sides. Prints a Markdown table (median GFLOP/s of the rounds'
runner medians, cpu-numba as a percentage of the reference, the worst timing-quality verdict) and
the machine description underneath. Between two measurements the script sleeps ``--settle-s``
(default 0.3 s) so the other library's idle pool (OpenMP, OpenBLAS, TBB workers spin for a while
after their last parallel region) has gone quiet before the next one starts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure import threads as thread_control
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.results.environment import blas_info, cpu_model
from accelbench.workload import Workload


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per workload (median)")
    parser.add_argument("--budget-s", type=float, default=2.0, help="runner time budget per measurement")
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads on both sides (default: all cores)")
    parser.add_argument("--settle-s", type=float, default=0.3, help="pause between measurements (idle pools stop spinning)")
    return parser


def caches() -> str:
    """Per-core data/unified cache sizes of CPU 0 ("L1d 48K, L2 2048K, L3 491520K"), Linux only."""
    parts = []
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            kind = (index / "type").read_text().strip()
            if kind == "Instruction":
                continue
            level = (index / "level").read_text().strip()
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        parts.append(f"L{level}{'d' if kind == 'Data' else ''} {size}")
    return ", ".join(parts) or "caches unknown"


def machine(thread_counts: dict[str, object]) -> str:
    """One paragraph describing the host: CPU, cores, SIMD, caches, BLAS and the threads used."""
    flags = ""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    present = set(line.split(":", 1)[1].split())
                    flags = ", ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in present)
                    break
    except OSError:
        pass
    blas = blas_info()
    try:
        from threadpoolctl import threadpool_info

        arch = next((p.get("architecture") for p in threadpool_info() if p.get("user_api") == "blas"), None)
    except ImportError:
        arch = None
    return (f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs ({flags}; {caches()}); "
            f"BLAS {blas.get('name', '?')} {blas.get('version', '')} (kernel {arch or '?'}); "
            f"threads {thread_counts}")


def compare(workloads: Sequence[tuple[str, Workload]], reference: str, rounds: int, budget_s: float,
            threads: int | None, settle_s: float = 0.3) -> None:
    """Print the side-by-side table for ``workloads`` (label, workload): cpu-numba vs ``reference``.

    Each workload runs at its own batch (``batch`` parameter, else 1).
    """
    runner = Runner(RunPolicy(budget_s=budget_s, min_samples=10), run_id="bench")
    backends = {"cpu-numba": get_backend("cpu-numba"), reference: get_backend(reference)}
    print(f"| workload | cpu-numba GFLOP/s | {reference} GFLOP/s | cpu-numba / {reference} | quality |")
    print("|---|---|---|---|---|")
    used: dict[str, object] = {}
    ratios = []
    for label, workload in workloads:
        batch = int(workload.params.get("batch", 1))
        flops: dict[str, list[float]] = {name: [] for name in backends}
        verdicts: set[str] = set()
        for _ in range(rounds):
            for name, backend in backends.items():
                time.sleep(settle_s)
                with thread_control.limited(threads):
                    m = runner.measure(backend, workload, batch)
                if m.status != "ok" or m.achieved_flops_s is None:
                    raise SystemExit(f"{name} on {label}: {m.status} {m.invalid_reason}")
                flops[name].append(m.achieved_flops_s)
                verdicts.add(m.quality.verdict if m.quality else "?")
                used.update(m.threads or {})
        ours, ref = statistics.median(flops["cpu-numba"]), statistics.median(flops[reference])
        ratios.append(ours / ref)
        worst = "ok" if verdicts == {"ok"} else ",".join(sorted(verdicts - {"ok"}))
        print(f"| {label} | {ours / 1e9:.1f} | {ref / 1e9:.1f} | {ours / ref:.0%} | {worst} |")
    if len(ratios) > 1:
        print(f"| geometric mean | | | {statistics.geometric_mean(ratios):.0%} | |")
    print(f"\nMedian of {rounds} alternating rounds (each a runner median, budget {budget_s:g} s).")
    print(machine(used))


def workload(kind: str, params: dict[str, object]) -> Workload:
    return make_workload(kind, params)
