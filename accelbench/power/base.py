"""The PowerMeter protocol and a sampling-thread base class.

A meter is a context manager: entering starts a background thread that samples at
``interval_s`` with timestamps; leaving stops and joins it (never leaking threads, idempotent).
``reading()`` then gives the window's average power and energy, with provenance (``measured``
for sensors, ``modeled`` for estimates) and a method text naming the sensor or the model and its
constants.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PowerReading:
    """One window: average power (W), energy (J), duration (s), per-domain energy (J)."""

    avg_power_w: float
    energy_j: float
    duration_s: float
    n_samples: int
    provenance: str
    method: str
    domains: dict[str, float] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)


class PowerMeter(Protocol):
    name: str
    provenance: str
    #: The sensor's own update period: windows shorter than ~10x this are extended by the runner.
    update_period_s: float

    def available(self) -> tuple[bool, str]: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...

    def reading(self) -> PowerReading: ...


class SamplingMeter:
    """Calls ``_sample()`` every ``interval_s`` on a daemon thread between enter and exit."""

    name = "sampling"
    provenance = "measured"
    update_period_s = 0.001

    def __init__(self, interval_s: float = 0.05) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples: list[tuple[float, Any]] = []
        self.t_start = self.t_stop = 0.0

    def _sample(self) -> Any:
        raise NotImplementedError

    def _record(self) -> None:
        self.samples.append((time.perf_counter(), self._sample()))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._record()

    def __enter__(self) -> SamplingMeter:
        self.samples = []
        self._stop.clear()
        self.t_start = time.perf_counter()
        self._record()
        self._thread = threading.Thread(target=self._loop, name=f"accelbench-{self.name}-meter", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop sampling (idempotent) and take the closing sample."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=5.0)
        self._thread = None
        self._record()
        self.t_stop = time.perf_counter()
