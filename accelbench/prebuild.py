"""Build the designs of a run before measuring it, several at once, with progress on stderr.

Compiling a design (e.g. an FPGA design's C simulation) is not timing, so builds of different
designs may overlap: :func:`prebuild_all` calls the ``prebuild(workload, config)`` hook of every
task whose backend has one, in a pool of :func:`build_workers` threads (each build already runs in
its own subprocess under the time and memory limits, so threads suffice). Tasks that share a
design (same backend, workload and configuration) are built once. Progress lines go to ``log``::

    [build 3/12] rnn-lstm-h256 on fpga-hls4ml: compiling the C simulation (g++) (12 s)

one as a build starts each stage (when the hook accepts an ``on_stage(stage)`` keyword), one
every :data:`TICK_S` seconds for each build still running, one when it ends. A failed prebuild
is only reported: the measurement's own ``prepare`` then meets the same failure and stores it as
an ``error`` record, as without prebuild. Measurements that follow find their designs in the
build cache.
"""

from __future__ import annotations

import inspect
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from accelbench.backends.registry import get_backend
from accelbench.plan import Task

#: Seconds between "still running" lines of a long build.
TICK_S = 30.0
#: Environment variable that turns prebuilds off when set to ``0``.
PREBUILD_ENV = "ACCELBENCH_PREBUILD"

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def enabled() -> bool:
    """False when ``ACCELBENCH_PREBUILD=0`` (then designs are built one by one as each is measured)."""
    return os.environ.get(PREBUILD_ENV, "1").strip() not in ("0", "false", "no", "off")


def build_workers() -> int:
    """Concurrent builds: the core count (at least 1)."""
    return max(1, os.cpu_count() or 1)


@dataclass
class BuildReport:
    """One prebuild: what was built, when (``time.monotonic`` seconds), and how it ended."""

    index: int
    label: str
    start_s: float = 0.0
    end_s: float = 0.0
    stage: str = "waiting"
    error: str = ""

    @property
    def elapsed_s(self) -> float:
        return (self.end_s or time.monotonic()) - self.start_s


def _hook(task: Task) -> Callable[..., Any] | None:
    try:
        backend = get_backend(task.backend)
    except Exception:  # an unknown backend is the measurement's to report
        return None
    hook = getattr(backend, "prebuild", None)
    if not callable(hook):
        return None
    try:
        if not backend.available().ok or not backend.supports(task.workload).ok:
            return None
    except Exception:
        return None
    return hook


def _design_id(task: Task) -> str:
    """What identifies a design: backend, workload and configuration (not the batch)."""
    config = sorted((str(k), repr(v)) for k, v in dict(task.config).items())
    return f"{task.backend}|{task.workload.name}|{task.workload.params_hash}|{config}"


def _takes_on_stage(hook: Callable[..., Any]) -> bool:
    try:
        return "on_stage" in inspect.signature(hook).parameters
    except (TypeError, ValueError):
        return False


def builds(tasks: Sequence[Task]) -> list[tuple[Task, Callable[..., Any]]]:
    """The distinct (task, hook) pairs to prebuild: one per backend, workload and configuration
    (the batch does not change a design), tasks without a hook left out."""
    seen: set[str] = set()
    out: list[tuple[Task, Callable[..., Any]]] = []
    for task in tasks:
        ident = _design_id(task)
        if ident in seen:
            continue
        seen.add(ident)
        hook = _hook(task)
        if hook is not None:
            out.append((task, hook))
    return out


class _Progress:
    """Thread-safe progress lines for ``total`` builds."""

    def __init__(self, total: int, log: Log) -> None:
        self.total = total
        self.log = log
        self.lock = threading.Lock()

    def line(self, report: BuildReport, what: str) -> None:
        with self.lock:
            self.log(f"[build {report.index}/{self.total}] {report.label}: {what} ({report.elapsed_s:.0f} s)")


def _label(task: Task) -> str:
    config = dict(task.config)
    detail = ", ".join(f"{k}={v}" for k, v in sorted(config.items()) if k in ("reuse_factor", "precision"))
    return f"{task.workload.name} on {task.backend}" + (f" ({detail})" if detail else "")


def _run_one(task: Task, hook: Callable[..., Any], report: BuildReport, progress: _Progress) -> None:
    report.start_s = time.monotonic()
    report.stage = "starting"

    def on_stage(stage: str) -> None:
        report.stage = stage
        progress.line(report, stage)

    try:
        if _takes_on_stage(hook):
            hook(task.workload, task.config, on_stage=on_stage)
        else:
            hook(task.workload, task.config)
    except Exception as exc:  # reported only: the measurement's prepare records the failure
        report.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        report.end_s = time.monotonic()
        progress.line(report, f"failed ({report.error}); the measurement will record it")
        return
    report.end_s = time.monotonic()
    report.stage = "done"
    progress.line(report, "done")


def prebuild_all(tasks: Sequence[Task], log: Log | None = None, workers: int | None = None,
                 tick_s: float = TICK_S) -> list[BuildReport]:
    """Run the prebuild hooks of ``tasks`` (distinct designs only) ``workers`` at a time.

    Returns one :class:`BuildReport` per build, in task order. Never raises for a failed build;
    an interrupt (KeyboardInterrupt, SIGTERM raised as one) stops the running builds and propagates.
    """
    todo = builds(tasks)
    if not todo:
        return []
    log = log or _stderr
    workers = workers or build_workers()
    progress = _Progress(len(todo), log)
    reports = [BuildReport(i, _label(task)) for i, (task, _hook_fn) in enumerate(todo, start=1)]
    log(f"building {len(todo)} design(s), {min(workers, len(todo))} at a time")
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="accelbench-build")
    futures = [pool.submit(_run_one, task, hook, report, progress)
               for (task, hook), report in zip(todo, reports, strict=True)]
    try:
        pending = set(futures)
        while pending:
            _done, pending = wait(pending, timeout=tick_s)
            for report in reports:
                if report.start_s and not report.end_s and pending:
                    progress.line(report, f"{report.stage}, still running")
    except BaseException:
        server = sys.modules.get("accelbench.fpga.build_server")  # loaded iff an FPGA build may be running
        if server is not None:
            server.stop_builds()  # kill the build subprocesses so the threads return now
        pool.shutdown(wait=True, cancel_futures=True)
        if server is not None:
            server.allow_builds()
        raise
    pool.shutdown(wait=True)
    failed = sum(1 for r in reports if r.error)
    log(f"built {len(reports) - failed} of {len(reports)} design(s)" + (f", {failed} failed" if failed else ""))
    return reports
