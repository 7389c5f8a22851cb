"""Energy from power samples and from wrapping energy counters (pure functions, no I/O)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def trapezoid_j(times_s: Sequence[float], watts: Sequence[float]) -> float:
    """Energy (J) of power samples ``watts`` (W) taken at ``times_s`` (s), by the trapezoid rule."""
    if len(times_s) != len(watts):
        raise ValueError(f"times ({len(times_s)}) and power samples ({len(watts)}) differ in length")
    energy_j = 0.0
    for i in range(1, len(times_s)):
        dt_s = times_s[i] - times_s[i - 1]
        if dt_s < 0:
            raise ValueError(f"sample times must not decrease (sample {i}: {times_s[i - 1]!r} -> {times_s[i]!r})")
        energy_j += 0.5 * (watts[i] + watts[i - 1]) * dt_s
    return energy_j


def time_weighted_mean(times_s: Sequence[float], values: Sequence[float]) -> float:
    """The mean of ``values`` over the span of ``times_s`` (trapezoid); the single value if only one."""
    if not values:
        raise ValueError("no samples")
    span_s = times_s[-1] - times_s[0]
    if span_s <= 0:
        return sum(values) / len(values)
    return trapezoid_j(times_s, values) / span_s


def counter_delta(readings: Sequence[int], max_range: int) -> int:
    """Total increase of a counter read at ``readings`` that wraps to 0 after ``max_range``.

    A RAPL ``energy_uj`` counter runs 0..``max_energy_range_uj`` and then starts again at 0, so
    a step that goes backwards wrapped once and adds ``max_range + 1``. Sampling must be faster
    than one wrap period (minutes for a package counter at full load), which the meters ensure
    by reading every fraction of a second. ``max_range`` <= 0 means the counter never wraps; a
    backwards step then is an error.
    """
    total = 0
    for i, (previous, current) in enumerate(itertools.pairwise(readings), start=1):
        step = current - previous
        if step < 0:
            if max_range <= 0:
                raise ValueError(f"counter went backwards at reading {i} ({previous} -> {current}) and cannot wrap")
            step += max_range + 1
        total += step
    return total
