"""The analytical FPGA model next to every published design point, row by row (Markdown).

One line per described row of hls/calibration/published.csv: its profile, role (fit / held-out, by
the rule in the file's header), the part's speed grade and the operator-delay scale it gave, and
modeled [range] / published per figure. The per-profile error
summary is benchmarks/fpga_model_fit.py.

Run: .venv/bin/python benchmarks/fpga_model_error.py
"""

from __future__ import annotations

import math

from accelbench.fpga.calibration import FIGURES, load_rows, part_for, point_result, row_profile


def _cell(modeled: float, low: float, high: float, reported: float | None) -> str:
    shown = "-" if reported is None else f"{reported:g}"
    return f"{modeled:g} [{math.floor(low):g}-{math.ceil(high):g}] / {shown}"


def main() -> None:
    lines = ["| id | profile | role | grade (delay scale) | " + " | ".join(f"{f} m [range] / r" for f in FIGURES)
             + " |", "|---|---|---|---|" + "---|" * len(FIGURES)]
    for row in (row for row in load_rows() if row["role"] != "skip"):
        r = point_result(row)
        delay = row_profile(row).delay_scale(part_for(row["part"]))
        cells = [_cell(r.modeled[f], *r.ranges[f], r.reported[f]) for f in FIGURES]
        lines.append(f"| {r.id} | {r.profile} | {r.role} | {delay.grade or 'none'} ({delay.scale:.3g}) | "
                     + " | ".join(cells) + " |")
    skipped = [f"{row['id']} ({row['note']})" for row in load_rows() if row["role"] == "skip"]
    lines += ["", "Not modeled: " + "; ".join(skipped)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
