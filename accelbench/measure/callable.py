"""Measure any Python callable with the runner's methodology (warm-up, calibration, adaptive sampling).

Used by the pytest plugin and by benchmarks that compare accelbench's timing with other timers.
The callable is treated as one iteration; ``synchronize`` (for example
``torch.cuda.synchronize``) is called after each iteration in single-stream and once per sample
in offline, exactly as for a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from accelbench.backends.base import BaseBackend, Prepared
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner, Timing
from accelbench.kinds import make_workload


class _CallableBackend(BaseBackend):
    name = "callable"

    def __init__(self, fn: Callable[[], Any], synchronize: Callable[[], Any] | None) -> None:
        self._fn = fn
        self._sync = synchronize

    def prepare(self, workload: Any, config: Mapping[str, Any]) -> Prepared:
        return Prepared(workload, config)

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        return self._fn()

    def synchronize(self) -> None:
        if self._sync is not None:
            self._sync()


_PLACEHOLDER = make_workload("gemm", {"m": 1, "n": 1, "k": 1})


def time_callable(
    fn: Callable[[], Any],
    policy: RunPolicy | None = None,
    synchronize: Callable[[], Any] | None = None,
) -> Timing:
    """Per-call samples of ``fn()`` in seconds, with iterations per sample and the stop reason."""
    backend = _CallableBackend(fn, synchronize)
    prepared = backend.prepare(_PLACEHOLDER, {})
    return Runner(policy or RunPolicy(), run_id="callable").sample(backend, prepared, None)
