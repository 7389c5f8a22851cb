"""Run tasks one after another in this process, handing each result to a sink as it is made.

Before the first measurement, the designs of backends with a ``prebuild`` hook (fpga-hls4ml) are
built several at once (:mod:`accelbench.prebuild`), and FPGA build work still running beside them
(the precompiled-header stage, the build server's imports) is waited for; measuring stays one task
at a time.
"""

from __future__ import annotations

import sys
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
    prebuild: bool | None = None,
) -> list[Measurement]:
    """Measure ``tasks`` in order; each result reaches ``sink`` before the next task starts.

    ``prebuild`` (default: on unless ``ACCELBENCH_PREBUILD=0``) first runs the prebuild hooks of
    the tasks' backends concurrently; a failed prebuild is recorded by its measurement, not raised.
    """
    from accelbench import prebuild as prebuilds

    if prebuild if prebuild is not None else prebuilds.enabled():
        prebuilds.prebuild_all(tasks)
    for name in ("accelbench.fpga.build", "accelbench.fpga.build_server"):
        module = sys.modules.get(name)  # loaded iff FPGA builds ran or the build server was started early
        if module is not None:
            module.settle()  # a PCH build or the server's imports still running would share the cores
            break
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
