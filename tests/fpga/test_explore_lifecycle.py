"""``fpga explore`` begins and finishes its run like ``run``: SIGTERM mid-build leaves it
``interrupted`` (and stops the build), and the memory check refuses designs that cannot fit."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from accelbench.backends.registry import availability
from accelbench.results.store import open_store
from tests.hostile.clirun import ROOT, cli, command, env, one_line_error

pytestmark = pytest.mark.skipif(not availability("fpga-hls4ml").ok, reason="hls4ml or g++ missing")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_explore_builds_marks_the_run_interrupted(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    environment = {**env(), "ACCELBENCH_CACHE_DIR": str(tmp_path / "cache")}  # cold: the build takes seconds
    proc = subprocess.Popen(command("fpga", "explore", "gemm:m=1,n=8,k=12", "--reuse-factor", "1,2",
                                    "--store", str(store)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=environment)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("[build "):  # a build has started
            break
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, "".join(seen) + err
    assert "Traceback" not in err
    with open_store(store, read_only=True) as s:
        (run,) = s.runs()
    assert run["status"] == "interrupted" and run["finished_at"]
    assert str(run["command"]).startswith("accelbench fpga explore")


def test_explore_refuses_a_design_whose_inputs_cannot_fit_in_memory(tmp_path: Path) -> None:
    result = cli("fpga", "explore", "gemm:m=46000,n=46000,k=46000", "--store", str(tmp_path / "s.duckdb"))
    one_line_error(result, "memory")
    assert not (tmp_path / "s.duckdb").exists()  # refused before any run was stored
