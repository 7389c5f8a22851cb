"""Power over a sustained window of repeated runs, idle power just before, energy per item.

Average power, energy per item and items per joule all come from the same window; the window
lasts at least ``window_s`` (1 s by default) and ten update periods of the meter, so a slow
sensor is never read over a window shorter than its refresh.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from accelbench.backends.base import Backend, Prepared
from accelbench.errors import UserError
from accelbench.measure.runner import PowerFields, PowerHook
from accelbench.power.select import meter_for

MIN_WINDOW_S = 1.0


@dataclass(frozen=True)
class PowerOptions:
    window_s: float = MIN_WINDOW_S
    idle_s: float = 0.25
    subtract_idle: bool = False
    cpu_tdp_w: float | None = None

    def __post_init__(self) -> None:
        if self.window_s < MIN_WINDOW_S:
            raise UserError(f"power window must be at least {MIN_WINDOW_S:g} s, got {self.window_s:g}")
        if self.cpu_tdp_w is not None and not self.cpu_tdp_w > 0:
            raise UserError(f"--cpu-tdp-w must be > 0 W, got {self.cpu_tdp_w!r}")


def make_power_hook(options: PowerOptions) -> PowerHook:
    """A runner hook measuring idle and active power around repeated runs of the prepared workload."""

    def hook(backend: Backend, prepared: Prepared, device_inputs: Any, batch: int) -> PowerFields:
        board = getattr(backend, "measure_power", None)
        if board is not None:  # the device measures its own power (a board's rails)
            fields = board(prepared, device_inputs, batch, options.window_s)
            if fields is not None:
                return fields
        meter, why = meter_for(backend.family, options.cpu_tdp_w)
        if meter is None:
            return PowerFields(None, None, None, {"reason": why}, {}, {"power_w": why})
        window_s = max(options.window_s, 10 * meter.update_period_s)
        with meter:
            time.sleep(options.idle_s)
        idle = meter.reading()
        items = 0
        with meter:
            end = time.perf_counter() + window_s
            while time.perf_counter() < end:
                backend.run(prepared, device_inputs)
                backend.synchronize()
                items += batch
        active = meter.reading()
        power_w = active.avg_power_w - (idle.avg_power_w if options.subtract_idle else 0.0)
        energy_j = power_w * active.duration_s
        per_item = energy_j / items if items else None
        detail = {
            "meter": meter.name,
            "window_s": active.duration_s,
            "items": items,
            "items_per_j": items / energy_j if energy_j > 0 else None,
            "subtract_idle": options.subtract_idle,
            "domains_j": active.domains,
            "constants": active.constants,
            "why_not_measured": why,
        }
        labels = {"power_w": active.provenance, "idle_power_w": idle.provenance,
                  "energy_j_per_item": active.provenance}
        subtracted = " minus idle" if options.subtract_idle else ""
        methods = {
            "power_w": f"{active.method}; average over a {active.duration_s:.2f} s window of repeated runs{subtracted}",
            "idle_power_w": f"{idle.method}; {options.idle_s:g} s idle window just before",
            "energy_j_per_item": f"power x window / {items} items, from the same window",
        }
        return PowerFields(power_w, idle.avg_power_w, per_item, detail, labels, methods)

    return hook
