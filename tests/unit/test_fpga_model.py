"""The analytical FPGA model's equations on hand-computable layers, and its error on the calibration data."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from accelbench.fpga import model as m
from accelbench.fpga.layers import LayerSpec, layers_from_description
from accelbench.fpga.model import bram18k_for, dsp_per_mult, to_record
from accelbench.fpga.parts import get_part
from accelbench.fpga.profiles import get_profile

U250 = get_part("xcu250-figd2104-2L-e")
Z7020 = get_part("xc7z020clg400-1")
#: The equations are checked with the 2020-era profile (every wide product on its own DSP, shared
#: multipliers at RF > 1, unit LUT/FF scales and error bands) so each number is hand-computable.
P = dataclasses.replace(get_profile("vivado-hls-2020.1", "0.5"), lut_scale=1.0, ff_scale=1.0, lut_per_layer=0.0,
                        error={f: (1.0, 1.0) for f in m.RANGED})


def estimate_layer(layer: LayerSpec, part: object = U250, clock_ns: float = 5.0) -> m.LayerEstimate:
    return m.estimate_layer(layer, part, clock_ns, profile=P)  # type: ignore[arg-type]


def estimate(layers: list[LayerSpec], part: object, clock_ns: float) -> m.DesignEstimate:
    return m.estimate(layers, part, clock_ns, P)  # type: ignore[arg-type]


def dense(n_in: int, n_out: int, rf: int = 1, bits: int = 16, **kw: object) -> LayerSpec:
    return LayerSpec("d", "dense", n_in, n_out, n_in * n_out, reuse_factor=rf, weight_bits=bits, input_bits=bits,
                     **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("rf", [1, 2, 4])
def test_dense_dsp_is_multiplications_over_reuse_factor_with_wide_operands(rf: int) -> None:
    layer = estimate_layer(dense(16, 64, rf), U250, 5.0)
    assert layer.dsp == 16 * 64 // rf
    # II = RF; latency = RF - 1 + registers of a multiply + 4-level adder tree at 5 ns (3 + 4 x 0.7 ns -> 1)
    assert layer.ii_cycles == rf and layer.latency_cycles == rf
    mux = P.mux_lut_per_bit * (rf - 1) / 3 * 32
    # RF 1 keeps one product per weight (constant-mapped: the per-product term), RF > 1 shares multipliers
    per = P.lut_per_product if rf == 1 else P.lut_per_mult
    assert layer.lut == round(16 * 64 // rf * (per + mux))


def test_narrow_multiplications_go_to_luts_not_dsps() -> None:
    narrow = estimate_layer(dense(16, 64, bits=8), U250)
    assert narrow.dsp == 0
    assert narrow.lut == round(16 * 64 * (P.lut_per_product + P.lut_per_bit_product * 8 * 8))
    one_narrow = estimate_layer(LayerSpec("d", "dense", 16, 64, 1024, weight_bits=6, input_bits=16), U250)
    assert one_narrow.dsp == 0


def test_constant_zero_weights_need_no_multiplier() -> None:
    assert estimate_layer(dense(16, 64, nonzero_fraction=0.25), U250).dsp == 256


def test_dsp_count_per_multiplication_follows_the_port_widths() -> None:
    assert dsp_per_mult(16, 16, "DSP48E2") == 1
    assert dsp_per_mult(32, 32, "DSP48E2") == 4
    assert dsp_per_mult(21, 32, "DSP48E2") == 2  # the 21-bit constant on the 27-bit port
    assert dsp_per_mult(26, 18, "DSP48E2") == 1 and dsp_per_mult(26, 18, "DSP48E1") == 2  # 27x18 vs 25x18
    assert dsp_per_mult(10, 32, "DSP48E2") == 0


def test_parallel_pipeline_adds_latencies_and_the_slowest_layer_sets_the_interval() -> None:
    design = estimate([dense(16, 64, 1), dense(64, 32, 4)], U250, 5.0)
    assert design.latency_cycles == 1 + 4 and design.ii_cycles == 4
    assert design.latency_ns == pytest.approx(25.0)
    assert design.throughput_inf_s == pytest.approx(1e9 / 20)
    assert design.call_s(10) == pytest.approx((5 + 9 * 4) * 5e-9)


def test_stream_dataflow_overlaps_stages_over_the_input_pixels() -> None:
    layers = layers_from_description("input 32x32x3; conv2d 8 3x3; relu", io_type="io_stream")
    design = estimate(layers, U250, 5.0)
    conv, relu = design.layers
    assert conv.busy_cycles == 32 * 32 and conv.ii_cycles == 32 * 32 + P.stream_conv_extra_ii
    assert design.ii_cycles == conv.ii_cycles
    # max busy - 1 + sum of stage depths, far below running the two layers one after the other
    assert design.latency_cycles == 1024 - 1 + conv.depth_cycles + relu.depth_cycles
    assert design.latency_cycles < conv.latency_cycles + relu.latency_cycles


def test_parallel_convolution_runs_output_pixels_through_shared_multipliers() -> None:
    (conv,) = layers_from_description("input 28x28x3; conv2d 32 4x4 stride=4 padding=same", strategy="resource")
    layer = estimate_layer(conv, U250, 5.0)
    assert conv.positions == 49 and layer.dsp == 48 * 32
    assert layer.ii_cycles == 49 and layer.latency_cycles == 49 - 1 + 1 + P.resource_extra_cycles


def test_table_activations_take_a_bram_per_two_lookups_and_relu_none() -> None:
    sigmoid = estimate(layers_from_description("input 1; dense 64; sigmoid"), U250, 5.0).layers[1]
    relu = estimate(layers_from_description("input 1; dense 64; relu"), U250, 5.0).layers[1]
    assert sigmoid.bram18k == 32 and sigmoid.latency_cycles == P.table_cycles
    assert relu.bram18k == 0 and relu.latency_cycles == 0 and relu.ff == 0


def test_deep_resource_reuse_keeps_weights_in_bram() -> None:
    deep = estimate_layer(dense(64, 64, 64, strategy="resource"), U250)
    shallow = estimate_layer(dense(64, 64, 8, strategy="resource"), U250)
    assert deep.bram18k == bram18k_for(64, 64 * 16) == math.ceil(64 * 16 / 36)
    assert shallow.bram18k == 0 and deep.dsp == 64 and shallow.dsp == 512


def test_recurrent_latency_grows_with_the_timesteps() -> None:
    one = estimate(layers_from_description("input 1x6; lstm 5"), U250, 5.0)
    four = estimate(layers_from_description("input 4x6; lstm 5"), U250, 5.0)
    assert four.latency_cycles == 4 * one.latency_cycles and four.ii_cycles == 4 * one.ii_cycles
    assert four.dsp == one.dsp == 4 * 5 * 11 + 3 * 5


def test_a_design_too_big_for_the_part_says_by_how_much() -> None:
    design = estimate([dense(32, 15)], Z7020, 10.0)  # 480 DSP on a 220-DSP part
    assert design.fits == "no" and "DSP 218 % of xc7z020clg400-1" in design.fit_reason
    assert design.over == {"DSP": pytest.approx(100 * 480 / 220)}
    assert estimate([dense(16, 8)], Z7020, 10.0).fits == "yes"


def test_power_is_static_plus_dynamic_per_resource_at_the_clock() -> None:
    for clock_ns in (5.0, 10.0):
        design = estimate([dense(16, 64)], U250, clock_ns)
        per_resource = (design.dsp * 2.0e-3 + design.lut * 1.5e-5 + design.ff * 4.0e-6 + design.bram18k * 1.5e-3)
        assert design.power_w == pytest.approx(U250.static_power_w + per_resource * (1e3 / clock_ns) / 200.0)


def test_record_figures_have_the_documented_keys() -> None:
    record = to_record(estimate([dense(4, 4)], U250, 5.0))
    assert {"latency_cycles", "ii_cycles", "dsp", "lut", "ff", "bram18k", "clock_ns", "part", "fits", "latency_ns",
            "throughput_inf_s", "power_w", "utilisation"} <= set(record)
    utilisation = record["utilisation"]
    assert isinstance(utilisation, dict) and set(utilisation) == {"dsp", "lut", "ff", "bram18k"}


def test_a_combinational_design_still_takes_one_clock_per_call() -> None:
    design = estimate([LayerSpec("r", "activation", 4, 4, activation="relu")], U250, 5.0)
    assert design.call_s(1) >= 5e-9 and design.call_s(3) > design.call_s(1)


def test_the_latency_never_drops_below_the_adder_tree_at_the_clock() -> None:
    fast = dataclasses.replace(P, mult_ns=0.0, add_ns=0.7, clock_uncertainty=0.0)
    design = m.estimate([dense(4096, 1)], U250, 1.0, fast)  # 12 levels x 0.7 ns = 8.4 ns at a 1 ns clock
    assert design.latency_floor_cycles == 8 and design.latency_cycles >= 8
    assert design.ranges["latency_cycles"][0] >= 8


def test_a_design_whose_range_crosses_the_capacity_may_not_fit() -> None:
    wide = dataclasses.replace(P, error={**P.error, "dsp": (0.5, 2.0)})
    design = m.estimate([dense(12, 15)], Z7020, 10.0, wide)  # 180 DSP of 220; up to 360
    assert design.fits == "maybe" and "DSP up to 164 %" in design.fit_reason


def test_every_modeled_figure_has_a_range_around_its_point_value() -> None:
    design = m.estimate(layers_from_description("input 16; dense 64; relu; dense 5; softmax"), U250, 5.0,
                        get_profile("vitis-hls-2024.1"))
    record = to_record(design)
    for figure in m.RANGED:
        low, high = record[f"{figure}_range"]  # type: ignore[misc]
        assert low <= record[figure] <= high, figure
    assert record["hls_tool"] == "vitis-hls-2024.1" and record["hls4ml_version"]


def test_vitis_schedules_deeper_than_vivado_at_the_same_clock() -> None:
    layers = [dense(64, 32)]
    vivado = m.estimate(layers, U250, 4.5, get_profile("vivado-hls-2020.1"))
    vitis = m.estimate(layers, U250, 4.5, get_profile("vitis-hls-2024.1"))
    assert vitis.latency_cycles > vivado.latency_cycles  # 27 % vs 12.5 % clock uncertainty


def test_the_resource_strategy_puts_every_weight_through_dsp_multipliers_even_narrow_ones() -> None:
    narrow = estimate_layer(dense(64, 64, 8, bits=6, strategy="resource", nonzero_fraction=0.5))
    assert narrow.dsp == 64 * 64 // 8  # zeros stay in the weight ROM; 6-bit operands still on DSPs


def test_known_weights_map_products_by_their_csd_digits() -> None:
    from accelbench.fpga.multipliers import digit_histogram

    modern = dataclasses.replace(get_profile("vivado-hls-2020.1"), csd_lut_max_digits=2, csd_digits_range=(2, 3),
                                 error={f: (1.0, 1.0) for f in m.RANGED})
    weights = [0.0, 0.5, 0.75, 0.3]  # removed, shift, 2 digits (LUT adders), 5 digits (DSP)
    layer = LayerSpec("d", "dense", 4, 1, 4, weight_digits=digit_histogram(np.array(weights), 16, 6))
    estimate_ = m.estimate_layer(layer, U250, 5.0, profile=modern)
    assert estimate_.mapping == {"zero": 1, "shift": 1, "csd": 1, "full": 1, "csd_adders": 1}
    assert estimate_.dsp == 1 and estimate_.dsp_low <= 1 <= estimate_.dsp_high


def test_the_latency_floor_adds_the_layers_adder_trees_before_rounding_down() -> None:
    fast = dataclasses.replace(P, mult_ns=0.0, add_ns=0.6, clock_uncertainty=0.0)
    layers = [dense(64, 64) for _ in range(4)]  # 6 levels x 0.6 ns = 3.6 ns each: 0 cycles alone at 5 ns
    assert m.estimate(layers[:1], U250, 5.0, fast).latency_floor_cycles == 0
    design = m.estimate(layers, U250, 5.0, fast)  # 14.4 ns end to end
    assert design.latency_floor_cycles == 2 and design.ranges["latency_cycles"][0] >= 2
