"""``--processes N``: repeat a timing in N fresh worker processes and pool the samples (pyperf's idea).

One process sees one memory layout, one set of JIT decisions, one placement of its threads; a
difference between two runs can come from any of them. Each worker is a fresh interpreter
(``python -m accelbench.measure.process_worker``, so it also works inside daemonic Dask workers, which
may not fork multiprocessing children), started one after the other — never two at once, they
would contend — and it prepares the lowering, uploads the inputs and samples exactly as the parent
would (warm-up, calibration, contention counters, thread limit). The parent pools the samples,
keeps each worker's median (the record's ``quality.between_process_rel``) and combines the
counters so that one contended worker makes the pool contended.

The backend, the workload and the policy travel by pickle (with the parent's ``sys.path``, so a
plugin or test backend imports in the worker); the result comes back in a temporary file, never
on stdout (lowerings may print). A backend holding unpicklable state cannot be repeated this way
and the record says so.
"""

from __future__ import annotations

import pickle
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from accelbench.backends.base import Backend
from accelbench.measure.contention import CounterSource, combine
from accelbench.measure.policy import RunPolicy
from accelbench.measure.timing import Timing
from accelbench.workload import Workload


def pool_timings(timings: list[Timing]) -> Timing:
    """One :class:`Timing` from several workers' (samples concatenated in worker order)."""
    if not timings:
        raise ValueError("no worker timings to pool")
    iterations = [t.iterations for t in timings]
    samples = [s for t in timings for s in t.samples_s]
    first = timings[0]
    contention = [t.contention for t in timings if t.contention is not None]
    method = first.method.split("; ")[0]
    return Timing(
        samples_s=samples,
        iterations=first.iterations,
        stop="; ".join(f"process {i + 1}: {t.stop}" for i, t in enumerate(timings)),
        method=(f"{method}; {len(timings)} fresh worker processes, one after another, samples pooled "
                f"({len(samples)} samples; iterations/sample per process: {iterations})"),
        contention=combine(contention) if contention else None,
        process_medians_s=[statistics.median(t.samples_s) for t in timings],
        threads=first.threads,
        sampling_s=sum(t.sampling_s for t in timings),
        inside_s=sum(t.inside_s for t in timings),
        blocks=sum(t.blocks for t in timings),
    )


def sample_in_workers(backend: Backend, workload: Workload, batch: int, config: Mapping[str, Any],
                      policy: RunPolicy, seed: int, counters: Callable[[], CounterSource] | None = None) -> Timing:
    """Sample ``policy.processes`` times, each in a fresh interpreter, and pool the results."""
    one = replace(policy, processes=1)
    # Only a picklable counter source goes to the workers; otherwise each picks the host's default.
    try:
        pickle.dumps(counters)
    except (pickle.PicklingError, TypeError, AttributeError):
        counters = None
    try:
        job = pickle.dumps((backend, workload, batch, dict(config), one, seed, counters))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise RuntimeError(f"--processes: the backend or workload cannot be sent to a worker process ({exc})") from exc
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="accelbench-workers-") as tmp:
        for index in range(policy.processes):
            result = Path(tmp) / f"worker-{index}.pickle"
            proc = subprocess.run([sys.executable, "-m", "accelbench.measure.process_worker", str(result)],
                                  input=pickle.dumps(list(sys.path)) + job, capture_output=True, check=False)
            if proc.returncode != 0 or not result.exists():
                lines = proc.stderr.decode(errors="replace").strip().splitlines() or [f"exit code {proc.returncode}"]
                raise RuntimeError(f"--processes: worker {index + 1} failed: {lines[-1]}")
            timings.append(pickle.loads(result.read_bytes()))
    return pool_timings(timings)
