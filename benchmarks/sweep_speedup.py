"""Speedup of an FPGA-build-bound sweep with 2 Dask workers over 1 on this machine.

Each task is fpga-hls4ml on a different small design (distinct precisions, so every task compiles
its own C simulation with g++: a real build-bound workload; distinct reuse factors of this latency
design would share one compile, see accelbench/fpga/csim_share.py), run once with a
LocalCluster of 1 worker and once with 2, each with a fresh build cache. Prints a Markdown table.

Run: .venv/bin/python benchmarks/sweep_speedup.py [--designs 4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from accelbench.executors.dask import connect, execute_dask
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.plan import expand
from accelbench.suites import SuiteEntry


def sweep_s(workers: int, designs: int) -> float:
    entries = [SuiteEntry(make_workload("model", {"model": "mlp"}))]
    precisions = ("ap_fixed<16,6>", "ap_fixed<14,6>", "ap_fixed<12,5>", "ap_fixed<10,4>", "ap_fixed<18,8>",
                  "ap_fixed<8,3>")
    configs = [{"precision": precision} for precision in precisions[:designs]]
    tasks = expand(entries, ["fpga-hls4ml"], "single-stream", [1], configs)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ACCELBENCH_CACHE_DIR"] = cache
        client, cluster = connect(None, workers)
        try:
            t0 = time.perf_counter()
            results = execute_dask(tasks, client, RunPolicy(budget_s=0.05), "bench", f"bench-{workers}", lambda m: None)
            elapsed = time.perf_counter() - t0
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    assert all(m.status == "ok" for m in results), [m.invalid_reason for m in results]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=4)
    args = parser.parse_args()
    one = sweep_s(1, args.designs)
    two = sweep_s(2, args.designs)
    print(f"| FPGA-build-bound sweep ({args.designs} hls4ml designs, cold cache) | wall time |")
    print("|---|---|")
    print(f"| 1 Dask worker | {one:.1f} s |")
    print(f"| 2 Dask workers | {two:.1f} s |")
    print(f"| speedup | {one / two:.2f}x (2 cores) |")


if __name__ == "__main__":
    main()
