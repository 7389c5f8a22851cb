"""One accelbench timing per host at a time: an exclusive lock on a file in the temp directory.

pytest-xdist runs tests in several worker processes; two measurements timed at once on one host
compete for cores, caches and memory bandwidth and both come out slow. The ``accelbench``
fixture and the Dask executor hold this lock around each clock-timed measurement, so workers,
concurrent pytest sessions and sweeps on one host take turns; work that does not time (tests
that do not measure, compilation, modeled backends) runs in parallel as usual.

The lock file is ``<temp dir>/accelbench-timing-<hostname>.lock`` (the temp directory is
``$ACCELBENCH_LOCK_DIR`` when set, else :func:`tempfile.gettempdir`). POSIX uses ``fcntl.flock``,
Windows ``msvcrt.locking``; the operating system releases the lock if a worker dies.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_S = 0.05  # Windows only: how often a waiting process retries, seconds


def lock_path() -> Path:
    """The per-host lock file."""
    directory = os.environ.get("ACCELBENCH_LOCK_DIR") or tempfile.gettempdir()
    host = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in socket.gethostname()) or "host"
    return Path(directory) / f"accelbench-timing-{host}.lock"


@contextmanager
def host_timing_lock(path: Path | None = None) -> Iterator[float]:
    """Hold the host's timing lock for the ``with`` block; yields how long it waited, in seconds."""
    path = path or lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(path, "a+b") as handle:
        _acquire(handle.fileno())
        try:
            yield time.perf_counter() - start
        finally:
            _release(handle.fileno())


def try_lock(path: Path | None = None) -> bool:
    """True if the lock is free right now (taken and released at once); for diagnostics and tests."""
    path = path or lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        if not _acquire(handle.fileno(), blocking=False):
            return False
        _release(handle.fileno())
        return True


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _acquire(fd: int, blocking: bool = True) -> bool:
        while True:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                if not blocking:
                    return False
                time.sleep(POLL_S)

    def _release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _acquire(fd: int, blocking: bool = True) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
