"""Fit a tool profile's ``[fitted]`` constants from the ``fit`` rows of the calibration data only.

:func:`fit_constants` fits, from the rows of :mod:`accelbench.fpga.calibration` with role ``fit``
(never held-out ones): the LUT-multiplier rule (:func:`dsp_fit_error`, :func:`choose_lut_mult_rule`),
the CSD threshold and its range, the DSP fraction of products with unknown weights, the speed-grade
and family delay scales, the extra pipeline cycles of a layer, and the LUT and FF terms. Its
``exclude_source`` leaves one published source out: the refits behind the error bands of
:mod:`accelbench.fpga.error_bands`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
from collections.abc import Iterable
from typing import Any

from accelbench.fpga.calibration import (
    UNKNOWN_HLS4ML,
    layer_dsp,
    layer_spec,
    load_layer_rows,
    load_rows,
    model_point,
    modern,
    number,
    part_for,
    point_result,
    row_layers,
    source_repository,
)
from accelbench.fpga.profiles import LUT_MULT_RULES, get_profile, structural


def _median_error(pairs: Iterable[tuple[float, float]]) -> float:
    errors = [abs(m - r) / r for m, r in pairs if r]
    return statistics.median(errors) if errors else math.inf


def _linear_terms(designs: list[dict[str, str]], overrides: dict[str, Any], column: str,
                  knobs: tuple[str, ...]) -> list[tuple[float, tuple[float, ...], float]]:
    """Per design with a reported ``column``: (value with every knob 0, slope per knob, reported).

    LUT and FF are linear in their per-product/per-stage/per-layer terms (up to rounding each layer
    to a whole count): the grid searches evaluate that line instead of the whole model per candidate.
    The slopes are taken over a step of 1000 so per-layer rounding changes them by < 0.001 per layer.
    """
    step = 1000.0
    out = []
    for design in designs:
        reported = number(design[column]) or 0.0
        if not reported:
            continue
        zero = point_result(design, {**overrides, **dict.fromkeys(knobs, 0.0)}).modeled[column]
        slopes = tuple((point_result(design, {**overrides, **dict.fromkeys(knobs, 0.0), knob: step}).modeled[column]
                        - zero) / step for knob in knobs)
        out.append((zero, slopes, reported))
    return out


def _linear_error(terms: list[tuple[float, tuple[float, ...], float]], values: tuple[float, ...]) -> float:
    """Median relative error of the linear figures of :func:`_linear_terms` at knob ``values``."""
    return _median_error((zero + sum(s * v for s, v in zip(slopes, values, strict=True)), reported)
                         for zero, slopes, reported in terms)


#: Candidate delay scales of a speed grade or family (relative to -2 UltraScale+): a slower grade or
#: family is never faster than the reference (1.00 ... 2.00), -3 never slower (0.50 ... 1.00).
SLOWER_SCALES = tuple(round(1.0 + i / 100, 2) for i in range(101))
FASTER_SCALES = tuple(round(0.5 + i / 100, 2) for i in range(51))
#: A grade's (family's) delay scale is fitted only from at least this many fit rows on its parts.
MIN_SCALE_ROWS = 2


def _fit_delay_scales(tool: str, designs: list[dict[str, str]], overrides: dict[str, Any]) -> dict[str, Any]:
    """The speed-grade and 7-series delay scales of ``tool`` from ``designs`` (fit rows only).

    Per entry of the structural (datasheet) tables, the rows on parts it applies to (the grade the
    profile resolves the part's name to; 7-series parts); with at least :data:`MIN_SCALE_ROWS` of
    them with a published latency, the candidate with the smallest median relative latency error
    on those rows, ties to the datasheet prior; else the prior. Grades first, then the family.
    """
    from accelbench.fpga.profiles import REFERENCE_GRADE, SERIES7, grade_key

    start = structural(tool)
    grades = {str(k): float(v) for k, v in start.get("speed_grade_delay_scale", {}).items()}
    families = {str(k): float(v) for k, v in start.get("family_delay_scale", {}).items()}
    rows_used: dict[str, int] = {}
    timed = [r for r in designs if number(r["latency_cycles_worst"])]

    def current() -> dict[str, Any]:
        return {**overrides, "speed_grade_delay_scale": dict(grades), "family_delay_scale": dict(families)}

    def fit_one(table: dict[str, float], key: str, rows: list[dict[str, str]]) -> None:
        if len(rows) < MIN_SCALE_ROWS:
            return
        prior = table[key]

        def err(value: float) -> float:
            trial = {**current(), "speed_grade_delay_scale" if table is grades else "family_delay_scale":
                     {**table, key: value}}
            return _median_error((point_result(r, trial).modeled["latency_cycles_worst"],
                                  number(r["latency_cycles_worst"]) or 0.0) for r in rows)

        candidates = FASTER_SCALES if key.startswith("-3") else SLOWER_SCALES
        table[key] = min(candidates, key=lambda v: (err(v), abs(v - prior)))
        rows_used[key] = len(rows)

    for key in sorted(grades):
        if key != REFERENCE_GRADE:
            fit_one(grades, key, [r for r in timed if grade_key(part_for(r["part"]).speed_grade, grades) == key])
    if SERIES7 in families:
        fit_one(families, SERIES7, [r for r in timed if part_for(r["part"]).series7])
    return {"speed_grade_delay_scale": grades, "family_delay_scale": families, "delay_scale_rows": rows_used}


def dsp_fit_error(designs: list[dict[str, str]], layers: list[dict[str, str]],
                  constants: dict[str, Any]) -> tuple[float, int]:
    """(median DSP error, rows) of ``constants`` (a LUT-multiplier rule with its DSP constants) on
    fit rows: every design of ``designs`` and every layer of ``layers`` with a published DSP count
    (zeros too: a rule that puts narrow products on DSPs must pay for it), the error
    |modeled - published| / max(published, 1) pooled over both. The criterion of
    :func:`fit_constants`'s rule choice, fixed before any held-out row was evaluated."""
    overrides = as_overrides(constants)
    errors = [abs(model_point(r, overrides).dsp - reported) / max(reported, 1.0)
              for r in designs if (reported := number(r["dsp"])) is not None]
    errors += [abs(layer_dsp(r, overrides)[0] - reported) / max(reported, 1.0)
               for r in layers if (reported := number(r["dsp"])) is not None]
    return (statistics.median(errors), len(errors)) if errors else (math.inf, 0)


def choose_lut_mult_rule(scores: dict[str, tuple[float, int]]) -> str:
    """The rule of ``scores`` (rule -> (fit-row DSP error, rows), :func:`dsp_fit_error`) with the
    lowest error; ties (and no fit row at all: every error infinite) go to the earlier rule of
    :data:`~accelbench.fpga.profiles.LUT_MULT_RULES`, "narrower" (the model's rule before the choice)."""
    return min(LUT_MULT_RULES, key=lambda rule: (scores[rule][0], LUT_MULT_RULES.index(rule)))


@functools.cache
def fit_constants(tool: str, exclude_source: str = "") -> dict[str, Any]:
    """The ``[fitted]`` constants of ``tool`` from its ``fit`` rows only (never held-out ones), no error band.

    ``exclude_source`` leaves one published source out (its ``source_key``; the layers.csv rows of
    its repository too): the leave-one-source-out refits behind the error bands.

    In order: per LUT-multiplier rule (:data:`accelbench.fpga.profiles.LUT_MULT_RULES`), the DSP
    constants below, and the rule with the lower :func:`dsp_fit_error` on the fit rows (ties: the
    first rule, "narrower"); under it, the CSD threshold and its range (per-layer DSP of real
    projects with their weights, constant-mapped layers) and the DSP fraction of products whose
    weights are unknown; then the extra pipeline stages of a dense/conv layer (latency of whole
    designs), the LUT terms per layer, per product and per multiplexer bit (coordinate descent),
    the FF per multiplier stage and per layer.
    Cached per process: callers must not mutate the result.
    """
    from accelbench.fpga.model import constant_mapped

    left_out_repo = source_repository(exclude_source) if exclude_source else ""
    layers = [r for r in load_layer_rows() if r["profile"] == tool and r["role"] == "fit"
              and r["repo"] != left_out_repo]
    designs = [r for r in load_rows() if r["profile"] == tool and r["role"] == "fit"
               and r["source_key"] != exclude_source]

    def dsp_constants(rule: str) -> dict[str, Any]:
        """The CSD threshold, its range and the unknown-weight DSP fraction under LUT-multiplier ``rule``."""
        base = dataclasses.replace(get_profile(tool, UNKNOWN_HLS4ML), lut_mult_rule=rule)
        mapped = [r for r in layers if constant_mapped(layer_spec(r), base) and float(r["dsp"]) > 0]
        fitted: dict[str, Any] = {"lut_mult_rule": rule}
        if mapped:
            def err(threshold: int) -> float:
                trial = {"lut_mult_rule": rule, "csd_lut_max_digits": threshold}
                return _median_error((layer_dsp(r, trial)[0], float(r["dsp"])) for r in mapped)

            default = base.csd_lut_max_digits
            fitted["csd_lut_max_digits"] = min(range(1, 6), key=lambda t: (err(t), abs(t - default)))

            def miss(row: dict[str, str], threshold: int) -> tuple[float, int]:
                modeled = layer_dsp(row, {"lut_mult_rule": rule, "csd_lut_max_digits": threshold})[0]
                return abs(modeled - float(row["dsp"])), abs(threshold - default)

            best = [min(range(1, 6), key=functools.partial(miss, r)) for r in mapped]
            fitted["csd_digits_range"] = [min(best), max(best)]
        unknown = [r for r in designs if modern(r) and any(constant_mapped(layer, base) for layer in row_layers(r))
                   and number(r["dsp"])]
        if unknown:
            grid = [i / 20 for i in range(21)]

            def dsp_err(row: dict[str, str], fraction: float) -> float:
                trial = {"lut_mult_rule": rule, "unknown_dsp_fraction": (fraction, fraction, fraction)}
                modeled = model_point(row, trial).dsp
                reported = number(row["dsp"]) or 1.0
                return abs(modeled - reported) / reported

            middle = min(grid, key=lambda f: statistics.median(dsp_err(r, f) for r in unknown))
            best_f = [min(grid, key=functools.partial(dsp_err, r)) for r in unknown]
            fitted["unknown_dsp_fraction"] = [min(best_f), middle, max(best_f)]
        return fitted

    candidates = {rule: dsp_constants(rule) for rule in LUT_MULT_RULES}
    scores = {rule: dsp_fit_error(designs, layers, candidates[rule]) for rule in LUT_MULT_RULES}
    chosen = choose_lut_mult_rule(scores)
    fitted: dict[str, Any] = {**candidates[chosen], "lut_mult_rule_rows": scores[chosen][1],
                              "lut_mult_rule_errors": {rule: round(scores[rule][0], 4) for rule in LUT_MULT_RULES}}
    overrides: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                                 for key, value in fitted.items()}
    if designs:
        scales = _fit_delay_scales(tool, designs, overrides)
        fitted.update(scales)
        overrides.update(scales)
        def lat_err(extra: int) -> float:
            return _median_error((point_result(r, {**overrides, "extra_dense_cycles": extra}).modeled[
                "latency_cycles_worst"], number(r["latency_cycles_worst"]) or 0.0) for r in designs)

        fitted["extra_dense_cycles"] = overrides["extra_dense_cycles"] = min(range(0, 4), key=lambda e: (lat_err(e), e))
        # LUT: the per-multiplier and per-product terms and the RF:1 operand multiplexer, jointly (the
        # reuse-factor sweeps pin the multiplexer and the shared multiplier, RF-1 designs the
        # constant-mapped product); unit scale.
        lut_terms = _linear_terms(designs, {**overrides, "lut_scale": 1.0}, "lut",
                                  ("lut_per_mult", "lut_per_product", "mux_lut_per_bit", "lut_per_layer"))

        def lut_err(per: float, product: float, mux: float, overhead: float) -> float:
            return _linear_error(lut_terms, (per, product, mux, overhead))

        # coordinate descent: the per-layer overhead (small designs), then per multiplier, product and multiplexer
        grid = [p / 2 for p in range(8, 81, 4)]
        # from the structural values (never from a previous fit: the fit is a function of the rows only)
        start = structural(tool)
        per, product, mux = (float(start[key]) for key in ("lut_per_mult", "lut_per_product", "mux_lut_per_bit"))
        overhead = 0.0
        for _ in range(2):
            overhead = min((0.0, 50.0, 100.0, 200.0, 400.0, 800.0), key=lambda o: lut_err(per, product, mux, o))
            # ties (no constant-mapped row tells the two apart): the product costs what a multiplier does
            per, product, mux = min(((p, q, m / 4) for p in grid for q in grid for m in range(1, 17)),
                                    key=lambda pqm: (lut_err(pqm[0], pqm[1], pqm[2], overhead), abs(pqm[1] - pqm[0])))
        knobs = dict(lut_per_mult=per, lut_per_product=product, mux_lut_per_bit=mux, lut_per_layer=overhead,
                     lut_scale=1.0)
        fitted.update(knobs)
        overrides.update(knobs)
        ff_terms = _linear_terms(designs, {**overrides, "ff_scale": 1.0}, "ff", ("ff_per_mult_stage", "ff_per_layer"))

        def ff_err(per_stage: float, overhead: float) -> float:
            return _linear_error(ff_terms, (per_stage, overhead))

        stage, ff_overhead = min(((q / 2, o) for q in range(1, 25) for o in (0.0, 50.0, 100.0, 200.0, 400.0, 800.0)),
                                 key=lambda so: ff_err(*so))
        fitted.update(ff_per_mult_stage=stage, ff_per_layer=ff_overhead, ff_scale=1.0)
        overrides.update(ff_per_mult_stage=stage, ff_per_layer=ff_overhead, ff_scale=1.0)
    fitted["fitted_on"] = sorted([r["id"] for r in designs] + [f"{r['project']}/{r['layer']}" for r in layers])
    return fitted


def as_overrides(fitted: dict[str, Any]) -> dict[str, Any]:
    """Fitted constants as profile overrides: lists as tuples, without ``fitted_on``."""
    return {key: tuple(value) if isinstance(value, list) else value for key, value in fitted.items()
            if key != "fitted_on"}
