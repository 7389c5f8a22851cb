"""Runs that are stopped: SIGTERM/SIGHUP like Ctrl-C (results kept, run interrupted), SIGKILL
detected afterwards (run abandoned, results kept), an unreachable Dask scheduler (one line, no run)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accelbench.commands import lifecycle
from accelbench.results.liveness import STALE_AFTER_S, run_state
from accelbench.results.store import open_store
from tests.hostile.clirun import cli, one_line_error, popen

#: A run of many slow-ish fake measurements: long enough to be signalled after its first result.
SLOW = ["gemm:m=4,n=4,k=4", "--backends", "fake", "--batch", ",".join(str(b) for b in range(1, 41)),
        "--config", "fake_delay_s=0.002", "--budget-s", "0.3", "--no-power"]


def _after_first_result(proc: subprocess.Popen[str]) -> list[str]:
    """Read stderr until the first measurement is reported (it is stored before it is reported)."""
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("[1/"):
            return seen
    raise AssertionError("the run ended before its first result: " + "".join(seen))


def _runs(store: Path) -> list[dict[str, object]]:
    with open_store(store, read_only=True) as s:
        return s.runs()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_terminating_signal_keeps_the_results_and_marks_the_run_interrupted(sig: int, tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    proc = popen("run", *SLOW, "--store", str(store), fakes=True)
    _after_first_result(proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and f"interrupted by {signal.Signals(sig).name}" in err
    (run,) = _runs(store)
    assert run["status"] == "interrupted" and run["finished_at"]
    assert 1 <= int(run["stored"]) < 40  # type: ignore[call-overload]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_killed_run_shows_as_abandoned_with_the_results_it_stored(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    proc = popen("run", *SLOW, "--store", str(store), fakes=True)
    _after_first_result(proc)
    proc.kill()  # SIGKILL: no handler runs, the row stays `running`
    proc.wait(timeout=60)
    (run,) = _runs(store)
    assert run["stored_status"] == "running" and run["status"] == "abandoned"
    assert int(run["stored"]) >= 1  # type: ignore[call-overload]
    shown = cli("show", "--runs", "--store", str(store))
    assert shown.returncode == 0 and "abandoned" in shown.stdout, shown.stderr
    listed = cli("show", "--store", str(store), "--json")
    assert listed.returncode == 0 and listed.stdout.count('"measurement_id"') == int(run["stored"])  # type: ignore[call-overload]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_sweep_resumes_after_a_killed_run_and_says_it_was_abandoned(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    args = ("sweep", *SLOW[:-3], "--budget-s", "0.05", "--no-power", "--store", str(store))
    proc = popen(*args, fakes=True)
    _after_first_result(proc)
    proc.kill()
    proc.wait(timeout=60)
    (killed,) = _runs(store)
    again = cli(*args, fakes=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"run {killed['run_id']}" in again.stderr and "was abandoned after storing" in again.stderr
    runs = {run["run_id"]: run for run in _runs(store)}
    assert runs[killed["run_id"]]["stored_status"] == "abandoned"  # recorded, not only shown
    assert sum(int(run["stored"]) for run in runs.values()) == 40  # type: ignore[call-overload]


def test_the_default_sweep_id_is_stable_so_a_repeated_command_resumes(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    args = ("sweep", "gemm:m=4,n=4,k=4", "--backends", "fake", "--batch", "1,2", "--budget-s", "0.02", "--no-power",
            "--store", str(store))
    first = cli(*args, fakes=True)
    assert first.returncode == 0, first.stderr
    second = cli(*args, fakes=True)
    assert second.returncode == 0 and "0 to run, 2 already stored" in second.stderr, second.stderr
    other = cli(*args[:-2], "--seed", "7", "--store", str(store), fakes=True)  # another policy: another sweep
    assert other.returncode == 0 and "2 to run, 0 already stored" in other.stderr, other.stderr


def test_an_unreachable_dask_scheduler_is_one_line_and_stores_no_run(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = tmp_path / "s.duckdb"
    result = cli("sweep", "gemm:m=4,n=4,k=4", "--backends", "cpu-numpy", "--executor", "dask",
                 "--scheduler", f"tcp://127.0.0.1:{port}", "--no-power", "--store", str(store), timeout=120)
    one_line_error(result, "cannot reach the Dask scheduler", f"127.0.0.1:{port}")
    if store.exists():
        assert _runs(store) == []


# -- the abandoned rule and the heartbeat, in process ----------------------------------------
def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def test_a_running_run_on_this_host_is_abandoned_when_its_pid_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    run = {"status": "running", "host": socket.gethostname(), "pid": child.pid, "started_at": _iso(datetime.now(UTC))}
    assert run_state(run) == "abandoned"
    assert run_state({**run, "pid": os.getpid()}) == "running"


def test_a_reused_pid_does_not_keep_a_dead_run_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started_long_ago = _iso(datetime.now(UTC) - timedelta(hours=1))
        run = {"status": "running", "host": socket.gethostname(), "pid": child.pid, "started_at": started_long_ago}
        assert run_state(run) == "abandoned"  # that process was created after the run started
        assert run_state({**run, "started_at": _iso(datetime.now(UTC) + timedelta(minutes=1))}) == "running"
    finally:
        child.kill()
        child.wait()


def test_a_run_on_another_host_is_abandoned_when_its_heartbeat_is_stale() -> None:
    now = datetime.now(UTC)
    run = {"status": "running", "host": "elsewhere", "pid": 1, "started_at": _iso(now - timedelta(hours=2))}
    fresh = {**run, "heartbeat_at": _iso(now - timedelta(seconds=STALE_AFTER_S / 2))}
    stale = {**run, "heartbeat_at": _iso(now - timedelta(seconds=STALE_AFTER_S * 2))}
    assert run_state(fresh, now=now) == "running"
    assert run_state(stale, now=now) == "abandoned"
    assert run_state({**stale, "status": "finished"}, now=now) == "finished"  # only `running` is judged


def test_the_heartbeat_thread_refreshes_heartbeat_at(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(store_path) as store:
        with lifecycle.stored_run(store, "r1", "test", {}, heartbeat_s=0.01):
            monkeypatch.setattr(lifecycle, "now_iso", lambda: "2099-01-01T00:00:00+00:00")
            for _ in range(2000):  # poll; no assertion on how long it takes
                if store.runs()[0]["heartbeat_at"] == "2099-01-01T00:00:00+00:00":
                    break
                time.sleep(0.01)
            assert store.runs()[0]["heartbeat_at"] == "2099-01-01T00:00:00+00:00"
        assert store.runs()[0]["stored_status"] == "finished"


def test_an_exception_inside_a_run_marks_it_interrupted(store_path: Path) -> None:
    with open_store(store_path) as store:
        with pytest.raises(RuntimeError), lifecycle.stored_run(store, "r1", "test", {}):
            raise RuntimeError("boom")
        assert store.runs()[0]["stored_status"] == "interrupted"


def test_signal_handlers_are_restored_after_a_run(store_path: Path) -> None:
    before = signal.getsignal(signal.SIGTERM)
    with open_store(store_path) as store, lifecycle.stored_run(store, "r1", "test", {}):
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_run_records_where_it_ran_and_the_commit(store_path: Path) -> None:
    environment = {"git": {"commit": "abc123", "dirty": True}}
    with open_store(store_path) as store:
        with lifecycle.stored_run(store, "r1", "test", environment):
            pass
        run = store.run_info("r1")
    assert run["host"] == socket.gethostname() and run["pid"] == os.getpid() and run["heartbeat_at"]
    assert run["commit_id"] == "abc123" and run["dirty"] is True
