"""Parametrise tests over workload x backend with readable ids, skip and xfail reasons."""

from __future__ import annotations

import pytest

from accelbench.backends.registry import availability, get_backend, parse_backend_list
from accelbench.suites import load_suite


def parametrize(metafunc: pytest.Metafunc, wants_workload: bool, wants_backend: bool) -> None:
    from accelbench.pytest_support.defaults import DEFAULT_BACKENDS

    config = metafunc.config
    suite = load_suite(config.getoption("--accel-suite") or "smoke")
    backends = parse_backend_list(config.getoption("--accel-backends") or DEFAULT_BACKENDS)
    workloads = [entry.workload for entry in suite.entries]
    params = []
    if wants_workload and wants_backend:
        for workload in workloads:
            for name in backends:
                params.append(pytest.param(workload, name, id=f"{workload.name}-{name}", marks=_marks(name, workload)))
        metafunc.parametrize(("accel_workload", "accel_backend"), params, indirect=True)
    elif wants_workload:
        metafunc.parametrize("accel_workload", [pytest.param(w, id=w.name) for w in workloads], indirect=True)
    else:
        metafunc.parametrize("accel_backend", [pytest.param(n, id=n, marks=_marks(n, None)) for n in backends],
                             indirect=True)


def _marks(backend: str, workload: object) -> list[pytest.MarkDecorator]:
    status = availability(backend)
    if not status.ok:
        return [pytest.mark.skip(reason=f"{backend} unavailable: {status.reason}")]
    if workload is not None:
        support = get_backend(backend).supports(workload)  # type: ignore[arg-type]
        if not support.ok:
            return [pytest.mark.xfail(run=False, reason=f"{backend} does not lower this workload: {support.reason}")]
    return []
