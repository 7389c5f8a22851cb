"""The sample-distribution plot draws measured raw samples only (a model has no distribution)."""

from __future__ import annotations

from accelbench.report.plots import distributions
from accelbench.report.plots.common import PlotInput, render
from tests.unit.test_report_data import rec, unfit


def test_measured_results_with_raw_samples_get_a_box_per_result() -> None:
    samples = tuple(1e-4 * (1 + 0.01 * i) for i in range(20))
    result = render(distributions.draw, PlotInput([rec("cpu-numpy", 1e-4, samples_s=samples),
                                                   rec("cpu-torch", 2e-4, samples_s=samples)]))
    assert result.svg is not None and "n=20" in result.svg


def test_modeled_or_unranked_results_alone_give_no_plot_and_say_why() -> None:
    modeled = rec("fpga-hls4ml", 1e-6, provenance="modeled", samples_s=(1e-6,) * 10)
    result = render(distributions.draw, PlotInput([modeled, unfit(samples_s=(1e-6,) * 10)]))
    assert result.svg is None and "raw samples" in result.reason
