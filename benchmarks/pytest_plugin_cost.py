"""What the accelbench pytest plugin costs a session that does not use it.

A small foreign project (three pytest-benchmark tests and two plain tests, no accelbench fixture,
marker or option) is run in fresh pytest subprocesses, with the plugin loaded (its entry point, as
installed) and without it (``-p no:accelbench``), interleaved in one run so both see the same
machine state; the order alternates every round. Two sessions are measured:

* ``pytest-benchmark, --benchmark-json``: the session that took ~4 s longer before issue 16;
* ``pytest alone`` (``-p no:benchmark``): the plugin beside plain pytest.

Printed per session: the median wall time of each variant, the median of the paired differences
(with - without, same round) and its spread (the 25th-75th percentile of the differences), in ms.
The claim in docs/pytest.md ("under 50 ms") is the median paired difference.

Run on a quiet machine: .venv/bin/python benchmarks/pytest_plugin_cost.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_TESTS = '''
import pytest


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_sort(benchmark, n):
    data = list(range(n, 0, -1))
    benchmark(sorted, data)
'''

PLAIN_TESTS = '''
def test_sum():
    assert sum(range(10)) == 45


def test_join():
    assert "-".join("abc") == "a-b-c"
'''

SESSIONS = {
    "pytest-benchmark, --benchmark-json": ["test_bench.py", "test_plain.py", "--benchmark-json=out.json", "--benchmark-max-time=0.0005",
                                           "--benchmark-min-rounds=3"],
    "pytest alone (-p no:benchmark)": ["test_plain.py", "-p", "no:benchmark"],
}
VARIANTS = {"without plugin": ["-p", "no:accelbench"], "with plugin": []}


def _session_s(project: Path, args: list[str]) -> float:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed ({proc.returncode}) with {args}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed


def _quartiles_ms(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0] * 1e3, values[0] * 1e3
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q1 * 1e3, q3 * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="paired rounds per session (default 21)")
    args = parser.parse_args()
    if args.rounds < 1:
        raise SystemExit("--rounds must be >= 1")
    print(f"python {sys.version.split()[0]}, {args.rounds} paired rounds per session, medians")
    print()
    print("| session | without plugin | with plugin | with - without (median of pairs) | 25th-75th pct |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "test_bench.py").write_text(BENCH_TESTS)
        (project / "test_plain.py").write_text(PLAIN_TESTS)
        for session, session_args in SESSIONS.items():
            for variant_args in VARIANTS.values():  # warm the file cache and .pyc files; not counted
                _session_s(project, session_args + variant_args)
            times: dict[str, list[float]] = {name: [] for name in VARIANTS}
            for round_ in range(args.rounds):
                order = list(VARIANTS) if round_ % 2 == 0 else list(reversed(VARIANTS))
                for name in order:
                    times[name].append(_session_s(project, session_args + VARIANTS[name]))
            diffs = [w - wo for w, wo in zip(times["with plugin"], times["without plugin"], strict=True)]
            low, high = _quartiles_ms(diffs)
            print(f"| {session} | {statistics.median(times['without plugin']):.3f} s | "
                  f"{statistics.median(times['with plugin']):.3f} s | {statistics.median(diffs) * 1e3:+.1f} ms | "
                  f"{low:+.1f} to {high:+.1f} ms |")


if __name__ == "__main__":
    main()
