"""The per-workload verdict: winners only among ranked records of one provenance class, human units."""

from __future__ import annotations

import re

from accelbench.report.build import build
from accelbench.report.csv_writer import SUMMARY_COLUMNS, summary_rows
from accelbench.report.headline import METRICS, verdict, verdicts
from accelbench.results.record import Quality
from tests.unit.test_report_data import rec, unfit

FASTEST, THROUGHPUT, ENERGY = METRICS[:3]


def test_the_issue_example_fastest_measured_with_ratio_and_the_unfit_fpga_named_not_ranked() -> None:
    records = [rec("cpu-numpy", 207e-6), rec("cpu-torch", 310.5e-6), unfit(1.3e-6)]
    v = verdict("w", records, FASTEST)
    assert (v.winner, v.runner_up, v.provenance) == ("cpu-numpy", "cpu-torch", "measured")
    text = v.text()
    assert text.startswith("fastest: cpu-numpy 207 µs, 1.5x ahead of cpu-torch")
    assert "fpga-hls4ml 1.3 µsᵐ is modeled and does not fit (DSP 533 %) — not ranked" in text


def test_a_faster_modeled_design_that_fits_is_named_but_not_ranked_against_measured() -> None:
    records = [rec("cpu-numpy", 1e-3), rec("fpga-hls4ml", 1e-6, provenance="modeled")]
    v = verdict("w", records, FASTEST)
    assert v.winner == "cpu-numpy" and v.runner_up == ""
    assert "fpga-hls4ml 1 µsᵐ is modeled — not ranked against measured" in v.text()


def test_without_a_measured_result_the_verdict_says_which_class_won() -> None:
    records = [rec("fpga-hls4ml", 1e-6, provenance="modeled"), rec("gpu-model", 1e-7, provenance="modeled",
                                                                    status="model-only", device={"device": "T4"})]
    v = verdict("w", records, FASTEST)
    assert v.winner == "fpga-hls4ml" and v.provenance == "modeled"
    assert v.text().startswith("fastest (modeled; no measured result): fpga-hls4ml 1 µsᵐ")
    assert "hardware you don't have" in v.text()


def test_nothing_ranked_means_no_winner() -> None:
    v = verdict("w", [unfit()], FASTEST)
    assert v.winner == "" and v.text().startswith("fastest: no ranked result")


def test_highest_throughput_and_lowest_energy_per_item_compare_every_batch() -> None:
    records = [rec("cpu-numpy", 1e-3, 1, energy_j_per_item=2e-3), rec("cpu-numpy", 8e-3 / 4, 8,
                                                                      energy_j_per_item=1e-3),
               rec("cpu-torch", 1e-3, 1, energy_j_per_item=4e-3)]
    t, e = verdict("w", records, THROUGHPUT), verdict("w", records, ENERGY)
    assert t.winner == "cpu-numpy" and t.value == 4000.0 and t.ratio == 4.0
    assert "4 k items/s, 4x ahead of cpu-torch" in t.text()
    assert e.winner == "cpu-numpy" and "1 mJ, 4x ahead of cpu-torch" in e.text()


def test_latency_is_compared_at_one_batch_size() -> None:
    records = [rec("cpu-numpy", 1e-3, 1), rec("cpu-torch", 1e-4, 64)]
    v = verdict("w", records, FASTEST)
    assert v.winner == "cpu-numpy" and v.batch == 1 and v.runner_up == ""


def test_a_lead_over_a_noisy_timing_is_inconclusive() -> None:
    records = [rec("cpu-numpy", 1e-3), rec("cpu-torch", 2e-3, quality=Quality("noisy", reason="CI 9 %"))]
    v = verdict("w", records, FASTEST)
    assert v.inconclusive.startswith("inconclusive") and "inconclusive" in v.text()


def test_summary_csv_rows_name_winners_in_human_units() -> None:
    records = [rec("cpu-numpy", 207e-6, energy_j_per_item=7.55e-3), rec("cpu-torch", 310.5e-6), unfit(1.3e-6)]
    rows = {r[1]: dict(zip(SUMMARY_COLUMNS, r, strict=True)) for r in summary_rows(build("r", records, {},
                                                                                         draw_plots=False))}
    fastest = rows["latency_p50"]
    assert (fastest["winner"], fastest["value"], fastest["unit"], fastest["provenance"], fastest["runner_up"],
            fastest["ratio_to_runner_up"]) == ("cpu-numpy", "207", "µs", "measured", "cpu-torch", "1.5")
    assert (rows["throughput"]["value"], rows["throughput"]["unit"]) == ("4.83", "k items/s")
    assert (rows["energy_per_item"]["value"], rows["energy_per_item"]["unit"]) == ("7.55", "mJ")
    assert not any(re.search(r"\de[-+]\d", str(cell)) for r in rows.values() for cell in r.values())


def test_verdicts_cover_every_workload_with_figures() -> None:
    found = verdicts([rec("cpu-numpy", 1e-3, workload="a"), rec("cpu-numpy", 1e-3, workload="b")])
    assert list(found) == ["a", "b"] and all(len(v) == 3 for v in found.values())  # no server runs: 3 metrics


def test_a_winning_design_that_may_not_fit_says_so_in_the_verdict_and_the_table() -> None:
    from accelbench.report.columns import design
    from accelbench.report.data import row

    maybe = rec("fpga-hls4ml", 1e-6, provenance="modeled", fpga={
        "fits": "maybe", "fit_reason": "may not fit: modeled range reaches LUT up to 131 % of xc7z020clg400-1"})
    v = verdict("w", [maybe, rec("gpu-model", 1e-5, provenance="modeled")], FASTEST)
    assert v.winner == "fpga-hls4ml"
    assert "fpga-hls4ml may not fit: modeled range reaches LUT up to 131 % of xc7z020clg400-1" in v.text()
    assert design(row(maybe)).startswith("fpga-hls4ml (may not fit: modeled range reaches LUT up to 131")
    sure = rec("fpga-hls4ml", 1e-6, provenance="modeled", fpga={"fits": "yes", "fit_reason": ""})
    assert "may not fit" not in verdict("w", [sure], FASTEST).text() and design(row(sure)) == "fpga-hls4ml"
