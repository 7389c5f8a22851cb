"""The build server starts early without blocking, and stops fast at exit with its CPU time kept.

Forkserver state is per process, so each test runs a fresh interpreter (``sys.executable -c``)
whose build server preloads a tiny stand-in module instead of torch (seconds saved per test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from accelbench.fpga.build_server import FORK_ENV

#: A preload stand-in: burns ~0.2 s of CPU when imported (as torch's import does, for longer),
#: and ``burn`` is a stage's target that does the same.
_SPIN_MODULE = '''
import time

def burn(seconds=0.2):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass

burn()
'''

#: Common head of every child script: the stand-in preload, and helpers that print the verdict.
_HEAD = '''
import json, os, resource, sys, time
from multiprocessing import forkserver
from accelbench.fpga import build_server
build_server._PRELOAD[:] = ["bs_spin"]

def server_pid(timeout_s=20.0):
    deadline = time.monotonic() + timeout_s
    while forkserver._forkserver._forkserver_pid is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return forkserver._forkserver._forkserver_pid

def alive(pid):
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")

def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
'''


def _run(tmp_path: Path, body: str, fork_env: str = "1") -> dict[str, object]:
    """Run ``body`` after :data:`_HEAD` in a fresh interpreter; the JSON it prints last."""
    (tmp_path / "bs_spin.py").write_text(_SPIN_MODULE)
    env = {**os.environ, FORK_ENV: fork_env, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(tmp_path), os.environ.get("PYTHONPATH", "")]))}
    script = _HEAD + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # start_in_background never prints
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_start_in_background_starts_the_server_without_blocking_and_once(tmp_path: Path) -> None:
    out = _run(tmp_path, '''
        start = time.monotonic()
        build_server.start_in_background()
        build_server.start_in_background()
        elapsed_s = time.monotonic() - start
        pid = server_pid()
        build_server.start_in_background()
        time.sleep(0.1)
        same = forkserver._forkserver._forkserver_pid == pid
        cmdline = open(f"/proc/{pid}/cmdline").read() if pid else ""
        print(json.dumps({"elapsed_s": elapsed_s, "pid": pid, "alive": bool(pid) and alive(pid), "same": same,
                          "threads": len(build_server._STARTER), "forkserver": "forkserver" in cmdline}))
    ''')
    assert float(str(out["elapsed_s"])) < 0.5
    assert out["pid"] and out["alive"] and out["forkserver"]
    assert out["same"] and out["threads"] == 1


def test_start_in_background_does_nothing_when_the_forkserver_is_off(tmp_path: Path) -> None:
    out = _run(tmp_path, '''
        build_server.start_in_background()
        time.sleep(0.3)
        print(json.dumps({"threads": len(build_server._STARTER), "context": build_server._FORK_CONTEXT,
                          "pid": forkserver._forkserver._forkserver_pid}))
    ''', fork_env="0")
    assert out == {"threads": 0, "context": [], "pid": None}


def test_the_exit_stop_kills_and_reaps_the_server_keeping_its_cpu_time(tmp_path: Path) -> None:
    """The server's preload (0.2 s) and a stage it forked and reaped (0.2 s) count in the
    children's CPU time once it is stopped; the server is gone, and a new one can start after."""
    out = _run(tmp_path, '''
        import bs_spin
        build_server.start_in_background()
        pid = server_pid()
        stage = build_server._fork_context().Process(target=bs_spin.burn)
        stage.start()
        stage.join(60)
        before_s = children_cpu_s()
        start = time.monotonic()
        build_server._stop_fork_server()
        stop_s = time.monotonic() - start
        after_s = children_cpu_s()
        reset = forkserver._forkserver._forkserver_pid is None and forkserver._forkserver._forkserver_alive_fd is None
        forkserver.ensure_running()
        again = server_pid()
        build_server._stop_fork_server()
        print(json.dumps({"exitcode": stage.exitcode, "before_s": before_s, "after_s": after_s, "stop_s": stop_s,
                          "alive": alive(pid), "reset": reset, "again": again != pid and again is not None,
                          "again_alive": alive(again)}))
    ''')
    assert out["exitcode"] == 0
    assert not out["alive"] and out["reset"]
    assert float(str(out["after_s"])) - float(str(out["before_s"])) >= 0.3  # the preload's 0.2 s + the stage's
    assert float(str(out["stop_s"])) < 2.0
    assert out["again"] and not out["again_alive"]


def test_the_exit_stop_is_safe_when_the_server_never_started_or_died(tmp_path: Path) -> None:
    out = _run(tmp_path, '''
        import signal
        build_server._stop_fork_server()  # never started
        build_server.start_in_background()
        pid = server_pid()
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # died and reaped by someone else
        build_server._stop_fork_server()
        print(json.dumps({"pid": forkserver._forkserver._forkserver_pid}))
    ''')
    assert out == {"pid": None}


@pytest.mark.parametrize(("argv", "env", "starts"), [
    (["smoke"], {}, True),  # no --backends and a suite without any: every backend, fpga-hls4ml included
    (["smoke", "--backends", "cpu-numpy, fpga-hls4ml"], {}, True),
    (["smoke", "--backends", "cpu-numpy"], {}, False),
    (["deepbench-gemm"], {}, False),  # the suite's backends, none of them FPGA
    (["smoke", "--no-prebuild"], {}, False),
    (["smoke"], {"ACCELBENCH_PREBUILD": "0"}, False),
])
def test_run_starts_the_build_server_early_only_when_it_builds_fpga_designs_first(
        monkeypatch: pytest.MonkeyPatch, argv: list[str], env: dict[str, str], starts: bool) -> None:
    import importlib.util
    import shutil

    from accelbench.cli import build_parser
    from accelbench.commands.run import _builds_fpga_designs_first

    if importlib.util.find_spec("hls4ml") is None or shutil.which("g++") is None:
        pytest.skip("hls4ml and g++ are needed: without them nothing is built, so nothing starts early")
    monkeypatch.delenv("ACCELBENCH_PREBUILD", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _builds_fpga_designs_first(build_parser().parse_args(["run", *argv])) is starts


def test_settle_returns_once_an_early_started_server_has_finished_its_imports(tmp_path: Path) -> None:
    (tmp_path / "bs_slow.py").write_text(
        "import pathlib, time\ntime.sleep(1.0)\npathlib.Path('preloaded').write_text('done')\n")
    out = _run(tmp_path, '''
        build_server._PRELOAD[:] = ["bs_slow"]
        build_server.settle()  # nothing started: returns at once
        build_server.start_in_background()
        started = os.path.exists("preloaded")
        build_server.settle()
        print(json.dumps({"before": started, "after": os.path.exists("preloaded")}))
    ''')
    assert out == {"before": False, "after": True}
