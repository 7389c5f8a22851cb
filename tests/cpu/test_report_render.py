"""Reports render from a store: verdicts, sections, human units, escaping, omitted plots explained."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from accelbench.cli import main
from accelbench.report.write import write_report
from accelbench.results.store import open_store
from tests.unit.test_report_data import rec, unfit

XSS = "<script>alert(1)</script>"


def _records() -> list:
    return [
        rec("cpu-numpy", 1e-3, 1, workload=XSS, energy_j_per_item=0.01),
        rec("cpu-torch", 5e-4, 1, workload=XSS, energy_j_per_item=0.02),
        rec("cpu-numpy", 2e-3, 8, workload=XSS),
        rec("cpu-torch", 1e-3, 8, workload=XSS),
        rec("fpga-hls4ml", 1e-6, 1, workload=XSS, provenance="modeled",
            fpga={"part": "xcu250-figd2104-2L-e", "clock_ns": 5.0, "reuse_factor": 1, "precision": "ap_fixed<16,6>"}),
        rec("cpu-numba", 1e-3, 1, workload=XSS, status="invalid", invalid_reason=f"relative error too big {XSS}"),
        unfit(1.3e-9, workload=XSS, energy_j_per_item=1e-9),
        rec("gpu-model", 2e-6, 1, workload=XSS, provenance="modeled", status="model-only",
            invalid_reason="model-only: nothing ran", device={"device": "T4"}),
    ]


def test_html_escapes_user_strings_everywhere(tmp_path: Path) -> None:
    write_report(f"run-{XSS}", _records(), {"hostname": XSS}, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<svg") >= 3  # latency, throughput (two batches), energy


def test_report_has_verdicts_tables_unranked_sections_legend_and_environment(tmp_path: Path) -> None:
    report = write_report("r1", _records(), {"cpu": "test cpu", "git": {"commit": "abc123"}}, tmp_path)
    page = (tmp_path / "index.html").read_text()
    for text in ("At a glance", "fastest: cpu-torch 500 µs, 2x ahead of cpu-numpy", "speed-up",
                 "Not ranked: model-only / does not fit", "DSP 533 %",
                 "Hardware you don't have (modeled)", "Failed (never ranked)", "relative error too big",
                 "ᵐ modeled", "abc123", "Environment"):
        assert text in page, text
    ranked = [r for rows in report.ranked.values() for r in rows]
    assert all(r.backend not in ("cpu-numba", "gpu-model") and r.status == "ok" for r in ranked)
    assert [r.status for r in report.not_ranked] == ["does-not-fit"]
    assert [r.backend for r in report.modeled_devices] == ["gpu-model"]
    assert {p.key for p in report.plots if p.svg is None} >= {"precision_error"}
    assert "omitted" in page
    md = (tmp_path / "report.md").read_text()
    assert "| backend | batch |" in md and "fastest: cpu-torch 500 µs" in md
    assert (tmp_path / "summary.csv").read_text().startswith(
        "workload,metric,winner,value,unit,provenance,runner_up,ratio_to_runner_up")


def test_no_table_writes_seconds_in_scientific_notation(tmp_path: Path) -> None:
    write_report("r1", _records(), {}, tmp_path)
    tables = re.findall(r"<table.*?</table>", (tmp_path / "index.html").read_text(), re.S)
    texts = [*tables, (tmp_path / "report.md").read_text(), *(p.read_text() for p in tmp_path.glob("*.csv"))]
    for text in texts:
        assert not re.search(r"\d[eE][-+]?\d", text)


def test_report_command_reads_the_last_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.duckdb"
    with open_store(store) as s:
        s.begin_run("r1", "test", {"cpu": "x"}, "2026-01-01T00:00:00")
        for m in _records():
            s.append(m)
    assert main(["report", "--store", str(store), "--last", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "index.html").exists()
    assert "wrote" in capsys.readouterr().err


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(page: Path, tmp_path: Path) -> tuple[Path, list[str], str]:
    """Screenshot ``page`` in headless Chromium; return the PNG, console-error lines and stderr."""
    shot = tmp_path / f"{page.stem}.png"
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--window-size=1200,3000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return shot, console, proc.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs Debian's chromium)")
def test_console_error_detection_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>x</p><script>undefinedFunction()</script></body></html>")
    _, console, _ = _chromium(page, tmp_path)
    assert console and any("undefinedFunction" in line for line in console)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs Debian's chromium)")
def test_report_renders_in_headless_chromium_without_errors_and_plots_are_visible(tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "report"
    write_report("r1", _records(), {"cpu": "x"}, out)
    shot, console, stderr = _chromium(out / "index.html", tmp_path)
    assert shot.exists(), stderr[-2000:]
    assert console == [], console
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 10  # not a blank page
    plots = pixels[1200:2600]  # the plot area of a 3000-px-tall page
    assert (plots < 128).mean() > 0.01  # dark ink: bars, axes and text are drawn
