"""Measure any Python callable with the runner's methodology (warm-up, calibration, adaptive sampling,
contention counters).

Used by the pytest plugin and by benchmarks that compare accelbench's timing with other timers.
The callable is treated as one iteration; ``synchronize`` (for example
``torch.cuda.synchronize``) is called after each iteration in single-stream and once per sample
in offline, exactly as for a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from accelbench.backends.base import BaseBackend, Prepared
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner, Timing


class _CallableBackend(BaseBackend):
    """``fn`` as the lowering's bound callable: without ``synchronize`` it is timed in the
    runner's compiled loop (nothing but ``fn()`` inside the timed region)."""

    name = "callable"

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn

    def prepare(self, workload: Any, config: Mapping[str, Any]) -> Prepared:
        return Prepared(workload, config, call=self._fn)


class _SyncedCallableBackend(_CallableBackend):
    def __init__(self, fn: Callable[..., Any], synchronize: Callable[[], Any]) -> None:
        super().__init__(fn)
        self._sync = synchronize

    def synchronize(self) -> None:
        self._sync()


_PLACEHOLDER = make_workload("gemm", {"m": 1, "n": 1, "k": 1})


def time_callable(
    fn: Callable[..., Any],
    policy: RunPolicy | None = None,
    synchronize: Callable[[], Any] | None = None,
    args: tuple[Any, ...] = (),
) -> Timing:
    """Per-call samples of ``fn(*args)`` in seconds, with iterations per sample and the stop reason.

    Hand the function and its arguments apart (``time_callable(np.add, args=(x, y))``) rather than
    a closure: the compiled loop then calls ``fn`` directly with local arguments, as ``timeit``
    runs an inlined statement, with no wrapper call inside the timed region.
    """
    backend = _CallableBackend(fn) if synchronize is None else _SyncedCallableBackend(fn, synchronize)
    prepared = backend.prepare(_PLACEHOLDER, {})
    return Runner(policy or RunPolicy(), run_id="callable").sample(backend, prepared, tuple(args))
