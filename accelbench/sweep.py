"""Sweeps: many tasks under one sweep id, resumable, run locally or on Dask.

A task's identity is :attr:`accelbench.plan.Task.key`. Re-running a sweep id skips every key
already stored (whatever its status); ``retry_failed`` re-runs the keys whose latest stored
result is an ``error`` (a crash, a lost worker, a timeout), and only those.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from accelbench.plan import Task
from accelbench.results.record import Measurement
from accelbench.results.store import Store

#: Every measurement holds this Dask resource, and every worker offers one unit: two
#: timing-sensitive measurements never share a worker at the same time.
TIMING = "TIMING"


def resources_for(backend: str) -> dict[str, int]:
    """Dask resources a task on ``backend`` asks for: TIMING plus the backend's own (GPU, PYNQ, HLS)."""
    from accelbench.backends.registry import get_backend

    return {TIMING: 1, **get_backend(backend).resources}


def pending(tasks: Sequence[Task], store: Store, sweep_id: str, retry_failed: bool) -> tuple[list[Task], int]:
    """Tasks still to run for ``sweep_id`` and how many were skipped as already stored."""
    done = store.task_keys(sweep_id, valid_only=retry_failed) if retry_failed else store.task_keys(sweep_id)
    todo = [task for task in tasks if task.key not in done]
    return todo, len(tasks) - len(todo)


@dataclass
class Summary:
    """What a sweep did: counts by status, failures with reasons, tasks skipped as already stored."""

    sweep_id: str
    planned: int
    skipped_done: int
    results: list[Measurement] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(m.status for m in self.results))

    @property
    def failures(self) -> list[Measurement]:
        return [m for m in self.results if m.status in ("error", "invalid")]

    def lines(self) -> list[str]:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.counts.items())) or "nothing run"
        out = [f"sweep {self.sweep_id}: {self.planned} task(s), {self.skipped_done} already stored, ran "
               f"{len(self.results)}: {counts}"]
        out += [f"  failed: {m.workload} on {m.backend} at batch {m.batch}: {m.status}: {m.invalid_reason}"
                for m in self.failures]
        return out
