"""The LUT-multiplier rule: a structural choice per tool profile, chosen by the fit from fit rows only."""

from __future__ import annotations

import dataclasses
import math

import pytest

from accelbench.fpga import calibration as cal
from accelbench.fpga import profile_fit as pf
from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.model import dsp_per_mult, estimate, estimate_layer, to_record
from accelbench.fpga.parts import get_part
from accelbench.fpga.profiles import LUT_MULT_RULES, get_profile


def test_a_16_bit_input_times_a_6_bit_weight_is_a_dsp_under_both_and_a_lut_multiplier_under_narrower() -> None:
    assert dsp_per_mult(6, 16, "DSP48E2", 10, "narrower") == 0
    assert dsp_per_mult(6, 16, "DSP48E2", 10, "both") == 1
    assert dsp_per_mult(6, 6, "DSP48E2", 10, "both") == 0  # both narrow: LUTs under either rule
    assert dsp_per_mult(6, 6, "DSP48E2", 10, "narrower") == 0
    assert dsp_per_mult(16, 16, "DSP48E2", 10, "narrower") == dsp_per_mult(16, 16, "DSP48E2", 10, "both") == 1
    with pytest.raises(ValueError, match="unknown LUT-multiplier rule"):
        dsp_per_mult(6, 16, "DSP48E2", 10, "product")


def test_the_rule_reaches_a_layer_and_the_record() -> None:
    layer = LayerSpec("d", "dense", n_in=16, n_out=8, n_mult=128, weight_bits=6, input_bits=16)
    part = get_part("xcu250-figd2104-2L-e")
    profile = get_profile("vitis-hls-2024.1", "1.0")
    counts = {rule: estimate_layer(layer, part, 5.0, profile=dataclasses.replace(profile, lut_mult_rule=rule)).dsp
              for rule in LUT_MULT_RULES}
    assert counts["narrower"] == 0 < counts["both"]
    design = estimate([layer], part, 5.0, profile)
    described = to_record(design)["profile"]
    assert isinstance(described, dict)
    assert described["lut_mult_rule"] == profile.lut_mult_rule
    assert "LUT multiplier" in described["lut_mult_rule_text"]
    assert f"rule {profile.lut_mult_rule!r}" in design.method


def test_the_lower_fit_row_error_wins_and_ties_keep_the_narrower_operand_rule() -> None:
    assert pf.choose_lut_mult_rule({"narrower": (0.7, 12), "both": (0.6, 12)}) == "both"
    assert pf.choose_lut_mult_rule({"narrower": (0.6, 12), "both": (0.7, 12)}) == "narrower"
    assert pf.choose_lut_mult_rule({"narrower": (0.5, 12), "both": (0.5, 12)}) == "narrower"
    assert pf.choose_lut_mult_rule({"narrower": (math.inf, 0), "both": (math.inf, 0)}) == "narrower"


@pytest.mark.parametrize("tool", cal.FITTED_PROFILES)
def test_the_fitted_rule_is_the_choice_on_fit_rows_and_is_what_the_profile_loads(tool: str) -> None:
    fitted = pf.fit_constants(tool)
    errors = fitted["lut_mult_rule_errors"]
    assert set(errors) == set(LUT_MULT_RULES)
    assert fitted["lut_mult_rule"] == pf.choose_lut_mult_rule({r: (e, 0) for r, e in errors.items()})
    # the chosen rule's error recomputed from fit rows only, with the fitted DSP constants
    designs = [r for r in cal.load_rows() if r["profile"] == tool and r["role"] == "fit"]
    layers = [r for r in cal.load_layer_rows() if r["profile"] == tool and r["role"] == "fit"]
    error, rows = pf.dsp_fit_error(designs, layers, {k: v for k, v in fitted.items() if k != "fitted_on"})
    assert (round(error, 4), rows) == (errors[fitted["lut_mult_rule"]], fitted["lut_mult_rule_rows"])
    profile = get_profile(tool, "1.0")
    assert (profile.lut_mult_rule, profile.lut_mult_rule_rows) == (fitted["lut_mult_rule"],
                                                                   fitted["lut_mult_rule_rows"])
    assert f"chosen on {profile.lut_mult_rule_rows} fit rows" in profile.describe()


@pytest.mark.parametrize("rule", LUT_MULT_RULES)
def test_the_dsp_range_spans_both_rules_where_operand_widths_do_not_decide(rule: str) -> None:
    # 16-bit input x 6-bit weight: a LUT multiplier under "narrower", a DSP under "both". Published
    # designs of that kind put some of those products on DSPs in every tool, so the range covers both
    part = get_part("xcu250-figd2104-2L-e")
    profile = dataclasses.replace(get_profile("vitis-hls-2024.1", "1.0"), lut_mult_rule=rule)
    ambiguous = LayerSpec("d", "dense", n_in=16, n_out=8, n_mult=128, weight_bits=6, input_bits=16)
    counts = {r: estimate_layer(ambiguous, part, 5.0, profile=dataclasses.replace(profile, lut_mult_rule=r)).dsp
              for r in LUT_MULT_RULES}
    layer = estimate_layer(ambiguous, part, 5.0, profile=profile)
    assert layer.dsp == counts[rule]
    assert layer.dsp_low <= min(counts.values()) and layer.dsp_high >= max(counts.values()) > 0


@pytest.mark.parametrize("bits", [(16, 16), (6, 6)])
def test_operand_widths_both_rules_agree_on_leave_the_range_alone(bits: tuple[int, int]) -> None:
    part = get_part("xcu250-figd2104-2L-e")
    profile = get_profile("vitis-hls-2024.1", "1.0")
    layer = LayerSpec("d", "dense", n_in=16, n_out=8, n_mult=128, weight_bits=bits[0], input_bits=bits[1])
    ranges = {r: estimate_layer(layer, part, 5.0, profile=dataclasses.replace(profile, lut_mult_rule=r))
              for r in LUT_MULT_RULES}
    assert len({(e.dsp_low, e.dsp_high, e.lut_low, e.lut_high) for e in ranges.values()}) == 1


def test_the_record_names_each_band_and_the_ratios_it_rests_on() -> None:
    profile = get_profile("vivado-hls-2019.2", "0.5")
    layer = LayerSpec("d", "dense", n_in=16, n_out=8, n_mult=128, weight_bits=16, input_bits=16)
    record = to_record(estimate([layer], get_part("xczu3eg-sbva484-1-e"), 5.0, profile))
    described = record["profile"]
    assert isinstance(described, dict)
    assert described["error_band"]["dsp"] == list(profile.error["dsp"])
    assert described["error_ratios"] == profile.error_ratios and described["error_ratios"]["dsp"] > 0
    assert described["error_pooled_ratios"] == profile.error_pooled_ratios
    assert set(described["error_widened"].values()) <= {"no", "low", "high", "both"}
