"""GPU owners: the hand-written GEMMs vs cuBLAS at 4096^3 float32, as % of cuBLAS.

Rows: cuBLAS (gpu-cupy ``kernel=library``), kernels/sgemm.cu at its sm_80 and sm_90 sizes
(gpu-cupy ``kernel=custom gemm_arch=80|90``) and the numba GEMM at both sizes (gpu-numba
``gemm_arch=80|90``), each through accelbench's runner (CUDA events, output checked), rounds
alternating so clock drift hits every row alike. Target (unverified until run on a GPU):
kernels/sgemm.cu >= 70 % of cuBLAS on an H100-class GPU at the size chosen for it. Without a GPU it
says so and exits 0.

Run: .venv/bin/python benchmarks/gpu_gemm_vs_cublas.py [--size 4096] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics

from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner

#: row label -> (backend, config)
ROWS: dict[str, tuple[str, dict[str, str]]] = {
    "cuBLAS (cupy.matmul)": ("gpu-cupy", {"kernel": "library"}),
    "kernels/sgemm.cu, sm_80 size 128x128x8": ("gpu-cupy", {"kernel": "custom", "gemm_arch": "80"}),
    "kernels/sgemm.cu, sm_90 size 128x128x16": ("gpu-cupy", {"kernel": "custom", "gemm_arch": "90"}),
    "numba gemm_tiled, sm_80 size (K slice 16)": ("gpu-numba", {"gemm_arch": "80"}),
    "numba gemm_tiled_sm90, sm_90 size (K slice 32)": ("gpu-numba", {"gemm_arch": "90"}),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    unavailable = {name: get_backend(name).available() for name in ("gpu-cupy", "gpu-numba")}
    if not unavailable["gpu-cupy"].ok:
        print(f"gpu-cupy unavailable: {unavailable['gpu-cupy'].reason}; nothing measured (this benchmark needs a GPU)")
        return
    n = args.size
    workload = make_workload("gemm", {"m": n, "n": n, "k": n, "dtype": "float32", "rtol": 1e-3})
    runner = Runner(RunPolicy(budget_s=2.0), "bench")
    rows = {label: spec for label, spec in ROWS.items() if unavailable[spec[0]].ok}
    flops: dict[str, list[float]] = {label: [] for label in rows}
    for _ in range(args.rounds):
        for label, (backend, config) in rows.items():
            m = runner.measure(get_backend(backend), workload, 1, config)
            if not (m.valid and m.achieved_flops_s):
                raise SystemExit(f"{label}: {m.status} ({m.invalid_reason})")
            flops[label].append(m.achieved_flops_s)
    medians = {label: statistics.median(values) for label, values in flops.items()}
    cublas = medians["cuBLAS (cupy.matmul)"]
    print(f"| GEMM {n}^3 float32, median of {args.rounds} | TFLOP/s | % of cuBLAS |\n|---|---|---|")
    for label, value in medians.items():
        print(f"| {label} | {value / 1e12:.1f} | {value / cublas:.0%} |")
    for name, status in unavailable.items():
        if not status.ok:
            print(f"({name} unavailable: {status.reason})")
    print("target: kernels/sgemm.cu >= 70 % of cuBLAS at the size chosen for the device")


if __name__ == "__main__":
    main()
