"""GPU owners: the fused LSTM step (GEMMs + one kernel, gpu-cupy custom) vs the unfused torch sequence.

Target (unverified until run on a GPU): >= 1.5x faster than the unfused element-wise torch
sequence at hidden 256, batch 1. Both are device-timed by accelbench's runner, alternating.

Run: .venv/bin/python benchmarks/gpu_fused_lstm.py
"""

from __future__ import annotations

import statistics

from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner


def main() -> None:
    cupy_backend, torch_backend = get_backend("gpu-cupy"), get_backend("gpu-torch")
    for backend in (cupy_backend, torch_backend):
        if not backend.available().ok:
            print(f"{backend.name} unavailable: {backend.available().reason}; nothing measured (needs a GPU)")
            return
    workload = make_workload("rnn_step", {"cell": "lstm", "hidden": 256})
    runner = Runner(RunPolicy(budget_s=1.0), "bench")
    fused, unfused = [], []
    for _ in range(3):
        fused_m = runner.measure(cupy_backend, workload, 1, {"kernel": "custom"})
        unfused_m = runner.measure(cupy_backend, workload, 1, {"kernel": "library"})
        assert fused_m.latency and unfused_m.latency
        fused.append(fused_m.latency.p50_s)
        unfused.append(unfused_m.latency.p50_s)
    torch_m = runner.measure(torch_backend, workload, 1)
    f, u = statistics.median(fused), statistics.median(unfused)
    print("| LSTM step, hidden 256, batch 1 | p50 |\n|---|---|")
    print(f"| fused cell kernel (gpu-cupy custom) | {f * 1e6:.1f} µs |")
    print(f"| unfused element-wise ops (gpu-cupy library) | {u * 1e6:.1f} µs |")
    if torch_m.latency:
        print(f"| torch nn.LSTM (cuDNN, gpu-torch) | {torch_m.latency.p50_s * 1e6:.1f} µs |")
    print(f"| fused speedup over unfused | {u / f:.2f}x (target >= 1.5x) |")


if __name__ == "__main__":
    main()
