"""Report output cannot be turned against its reader: names are escaped per format.

Markdown escapes HTML and Markdown in names (a pytest name such as ``test_gemm[<b>x</b>]``), CSV
cells that start like a formula are neutralised (OWASP), and ``$...$`` never reaches mathtext.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from accelbench.report.escape import csv_cell, markdown
from accelbench.report.write import write_report
from tests.unit.test_report_data import rec

HTML_NAME = "test_gemm[<b>x</b>]"
LINK_NAME = "[click](javascript:alert(1))"
FORMULAS = ("=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)")
MATH = r"$\frac{1}{0}$ and $x^{$"


def _records() -> list:
    out = [rec("cpu-numpy", 1e-3, workload=HTML_NAME, energy_j_per_item=1e-3),
           rec("cpu-torch", 2e-3, workload=HTML_NAME, energy_j_per_item=2e-3),
           rec("cpu-numpy", 1e-3, workload=LINK_NAME), rec("cpu-numpy", 1e-3, 1, workload=MATH),
           rec("cpu-torch", 2e-3, 1, workload=MATH), rec("cpu-numpy", 1e-2, 8, workload=MATH),
           rec("cpu-torch", 1e-3, 8, workload=MATH)]
    out += [rec("cpu-numpy", 1e-3, workload=name) for name in FORMULAS]
    out.append(rec("cpu-numba", 1e-3, workload=HTML_NAME, status="invalid", invalid_reason="=cmd|' /C calc'!A0"))
    return out


def test_markdown_escapes_html_and_markdown_in_names(tmp_path: Path) -> None:
    write_report("r1", _records(), {}, tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "<b>" not in md and "&lt;b&gt;x&lt;/b&gt;" in md
    assert "[click](javascript" not in md and r"\[click\]\(javascript" in md


def test_markdown_escape_keeps_table_cells_and_lines_intact() -> None:
    assert markdown("a|b") == r"a\|b" and "\n" not in markdown("a\nb")
    assert markdown("# title").startswith("\\#") and markdown("- item").startswith("\\-") and markdown("1.5 µs") == "1.5 µs"


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_starting_like_a_formula_are_neutralised(formula: str) -> None:
    assert csv_cell(formula) == "'" + formula
    assert csv_cell(-1.5) == -1.5  # numbers are data, not formulas


def test_no_csv_file_of_a_report_has_a_cell_a_spreadsheet_would_evaluate(tmp_path: Path) -> None:
    write_report("r1", _records(), {}, tmp_path)
    for name in ("summary.csv", "results.csv", "invalid.csv"):
        with (tmp_path / name).open(newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not _number(cell)):
                        pytest.fail(f"{name}: live formula cell {cell!r}")
    text = (tmp_path / "results.csv").read_text()
    assert "'=HYPERLINK" in text and "'@SUM" in text


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_dollar_names_never_reach_mathtext(tmp_path: Path) -> None:
    report = write_report("r1", _records(), {}, tmp_path)
    drawn = {p.key: p.svg for p in report.plots if p.svg}
    assert "latency" in drawn and "throughput" in drawn
    # drawn as typed (svg.fonttype none keeps text as text), not rendered as TeX glyph paths
    assert r"$\frac{1}{0}$ and $x^{$" in drawn["latency"] and "mathdefault" not in "".join(drawn.values())
