"""The analytical FPGA model's error against published hls4ml synthesis results.

Rebuilds every csynth design point of hls/calibration/fpga_calibration.csv that the model can
describe (accelbench/fpga/calibration.py holds the hand-written architecture table keyed by the CSV
id), prints modeled/reported per point, then the median and worst relative error per figure: over
all points, per tool version, and over the held-out points only (those not looked at while
choosing the constants). Markdown output, pasted into docs/fpga-model.md.

Run: .venv/bin/python benchmarks/fpga_model_error.py
"""

from __future__ import annotations

from accelbench.fpga.calibration import FIGURES, SKIPPED, PointResult, evaluate, summarize


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _summary_table(title: str, results: list[PointResult]) -> list[str]:
    lines = [f"**{title}** ({len(results)} points)", "", "| figure | points | median error | worst error (point) |",
             "|---|---|---|---|"]
    for s in summarize(results):
        lines.append(f"| {s.figure} | {s.points} | {s.median:.0%} | {s.worst:.0%} ({s.worst_id}) |")
    return [*lines, ""]


def main() -> None:
    results = evaluate()
    lines = ["| id | tool | role | " + " | ".join(f"{f} m/r" for f in FIGURES) + " |",
             "|---|---|---|" + "---|" * len(FIGURES)]
    for r in results:
        cells = [f"{_cell(r.modeled[f])}/{_cell(r.reported[f])}" for f in FIGURES]
        lines.append(f"| {r.id} | {r.tool} | {r.role} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += _summary_table("All points", results)
    lines += _summary_table("Held-out points", [r for r in results if r.role == "held-out"])
    for tool in sorted({r.tool for r in results}):
        lines += _summary_table(f"Tool {tool}", [r for r in results if r.tool == tool])
    lines.append("Not modeled: " + "; ".join(f"{key} ({why})" for key, why in SKIPPED.items()))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
