"""Report plots, one module per plot. Each exposes ``KEY``, ``TITLE`` and ``draw(inputs) -> PlotResult``.

A plot is drawn only when the stored data supports it; otherwise its result says why not.
:data:`PLOTS` is the order they appear in a report.
"""

from __future__ import annotations

from accelbench.report.plots import (
    distributions,
    energy,
    fpga_resources,
    latency,
    pareto,
    precision_error,
    roofline,
    server_load,
    throughput,
)

PLOTS = (latency, distributions, throughput, energy, pareto, server_load, roofline, fpga_resources, precision_error)
