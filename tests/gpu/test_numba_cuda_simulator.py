"""Run tests/gpu/numba_simulator_check.py (the cases of sim_cases.py) on the CUDA simulator in a subprocess
(the env var must precede numba's import)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.gpu.sim_cases import CASES, Case

HERE = Path(__file__).resolve().parent


def test_numba_cuda_kernels_pass_on_the_simulator() -> None:
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / "numba_simulator_check.py")],
        capture_output=True, text=True, env=env, cwd=HERE.parents[1], timeout=900,
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:]
    print(f"simulator tests: {summary}")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary)
    runs = sum(2 if case.kind == "gemm" else 1 for case in numba_cases())  # GEMMs: sm_80 and sm_90 sizing
    assert passed and int(passed.group(1)) == runs, summary  # every case ran; none skipped


def numba_cases() -> list[Case]:
    from accelbench.backends.gpu_numba import NumbaCudaBackend

    return [case for case in CASES if NumbaCudaBackend().supports(case.workload()).ok]


def test_the_simulator_runs_every_float32_case_of_the_shared_list() -> None:
    assert {case.name for case in numba_cases()} == {case.name for case in CASES if "float16" not in case.name}
