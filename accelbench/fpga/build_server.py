"""The build server: each build stage of an FPGA design runs in a child process it starts and can kill.

A stage is forked from a ``multiprocessing`` forkserver that imported torch, hls4ml and the converter
once (:class:`_Worker`), instead of a fresh interpreter importing them for every design. The stage
runs under an address-space limit (:func:`_limit_memory`) and is killed with everything it started
(:func:`kill_tree`: g++ outlives a killed parent otherwise) when it times out or the run is
interrupted (:func:`stop_builds`). What a stage does is :mod:`accelbench.fpga.compile_worker`'s;
which stages run, and when, is :mod:`accelbench.fpga.build`'s.

The server starts early and stops fast. A command that will build designs calls
:func:`start_in_background` first thing, so that the server's imports (~1.4 s of CPU) run on another
core while the command is still importing its own, instead of after, while the build workers wait
(otherwise it starts at the first stage). At exit :func:`_stop_fork_server` SIGKILLs and reaps it:
a graceful stop made it tear down an interpreter holding torch (~0.5-0.7 s) while this process
waited, and reaping it keeps its CPU time and its stages' in this process's ``RUSAGE_CHILDREN``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Build processes running now (so an interrupted run can stop them: see :func:`stop_builds`).
_ACTIVE: set[_Worker] = set()
_ACTIVE_LOCK = threading.Lock()
#: Set by :func:`stop_builds`: stages not yet started fail at once.
_STOPPING = threading.Event()

#: Set to 0 to start every build stage as a fresh interpreter instead of forking it from the build server.
FORK_ENV = "ACCELBENCH_BUILD_FORKSERVER"
#: What the build server imports once, so that a forked stage does not (~2.5 s of CPU each, torch first).
_PRELOAD = ["accelbench.fpga.compile_worker", "torch", "hls4ml", "accelbench.fpga.convert", "accelbench.fpga.layers",
            "accelbench.fpga.lowering", "accelbench.kinds"]
_FORK_LOCK = threading.Lock()
_FORK_CONTEXT: list[Any] = []
#: The thread :func:`start_in_background` started (at most one per process).
_STARTER: list[threading.Thread] = []
_STARTER_LOCK = threading.Lock()
#: Longest wait of :func:`_stop_fork_server` for an early start or a stage starting now.
_STOP_WAIT_S = 5.0


class _Worker:
    """One build stage in a child process with its output in a log file: forked from the build
    server (a ``multiprocessing`` forkserver that has imported torch, hls4ml and the converter once)
    or, with ``ACCELBENCH_BUILD_FORKSERVER=0`` or without a forkserver, a fresh
    ``python -m accelbench.fpga.compile_worker``. The same code runs either way."""

    def __init__(self, spec_path: Path, stage: str, log_path: Path) -> None:
        self.log_path = log_path
        self.forked: Any = None
        self.popen: subprocess.Popen[bytes] | None = None
        context = _fork_context()
        if context is not None:
            from accelbench.fpga.compile_worker import run_forked

            forked = context.Process(target=run_forked, args=(str(spec_path), stage, str(log_path), dict(os.environ)))
            # OSError/EOFError: the server could not start; AssertionError: this process is a daemonic
            # multiprocessing child (a Dask worker), which may not have multiprocessing children of its own.
            with contextlib.suppress(OSError, EOFError, AssertionError):
                forked.start()
                self.forked = forked
                self.pid = int(forked.pid)
        if self.forked is None:
            with log_path.open("wb") as log:
                self.popen = subprocess.Popen([sys.executable, "-m", "accelbench.fpga.compile_worker",
                                               str(spec_path), stage], stdout=log, stderr=subprocess.STDOUT)
            self.pid = self.popen.pid

    def wait(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s``; whether the stage has ended."""
        if self.forked is not None:
            self.forked.join(timeout_s)
            return self.forked.exitcode is not None
        assert self.popen is not None
        try:
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        """Kill the stage and everything it started (g++ outlives a killed parent otherwise, and a
        compile that blew the time limit would go on eating a core)."""
        kill_tree(self.pid)

    @property
    def returncode(self) -> int:
        code = self.forked.exitcode if self.forked is not None else self.popen.returncode if self.popen else None
        return -9 if code is None else int(code)

    def output_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return "; ".join(line.strip() for line in lines[-3:] if line.strip())


def descendants(pid: int, proc: Path = Path("/proc")) -> list[int]:
    """Every live descendant of ``pid`` (Linux ``/proc``; [] where there is none), parents first."""
    children: dict[int, list[int]] = {}
    try:
        entries = list(proc.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the command may hold spaces and ')'
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    frontier = [pid]
    while frontier:
        found = [child for parent in frontier for child in children.get(parent, [])]
        out += found
        frontier = found
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its descendants: the process first (so it starts nothing more), then the
    descendants listed just before (they are reparented, not killed, when their parent dies)."""
    below = descendants(pid)
    for target in (pid, *below):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(target, signal.SIGKILL)


def _forkserver_allowed() -> bool:
    """Whether stages may be forked from the build server: not turned off with
    ``ACCELBENCH_BUILD_FORKSERVER=0``, not a daemonic multiprocessing child (Dask's workers are,
    and may not start multiprocessing children), and a platform that has a forkserver."""
    import multiprocessing

    if os.environ.get(FORK_ENV, "1") == "0" or multiprocessing.current_process().daemon:
        return False
    return "forkserver" in multiprocessing.get_all_start_methods()


def _fork_context() -> Any:
    """The forkserver context (started with :data:`_PRELOAD` on first use), or None when it may not
    be used (:func:`_forkserver_allowed`)."""
    import multiprocessing

    if not _forkserver_allowed():
        return None
    with _FORK_LOCK:
        if not _FORK_CONTEXT:
            context: Any = None
            with contextlib.suppress(ValueError):  # no forkserver on this platform
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(_PRELOAD)
                atexit.register(_stop_fork_server)
            _FORK_CONTEXT.append(context)
        return _FORK_CONTEXT[0]


def start_in_background() -> None:
    """Start the build server now, from a daemon thread, and return at once: its imports of torch,
    hls4ml and the converter then run on another core while this process goes on with its own
    start-up, rather than later while the build workers wait for them.

    Idempotent per process; does nothing when the server may not be used (:func:`_forkserver_allowed`).
    Never raises or prints: if the early start fails, the first stage starts the server as before.
    A stage started meanwhile is safe: ``ensure_running`` holds the forkserver's own lock while it
    starts the server, and the stage's request waits on it.
    """
    try:
        with _STARTER_LOCK:
            if _STARTER or not _forkserver_allowed():
                return
            thread = threading.Thread(target=_start_fork_server, name="accelbench-build-server-start", daemon=True)
            thread.start()
            _STARTER.append(thread)
    except Exception:  # e.g. no thread can be started: the lazy start still works
        return


def _start_fork_server() -> None:
    """The body of :func:`start_in_background`'s thread: set the preload list (:func:`_fork_context`)
    and start the server, which returns once it is spawned (it imports :data:`_PRELOAD` on its own)."""
    with contextlib.suppress(Exception):
        if _fork_context() is not None:
            from multiprocessing import forkserver

            forkserver.ensure_running()


def settle(timeout_s: float = 120.0) -> None:
    """Return once a server started by :func:`start_in_background` has finished its imports (at
    once if none was): a run calls this before it measures, so that no import of torch shares the
    cores with a timed region. The server answers a request only after its preload, so starting
    and joining a no-op process waits exactly that long."""
    if not _STARTER:
        return
    _STARTER[0].join(timeout_s)
    with contextlib.suppress(Exception):
        context = _fork_context()
        if context is not None:
            probe = context.Process(target=_noop)
            probe.start()
            probe.join(timeout_s)


def _noop() -> None:
    """What :func:`settle`'s probe runs in the server."""


def _stop_fork_server() -> None:
    """At exit, SIGKILL the build server and reap it (``waitpid``), then reset CPython's forkserver
    state as its own ``_stop_unlocked`` does, so a later ``ensure_running`` would start a new one.

    Why SIGKILL: CPython's graceful stop makes the server raise SystemExit and tear down an
    interpreter holding torch, ~0.5-0.7 s that this process waits for; nothing in the server needs
    saving. Why reap: the server's CPU time, and that of the stages it reaped (and their g++), then
    count in this process's ``RUSAGE_CHILDREN``, as with one interpreter per stage
    (benchmarks/fpga_suite_wall.py relies on it). Safe when the server never started or already died.
    """
    from multiprocessing import forkserver

    for thread in _STARTER:  # an early start still spawning the server ends first (milliseconds)
        thread.join(_STOP_WAIT_S)
    server = getattr(forkserver, "_forkserver", None)  # CPython's own, 3.8-3.13
    lock = getattr(server, "_lock", None)
    if server is None or lock is None or not lock.acquire(timeout=_STOP_WAIT_S):
        return  # left running, the server exits by itself once this process has exited
    try:
        with contextlib.suppress(Exception):
            _kill_and_reset(server)
    finally:
        lock.release()


def _kill_and_reset(server: Any) -> None:
    """SIGKILL and reap ``server``'s process (a ``multiprocessing.forkserver.ForkServer``; the caller
    holds its lock), then close its "alive" pipe and socket as ``ForkServer._stop_unlocked`` does."""
    from multiprocessing import util

    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    if _is_child(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    with contextlib.suppress(OSError, TypeError):
        os.close(server._forkserver_alive_fd)
    server._forkserver_alive_fd = None
    server._forkserver_pid = None
    address = server._forkserver_address
    if address is not None and not util.is_abstract_socket_namespace(address):
        with contextlib.suppress(OSError):
            os.unlink(address)
    server._forkserver_address = None


def _is_child(pid: int, proc: Path = Path("/proc")) -> bool:
    """Whether ``pid`` is still this process's child (alive or a zombie), so that a pid reaped by
    someone else and reused is never killed. True where ``/proc`` cannot tell."""
    if not proc.is_dir():
        return True
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except FileNotFoundError:  # reaped by someone else
        return False
    except OSError:
        return True
    return int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid()


def _limit_memory(pid: int, limit_bytes: int) -> None:
    """Cap the child's address space (inherited by the g++ it starts). ``prlimit`` from the parent
    rather than a ``preexec_fn``: builds start from several threads, where preexec_fn may deadlock."""
    with contextlib.suppress(ProcessLookupError):  # already gone: its exit code tells
        resource.prlimit(pid, resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def stop_builds() -> None:
    """Kill every build process of this process and refuse new stages (an interrupted run)."""
    _STOPPING.set()
    with _ACTIVE_LOCK:
        for worker in _ACTIVE:
            worker.kill()


def allow_builds() -> None:
    """Undo :func:`stop_builds` (a new run in the same process)."""
    _STOPPING.clear()


#: (file, stage, report): when ``file`` is written during a stage, ``report(stage)`` is called once.
Watch = tuple[Path, str, Callable[[str], None]]


def _wait(worker: _Worker, timeout_s: float, watch: Watch | None) -> bool:
    """Wait for the stage to end within ``timeout_s`` (False: it did not); meanwhile, once a second,
    look for ``watch``'s file (a sub-stage the worker does not report, e.g. g++ started)."""
    deadline = time.monotonic() + timeout_s
    started = time.time()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if worker.wait(min(left, 1.0) if watch else left):
            return True
        if watch is not None:
            path, stage, report = watch
            with contextlib.suppress(OSError):
                if path.stat().st_mtime >= started:
                    report(stage)
                    watch = None
