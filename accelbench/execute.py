"""Run tasks one after another in this process, handing each result to a sink as it is made."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from accelbench.backends.registry import get_backend
from accelbench.measure.runner import Runner
from accelbench.plan import Task
from accelbench.results.record import Measurement

Sink = Callable[[Measurement], None]
Progress = Callable[[int, int, Task, Measurement | None], None]


def execute_local(
    tasks: Sequence[Task],
    runner: Runner,
    sink: Sink,
    progress: Progress | None = None,
    sweep_id: str | None = None,
) -> list[Measurement]:
    """Measure ``tasks`` in order; each result reaches ``sink`` before the next task starts."""
    results: list[Measurement] = []
    for index, task in enumerate(tasks, start=1):
        if progress:
            progress(index, len(tasks), task, None)
        measurement = runner.measure(
            get_backend(task.backend), task.workload, task.batch, task.config,
            sweep_id=sweep_id, task_key=task.key,
        )
        sink(measurement)
        results.append(measurement)
        if progress:
            progress(index, len(tasks), task, measurement)
    return results
