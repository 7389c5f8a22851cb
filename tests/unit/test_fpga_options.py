"""The FPGA option group of ``run`` / ``fpga explore``: design-point sweeps and validation before running."""

from __future__ import annotations

import argparse
import re

import pytest

from accelbench.commands import fpga_options
from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError


def _setup(*argv: str) -> RunSetup:
    parser = argparse.ArgumentParser()
    fpga_options.add_arguments(parser)
    setup = RunSetup()
    fpga_options.apply(parser.parse_args(list(argv)), setup)
    return setup


def test_precision_lists_split_outside_the_angle_brackets() -> None:
    assert fpga_options.split_precisions("ap_fixed<16,6>,ap_fixed<8,3>") == ["ap_fixed<16,6>", "ap_fixed<8,3>"]
    assert fpga_options.split_precisions("ap_fixed<16,6,AP_RND,AP_SAT>; ap_fixed<8,3>") == [
        "ap_fixed<16,6,AP_RND,AP_SAT>", "ap_fixed<8,3>"]
    assert fpga_options.split_precisions("ap_fixed<18,8>") == ["ap_fixed<18,8>"]


def test_reuse_factors_times_precisions_are_one_design_point_each_of_the_fpga_backends_only() -> None:
    setup = _setup("--fpga-part", "xc7z020clg400-1", "--reuse-factor", "1,4",
                   "--precision", "ap_fixed<16,6>,ap_fixed<8,3>")
    configs = setup.backend_configs()["fpga-hls4ml"]
    assert [(c["reuse_factor"], c["precision"]) for c in configs] == [
        (1, "ap_fixed<16,6>"), (1, "ap_fixed<8,3>"), (4, "ap_fixed<16,6>"), (4, "ap_fixed<8,3>")]
    assert all(c["fpga_part"] == "xc7z020clg400-1" for c in configs)
    assert len(setup.configs()) == 1  # a CPU backend in the same run is measured once, not per design point


def test_hls_tool_and_toggle_rate_reach_the_configuration() -> None:
    setup = _setup("--hls-tool", "vivado-hls-2019.2", "--toggle-rate", "0.2")
    assert setup.config["hls_tool"] == "vivado-hls-2019.2" and setup.config["toggle_rate"] == 0.2
    with pytest.raises(UserError, match="unknown HLS tool profile"):
        _setup("--hls-tool", "vitis-hls-1999.1")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reuse-factor", "1,0"], "reuse factor must be an integer >= 1"),
        (["--reuse-factor", "two"], "--reuse-factor expects integers"),
        (["--precision", "ap_fixed<16,6>,ap_fixed<3>"], "precision 'ap_fixed<3>'"),
        (["--clock-ns", "fast"], "--clock-ns expects a number"),
        (["--fpga-part", "xc-none"], "unknown FPGA part 'xc-none'"),
    ],
)
def test_a_bad_design_point_is_rejected_before_anything_runs(argv: list[str], message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        _setup(*argv)
