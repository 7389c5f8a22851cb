"""The ``accelbench`` fixture: accelbench's runner measures, pytest-benchmark reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import pytest

from accelbench.results.record import Measurement
from accelbench.workload import Workload

if TYPE_CHECKING:
    from accelbench.pytest_support.session import SessionState


def _feed_pytest_benchmark(benchmark: Any, m: Measurement) -> None:
    """Hand the runner's raw per-call samples to pytest-benchmark's statistics.

    pytest-benchmark has no public way to accept external samples: this uses its fixture's
    ``_make_stats`` (what ``pedantic`` calls), recording one round per accelbench sample with the
    calibrated iteration count, so its table, JSON and ``compare`` work as usual.
    """
    if getattr(benchmark, "disabled", False) or not m.samples_s:
        return
    iterations = max(m.iterations_per_sample, 1)
    stats = benchmark._make_stats(iterations)
    for sample_s in m.samples_s:
        stats.update(sample_s * iterations)


def extra_info(m: Measurement) -> dict[str, Any]:
    """accelbench's figures for pytest-benchmark's ``extra_info`` (JSON-safe)."""
    return {
        "accelbench_record": m.to_json(),
        "timing_verdict": m.quality.verdict if m.quality else None,
        "workload": m.workload,
        "backend": m.backend,
        "batch": m.batch,
        "flops": m.flops,
        "throughput_items_s": m.throughput_items_s,
        "achieved_flops_s": m.achieved_flops_s,
        "energy_j_per_item": m.energy_j_per_item,
        "power_w": m.power_w,
        "valid": m.valid,
        "error_rel": m.error.rel if m.error else None,
        "provenance": dict(m.provenance),
    }


def _benchmark_fixture(request: pytest.FixtureRequest) -> Any:
    """pytest-benchmark's ``benchmark`` fixture, or None when pytest-benchmark is not loaded."""
    try:
        return request.getfixturevalue("benchmark")
    except pytest.FixtureLookupError:
        return None


def make_measure(request: pytest.FixtureRequest, state: SessionState) -> Callable[..., Measurement]:
    from accelbench.backends.registry import get_backend
    from accelbench.measure.hostlock import host_timing_lock
    from accelbench.measure.policy import RunPolicy
    from accelbench.measure.runner import Runner
    from accelbench.pytest_support.defaults import DEFAULT_BUDGET_S

    text = request.config.getoption("accel_budget_s", None)
    budget = float(text) if text else DEFAULT_BUDGET_S  # validated in pytest_configure
    benchmark = _benchmark_fixture(request)

    def measure(workload: Workload | None = None, backend: str | None = None, batch: int | None = None,
                config: Mapping[str, Any] | None = None) -> Measurement:
        workload = workload or _param(request, "accel_workload")
        name = backend or _param(request, "accel_backend")
        if workload is None or name is None:
            raise pytest.UsageError("accelbench(...) needs a workload and a backend (or accel_workload/accel_backend)")
        runner = Runner(RunPolicy(budget_s=budget), run_id=f"pytest-{request.node.name}")
        chosen = get_backend(name)
        # one clock-timed measurement per host at a time (pytest-xdist workers, parallel sessions, Dask)
        turn = nullcontext(0.0) if chosen.timing == "modeled" else host_timing_lock()
        with turn:
            m = runner.measure(chosen, workload, batch or workload.default_batch, config or {})
        state.add(m.to_json())
        if benchmark is not None:
            benchmark._mode = "accelbench(...)"  # used (also when disabled under xdist): no "not used" warning
            benchmark.extra_info.update(extra_info(m))
        if m.status == "unavailable":
            pytest.skip(f"{name} unavailable: {m.invalid_reason}")
        if m.status == "unsupported":
            pytest.xfail(f"{name} does not lower {workload.name}: {m.invalid_reason}")
        if not m.valid:
            pytest.fail(f"{workload.name} on {name}: {m.status}: {m.invalid_reason}", pytrace=False)
        if benchmark is not None:
            _feed_pytest_benchmark(benchmark, m)
        return m

    return measure


def _param(request: pytest.FixtureRequest, name: str) -> Any:
    return request.getfixturevalue(name) if name in request.fixturenames else None


def accelerator_info() -> dict[str, Any]:
    """Backends with availability and reasons, plus the environment (doctor's JSON)."""
    from accelbench.commands.doctor import collect

    return collect()
