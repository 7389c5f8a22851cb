"""Beside a busy neighbour (one spinning process per core, 1 ms pauses), a record whose threads
waited for a CPU is never ``ok``. Valid on any host: the machine may or may not show contention,
so the test asserts the implication, never the occurrence."""

from __future__ import annotations

import pytest

from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure.neighbour import Neighbour
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner

POLICY = RunPolicy(budget_s=0.1, min_samples=5, warmup_s=0.01, max_contended_retries=5)
GEMM = make_workload("gemm", {"m": 64, "n": 64, "k": 64, "dtype": "float32"})


@pytest.mark.parametrize("backend", ["cpu-numpy", "cpu-torch"])
def test_a_record_whose_threads_waited_for_a_cpu_is_never_ok(backend: str) -> None:
    chosen = get_backend(backend)
    if not chosen.available().ok:
        pytest.skip(chosen.available().reason)
    runner = Runner(POLICY, "neighbour")
    with Neighbour(spin_s=0.2, pause_s=0.001):
        records = [runner.measure(chosen, GEMM, 1) for _ in range(3)]
    for m in records:
        assert m.status == "ok", m.invalid_reason
        q = m.quality
        assert q is not None
        if q.run_delay_fraction is not None and q.run_delay_fraction > POLICY.contention_threshold:
            assert q.verdict == "contended" and "waited" in q.reason
        if q.verdict == "ok":
            assert q.run_delay_fraction is None or q.run_delay_fraction <= POLICY.contention_threshold
            assert q.tail_ratio is not None and q.tail_ratio <= POLICY.max_tail_ratio


def test_the_neighbour_stops_every_process_it_started() -> None:
    neighbour = Neighbour(processes=2, spin_s=0.01).start()
    children = list(neighbour._children)
    neighbour.stop()
    assert all(child.poll() is not None for child in children)
