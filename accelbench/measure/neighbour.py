"""A busy neighbour for contention experiments: the load of a compiler or a test suite.

One plain Python process per core (no accelbench import, started in milliseconds), each spinning
for ``spin_s`` then pausing ``pause_s``, until stopped. Used by ``benchmarks/contention.py`` and
the neighbour test; it only ever stops the processes it started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import TracebackType

_SPIN = """
import time
spin, pause = {spin_s!r}, {pause_s!r}
while True:
    end = time.perf_counter() + spin
    while time.perf_counter() < end:
        pass
    time.sleep(pause)
"""


class Neighbour:
    """Context manager: ``processes`` spinning processes (default: one per usable core)."""

    def __init__(self, processes: int | None = None, spin_s: float = 0.2, pause_s: float = 0.001) -> None:
        if processes is None:
            try:
                processes = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                processes = os.cpu_count() or 1
        if processes < 1:
            raise ValueError(f"`processes` must be >= 1, got {processes}")
        self.processes = processes
        self._code = _SPIN.format(spin_s=float(spin_s), pause_s=float(pause_s))
        self._children: list[subprocess.Popen[bytes]] = []

    def start(self) -> Neighbour:
        for _ in range(self.processes):
            self._children.append(subprocess.Popen([sys.executable, "-c", self._code],
                                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
        return self

    def stop(self) -> None:
        for child in self._children:
            child.terminate()
        for child in self._children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self._children.clear()

    def __enter__(self) -> Neighbour:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
