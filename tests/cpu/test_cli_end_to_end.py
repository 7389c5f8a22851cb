"""The installed `accelbench` command, as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ACCELBENCH = [sys.executable, "-m", "accelbench.cli"]


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ACCELBENCH, *argv], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_console_script_is_installed() -> None:
    assert shutil.which("accelbench", path=str(Path(sys.executable).parent)) is not None


def test_run_adhoc_gemm_on_cpu_backends_prints_valid_json(tmp_path: Path) -> None:
    proc = _cli("run", "gemm:m=64,n=32,k=48,dtype=float32", "--backends", "cpu-numpy,cpu-torch",
                "--budget-s", "0.05", "--json", "--store", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert {r["backend"] for r in records} == {"cpu-numpy", "cpu-torch"}
    assert all(r["valid"] for r in records)


def test_impossible_shape_exits_2_with_one_line_and_no_store(tmp_path: Path) -> None:
    proc = _cli("run", "gemm:m=0,n=1,k=1", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["accelbench: error: parameter `m` must be >= 1, got 0"]
    assert not (tmp_path / "accelbench.duckdb").exists()
