"""PYNQ board rails: sampled ON the board, integrated on either side (measured).

On the board, the board device (:mod:`accelbench.board.device`) samples :func:`read_rails`
(``pynq.get_rails()``: PMBus / XRT sensors; pynq exists only on the board's image and is imported
lazily) on a thread over the timed runs, and the agent sends the samples over the wire, in the
shape both sides use::

    {"VCCINT": [[t_s, watts], ...], "VCCAUX": [[t_s, watts], ...], ...}

and the host turns that into a reading with :func:`reading_from_rail_samples` (times are the
board's ``perf_counter`` seconds; only their differences matter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accelbench.power.base import PowerReading
from accelbench.power.integrate import trapezoid_j

#: Rail samples on the wire: rail name -> [[t_s, watts], ...].
RailSamples = Mapping[str, Sequence[Sequence[float]]]


def read_rails() -> dict[str, float]:
    """Instantaneous power (W) of every rail the board exposes (on the board only)."""
    import pynq

    return {name: float(rail.power.value) for name, rail in pynq.get_rails().items()
            if getattr(rail, "power", None) is not None}


def reading_from_rail_samples(samples: RailSamples) -> PowerReading:
    """Integrate per-rail samples ``[[t_s, W], ...]`` into one reading (energy summed over rails).

    Rails without at least two samples add nothing; no samples at all give a zero reading with
    ``n_samples == 0`` (callers treat that as "no rail power", never as 0 W measured).
    """
    domains: dict[str, float] = {}
    duration_s = 0.0
    count = 0
    for rail, points in samples.items():
        times_s = [float(p[0]) for p in points]
        watts = [float(p[1]) for p in points]
        if len(times_s) < 2:
            continue
        domains[rail] = trapezoid_j(times_s, watts)
        duration_s = max(duration_s, times_s[-1] - times_s[0])
        count += len(points)
    total_j = sum(domains.values())
    return PowerReading(
        avg_power_w=total_j / duration_s if duration_s > 0 else 0.0,
        energy_j=total_j,
        duration_s=duration_s,
        n_samples=count,
        provenance="measured",
        method=f"PYNQ board rails ({', '.join(domains) or 'none'}) sampled on the board, trapezoid-integrated",
        domains=domains,
    )

