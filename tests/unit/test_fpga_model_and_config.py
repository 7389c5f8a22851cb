"""FPGA precision parsing and configuration (the model and part catalog: test_fpga_model.py, test_fpga_parts.py)."""

from __future__ import annotations

import pytest

from accelbench.errors import UserError
from accelbench.fpga.config import resolve_config
from accelbench.fpga.precision import parse_precision
from accelbench.kinds import make_workload


def test_precision_defaults_to_rounding_and_saturation() -> None:
    fixed = parse_precision("ap_fixed<16,6>")
    assert fixed.hls() == "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"
    assert fixed.fractional == 10 and fixed.lsb == 2**-10
    assert parse_precision("ap_fixed<8,3,AP_TRN,AP_WRAP>").quantization == "AP_TRN"


@pytest.mark.parametrize("text", ["ap_fixed<3>", "fixed16", "ap_fixed<70,6>", "ap_fixed<16,6,AP_FLOOR>"])
def test_bad_precisions_are_user_errors(text: str) -> None:
    with pytest.raises(UserError, match="precision"):
        parse_precision(text)


def test_config_precedence_presets_then_board_then_flags() -> None:
    conv = make_workload("conv2d", {"c": 3, "h": 32, "w": 32, "k": 8})
    assert resolve_config(conv, {}).io_type == "io_stream"
    board = resolve_config(conv, {"fpga_board": "pynq-z2"})
    assert board.part == "xc7z020clg400-1" and board.clock_ns == 10.0 and board.reuse_factor == 4
    flags = resolve_config(conv, {"fpga_board": "pynq-z2", "reuse_factor": 2, "clock_ns": 8})
    assert flags.reuse_factor == 2 and flags.clock_ns == 8.0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"reuse_factor": 0}, "reuse factor must be an integer >= 1"),
        ({"clock_ns": -1}, "clock period"),
        ({"strategy": "fast"}, "strategy must be one of"),
        ({"io_type": "io_serial"}, "io type must be one of"),
        ({"fpga_board": "de10"}, "unknown FPGA board"),
        ({"reuse_factor": "two"}, "reuse factor must be a int"),
    ],
)
def test_bad_configs_name_the_field(config: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        resolve_config(None, config)


def test_coarse_tolerance_is_capped_and_overridable() -> None:
    cfg = resolve_config(None, {"precision": "ap_fixed<16,6>"})
    assert cfg.tolerance(4) == pytest.approx(16 * 4 * 2**-10)
    assert resolve_config(None, {"precision": "ap_fixed<8,3>"}).tolerance(4) == 0.1  # never a blanket 0.5
    assert resolve_config(None, {"fpga_rtol": 0.2}).tolerance(4) == 0.2


def test_hls_tool_and_toggle_rate_are_validated_configuration() -> None:
    cfg = resolve_config(None, {"hls_tool": "vivado-hls-2019.2", "toggle_rate": 0.25})
    assert cfg.profile().tool == "vivado-hls-2019.2" and cfg.profile().toggle_rate == 0.25
    with pytest.raises(UserError, match="unknown HLS tool profile"):
        resolve_config(None, {"hls_tool": "quartus"})
    with pytest.raises(UserError, match="toggle rate"):
        resolve_config(None, {"toggle_rate": 2})
