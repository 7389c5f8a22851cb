"""The analytical FPGA model's equations, the part catalog, precision parsing and configuration."""

from __future__ import annotations

import pytest

from accelbench.errors import UserError
from accelbench.fpga.config import resolve_config
from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.model import dsp_per_mult, estimate, estimate_layer, to_record
from accelbench.fpga.parts import get_board, get_part, list_parts
from accelbench.fpga.precision import parse_precision
from accelbench.workload import make_workload

U250 = get_part("xcu250-figd2104-2L-e")
Z7020 = get_part("xc7z020clg400-1")


def dense(n_in: int, n_out: int, rf: int = 1, bits: int = 16, strategy: str = "latency") -> LayerSpec:
    return LayerSpec(name="d", kind="dense", n_in=n_in, n_out=n_out, n_mult=n_in * n_out, reuse_factor=rf,
                     strategy=strategy, weight_bits=bits, input_bits=bits)


@pytest.mark.parametrize("rf", [1, 2, 4])
def test_dense_dsp_is_multiplications_over_reuse_factor(rf: int) -> None:
    layer = estimate_layer(dense(16, 64, rf), U250)
    assert layer.dsp == 16 * 64 // rf
    assert layer.ii_cycles == rf and layer.latency_cycles == rf + 1


def test_narrow_multiplications_go_to_luts_not_dsps() -> None:
    narrow = estimate_layer(dense(16, 64, bits=8), U250)
    assert narrow.dsp == 0 and narrow.lut == round(16 * 64 * 8 * 8 * 0.7)


def test_wide_multiplications_take_several_dsps() -> None:
    assert dsp_per_mult(16, 16, "DSP48E2") == 1
    assert dsp_per_mult(32, 32, "DSP48E2") == 4
    assert dsp_per_mult(26, 16, "DSP48E1") == 2
    assert dsp_per_mult(6, 16, "DSP48E2") == 0


def test_pipeline_latency_adds_and_the_slowest_layer_sets_the_interval() -> None:
    design = estimate([dense(16, 64, 1), dense(64, 32, 4)], U250, 5.0)
    assert design.latency_cycles == 2 + 5 and design.ii_cycles == 4
    assert design.latency_ns == pytest.approx(35.0)
    assert design.throughput_inf_s == pytest.approx(1e9 / 20)
    assert design.call_s(10) == pytest.approx((7 + 9 * 4) * 5e-9)


def test_a_design_too_big_for_the_part_says_by_how_much() -> None:
    design = estimate([dense(32, 15)], Z7020, 10.0)  # 480 DSP on a 220-DSP part
    assert not design.fits and "DSP 218 % of xc7z020clg400-1" in design.fit_reason
    assert estimate([dense(16, 8)], Z7020, 10.0).fits


def test_power_is_static_plus_dynamic_scaling_with_the_clock() -> None:
    slow = estimate([dense(16, 64)], U250, 10.0)
    fast = estimate([dense(16, 64)], U250, 5.0)
    assert slow.power_w > U250.static_power_w
    assert fast.power_w - U250.static_power_w == pytest.approx(2 * (slow.power_w - U250.static_power_w))


def test_record_figures_have_the_documented_keys() -> None:
    record = to_record(estimate([dense(4, 4)], U250, 5.0))
    assert {"latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k", "clock_ns", "part", "fits"} <= set(record)


def test_part_catalog_lists_the_boards_parts_with_sources() -> None:
    assert {"xc7z020clg400-1", "xczu9eg-ffvb1156-2-e", "xczu7ev-ffvc1156-2-e", "xck26-sfvc784-2LV-c"} <= set(list_parts())
    assert get_board("pynq-z2").part == "xc7z020clg400-1"
    assert all(get_part(name).source for name in list_parts())
    assert (Z7020.dsp, Z7020.lut, Z7020.ff, Z7020.bram18k) == (220, 53200, 106400, 280)


@pytest.mark.parametrize("name", ["xc7z999", ""])
def test_unknown_part_lists_the_known_ones(name: str) -> None:
    with pytest.raises(UserError, match="known: xc7a100tcsg324-1"):
        get_part(name)


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


def test_tolerance_follows_the_fractional_bits_and_depth() -> None:
    cfg = resolve_config(None, {"precision": "ap_fixed<16,6>"})
    assert cfg.tolerance(4) == pytest.approx(16 * 4 * 2**-10)
    assert resolve_config(None, {"precision": "ap_fixed<8,3>"}).tolerance(4) == 0.5
    assert resolve_config(None, {"fpga_rtol": 0.2}).tolerance(4) == 0.2
