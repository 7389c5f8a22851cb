"""Latency per call: one panel per workload, p50 bars with whiskers to p90 and p99."""

from __future__ import annotations

from collections.abc import Sequence

from accelbench.report.plots.common import PlotInput, PlotResult
from accelbench.report.plots.dots import draw_dots
from accelbench.results.record import Measurement

KEY = "latency"
TITLE = "Latency per call (p50, whiskers to p90 and p99), per workload"


def _whiskers(m: Measurement) -> Sequence[tuple[float, float, str]]:
    if m.latency is None or not m.latency.n_samples:
        return ()
    return ((m.latency.p50_s, m.latency.p90_s, "#111111"), (m.latency.p90_s, m.latency.p99_s, "#999999"))


def draw(inputs: PlotInput) -> PlotResult:
    return draw_dots(inputs, KEY, TITLE, "latency", lambda m: m.latency.p50_s if m.latency else None, "s",
                     "latency per call", "no ranked latency results in this run", _whiskers)
