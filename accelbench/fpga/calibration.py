"""The analytical model against published hls4ml synthesis results, and the fit of the tool profiles.

Data (shipped in ``hls/calibration/``, each row with its source and a ``role`` from the rule in the
file's header — whole sources held out):

* ``published.csv`` — whole designs (C-synthesis reports), each with an architecture description
  (:func:`accelbench.fpga.layers.layers_from_description`), its options, tool profile and hls4ml
  version;
* ``layers.csv`` — layers of real hls4ml projects with their trained weights' CSD digit histogram
  and the layer's own DSP/LUT/FF (the weight-aware mapping's calibration).

:func:`fit_profile` fits a profile's ``[fitted]`` constants from ``fit`` rows only, and its error
bands from leave-one-source-out refits on those rows (:func:`out_of_source_ratios`), widened to
the band of the ratios pooled over every fitted profile where a tool has too few (:func:`error_band`);
:func:`evaluate` models every described row with its profile; :func:`summarize` gives the median
and worst relative error and how often the published value lies inside the modeled range.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from accelbench.errors import UserError
from accelbench.fpga.layers import LayerSpec, layers_from_description
from accelbench.fpga.model import DesignEstimate, estimate, estimate_layer
from accelbench.fpga.parts import Part, get_part
from accelbench.fpga.profiles import (
    LUT_MULT_RULES,
    Profile,
    generation_overrides,
    get_profile,
    structural,
    version_tuple,
)
from accelbench.locate import data_dir

#: CSV column -> model figure.
FIGURES = {"latency_cycles_worst": "latency_cycles", "interval": "ii_cycles", "dsp": "dsp", "lut": "lut",
           "ff": "ff", "bram18k": "bram18k"}
#: Profiles fitted on their own rows (the others inherit a fitted profile).
FITTED_PROFILES = ("vivado-hls-2019.2", "vivado-hls-2020.1", "vitis-hls-2024.1")
#: Installed-generation stand-in for rows whose hls4ml version is unknown.
UNKNOWN_HLS4ML = "1.0"


def _read(name: str) -> list[dict[str, str]]:
    with (data_dir("hls") / "calibration" / name).open(newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@cache
def load_rows() -> tuple[dict[str, str], ...]:
    """The rows of ``published.csv`` (every role, skipped ones included)."""
    return tuple(_read("published.csv"))


@cache
def load_layer_rows() -> tuple[dict[str, str], ...]:
    """The rows of ``layers.csv``."""
    return tuple(_read("layers.csv"))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@cache
def part_for(name: str) -> Part:
    """The catalog part, or a stand-in of its DSP family under the row's own name (the model reads the
    DSP kind and the family from the stand-in, the speed grade from the name)."""
    try:
        return get_part(name)
    except UserError:
        stand_in = get_part("xc7z020clg400-1" if name.startswith(("xc7", "xa7")) else "xczu9eg-ffvb1156-2-e")
        return dataclasses.replace(stand_in, name=name)


def _options(text: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in filter(None, text.split(";")):
        key, _, value = item.partition("=")
        options[key] = int(value) if key == "reuse_factor" else float(value) if key == "sparsity" else value
    return options


@cache
def _described(description: str, options: str) -> tuple[LayerSpec, ...]:
    return tuple(layers_from_description(description, **_options(options)))


def row_layers(row: dict[str, str]) -> list[LayerSpec]:
    """The layers of one published row (its description with its options)."""
    return list(_described(row["description"], row["options"]))


def row_profile(row: dict[str, str], overrides: dict[str, Any] | None = None) -> Profile:
    """The row's tool profile for its hls4ml generation, with candidate ``overrides`` (fitting).

    The generation's own values (legacy hls4ml) stay on top of the overrides, as in evaluation.
    """
    profile = get_profile(row["profile"], row["hls4ml"] or UNKNOWN_HLS4ML)
    if not overrides:
        return profile
    return dataclasses.replace(profile, **{**overrides, **generation_overrides(profile)})


def model_point(row: dict[str, str], overrides: dict[str, Any] | None = None) -> DesignEstimate:
    """The model's estimate for one published row."""
    return estimate(_described(row["description"], row["options"]), part_for(row["part"]), float(row["clock_ns"]),
                    row_profile(row, overrides))


@dataclass(frozen=True)
class PointResult:
    """One design point: the model's figures and ranges next to the reported ones."""

    id: str
    tool: str
    profile: str
    role: str
    modeled: dict[str, float]
    reported: dict[str, float | None]
    ranges: dict[str, tuple[float, float]]

    def relative_error(self, figure: str) -> float | None:
        """|modeled - reported| / reported, or None when not reported or reported as 0."""
        reported = self.reported[figure]
        if reported is None or reported == 0:
            return None
        return abs(self.modeled[figure] - reported) / reported

    def covered(self, figure: str) -> bool | None:
        """Whether the reported value lies inside the modeled range (None when not reported)."""
        reported = self.reported[figure]
        if reported is None:
            return None
        low, high = self.ranges[figure]
        return math.floor(low) <= reported <= math.ceil(high)


def point_result(row: dict[str, str], overrides: dict[str, Any] | None = None) -> PointResult:
    model = model_point(row, overrides)
    modeled = {column: float(getattr(model, attr)) for column, attr in FIGURES.items()}
    ranges = {column: model.ranges[attr] for column, attr in FIGURES.items()}
    reported = {column: _number(row[column]) for column in FIGURES}
    return PointResult(row["id"], row["tool"], row["profile"], row["role"], modeled, reported, ranges)


def evaluate(rows: Iterable[dict[str, str]] | None = None) -> list[PointResult]:
    """Every described published row (role fit or held-out), modeled with its profile."""
    return [point_result(row) for row in (rows if rows is not None else load_rows()) if row["role"] != "skip"]


@dataclass(frozen=True)
class ErrorSummary:
    """Relative errors and range coverage of one figure over a set of points."""

    figure: str
    points: int
    median: float
    worst: float
    worst_id: str
    coverage: float


def summarize(results: list[PointResult]) -> list[ErrorSummary]:
    """Median and worst relative error and range coverage per figure over ``results``."""
    out = []
    for figure in FIGURES:
        errors = [(err, r.id) for r in results if (err := r.relative_error(figure)) is not None]
        inside = [c for r in results if (c := r.covered(figure)) is not None]
        if errors:
            worst, worst_id = max(errors)
            out.append(ErrorSummary(figure, len(errors), statistics.median(e for e, _ in errors), worst, worst_id,
                                    sum(inside) / len(inside) if inside else 0.0))
    return out


# ---- per-layer mapping -----------------------------------------------------------------------


def layer_spec(row: dict[str, str]) -> LayerSpec:
    """A dense layer with the row's weights (digit histogram), precision and reuse factor."""
    from accelbench.fpga.layers import _fixed, effective_weight_bits

    width, integer = _fixed(row["weight_t"]) or (16, 6)
    digits = tuple(int(n) for n in row["digits"].split())
    n_weights = int(row["n_weights"])
    nonzero = 1.0 - digits[0] / n_weights if n_weights else 1.0
    strategy = "resource" if row["strategy"] == "resource" else "latency"
    return LayerSpec(row["layer"] or "layer", "dense", n_in=int(row["n_in"] or 1), n_out=int(row["n_out"] or 1),
                     n_mult=n_weights, reuse_factor=max(int(row["reuse_factor"] or 1), 1), strategy=strategy,
                     weight_bits=effective_weight_bits(width, integer), input_bits=width, nonzero_fraction=nonzero,
                     weight_digits=digits)


def layer_dsp(row: dict[str, str], overrides: dict[str, Any] | None = None) -> tuple[int, int, int]:
    """(modeled DSP, low, high) of one layers.csv row."""
    profile = get_profile(row["profile"], row["hls4ml"] or UNKNOWN_HLS4ML)
    if overrides:
        profile = dataclasses.replace(profile, **overrides)
    estimate_ = estimate_layer(layer_spec(row), part_for("xczu9eg-ffvb1156-2-e"), 5.0, profile=profile)
    return estimate_.dsp, estimate_.dsp_low, estimate_.dsp_high


# ---- fitting ----------------------------------------------------------------------------------


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
        reported = _number(design[column]) or 0.0
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
    timed = [r for r in designs if _number(r["latency_cycles_worst"])]

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
                                  _number(r["latency_cycles_worst"]) or 0.0) for r in rows)

        candidates = FASTER_SCALES if key.startswith("-3") else SLOWER_SCALES
        table[key] = min(candidates, key=lambda v: (err(v), abs(v - prior)))
        rows_used[key] = len(rows)

    for key in sorted(grades):
        if key != REFERENCE_GRADE:
            fit_one(grades, key, [r for r in timed if grade_key(part_for(r["part"]).speed_grade, grades) == key])
    if SERIES7 in families:
        fit_one(families, SERIES7, [r for r in timed if part_for(r["part"]).series7])
    return {"speed_grade_delay_scale": grades, "family_delay_scale": families, "delay_scale_rows": rows_used}


#: Nominal two-sided coverage of the error bands (5 % of out-of-source ratios may fall on each side).
BAND_COVERAGE = 0.90


def source_repository(source_key: str) -> str:
    """``owner/name`` of a published row's ``source_key`` (``repository:file``)."""
    return source_key.partition(":")[0]


def dsp_fit_error(designs: list[dict[str, str]], layers: list[dict[str, str]],
                  constants: dict[str, Any]) -> tuple[float, int]:
    """(median DSP error, rows) of ``constants`` (a LUT-multiplier rule with its DSP constants) on
    fit rows: every design of ``designs`` and every layer of ``layers`` with a published DSP count
    (zeros too: a rule that puts narrow products on DSPs must pay for it), the error
    |modeled - published| / max(published, 1) pooled over both. The criterion of
    :func:`fit_constants`'s rule choice, fixed before any held-out row was evaluated."""
    overrides = _as_overrides(constants)
    errors = [abs(model_point(r, overrides).dsp - reported) / max(reported, 1.0)
              for r in designs if (reported := _number(r["dsp"])) is not None]
    errors += [abs(layer_dsp(r, overrides)[0] - reported) / max(reported, 1.0)
               for r in layers if (reported := _number(r["dsp"])) is not None]
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
                   and _number(r["dsp"])]
        if unknown:
            grid = [i / 20 for i in range(21)]

            def dsp_err(row: dict[str, str], fraction: float) -> float:
                trial = {"lut_mult_rule": rule, "unknown_dsp_fraction": (fraction, fraction, fraction)}
                modeled = model_point(row, trial).dsp
                reported = _number(row["dsp"]) or 1.0
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
                "latency_cycles_worst"], _number(r["latency_cycles_worst"]) or 0.0) for r in designs)

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


def _as_overrides(fitted: dict[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in fitted.items()
            if key != "fitted_on"}


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
        overrides = {**_as_overrides(fit_constants(tool, source)), "error": unit}
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
    """The ``[fitted]`` table of ``tool``: :func:`fit_constants` on every fit row, and per figure
    the error band from leave-one-source-out cross-validation on the fit rows.

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


def layer_results(tool: str | None = None) -> list[tuple[dict[str, str], int, int, int]]:
    """(row, modeled DSP, low, high) for every layers.csv row (of ``tool``)."""
    return [(row, *layer_dsp(row)) for row in load_layer_rows() if tool is None or row["profile"] == tool]


def modern(row: dict[str, str]) -> bool:
    """Whether the row's hls4ml is 0.6 or later (or unknown)."""
    numbers = version_tuple(row.get("hls4ml") or UNKNOWN_HLS4ML)
    return not numbers or numbers >= (0, 6)
