"""Energy from power samples and from wrapping energy counters (pure functions)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def trapezoid_j(times_s: Sequence[float], watts: Sequence[float]) -> float:
    """Energy (J) of power samples ``watts`` at ``times_s`` by the trapezoid rule."""
    if len(times_s) != len(watts):
        raise ValueError("times and power samples differ in length")
    energy = 0.0
    for i in range(1, len(times_s)):
        dt = times_s[i] - times_s[i - 1]
        if dt < 0:
            raise ValueError("sample times must not decrease")
        energy += 0.5 * (watts[i] + watts[i - 1]) * dt
    return energy


def counter_delta(readings: Sequence[int], max_range: int) -> int:
    """Total increase of a counter read at ``readings`` that wraps to 0 after ``max_range``.

    Each step that goes backwards wrapped once (sampling must be faster than one wrap period,
    which the meters guarantee by reading at least every few seconds).
    """
    total = 0
    for previous, current in itertools.pairwise(readings):
        step = current - previous
        if step < 0:
            step += max_range + 1 if max_range > 0 else 0
        total += step
    return total
