"""Weight-aware multiplier mapping: what synthesis builds for a product with a constant weight.

A design's weights are the workload's constants. Quantised to the layer's weight precision, each
product ``w * x`` is one of

* **zero** — ``w`` quantises to 0: the product is removed;
* **shift** — ``w = ±2^k`` (one non-zero digit in canonical signed digit form): wiring, no logic;
* **csd** — ``w`` has few non-zero CSD digits (at most the profile's ``csd_lut_max_digits``):
  ``digits - 1`` adders/subtractors of shifted copies of ``x``, built from LUTs;
* **full** — anything else: a DSP slice (or a LUT multiplier when the profile's rule says so for
  the operand widths).

:func:`digit_histogram` counts weights by their number of non-zero CSD digits; the model
(:mod:`accelbench.fpga.model`) turns the histogram into DSP/LUT counts with a profile's threshold,
and its ranges come from the threshold's fitted extremes. Counts are per step (one output position
of a convolution, one timestep of a recurrent cell): one product per weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Histogram buckets: index d = weights with d non-zero CSD digits; the last bucket is "this many or more".
MAX_DIGITS = 8


def quantize(values: np.ndarray, width: int, integer: int, rounding: bool = True) -> np.ndarray:
    """Integer codes of ``values`` in ``ap_fixed<width, integer>`` (saturating), as int64.

    ``rounding``: round to nearest (AP_RND*) rather than truncate towards -inf (AP_TRN, hls4ml's
    default for weights it writes without a quantisation mode).
    """
    scaled = np.asarray(values, dtype=np.float64) * 2.0 ** (width - integer)
    codes = np.rint(scaled) if rounding else np.floor(scaled)
    low, high = -(2 ** (width - 1)), 2 ** (width - 1) - 1
    return np.clip(codes, low, high).astype(np.int64)


def csd_digits(codes: np.ndarray) -> np.ndarray:
    """Non-zero digits of each integer's canonical signed digit (non-adjacent) form.

    The NAF of ``q`` has its non-zero digits where ``(3q) XOR q`` has bits, shifted by one:
    ``popcount((3q ^ q) >> 1)`` — the minimum number of ±2^k terms that sum to ``q``.
    """
    q = np.abs(np.asarray(codes, dtype=np.int64))
    naf = ((3 * q) ^ q) >> 1
    count = np.zeros(q.shape, dtype=np.int64)
    while np.any(naf):
        count += naf & 1
        naf = naf >> 1
    return count


def digit_histogram(values: np.ndarray, width: int, integer: int, rounding: bool = True) -> tuple[int, ...]:
    """Weights of ``values`` by non-zero CSD digits after quantisation: ``(zeros, 1 digit, 2, ..., >= MAX_DIGITS)``."""
    digits = csd_digits(quantize(values, width, integer, rounding))
    digits = np.minimum(digits, MAX_DIGITS)
    return tuple(int(n) for n in np.bincount(digits.ravel(), minlength=MAX_DIGITS + 1))


@dataclass(frozen=True)
class Mapping:
    """Products of one step by what they become (counts), at one CSD threshold."""

    zero: int
    shift: int
    csd: int
    full: int
    #: Adders the csd products need in total (sum of digits - 1).
    csd_adders: int

    @property
    def nonzero(self) -> int:
        return self.shift + self.csd + self.full

    def as_dict(self) -> dict[str, int]:
        return {"zero": self.zero, "shift": self.shift, "csd": self.csd, "full": self.full,
                "csd_adders": self.csd_adders}


def classify(histogram: tuple[int, ...], csd_max_digits: int) -> Mapping:
    """Split a :func:`digit_histogram` at ``csd_max_digits`` (products with more digits are full multipliers)."""
    zero = histogram[0] if histogram else 0
    shift = histogram[1] if len(histogram) > 1 else 0
    csd = sum(histogram[d] for d in range(2, min(csd_max_digits, MAX_DIGITS) + 1) if d < len(histogram))
    adders = sum(histogram[d] * (d - 1) for d in range(2, min(csd_max_digits, MAX_DIGITS) + 1) if d < len(histogram))
    full = sum(histogram[d] for d in range(max(csd_max_digits + 1, 2), len(histogram)))
    return Mapping(zero, shift, csd, full, adders)
