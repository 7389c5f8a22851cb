"""pytest plugin: accelbench workloads inside pytest.

Enabled by the ``pytest11`` entry point ``accelbench`` (:mod:`accelbench.pytest_support.entry_point`,
which loads this module), by ``-p accelbench``, or by naming this module (``-p accelbench.pytest_plugin``,
``pytest_plugins``, ``PYTEST_PLUGINS``); each way registers it once, under its module name.

A good citizen of sessions that do not use it: importing this module imports pytest and nothing
heavy; every hook returns at once unless an accelbench fixture or ``--accel-*`` option is in use;
hooks of optional plugins (pytest-benchmark, pytest-xdist) are declared ``optionalhook``, so the
plugin loads with pytest alone, with ``-p no:benchmark`` and under
``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` (then load it with ``-p accelbench``).

* ``accel_workload`` / ``accel_backend``: tests that request them are parametrised over the suite
  (``--accel-suite``, default ``smoke``) x backends (``--accel-backends``, default the CPU ones),
  with ids like ``gemm-256-cpu-torch``. Unavailable backends skip with doctor's reason;
  unsupported combinations are ``xfail(run=False)`` with the backend's reason.
* ``accelbench``: measures with accelbench's runner (warm-up, calibration, adaptive sampling,
  device timers, correctness gate) while holding the per-host timing lock (one measurement per
  host at a time, also across pytest-xdist workers); with pytest-benchmark loaded the raw samples
  go to its ``benchmark`` fixture too, so results appear in its table and JSON.
* ``--accel-save`` stores the session's measurements as a run; ``--accel-compare RUN|last``
  compares them with a stored run at the end of the session and ``--accel-compare-fail p50:N%``
  makes the session fail (exit 1) on a regression beyond N %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accelbench.pytest_support.defaults import DEFAULT_BACKENDS, DEFAULT_BUDGET_S

#: Options whose presence means the user asked for accelbench in this session.
_OPTIONS = ("accel_backends", "accel_suite", "accel_budget_s", "accel_save", "accel_compare", "accel_compare_fail")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("accelbench", "accelbench workloads")
    group.addoption("--accel-backends", default=None, metavar="A,B",
                    help=f"backends for accel_backend parametrisation (default: {DEFAULT_BACKENDS})")
    group.addoption("--accel-suite", default=None, metavar="SUITE", help="suite for accel_workload (default: smoke)")
    group.addoption("--accel-budget-s", default=None, metavar="S",
                    help=f"sampling budget per measurement, seconds (default: {DEFAULT_BUDGET_S})")
    group.addoption("--accel-store", default=None, metavar="PATH",
                    help="result store for --accel-save/--accel-compare (default: ./accelbench.duckdb)")
    group.addoption("--accel-save", action="store_true", default=False,
                    help="store this session's accelbench measurements as a run")
    group.addoption("--accel-compare", default=None, metavar="RUN",
                    help="compare this session's measurements with a stored run (baseline name, id prefix or 'last')")
    group.addoption("--accel-compare-fail", default=None, metavar="p50:N%",
                    help="with --accel-compare: fail the session on a regression beyond N %%")


#: The session's accelbench state; absent from the stash of sessions that never use accelbench.
_STATE = pytest.StashKey[Any]()


def _state(config: pytest.Config) -> Any:
    """The session's :class:`~accelbench.pytest_support.session.SessionState`, created on first use."""
    if _STATE not in config.stash:
        from accelbench.pytest_support.session import SessionState

        config.stash[_STATE] = SessionState()
    return config.stash[_STATE]


def _in_use(config: pytest.Config) -> bool:
    """True when an accelbench option was given or its state exists (a fixture ran, a worker sent records)."""
    return _STATE in config.stash or any(config.getoption(name, None) for name in _OPTIONS)


def pytest_configure(config: pytest.Config) -> None:
    budget = config.getoption("accel_budget_s", None)
    if budget is not None:
        try:
            ok = float(budget) > 0 and float(budget) != float("inf")
        except ValueError:
            ok = False
        if not ok:
            raise pytest.UsageError(f"--accel-budget-s expects a positive number of seconds, got {budget!r}")
    if any(config.getoption(name, None) for name in ("accel_save", "accel_compare", "accel_compare_fail")):
        _state(config).configure(config)  # validates the options before any test runs


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wants_workload = "accel_workload" in metafunc.fixturenames
    wants_backend = "accel_backend" in metafunc.fixturenames
    if not (wants_workload or wants_backend):
        return
    from accelbench.pytest_support.params import parametrize

    parametrize(metafunc, wants_workload, wants_backend)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With pytest-benchmark loaded, a test using ``accelbench`` is a benchmark test: it also gets
    the ``benchmark`` fixture, so ``--benchmark-only`` runs it and ``--benchmark-skip`` skips it."""
    manager = config.pluginmanager
    if not (manager.has_plugin("benchmark") or manager.has_plugin("pytest_benchmark.plugin")):
        return
    for item in items:
        names = getattr(item, "fixturenames", None)
        if isinstance(names, list) and "accelbench" in names and "benchmark" not in names:
            names.append("benchmark")


@pytest.fixture
def accel_workload(request: pytest.FixtureRequest) -> Any:
    """The workload of this parametrised test (a :class:`~accelbench.suites.SuiteEntry`'s workload)."""
    return getattr(request, "param", None)


@pytest.fixture
def accel_backend(request: pytest.FixtureRequest) -> Any:
    """The backend name of this parametrised test."""
    return getattr(request, "param", None)


@pytest.fixture
def accelbench(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``accelbench(workload=None, backend=None, batch=None, config=None) -> Measurement``.

    Defaults to the test's ``accel_workload`` / ``accel_backend``; an invalid output fails the
    test with the reason. Works without pytest-benchmark (nothing is then fed to ``benchmark``).
    """
    from accelbench.pytest_support.fixture import make_measure

    return make_measure(request, _state(request.config))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _in_use(session.config):
        return
    _state(session.config).finish(session)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not _in_use(config):
        return
    for line in _state(config).summary_lines():
        terminalreporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist (controller): collect the measurements a worker made."""
    records = getattr(node, "workeroutput", {}).get("accelbench_records")
    if records:
        _state(node.config).add_worker_records(records)


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    """pytest-benchmark: add accelbench's view of the accelerators, only when accelbench was used."""
    if not _in_use(config):
        return
    from accelbench.pytest_support.fixture import accelerator_info

    machine_info["accelbench"] = accelerator_info()
