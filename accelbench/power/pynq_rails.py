"""PYNQ board rails: sampled ON the board, integrated on either side (measured).

On the board, :class:`PynqRailsMeter` samples :func:`read_rails` (``pynq.get_rails()``: PMBus /
XRT sensors; pynq exists only on the board's image and is imported lazily) on the usual sampling
thread. The board agent sends :meth:`PynqRailsMeter.rail_samples` over the wire, in the shape
both sides use::

    {"VCCINT": [[t_s, watts], ...], "VCCAUX": [[t_s, watts], ...], ...}

and the host turns that into a reading with :func:`reading_from_rail_samples` (times are the
board's ``perf_counter`` seconds; only their differences matter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from accelbench.power.base import PowerReading, SamplingMeter
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


class PynqRailsMeter(SamplingMeter):
    """Board power from the PYNQ rail sensors; runs on the board (the agent), not on the host."""

    name = "pynq-rails"
    provenance = "measured"
    update_period_s = 0.02  # PMBus regulators refresh their telemetry every few to tens of ms

    def __init__(self, interval_s: float = 0.02) -> None:
        super().__init__(interval_s)

    @property
    def method(self) -> str:
        return f"PYNQ board rails sampled every {self.interval_s:g} s on the board, trapezoid-integrated"

    def available(self) -> tuple[bool, str]:
        try:
            rails = read_rails()
        except ImportError:
            return False, "pynq is not importable: rails are read on the board by the board agent (fpga-pynq)"
        except Exception as exc:  # no PMBus/XRT sensors on this board image
            return False, f"pynq.get_rails() failed: {exc}"
        if not rails:
            return False, "pynq.get_rails() found no rail with a power sensor on this board"
        return True, f"PYNQ rails {', '.join(sorted(rails))}"

    def _sample(self) -> dict[str, float]:
        return read_rails()

    def rail_samples(self) -> dict[str, list[list[float]]]:
        """The window's samples in the wire shape ``{rail: [[t_s, W], ...]}``."""
        out: dict[str, list[list[float]]] = {}
        for t_s, rails in self._check():
            for rail, watts in rails.items():
                out.setdefault(rail, []).append([t_s, watts])
        return out

    def reading(self) -> PowerReading:
        return reading_from_rail_samples(self.rail_samples())
