"""The plugin under pytest-xdist (one timing per host, workers' records reach the controller) and
``--accel-save`` / ``--accel-compare`` / ``--accel-compare-fail`` inside a pytest run."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accelbench.measure.hostlock import host_timing_lock, lock_path, try_lock
from accelbench.results.store import open_store

REPO = Path(__file__).resolve().parents[2]

CONFTEST = '''
import json
import os
import time

from accelbench.backends.registry import register_backend
from accelbench.measure.runner import Runner

register_backend("fake", "tests.fakes:FakeBackend")
register_backend("fake-modeled", "tests.fakes:ModeledFakeBackend")
_measure = Runner.measure


def _logged(self, *args, **kwargs):
    start = time.time()
    time.sleep(0.2)  # a long measurement: without the host lock two workers would overlap here
    m = _measure(self, *args, **kwargs)
    with open("intervals.jsonl", "a") as out:
        out.write(json.dumps([os.environ.get("PYTEST_XDIST_WORKER"), start, time.time()]) + "\\n")
    return m


Runner.measure = _logged
'''

TESTS = '''
import pytest

from accelbench.kinds import make_workload


@pytest.mark.parametrize("i", range(4))
def test_fake(accelbench, i):
    accelbench(make_workload("gemm", {"m": 8, "n": 8, "k": 8}), "fake", batch=1)
'''

MODELED_TEST = '''
from accelbench.kinds import make_workload


def test_modeled(accelbench):
    accelbench(make_workload("gemm", {"m": 8, "n": 8, "k": 8}), "fake-modeled", batch=1,
               config={"fake_modeled_s": 0.001})
'''


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(REPO)
    env["ACCELBENCH_LOCK_DIR"] = str(project)  # this test's own lock: other sessions on the host do not wait
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_host_lock_excludes_another_process(tmp_path: Path) -> None:
    path = tmp_path / "host.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from accelbench.measure.hostlock import host_timing_lock\n"
         f"with host_timing_lock(Path({str(path)!r})):\n    print('held', flush=True)\n    sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not try_lock(path)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
    assert try_lock(path)  # released when the holder leaves (or dies)
    with host_timing_lock(path) as waited_s:
        assert waited_s >= 0


def test_the_lock_file_is_per_host_in_the_temp_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACCELBENCH_LOCK_DIR", str(tmp_path))
    assert lock_path().parent == tmp_path and lock_path().name.startswith("accelbench-timing-")


def test_xdist_workers_take_turns_and_their_records_reach_the_controller(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_xdist.py").write_text(TESTS)
    proc = _pytest(tmp_path, "-n", "2", "--accel-budget-s", "0.02", "--accel-save", "--accel-store", "s.duckdb")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in proc.stdout.lower()  # pytest-benchmark is disabled under xdist: no "fixture not used"
    rows = [json.loads(line) for line in (tmp_path / "intervals.jsonl").read_text().splitlines()]
    intervals = sorted(rows, key=lambda row: row[1])
    assert len(intervals) == 4 and {row[0] for row in intervals} == {"gw0", "gw1"}
    for before, after in itertools.pairwise(intervals):
        assert after[1] >= before[2], f"two workers timed at once: {before} and {after}"
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        (run,) = store.runs()
        assert len(store.measurements(run["run_id"])) == 4
    assert f"saved 4 measurement(s) as run {run['run_id']}" in proc.stdout


def test_accel_compare_fails_the_session_on_a_planted_regression(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_modeled.py").write_text(MODELED_TEST)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "test_modeled.py"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench"], cwd=tmp_path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, check=True, capture_output=True,
                          text=True).stdout.strip()
    first = _pytest(tmp_path, "--accel-save", "--accel-store", "s.duckdb")
    assert first.returncode == 0, first.stdout + first.stderr
    with open_store(tmp_path / "s.duckdb") as store:
        (saved,) = store.runs()
        assert saved["commit_id"] == head  # the project under test's commit, not accelbench's
        (m,) = store.measurements(saved["run_id"])
        assert m.latency is not None
        faster = dataclasses.replace(m, run_id="planted-faster", measurement_id="planted",
                                     latency=dataclasses.replace(m.latency, p50_s=m.latency.p50_s / 2))
        store.begin_run("planted-faster", "test", {}, "2999-01-01T00:00:00+00:00")
        store.append(faster)
        store.finish_run("planted-faster", "2999-01-01T00:00:01+00:00")
    regressed = _pytest(tmp_path, "--accel-store", "s.duckdb", "--accel-compare", "last",
                        "--accel-compare-fail", "p50:5%")
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    assert "this session vs run planted-faster" in regressed.stdout and "regressed" in regressed.stdout
    assert "1 passed" in regressed.stdout and "session failed" in regressed.stdout
    same = _pytest(tmp_path, "--accel-store", "s.duckdb", "--accel-compare", saved["run_id"][:12],
                   "--accel-compare-fail", "p50:5%")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "+0.0%" in same.stdout and "regressed" not in same.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--accel-compare", "no-such-run"], "no run 'no-such-run'"),
    (["--accel-compare-fail", "p50:5%"], "needs --accel-compare"),
    (["--accel-compare", "last", "--accel-compare-fail", "p99:5"], "--accel-compare-fail expects p50:N%"),
])
def test_compare_mistakes_are_usage_errors_before_any_test_runs(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "test_a.py").write_text("def test_a():\n    raise AssertionError('must not run')\n")
    with open_store(tmp_path / "s.duckdb") as store:
        store.begin_run("r1", "test", {}, "2020-01-01T00:00:00+00:00")
    proc = _pytest(tmp_path, "--accel-store", "s.duckdb", *args)
    assert proc.returncode == 4 and message in proc.stderr, proc.stdout + proc.stderr


def test_accel_compare_takes_a_named_baseline(tmp_path: Path) -> None:
    from accelbench.results.baselines import set_baseline

    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_modeled.py").write_text(MODELED_TEST)
    first = _pytest(tmp_path, "--accel-save", "--accel-store", "s.duckdb")
    assert first.returncode == 0, first.stdout + first.stderr
    with open_store(tmp_path / "s.duckdb") as store:
        (saved,) = store.runs()
        set_baseline(store, "ci-main", saved["run_id"])
    named = _pytest(tmp_path, "--accel-store", "s.duckdb", "--accel-compare", "ci-main",
                    "--accel-compare-fail", "p50:5%")
    assert named.returncode == 0, named.stdout + named.stderr
    assert f"this session vs run {saved['run_id']}" in named.stdout and "+0.0%" in named.stdout
    unknown = _pytest(tmp_path, "--accel-store", "s.duckdb", "--accel-compare", "ci-other")
    assert unknown.returncode == 4 and "nor a baseline: ci-main" in unknown.stderr, unknown.stdout + unknown.stderr
