"""Write a report directory from stored results: index.html (single file), report.md and CSV tables.

Every user-controlled string is escaped; plots are inline SVG; nothing is fetched from the network.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelbench.report import plots
from accelbench.report.data import crossovers, invalid, mark, skipped, speedups, valid
from accelbench.results.record import Measurement

LEGEND = "Unmarked figures are measured; ˢ simulated (C simulation), ʳ reported by a vendor tool, ᵐ modeled."
PLOTS: tuple[tuple[str, Callable[[Sequence[Measurement]], plots.Plot]], ...] = (
    ("Latency per workload and backend", plots.latency_plot),
    ("Throughput vs batch size", plots.throughput_plot),
    ("Energy per inference", plots.energy_plot),
    ("Roofline", plots.roofline_plot),
    ("Pareto front: latency vs energy", plots.pareto_plot),
    ("FPGA resources vs reuse factor", plots.fpga_resources_plot),
    ("Fixed-point error vs precision", plots.precision_error_plot),
)
COLUMNS = ("workload", "backend", "batch", "scenario", "latency_p50_s", "latency_p99_s", "throughput_items_s",
           "energy_j_per_item", "speedup_vs_cpu", "error_rel", "provenance_latency", "provenance_energy")


@dataclass(frozen=True)
class Report:
    run_id: str
    rows: list[dict[str, Any]]
    failures: list[Measurement]
    skips: list[Measurement]
    plots: list[tuple[str, str | None, str]]
    crossovers: list[str]
    environment: dict[str, Any]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.3g} {unit}".strip()


def build(run_id: str, records: Sequence[Measurement], environment: dict[str, Any]) -> Report:
    speed = speedups(records)
    rows = []
    for m in valid(records):
        assert m.latency is not None
        rows.append({
            "workload": m.workload, "backend": m.backend, "batch": m.batch, "scenario": m.scenario,
            "latency_p50_s": m.latency.p50_s, "latency_p99_s": m.latency.p99_s,
            "throughput_items_s": m.throughput_items_s, "energy_j_per_item": m.energy_j_per_item,
            "speedup_vs_cpu": speed.get(m.measurement_id), "error_rel": m.error.rel if m.error else None,
            "provenance_latency": m.provenance.get("latency", "measured"),
            "provenance_energy": m.provenance.get("energy_j_per_item", "") if m.energy_j_per_item else "",
            "provenance_error": m.provenance.get("error", "measured") if m.error else "",
            "note": "; ".join(filter(None, [
                "model-only" if (m.fpga or {}).get("model_only") else "",
                str((m.fpga or {}).get("fit_reason") or ""),
            ])),
        })
    drawn = []
    for title, make in PLOTS:
        svg, why = make(records)
        drawn.append((title, svg, why))
    return Report(run_id, rows, invalid(records), skipped(records), drawn,
                  plots.crossover_text(crossovers(records)), environment)


def write_csv(report: Report, out: Path) -> None:
    with (out / "results.csv").open("w", newline="") as handle:
        table = csv.DictWriter(handle, fieldnames=[*COLUMNS, "provenance_error", "note"])
        table.writeheader()
        table.writerows(report.rows)
    with (out / "invalid.csv").open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["workload", "backend", "batch", "status", "reason"])
        for m in report.failures:
            rows.writerow([m.workload, m.backend, m.batch, m.status, m.invalid_reason])


def _cells(row: dict[str, Any]) -> list[str]:
    lat, energy, err = mark(row["provenance_latency"]), mark(row["provenance_energy"]), mark(row["provenance_error"])
    speed = row["speedup_vs_cpu"]
    return [
        str(row["backend"]), str(row["batch"]),
        _fmt(row["latency_p50_s"], "s") + lat, _fmt(row["latency_p99_s"], "s") + lat,
        _fmt(row["throughput_items_s"], "items/s") + lat,
        _fmt(row["energy_j_per_item"], "J") + (energy if row["energy_j_per_item"] else ""),
        f"{speed:.2f}x" if speed is not None else "-",
        (f"{row['error_rel']:.2g}" + err) if row["error_rel"] is not None else "-",
        row.get("note", ""),
    ]


HEADERS = ["backend", "batch", "p50", "p99", "throughput", "energy/item", "speedup vs CPU", "rel. error", "note"]


def write_markdown(report: Report, out: Path) -> None:
    lines = [f"# accelbench report — run {report.run_id}", "", LEGEND, ""]
    for workload, rows in _group(report.rows).items():
        lines += [f"## {workload}", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(r)) + " |" for r in rows]
        lines.append("")
    if report.crossovers:
        lines += ["## Crossovers", "", *[f"- {c}" for c in report.crossovers], ""]
    lines += ["## Invalid results (never ranked)", ""]
    lines += [f"- {m.workload} on {m.backend} (batch {m.batch}): {m.status}: {m.invalid_reason}"
              for m in report.failures]
    lines += ["" if report.failures else "None.", "", "## Plots", ""]
    for title, svg, why in report.plots:
        lines.append(f"- {title}: {'in index.html' if svg else 'omitted: ' + why}")
    lines += ["", "## Environment", "", *_environment_lines(report.environment)]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def _group(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row["workload"]), []).append(row)
    return groups


def _environment_lines(env: dict[str, Any]) -> list[str]:
    packages = ", ".join(f"{k} {v}" for k, v in sorted((env.get("packages") or {}).items()))
    git = env.get("git") or {}
    return [
        f"- machine: {env.get('hostname', '?')}, {env.get('platform', '?')}, Python {env.get('python', '?')}",
        f"- CPU: {env.get('cpu', '?')}, {((env.get('threads') or {}).get('affinity'))} cores; "
        f"BLAS {(env.get('blas') or {}).get('name', '?')}",
        f"- project commit: {git.get('commit', 'unknown')}{' (dirty tree)' if git.get('dirty') else ''}",
        f"- packages: {packages}",
    ]


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}
th{background:#eef2f7}td.n{text-align:right;font-variant-numeric:tabular-nums}.legend{background:#f7f7f0;padding:.5em}
figure{margin:1em 0}figcaption{font-weight:600}.omitted{color:#777}
"""


def write_html(report: Report, out: Path) -> None:
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>accelbench report {e(report.run_id)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>accelbench report</h1><p>Run <code>{e(report.run_id)}</code></p>",
        f"<p class='legend'>{e(LEGEND)} Modeled figures are hatched or hollow in plots and never ranked "
        "against measured ones (speedups compare measured latencies only).</p>",
    ]
    for workload, rows in _group(report.rows).items():
        parts.append(f"<h2>{e(workload)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADERS) + "</tr>")
        for row in rows:
            cells = _cells(row)
            parts.append("<tr>" + "".join(
                f"<td{' class=n' if i > 1 else ''}>{e(c)}</td>" for i, c in enumerate(cells)) + "</tr>")
        parts.append("</table>")
    if report.crossovers:
        parts.append("<h2>Crossovers</h2><ul>" + "".join(f"<li>{e(c)}</li>" for c in report.crossovers) + "</ul>")
    parts.append("<h2>Invalid results (never ranked)</h2>")
    if report.failures:
        parts.append("<table><tr><th>workload</th><th>backend</th><th>batch</th><th>status</th><th>reason</th></tr>")
        for m in report.failures:
            parts.append(f"<tr><td>{e(m.workload)}</td><td>{e(m.backend)}</td><td>{m.batch}</td>"
                         f"<td>{e(m.status)}</td><td>{e(m.invalid_reason)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    if report.skips:
        reasons = sorted({(m.backend, f"{m.status}: {m.invalid_reason}") for m in report.skips})
        parts.append("<h2>Skipped</h2><ul>" + "".join(f"<li>{e(b)}: {e(r)}</li>" for b, r in reasons) + "</ul>")
    parts.append("<h2>Plots</h2>")
    for title, svg, why in report.plots:
        if svg:
            parts.append(f"<figure><figcaption>{e(title)}</figcaption>{svg}</figure>")
        else:
            parts.append(f"<p class='omitted'>{e(title)}: omitted — {e(why)}</p>")
    parts.append("<h2>Environment</h2><ul>" + "".join(f"<li>{e(line[2:])}</li>"
                                                   for line in _environment_lines(report.environment)) + "</ul>")
    parts.append("</body></html>")
    (out / "index.html").write_text("\n".join(parts))


def write_report(run_id: str, records: Sequence[Measurement], environment: dict[str, Any], out: Path) -> Report:
    """Write index.html, report.md, results.csv and invalid.csv into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    report = build(run_id, records, environment)
    write_html(report, out)
    write_markdown(report, out)
    write_csv(report, out)
    return report


__all__ = ["Report", "write_report"]
