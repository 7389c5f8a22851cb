"""The C simulation's tolerance comes from the design's precision: fixed-point step and accumulation depth."""

from __future__ import annotations

import math

import pytest

from accelbench.fpga.layers import layers_from_description
from accelbench.fpga.precision import parse_precision
from accelbench.fpga.tolerance import K_SIGMA, MAX_RTOL, precision_tolerance, sequence_factor, step_bound

Q16 = parse_precision("ap_fixed<16,6>")


def test_the_bound_grows_with_the_fixed_point_step() -> None:
    layers = layers_from_description("input 16; dense 8")
    fine = precision_tolerance(layers, parse_precision("ap_fixed<24,6>"), 1.0)
    coarse = precision_tolerance(layers, Q16, 1.0)
    assert coarse.rtol == pytest.approx(fine.rtol * 2**8)


def test_the_bound_grows_with_the_accumulation_depth() -> None:
    shallow = step_bound(layers_from_description("input 16; dense 8"), Q16.lsb)
    deep = step_bound(layers_from_description("input 256; dense 8"), Q16.lsb)
    assert deep - shallow == pytest.approx(K_SIGMA * (16 - 4) * Q16.lsb)


def test_tables_add_their_step_and_the_bound_is_relative_to_the_output_scale() -> None:
    plain = precision_tolerance(layers_from_description("input 16; dense 8"), Q16, 2.0)
    tanh = precision_tolerance(layers_from_description("input 16; dense 8; tanh"), Q16, 2.0)
    assert tanh.abs_bound - plain.abs_bound == pytest.approx(8 / 1024 + Q16.lsb)  # type: ignore[operator]
    sigmoid = precision_tolerance(layers_from_description("input 16; dense 8; sigmoid"), Q16, 2.0)
    # a sigmoid scales the incoming error by its largest slope, 1/4
    assert sigmoid.abs_bound == pytest.approx(plain.abs_bound / 4 + 16 / 1024 / 4 + Q16.lsb)  # type: ignore[operator]
    assert plain.rtol == pytest.approx(plain.abs_bound / 2.0)  # type: ignore[operator]
    assert plain.source == "precision bound" and "sqrt(n_in)" in plain.method


def test_a_loose_bound_is_capped_and_says_so() -> None:
    tol = precision_tolerance(layers_from_description("input 64; dense 8"), parse_precision("ap_fixed<8,3>"), 1.0)
    assert tol.capped and tol.rtol == MAX_RTOL


def test_a_contracting_recurrence_bounds_the_sequence_error() -> None:
    assert sequence_factor(1, 0.9) == 1.0
    assert sequence_factor(1000, 0.5) == pytest.approx(2.0)
    assert sequence_factor(10, 1.2) == 10.0
    assert math.isclose(sequence_factor(3, 0.5), 1.75)
