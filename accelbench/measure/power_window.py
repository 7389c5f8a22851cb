"""Power over a sustained window of repeated runs, idle power just before, energy per item.

Average power, energy per item and items per joule all come from the same window: the meter is
read over back-to-back runs of the prepared workload lasting at least ``window_s`` (1 s by
default) and :data:`MIN_UPDATE_PERIODS` refreshes of the meter's counter, so a slow sensor is
never read over a window shorter than its refresh. Items are counted in that window, and the
window's own throughput (items / window seconds) is stored beside the figures
(``power["window_throughput_items_s"]``): energy per item is power / that throughput, which can
differ from the record's timed throughput (the window runs one synchronised call after another,
while timed samples may amortise many calls), so reports show it next to energy per item. Idle power
is read over a short window just before (after a settle pause, so the runs' tail is not in it)
and reported; ``subtract_idle`` subtracts it from the active power.

The runner calls a :class:`WindowPowerHook` after latency sampling; the hook picks the best meter
for the backend's family (accelbench.power.select) and calls :func:`measure_power`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from accelbench.backends.base import Backend, Prepared
from accelbench.errors import UserError
from accelbench.measure.runner import PowerFields
from accelbench.power.base import MeterError, PowerMeter, PowerReading
from accelbench.power.select import MeterConfig, choose_meter

log = logging.getLogger(__name__)

MIN_WINDOW_S = 1.0
#: A window (active or idle) spans at least this many update periods of the meter's counter.
MIN_UPDATE_PERIODS = 5


@dataclass(frozen=True)
class PowerOptions:
    """How power is measured: window lengths (s), idle subtraction, meter constants."""

    window_s: float = MIN_WINDOW_S
    idle_s: float = 0.25
    settle_s: float = 0.2
    subtract_idle: bool = False
    meters: MeterConfig = field(default_factory=MeterConfig)

    def __post_init__(self) -> None:
        if not isinstance(self.window_s, int | float) or self.window_s < MIN_WINDOW_S:
            raise UserError(
                f"power window (--power-window-s) must be at least {MIN_WINDOW_S:g} s, got {self.window_s!r}"
            )
        for name in ("idle_s", "settle_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise UserError(f"`{name}` must be a non-negative number of seconds, got {value!r}")
        for name in ("cpu_tdp_w", "gpu_power_limit_w"):
            value = getattr(self.meters, name)
            if value is not None and not value > 0:
                raise UserError(f"--{name.replace('_', '-')} must be > 0 W, got {value!r}")


@dataclass(frozen=True)
class PowerResult:
    """One idle window and one active window of the same meter, and the items run in the latter."""

    meter: str
    active: PowerReading
    idle: PowerReading | None
    items: int
    runs: int
    batch: int
    subtract_idle: bool
    requested_window_s: float
    settle_s: float

    @property
    def power_w(self) -> float:
        """Average power over the active window (W), minus idle power when asked."""
        idle_w = self.idle.avg_power_w if self.subtract_idle and self.idle is not None else 0.0
        return self.active.avg_power_w - idle_w

    @property
    def energy_j(self) -> float:
        """Energy of the active window (J), minus idle energy over the same duration when asked."""
        return self.power_w * self.active.duration_s

    @property
    def energy_j_per_item(self) -> float | None:
        """J per item (inference); None when the window had no items or no positive energy."""
        return self.energy_j / self.items if self.items and self.energy_j > 0 else None

    @property
    def window_throughput_items_s(self) -> float | None:
        """Items per second run in the active window: energy per item = power / this (items/s)."""
        return self.items / self.active.duration_s if self.items and self.active.duration_s > 0 else None

    @property
    def items_per_j(self) -> float | None:
        return self.items / self.energy_j if self.items and self.energy_j > 0 else None

    def fields(self, why_not_measured: str = "") -> PowerFields:
        """The record's power figures, provenance and methods."""
        active, idle = self.active, self.idle
        minus = " minus idle power" if self.subtract_idle else ""
        detail: dict[str, Any] = {
            "meter": self.meter,
            "window_s": active.duration_s,
            "requested_window_s": self.requested_window_s,
            "items": self.items,
            "runs": self.runs,
            "window_throughput_items_s": self.window_throughput_items_s,
            "items_per_j": self.items_per_j,
            "subtract_idle": self.subtract_idle,
            "active_power_w": active.avg_power_w,
            "energy_j": self.energy_j,
            "domains": {name: {"energy_j": joules, "avg_power_w": joules / active.duration_s
                               if active.duration_s > 0 else None} for name, joules in active.domains.items()},
            "constants": active.constants,
            "n_samples": active.n_samples,
        }
        provenance = {"power_w": active.provenance, "energy_j_per_item": active.provenance}
        methods = {
            "power_w": (f"{active.method}; average over a {active.duration_s:.2f} s window of {self.runs} "
                        f"back-to-back runs ({self.items} items){minus}"),
            "energy_j_per_item": (f"power{minus} x {active.duration_s:.2f} s / {self.items} items counted in "
                                  "the same window (= power / the window's throughput, stored as "
                                  "power.window_throughput_items_s)"),
        }
        if idle is not None:
            detail.update(idle_window_s=idle.duration_s, idle_constants=idle.constants, settle_s=self.settle_s)
            provenance["idle_power_w"] = idle.provenance
            methods["idle_power_w"] = (f"{idle.method}; {idle.duration_s:.2f} s idle window just before "
                                       f"(after a {self.settle_s:g} s settle)")
        if self.energy_j <= 0:
            detail["energy_note"] = "no positive energy in the window (active power not above idle): no J/item"
        if why_not_measured:
            detail["why_not_measured"] = why_not_measured
        return PowerFields(self.power_w, idle.avg_power_w if idle is not None else None, self.energy_j_per_item,
                           detail, provenance, methods)


def window_lengths_s(meter: PowerMeter, options: PowerOptions) -> tuple[float, float]:
    """(active, idle) window lengths (s): as asked, extended to span the meter's update period."""
    floor_s = MIN_UPDATE_PERIODS * meter.update_period_s
    return max(options.window_s, floor_s), max(options.idle_s, floor_s) if options.idle_s > 0 else 0.0


def measure_power(backend: Backend, prepared: Prepared, device_inputs: Any, batch: int, meter: PowerMeter,
                  policy: PowerOptions) -> PowerResult:
    """Idle window, then a sustained window of back-to-back runs, both read with ``meter``.

    Each run is ``backend.run`` + ``backend.synchronize`` (so every counted item has finished);
    at least one run happens however long it takes. Raises MeterError when the meter fails.
    """
    window_s, idle_s = window_lengths_s(meter, policy)
    idle: PowerReading | None = None
    if idle_s > 0:
        time.sleep(policy.settle_s)
        with meter:
            time.sleep(idle_s)
        idle = meter.reading()
    runs = 0
    with meter:
        end_s = time.perf_counter() + window_s
        while True:
            backend.run(prepared, device_inputs)
            backend.synchronize()
            runs += 1
            if time.perf_counter() >= end_s:
                break
    active = meter.reading()
    return PowerResult(meter.name, active, idle, runs * batch, runs, batch, policy.subtract_idle, window_s,
                       policy.settle_s)


def _board_fields(backend: Backend, prepared: Prepared, device_inputs: Any, batch: int,
                  options: PowerOptions) -> tuple[PowerFields | None, str]:
    """Power a backend measures itself (a board's rails), or why it gave none."""
    own = getattr(backend, "measure_power", None)
    if own is None:
        return None, ""
    fields = own(prepared, device_inputs, batch, options.window_s)
    if fields is not None and fields.power_w:
        return fields, ""
    return None, f"{backend.name} gave no rail power (emulated board, or no rail samples)"


@dataclass(frozen=True)
class WindowPowerHook:
    """The runner's power hook: the best meter for the backend, :func:`measure_power`, record fields."""

    options: PowerOptions = field(default_factory=PowerOptions)

    def __call__(self, backend: Backend, prepared: Prepared, device_inputs: Any, batch: int) -> PowerFields:
        fields, board_why = _board_fields(backend, prepared, device_inputs, batch, self.options)
        if fields is not None:
            return fields
        model = prepared.figures.get("fpga") or {}
        choice = choose_meter(backend.family, self.options.meters, fpga_power_w=model.get("power_w"),
                              fpga_static_power_w=model.get("static_power_w"))
        why = "; ".join(part for part in (board_why, choice.reason) if part)
        if choice.meter is None:
            return PowerFields(None, None, None, {"reason": why}, {}, {"power_w": f"no power figure: {why}"})
        try:
            result = measure_power(backend, prepared, device_inputs, batch, choice.meter, self.options)
        except MeterError as exc:
            log.warning("power not measured on %s: %s", backend.name, exc)
            reason = f"meter {choice.meter.name} failed: {exc}"
            return PowerFields(None, None, None, {"reason": reason}, {}, {"power_w": f"no power figure: {reason}"})
        return result.fields(why)


def make_power_hook(options: PowerOptions) -> WindowPowerHook:
    """The runner hook for ``options`` (picklable: Dask workers receive it)."""
    return WindowPowerHook(options)
