"""pytest plugin (entry point ``pytest11``): benchmark accelbench workloads inside pytest-benchmark.

Inert unless a test uses its fixtures: nothing is imported or parametrised otherwise.

* ``accel_workload`` / ``accel_backend``: tests that request them are parametrised over the suite
  (``--accel-suite``, default ``smoke``) x backends (``--accel-backends``, default the CPU ones),
  with ids like ``gemm-256-cpu-torch``. Unavailable backends skip with doctor's reason;
  unsupported combinations are ``xfail(run=False)`` with the backend's reason.
* ``accelbench``: measures with accelbench's runner (warm-up, calibration, adaptive sampling,
  device timers, correctness gate) and hands the raw samples to pytest-benchmark's ``benchmark``,
  so results appear in its table and JSON, with accelbench's figures in ``extra_info``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

DEFAULT_BACKENDS = "cpu-numpy,cpu-torch,cpu-numba"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("accelbench", "accelbench workloads")
    group.addoption("--accel-backends", default=None, metavar="A,B",
                    help=f"backends for accel_backend parametrisation (default: {DEFAULT_BACKENDS})")
    group.addoption("--accel-suite", default=None, metavar="SUITE", help="suite for accel_workload (default: smoke)")
    group.addoption("--accel-budget-s", default="0.5", metavar="S", help="sampling budget per measurement")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wants_workload = "accel_workload" in metafunc.fixturenames
    wants_backend = "accel_backend" in metafunc.fixturenames
    if not (wants_workload or wants_backend):
        return
    from accelbench.pytest_support.params import parametrize

    parametrize(metafunc, wants_workload, wants_backend)


@pytest.fixture
def accel_workload(request: pytest.FixtureRequest) -> Any:
    """The workload of this parametrised test (a :class:`~accelbench.suites.SuiteEntry`'s workload)."""
    return getattr(request, "param", None)


@pytest.fixture
def accel_backend(request: pytest.FixtureRequest) -> Any:
    """The backend name of this parametrised test."""
    return getattr(request, "param", None)


@pytest.fixture
def accelbench(benchmark: Any, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``accelbench(workload=None, backend=None, batch=None, config=None) -> Measurement``.

    Defaults to the test's ``accel_workload`` / ``accel_backend``; an invalid output fails the
    test with the reason.
    """
    from accelbench.pytest_support.fixture import make_measure

    return make_measure(benchmark, request)


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    """Add accelbench's view of the accelerators (doctor) to pytest-benchmark's machine_info."""
    from accelbench.pytest_support.fixture import accelerator_info

    machine_info["accelbench"] = accelerator_info()
