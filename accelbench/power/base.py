"""The PowerMeter protocol, the reading it gives, and a sampling-thread base class.

A meter is a context manager: entering starts measuring (sensor meters start a background
thread that takes timestamped samples every ``interval_s``); leaving stops it and joins the
thread (idempotent, never leaking it). ``reading()`` then gives the window's average power (W)
and energy (J), with provenance (``measured`` for sensors, ``modeled`` for estimates) and a
``method`` text naming the sensor or the model and every constant it used.

``update_period_s`` is how often the underlying counter or sensor refreshes: the runner never
reads a meter over a window shorter than a few of those (see accelbench.measure.power_window).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

log = logging.getLogger(__name__)

#: Seconds to wait for a sampling thread to finish after it is told to stop.
JOIN_TIMEOUT_S = 5.0


class MeterError(RuntimeError):
    """A meter could not give a reading (sensor read failed, no finished window)."""


@dataclass(frozen=True)
class PowerReading:
    """One window of one meter.

    ``avg_power_w`` (W) is ``energy_j`` (J) over ``duration_s`` (s); ``domains`` gives the energy
    (J) of each sub-domain the meter saw (RAPL package/DRAM, board rails), ``constants`` every
    constant a model used (TDP, utilisation, ...), ``method`` says how in one line.
    """

    avg_power_w: float
    energy_j: float
    duration_s: float
    n_samples: int
    provenance: str
    method: str
    domains: dict[str, float] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class PowerMeter(Protocol):
    """What the runner needs from a power meter."""

    name: str
    #: ``measured`` (a sensor) or ``modeled`` (an estimate).
    provenance: str
    #: How often the sensor/counter refreshes (s); windows are made many times longer.
    update_period_s: float

    @property
    def method(self) -> str:
        """The sensor or the model and its constants, in one line."""
        ...

    def available(self) -> tuple[bool, str]:
        """Whether this meter works here, and a reason (why not, or what it will read)."""
        ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...

    def reading(self) -> PowerReading:
        """The last window (between the last enter and exit)."""
        ...


class SamplingMeter:
    """Calls ``_sample()`` every ``interval_s`` (s) on a daemon thread between enter and exit.

    Samples are ``(perf_counter seconds, value)``; one is taken on enter and one on exit, so a
    window always has its two end points. A sample that raises stops sampling and is kept in
    ``error``; :meth:`reading` implementations call :meth:`_check` and raise it then.
    """

    name = "sampling"
    provenance = "measured"
    update_period_s = 0.001

    def __init__(self, interval_s: float = 0.05) -> None:
        if not interval_s > 0:
            raise ValueError(f"`interval_s` must be > 0 s, got {interval_s!r}")
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.samples: list[tuple[float, Any]] = []
        self.error: BaseException | None = None
        self.t_start_s = self.t_stop_s = 0.0

    @property
    def method(self) -> str:
        return self.name

    def _sample(self) -> Any:
        """One reading of the sensor (the subclass's unit)."""
        raise NotImplementedError

    def _open(self) -> None:
        """Acquire the sensor before the first sample (subclasses: e.g. nvmlInit)."""

    def _close(self) -> None:
        """Release the sensor after the last sample."""

    def _record(self) -> None:
        value = self._sample()
        with self._lock:
            self.samples.append((time.perf_counter(), value))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self._record()
            except Exception as exc:  # keep the error for reading(): a thread cannot raise to its caller
                self.error = exc
                return

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Take the opening sample and start the sampling thread."""
        if self._thread is not None:
            raise RuntimeError(f"meter {self.name} is already running: stop it before starting it again")
        self.samples = []
        self.error = None
        self._stop.clear()
        try:
            self._open()
        except MeterError:
            raise
        except Exception as exc:
            raise MeterError(f"meter {self.name}: cannot open the sensor: {exc}") from exc
        self.t_start_s = time.perf_counter()
        try:
            self._record()
        except Exception as exc:
            self._close()
            raise MeterError(f"meter {self.name}: first sample failed: {exc}") from exc
        self._thread = threading.Thread(target=self._loop, name=f"accelbench-{self.name}-meter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling, join the thread and take the closing sample (idempotent)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=JOIN_TIMEOUT_S)
        if thread.is_alive():  # a sensor read hung: the daemon thread dies with the process
            log.warning("meter %s: sampling thread did not stop within %g s", self.name, JOIN_TIMEOUT_S)
        try:
            if self.error is None:
                self._record()
        except Exception as exc:
            self.error = exc
        finally:
            self.t_stop_s = time.perf_counter()
            self._close()

    def __enter__(self) -> SamplingMeter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _check(self) -> list[tuple[float, Any]]:
        """The window's samples; raises when sampling failed or never ran."""
        if self._thread is not None:
            raise MeterError(f"meter {self.name} is still running: read it after the window ends")
        if self.error is not None:
            raise MeterError(f"meter {self.name}: sampling failed: {self.error}") from self.error
        if len(self.samples) < 2:
            raise MeterError(f"meter {self.name}: no window measured yet")
        return list(self.samples)
