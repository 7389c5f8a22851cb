"""Weight-aware multiplier mapping: products classified from the quantised constant weights."""

from __future__ import annotations

import numpy as np

from accelbench.fpga.multipliers import classify, csd_digits, digit_histogram, quantize


def test_canonical_signed_digits_are_the_fewest_power_of_two_terms() -> None:
    assert csd_digits(np.array([0, 1, 2, 3, 7, 8, 23, -7])).tolist() == [0, 1, 1, 2, 2, 1, 3, 2]  # 7 = 8 - 1


def test_quantisation_rounds_and_saturates_to_the_layer_precision() -> None:
    assert quantize(np.array([0.5, 0.3, 100.0, -100.0]), 8, 3).tolist() == [16, 10, 127, -128]


def test_products_split_into_removed_shift_lut_adders_and_multipliers() -> None:
    weights = np.array([0.0, 0.0, 0.5, -0.25, 0.75, 0.3])  # 0.3 -> 307/1024: 5 CSD digits
    histogram = digit_histogram(weights, 16, 6)
    mapping = classify(histogram, csd_max_digits=2)
    assert (mapping.zero, mapping.shift, mapping.csd, mapping.full) == (2, 2, 1, 1)
    assert mapping.csd_adders == 1
    assert classify(histogram, csd_max_digits=5).full == 0
