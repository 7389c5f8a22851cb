"""The worker side of ``--processes``: a fresh interpreter that prepares and samples one
measurement and writes its :class:`~accelbench.measure.timing.Timing` back
(``python -m accelbench.measure.process_worker RESULT``; the parent is
:func:`accelbench.measure.processes.sample_in_workers`).
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from accelbench.backends.base import Backend
from accelbench.measure import threads
from accelbench.measure.contention import CounterSource
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.measure.timing import Timing
from accelbench.workload import Workload


def _worker(backend: Backend, workload: Workload, batch: int, config: Mapping[str, Any], policy: RunPolicy,
            seed: int, counters: Callable[[], CounterSource] | None) -> Timing:
    """One worker: prepare, upload and sample in this fresh process (no correctness check: the
    parent checked the same lowering on the same inputs)."""
    if policy.threads is not None and backend.family == "cpu":
        threads.set_environment(policy.threads)  # before the backend loads its libraries
    prepared = backend.prepare(workload, config)
    device_inputs = backend.upload(prepared, workload.make_inputs(seed, batch))
    with threads.limited(policy.threads if backend.family == "cpu" else None):
        timing = Runner(policy, "worker", counters=counters).sample(backend, prepared, device_inputs)
        timing.threads = threads.current() if backend.family == "cpu" else None
    return timing


def _main(result_path: str) -> None:
    """Worker entry point: read the parent's sys.path and the job from stdin, write the Timing."""
    stdin = sys.stdin.buffer
    for entry in reversed(pickle.load(stdin)):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    backend, workload, batch, config, policy, seed, counters = pickle.load(stdin)
    timing = _worker(backend, workload, batch, config, policy, seed, counters)
    Path(result_path).write_bytes(pickle.dumps(timing))


if __name__ == "__main__":
    _main(sys.argv[1])
