"""Energy per inference: one panel per workload, hatched where not measured (no power sensor)."""

from __future__ import annotations

from accelbench.report.data import ranked
from accelbench.report.plots.common import PlotInput, PlotResult
from accelbench.report.plots.dots import draw_dots

KEY = "energy"
TITLE = "Energy per inference, per workload"


def draw(inputs: PlotInput) -> PlotResult:
    result = draw_dots(inputs, KEY, TITLE, "energy_j_per_item", lambda m: m.energy_j_per_item, "J",
                       "energy per inference", "no energy figures stored (run with --power)")
    if result.svg is None:
        return result
    points = [m for m in ranked(inputs.records) if m.energy_j_per_item]
    notes = sorted({f"{m.backend}: {m.power['why_not_measured']}" for m in points
                    if isinstance(m.power, dict) and m.power.get("why_not_measured")})
    if all(m.provenance.get("energy_j_per_item") != "measured" for m in points):
        notes.insert(0, "every energy figure in this run is modeled: no power sensor was read")
    return PlotResult(result.key, result.title, result.svg, notes=(*result.notes, *notes))
