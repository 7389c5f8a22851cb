"""The analytical FPGA model's equations on hand-computable layers, and its error on the calibration data."""

from __future__ import annotations

import math

import pytest

from accelbench.fpga import model as m
from accelbench.fpga.calibration import evaluate, summarize
from accelbench.fpga.layers import LayerSpec, layers_from_description
from accelbench.fpga.model import bram18k_for, dsp_per_mult, estimate, estimate_layer, to_record
from accelbench.fpga.parts import get_part

U250 = get_part("xcu250-figd2104-2L-e")
Z7020 = get_part("xc7z020clg400-1")


def dense(n_in: int, n_out: int, rf: int = 1, bits: int = 16, **kw: object) -> LayerSpec:
    return LayerSpec("d", "dense", n_in, n_out, n_in * n_out, reuse_factor=rf, weight_bits=bits, input_bits=bits,
                     **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("rf", [1, 2, 4])
def test_dense_dsp_is_multiplications_over_reuse_factor_with_wide_operands(rf: int) -> None:
    layer = estimate_layer(dense(16, 64, rf), U250, 5.0)
    assert layer.dsp == 16 * 64 // rf
    # II = RF; latency = RF - 1 + registers of a multiply + 4-level adder tree at 5 ns (3 + 4 x 0.7 ns -> 1)
    assert layer.ii_cycles == rf and layer.latency_cycles == rf
    mux = m.MUX_LUT_PER_BIT * math.ceil((rf - 1) / 3) * 32
    assert layer.lut == round(16 * 64 // rf * (m.LUT_PER_MULT + mux))


def test_narrow_multiplications_go_to_luts_not_dsps() -> None:
    narrow = estimate_layer(dense(16, 64, bits=8), U250)
    assert narrow.dsp == 0
    assert narrow.lut == round(16 * 64 * (m.LUT_PER_MULT + m.LUT_PER_BIT_PRODUCT * 8 * 8))
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
    assert conv.busy_cycles == 32 * 32 and conv.ii_cycles == 32 * 32 + m.STREAM_CONV_EXTRA_II
    assert design.ii_cycles == conv.ii_cycles
    # max busy - 1 + sum of stage depths, far below running the two layers one after the other
    assert design.latency_cycles == 1024 - 1 + conv.depth_cycles + relu.depth_cycles
    assert design.latency_cycles < conv.latency_cycles + relu.latency_cycles


def test_parallel_convolution_runs_output_pixels_through_shared_multipliers() -> None:
    (conv,) = layers_from_description("input 28x28x3; conv2d 32 4x4 stride=4 padding=same", strategy="resource")
    layer = estimate_layer(conv, U250, 5.0)
    assert conv.positions == 49 and layer.dsp == 48 * 32
    assert layer.ii_cycles == 49 and layer.latency_cycles == 49 - 1 + 1 + m.RESOURCE_EXTRA_CYCLES


def test_table_activations_take_a_bram_per_two_lookups_and_relu_none() -> None:
    sigmoid = estimate(layers_from_description("input 1; dense 64; sigmoid"), U250, 5.0).layers[1]
    relu = estimate(layers_from_description("input 1; dense 64; relu"), U250, 5.0).layers[1]
    assert sigmoid.bram18k == 32 and sigmoid.latency_cycles == m.TABLE_CYCLES
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
    assert not design.fits and "DSP 218 % of xc7z020clg400-1" in design.fit_reason
    assert design.utilisation["dsp"] == pytest.approx(100 * 480 / 220)
    assert estimate([dense(16, 8)], Z7020, 10.0).fits


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


# Regression guard: the medians measured when the constants were last chosen (docs/fpga-model.md),
# with headroom. A change that makes the model worse on the published synthesis results fails here.
MEDIAN_BOUNDS = {"latency_cycles_worst": 0.05, "interval": 0.05, "dsp": 0.15, "lut": 0.45, "ff": 0.60,
                 "bram18k": 0.05}


def test_model_error_on_the_calibration_data_stays_within_the_documented_bounds() -> None:
    results = evaluate()
    summary = {s.figure: s for s in summarize(results)}
    assert len(results) >= 20
    for figure, bound in MEDIAN_BOUNDS.items():
        assert summary[figure].median <= bound, (figure, summary[figure])
    jet = [r for r in results if r.id.startswith("tut_p2")]
    assert all(r.relative_error("dsp") <= 0.1 and r.relative_error("lut") <= 0.05 for r in jet)  # type: ignore[operator]


def test_a_combinational_design_still_takes_one_clock_per_call() -> None:
    design = estimate([LayerSpec("r", "activation", 4, 4, activation="relu")], U250, 5.0)
    assert design.call_s(1) >= 5e-9 and design.call_s(3) > design.call_s(1)
