"""The fitted profiles' error bands from leave-one-source-out refits, and the whole ``[fitted]`` table.

:func:`out_of_source_ratios` models each fit row with its tool's profile refitted without the row's
whole source (:func:`accelbench.fpga.profile_fit.fit_constants`) and gives published / modeled end
on each side; :func:`error_band` is the conformal order statistic of a tool's own ratios, widened to
the band of the ratios pooled over every fitted profile (:func:`pooled_ratios`) where the tool has
too few; :func:`fit_profile` is the fitted constants with these bands, the ``[fitted]`` table that
``benchmarks/fpga_model_fit.py --write`` stores in ``hls/profiles/<tool>.toml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from accelbench.fpga.calibration import FIGURES, FITTED_PROFILES, PointResult, load_rows, point_result
from accelbench.fpga.profile_fit import as_overrides, fit_constants

#: Nominal two-sided coverage of the error bands (5 % of out-of-source ratios may fall on each side).
BAND_COVERAGE = 0.90


def _unbanded(result: PointResult, column: str) -> tuple[float, float]:
    """The modeled [low, high] before any error band: the mapping's extremes (cycles: the point value)."""
    if column in ("latency_cycles_worst", "interval"):  # the range also spans +-1 cycle: not the model's
        return result.modeled[column], result.modeled[column]
    return result.ranges[column]


def _rank(n: int) -> int:
    """The conformal rank of one side at :data:`BAND_COVERAGE` among ``n`` ratios:
    k = ceil((n + 1) (1 - alpha / 2)) (rounded first, so 20 x 0.95 is 19, not 20)."""
    alpha = 1.0 - BAND_COVERAGE
    return math.ceil(round((n + 1) * (1.0 - alpha / 2.0), 9))


#: Ratios one side of a band needs for its conformal order statistic to lie inside the sample
#: (k <= n): 19 at 90 % two-sided. With fewer, the extreme ratio covers a new one only with
#: probability n / (n + 1) per side (18: 94.7 %, 8: 88.9 %, 4: 80 %), below the nominal 95 %.
MIN_OWN_RATIOS = next(n for n in range(1, 10_000) if _rank(n) <= n)


def _order_statistic(values: list[float] | tuple[float, ...], upper: bool) -> float:
    """The conformal bound of one side at :data:`BAND_COVERAGE`: the k-th of n sorted values
    (:func:`_rank`); the extreme value when k > n (fewer than :data:`MIN_OWN_RATIOS` values)."""
    ordered = sorted(values, reverse=not upper)
    return ordered[min(_rank(len(ordered)), len(ordered)) - 1]


@cache
def _loso_ratios(tool: str) -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    designs = [r for r in load_rows() if r["profile"] == tool and r["role"] == "fit"]
    unit = {figure: (1.0, 1.0) for figure in FIGURES.values()}
    ratios: dict[str, tuple[list[float], list[float]]] = {figure: ([], []) for figure in FIGURES.values()}
    for source in sorted({r["source_key"] for r in designs}):
        overrides = {**as_overrides(fit_constants(tool, source)), "error": unit}
        for row in (r for r in designs if r["source_key"] == source):
            result = point_result(row, overrides)
            for column, figure in FIGURES.items():
                reported = result.reported[column]
                if reported is None:
                    continue
                low, high = _unbanded(result, column)
                if low > 0:
                    ratios[figure][0].append(reported / low)
                if high > 0:
                    ratios[figure][1].append(reported / high)
    return {figure: (tuple(lows), tuple(highs)) for figure, (lows, highs) in ratios.items()}


def out_of_source_ratios(tool: str) -> dict[str, tuple[list[float], list[float]]]:
    """Per figure: published / modeled low end and published / modeled high end, each fit row
    modeled by the profile refitted without the row's whole source (leave one source out)."""
    return {figure: (list(lows), list(highs)) for figure, (lows, highs) in _loso_ratios(tool).items()}


def pooled_ratios() -> dict[str, tuple[list[float], list[float]]]:
    """Per figure: the out-of-source ratios of every fitted profile together, each from its own
    tool's leave-one-source-out refits (:func:`out_of_source_ratios`)."""
    pooled: dict[str, tuple[list[float], list[float]]] = {figure: ([], []) for figure in FIGURES.values()}
    for tool in FITTED_PROFILES:
        for figure, (lows, highs) in _loso_ratios(tool).items():
            pooled[figure][0].extend(lows)
            pooled[figure][1].extend(highs)
    return pooled


@dataclass(frozen=True)
class Band:
    """One figure's error band and what it rests on (:func:`error_band`)."""

    low: float
    high: float
    own_ratios: int
    pooled_ratios: int
    #: "no", "low", "high" or "both": the side(s) the pooled band widened.
    widened: str


def _side(own: list[float] | tuple[float, ...], pooled: list[float] | tuple[float, ...],
          upper: bool) -> tuple[float, bool]:
    """One side's bound and whether the pool widened it (see :func:`error_band`)."""
    unit = 1.0
    pick = max if upper else min
    mine = pick(unit, _order_statistic(own, upper)) if own else unit
    if len(own) >= MIN_OWN_RATIOS or not pooled:
        return mine, False
    pool = pick(unit, _order_statistic(pooled, upper))
    return pick(mine, pool), pick(mine, pool) != mine


def error_band(own: tuple[list[float] | tuple[float, ...], list[float] | tuple[float, ...]],
               pooled: tuple[list[float] | tuple[float, ...], list[float] | tuple[float, ...]]) -> Band:
    """The error band of one figure from a tool's own out-of-source (low, high) ratios and the
    ratios ``pooled`` over every fitted tool.

    Each side is the conformal order statistic of the tool's own ratios (:func:`_order_statistic`,
    never inside [1, 1]). A side with fewer than :data:`MIN_OWN_RATIOS` own ratios cannot reach the
    nominal coverage on its own, so it becomes the wider of its own bound and the pooled ratios'
    order statistic: the prior that out-of-source errors are exchangeable across HLS tools, used
    only where the tool's own data cannot support the nominal coverage. Widening never lowers
    coverage: the band covers at least what its own ratios promise (n / (n + 1) per side) and, if
    the exchangeability prior holds, what the pool promises. Rounded outwards to 0.001.
    """
    low, low_widened = _side(own[0], pooled[0], upper=False)
    high, high_widened = _side(own[1], pooled[1], upper=True)
    widened = {(False, False): "no", (True, False): "low", (False, True): "high", (True, True): "both"}
    return Band(math.floor(low * 1000) / 1000, math.ceil(high * 1000) / 1000, max(len(own[0]), len(own[1])),
                max(len(pooled[0]), len(pooled[1])), widened[(low_widened, high_widened)])


@cache
def fit_profile(tool: str) -> dict[str, Any]:
    """The ``[fitted]`` table of ``tool``: :func:`~accelbench.fpga.profile_fit.fit_constants` on every
    fit row, and per figure the error band from leave-one-source-out cross-validation on the fit rows.

    The band is [low, high] multipliers of the modeled range's ends (the mapping's extremes):
    :func:`error_band` of the tool's out-of-source ratios published / modeled end on each side, at
    :data:`BAND_COVERAGE` nominal coverage, widened to the band of the ratios pooled over every
    fitted profile where the tool has fewer than :data:`MIN_OWN_RATIOS` own ratios.
    ``error_ratios`` says how many own ratios each band rests on, ``error_pooled_ratios`` how many
    pooled ones, ``error_widened`` which sides the pool widened ("no", "low", "high", "both").
    Cached per process: callers must not mutate the result.
    """
    fitted = dict(fit_constants(tool))
    if not any(r["profile"] == tool and r["role"] == "fit" for r in load_rows()):
        return fitted
    pooled = pooled_ratios()
    bands = {figure: error_band(own, pooled[figure]) for figure, own in out_of_source_ratios(tool).items()}
    fitted.pop("fitted_on")
    return {**fitted, "error": {figure: [b.low, b.high] for figure, b in bands.items()},
            "error_ratios": {figure: b.own_ratios for figure, b in bands.items()},
            "error_pooled_ratios": {figure: b.pooled_ratios for figure, b in bands.items()},
            "error_widened": {figure: b.widened for figure, b in bands.items()},
            "fitted_on": fit_constants(tool)["fitted_on"]}
