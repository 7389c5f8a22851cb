"""Power through the runner and the CLI: the same window gives power, energy per item and items per joule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from accelbench.backends.registry import get_backend
from accelbench.errors import UserError
from accelbench.measure.policy import RunPolicy
from accelbench.measure.power_window import PowerOptions, make_power_hook
from accelbench.measure.runner import Runner
from accelbench.workload import make_workload


def test_cpu_run_records_modeled_power_with_its_reason() -> None:
    hook = make_power_hook(PowerOptions(window_s=1.0, idle_s=0.05, cpu_tdp_w=40.0))
    m = Runner(RunPolicy(budget_s=0.05), "p", power_hook=hook).measure(
        get_backend("cpu-numpy"), make_workload("gemm", {"m": 64, "n": 64, "k": 64}), 4)
    assert m.power_w is not None and 0 < m.power_w <= 40.0
    assert m.provenance["power_w"] == "modeled" and m.provenance["energy_j_per_item"] == "modeled"
    assert "rapl unavailable" in m.methods["power_w"]
    assert m.power is not None and m.power["window_s"] >= 1.0 and m.power["items"] % 4 == 0
    assert m.energy_j_per_item == pytest.approx(m.power_w * m.power["window_s"] / m.power["items"])


def test_power_window_shorter_than_a_second_is_refused() -> None:
    with pytest.raises(UserError, match="at least 1 s"):
        PowerOptions(window_s=0.5)


def test_cli_done_when_records_power_and_energy(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "accelbench.cli", "run", "gemm:m=512,n=512,k=512,dtype=float32",
         "--backends", "cpu-numpy", "--json", "--budget-s", "0.2", "--store", str(tmp_path / "s.duckdb")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(proc.stdout)
    assert record["power_w"] > 0 and record["energy_j_per_item"] > 0 and record["idle_power_w"] is not None
    assert record["provenance"]["power_w"] == "modeled"
    assert "modeled: CPU TDP" in record["methods"]["power_w"]
