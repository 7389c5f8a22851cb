"""PYNQ board rails: sampled ON the board by the board agent, integrated on either side.

On the board, :func:`read_rails` uses ``pynq.get_rails()`` (PMBus / XRT sensors; pynq imported
lazily: it exists only on the board's image). The agent returns per-rail samples as
``{"rail": [[t_s, watts], ...]}``; :func:`reading_from_rail_samples` turns them into a reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accelbench.power.base import PowerReading
from accelbench.power.integrate import trapezoid_j


def read_rails() -> dict[str, float]:
    """Instantaneous power (W) of every rail the board exposes (on the board only)."""
    import pynq

    return {name: float(rail.power.value) for name, rail in pynq.get_rails().items() if rail.power is not None}


def reading_from_rail_samples(samples: Mapping[str, Sequence[Sequence[float]]]) -> PowerReading:
    """Integrate per-rail samples ``[[t_s, W], ...]`` into one reading (energy summed over rails)."""
    domains: dict[str, float] = {}
    duration = 0.0
    count = 0
    for rail, points in samples.items():
        times = [float(p[0]) for p in points]
        watts = [float(p[1]) for p in points]
        domains[rail] = trapezoid_j(times, watts)
        if len(times) > 1:
            duration = max(duration, times[-1] - times[0])
        count += len(points)
    total = sum(domains.values())
    return PowerReading(total / duration if duration > 0 else 0.0, total, duration, count, "measured",
                        f"PYNQ board rails ({', '.join(domains)}) sampled on the board", domains)
