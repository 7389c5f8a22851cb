"""Contention accounting: how long the process's threads waited for a CPU around each timed sample.

On a shared machine a thread of the measured process can sit in the kernel's run queue while the
clock runs (intra-op thread pools wait at barriers for a descheduled thread: a 20 µs op then
reads 16 ms). The runner reads these counters once per sample boundary, never per iteration:

* ``schedstat`` (Linux): per thread, ``/proc/self/task/<tid>/schedstat`` field 1 = CPU time (ns),
  field 2 = run-queue wait (ns); the process's involuntary context switches from ``getrusage``.
  File descriptors stay open and are re-read with ``pread`` (about 1 µs per thread); the thread
  list itself is re-read every 20 ms (``SchedstatSource.refresh_ns``), not at every reading.
* ``rusage`` (no schedstat: other Unixes, containers without it): process CPU time and
  involuntary switches only; the wait is *estimated* as the CPU-time shortfall of the timing
  thread (wall - CPU time) whenever the process was switched out involuntarily during the sample,
  a lower bound when several threads run.
* ``none``: no counters at all (the verdict then follows the noise only).

A :class:`CounterSource` is injectable (tests script counters; no timing is asserted).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple, Protocol

TASK_DIR = "/proc/self/task"


_EMPTY: Mapping[int, int] = MappingProxyType({})

try:
    import resource as _resource
except ImportError:  # not a Unix
    _resource = None  # type: ignore[assignment]


class Counters(NamedTuple):
    """One reading of the process's counters (a named tuple: the runner makes one per sample).

    ``wall_ns`` is a monotonic clock (``perf_counter_ns``); ``wait_ns``/``cpu_ns`` map a thread id
    to its cumulative run-queue wait / CPU time in ns (for ``rusage`` one pseudo-thread 0 holds
    the process CPU time and ``wait_ns`` is empty); ``involuntary`` counts the process's
    involuntary context switches (None when unknown).
    """

    wall_ns: int
    source: str
    wait_ns: Mapping[int, int] = _EMPTY
    cpu_ns: Mapping[int, int] = _EMPTY
    involuntary: int | None = None
    #: Threads first seen at this reading (the thread list is re-read every ``refresh_ns``): their
    #: counters are a baseline, not an interval, so :func:`delta` leaves them out of this one.
    born: frozenset[int] = frozenset()


class CounterSource(Protocol):
    """Reads :class:`Counters`; ``close`` releases what reading holds (file descriptors)."""

    name: str

    def read(self) -> Counters: ...

    def close(self) -> None: ...


def _involuntary() -> int | None:
    if _resource is None:
        return None
    return int(_resource.getrusage(_resource.RUSAGE_SELF).ru_nivcsw)


class SchedstatSource:
    """Per-thread counters from ``/proc/self/task/*/schedstat`` (Linux)."""

    name = "schedstat"

    #: How often the thread list is re-read (ns). Listing ``/proc/self/task`` costs several µs, a
    #: ``pread`` of one thread ~1 µs: listing at every sample boundary was most of the runner's cost
    #: between samples. Thread pools are born during warm-up, before the first reading.
    refresh_ns = 20_000_000

    def __init__(self, task_dir: str = TASK_DIR) -> None:
        self._dir = task_dir
        self._fds: dict[int, int] = {}
        self._listed_ns: int | None = None

    @staticmethod
    def available(task_dir: str = TASK_DIR) -> bool:
        """True when this kernel exposes per-thread schedstat for this process."""
        try:
            with open(os.path.join(task_dir, str(os.getpid()), "schedstat"), "rb") as f:
                fields = f.read().split()
            return len(fields) >= 2 and all(x.isdigit() for x in fields[:2])
        except OSError:
            return False

    def read(self) -> Counters:
        now = time.perf_counter_ns()
        born: frozenset[int] = frozenset()
        if self._listed_ns is None or now - self._listed_ns >= self.refresh_ns:
            born = self._relist()
            self._listed_ns = now
        wait: dict[int, int] = {}
        cpu: dict[int, int] = {}
        for tid, fd in list(self._fds.items()):
            try:
                fields = os.pread(fd, 128, 0).split()
            except OSError:  # the thread has exited
                os.close(self._fds.pop(tid))
                continue
            cpu[tid], wait[tid] = int(fields[0]), int(fields[1])
        return Counters(time.perf_counter_ns(), self.name, wait, cpu, _involuntary(), born)

    def _relist(self) -> frozenset[int]:
        """Re-read the thread list: close exited threads, open new ones; the new ones (none at the
        first listing: every thread is then a baseline)."""
        tids = {int(name) for name in os.listdir(self._dir)}
        for tid in self._fds.keys() - tids:
            os.close(self._fds.pop(tid))
        first = not self._fds
        new = set()
        for tid in tids - self._fds.keys():
            try:
                self._fds[tid] = os.open(os.path.join(self._dir, str(tid), "schedstat"), os.O_RDONLY)
            except OSError:  # exited between listing and opening
                continue
            new.add(tid)
        return frozenset() if first else frozenset(new)

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


class RusageSource:
    """Process-wide CPU time and involuntary switches from ``getrusage`` (no per-thread wait)."""

    name = "rusage"

    def read(self) -> Counters:
        if _resource is None:
            return Counters(time.perf_counter_ns(), self.name)
        usage = _resource.getrusage(_resource.RUSAGE_SELF)
        cpu_ns = int((usage.ru_utime + usage.ru_stime) * 1e9)
        return Counters(time.perf_counter_ns(), self.name, {}, {0: cpu_ns}, int(usage.ru_nivcsw))

    def close(self) -> None:
        return None


class NullSource:
    """No counters: every figure of the accounting is unknown."""

    name = "none"

    def read(self) -> Counters:
        return Counters(time.perf_counter_ns(), self.name)

    def close(self) -> None:
        return None


def default_source() -> CounterSource:
    """The best source this host offers: schedstat, else rusage, else none."""
    if SchedstatSource.available():
        return SchedstatSource()
    return NullSource() if _resource is None else RusageSource()


class SampleContention(NamedTuple):
    """What the counters say about one sample interval (between two readings).

    ``wait_ns`` per thread (empty when unknown), ``worst_wait_ns`` the largest of them (for
    ``rusage``: the estimate described in the module docstring; None for ``none``).
    """

    wall_ns: int
    wait_ns: Mapping[int, int]
    worst_wait_ns: int | None
    cpu_ns: int | None
    involuntary: int | None
    source: str

    @property
    def fraction(self) -> float | None:
        """Worst thread's run-queue wait over the interval's wall time (None when unknown)."""
        if self.worst_wait_ns is None or self.wall_ns <= 0:
            return None
        return self.worst_wait_ns / self.wall_ns


def delta(before: Counters, after: Counters) -> SampleContention:
    """The interval between two readings.

    For ``schedstat``, ``wait_ns`` holds every thread that ran or waited in the interval; a thread
    first listed at ``after`` (``after.born``) is left out: it may have been born up to
    ``SchedstatSource.refresh_ns`` earlier, so its counters are not this interval's.
    """
    wall = max(after.wall_ns - before.wall_ns, 0)
    involuntary = (after.involuntary - before.involuntary
                   if after.involuntary is not None and before.involuntary is not None else None)
    cpu = (sum(v - before.cpu_ns.get(t, 0) for t, v in after.cpu_ns.items() if t not in after.born)
           if after.cpu_ns else None)
    if after.source == "schedstat":
        # Threads that ran or waited in the interval (idle pool threads do not dilute the mean).
        waits = {}
        for tid, value in after.wait_ns.items():
            if tid in after.born:
                continue
            wait_d = value - before.wait_ns.get(tid, 0)
            cpu_d = after.cpu_ns.get(tid, 0) - before.cpu_ns.get(tid, 0)
            if wait_d > 0 or cpu_d > 0:
                waits[tid] = max(wait_d, 0)
        worst: int | None = max(waits.values(), default=0)
    elif after.source == "rusage":
        waits = {}
        # Lower-bound estimate: the timing thread lost (wall - CPU) only if it was switched out.
        worst = max(wall - (cpu or 0), 0) if involuntary else 0
    else:
        waits, worst = {}, None
    return SampleContention(wall, waits, worst, cpu, involuntary, after.source)


@dataclass(frozen=True)
class ContentionSummary:
    """Counters over the kept samples of one measurement (picklable: workers send it back).

    ``worst_wait_ns`` is the largest per-thread wait summed over the samples; ``mean_wait_ns`` the
    average over the threads that ran or waited; ``retries`` counts contended samples dropped and
    re-taken, ``dropped`` equals it (kept separate for pooled processes).
    """

    source: str
    wall_ns: int = 0
    worst_wait_ns: int | None = None
    mean_wait_ns: float | None = None
    cpu_ns: int | None = None
    involuntary: int | None = None
    retries: int = 0
    dropped: int = 0

    @property
    def run_delay_fraction(self) -> float | None:
        return self.worst_wait_ns / self.wall_ns if self.worst_wait_ns is not None and self.wall_ns > 0 else None

    @property
    def run_delay_fraction_mean(self) -> float | None:
        return self.mean_wait_ns / self.wall_ns if self.mean_wait_ns is not None and self.wall_ns > 0 else None


class Accumulator:
    """Sums :class:`SampleContention` over the samples a measurement keeps."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._wall = 0
        self._waits: dict[int, int] = {}
        self._worst_estimate: int | None = None if source == "none" else 0
        self._cpu: int | None = None
        self._involuntary: int | None = None
        self.retries = 0

    def add(self, sample: SampleContention) -> None:
        self._wall += sample.wall_ns
        for tid, wait in sample.wait_ns.items():
            self._waits[tid] = self._waits.get(tid, 0) + wait
        if sample.worst_wait_ns is not None and self._worst_estimate is not None and not sample.wait_ns:
            self._worst_estimate += sample.worst_wait_ns
        if sample.cpu_ns is not None:
            self._cpu = (self._cpu or 0) + sample.cpu_ns
        if sample.involuntary is not None:
            self._involuntary = (self._involuntary or 0) + sample.involuntary

    def summary(self) -> ContentionSummary:
        if self.source == "schedstat":
            worst: int | None = max(self._waits.values(), default=0)
            mean: float | None = sum(self._waits.values()) / len(self._waits) if self._waits else 0.0
        else:
            worst = self._worst_estimate
            mean = float(worst) if worst is not None else None
        return ContentionSummary(self.source, self._wall, worst, mean, self._cpu, self._involuntary,
                                 self.retries, self.retries)


def combine(parts: list[ContentionSummary]) -> ContentionSummary:
    """Pool the summaries of several worker processes: the worst process's worst thread counts.

    ``worst_wait_ns`` is scaled so that ``run_delay_fraction`` of the pool equals the largest
    fraction of any part (a contended process is never averaged away).
    """
    if not parts:
        return ContentionSummary("none")
    wall = sum(p.wall_ns for p in parts)
    fractions = [p.run_delay_fraction for p in parts if p.run_delay_fraction is not None]
    means = [p.mean_wait_ns for p in parts if p.mean_wait_ns is not None]
    cpus = [p.cpu_ns for p in parts if p.cpu_ns is not None]
    invol = [p.involuntary for p in parts if p.involuntary is not None]
    return ContentionSummary(
        source=parts[0].source,
        wall_ns=wall,
        worst_wait_ns=int(max(fractions) * wall) if fractions else None,
        mean_wait_ns=sum(means) if means else None,
        cpu_ns=sum(cpus) if cpus else None,
        involuntary=sum(invol) if invol else None,
        retries=sum(p.retries for p in parts),
        dropped=sum(p.dropped for p in parts),
    )
