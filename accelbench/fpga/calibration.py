"""The calibration data and the analytical model evaluated on it: published hls4ml synthesis results.

Data (shipped in ``hls/calibration/``, each row with its source and a ``role`` from the rule in the
file's header — whole sources held out):

* ``published.csv`` — whole designs (C-synthesis reports), each with an architecture description
  (:func:`accelbench.fpga.layers.layers_from_description`), its options, tool profile and hls4ml
  version;
* ``layers.csv`` — layers of real hls4ml projects with their trained weights' CSD digit histogram
  and the layer's own DSP/LUT/FF (the weight-aware mapping's calibration).

:func:`evaluate` models every described row with its profile (:func:`point_result`, candidate
constants too); :func:`summarize` gives the median and worst relative error and how often the
published value lies inside the modeled range; :func:`layer_results` models each layers.csv row's
DSP. Fitting the profiles' constants from these rows is :mod:`accelbench.fpga.profile_fit`, their
error bands :mod:`accelbench.fpga.error_bands`.
"""

from __future__ import annotations

import csv
import dataclasses
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
from accelbench.fpga.profiles import Profile, generation_overrides, get_profile, version_tuple
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


def source_repository(source_key: str) -> str:
    """``owner/name`` of a published row's ``source_key`` (``repository:file``)."""
    return source_key.partition(":")[0]


def number(text: str) -> float | None:
    """A CSV cell as a float; None when empty or not a number (the figure was not reported)."""
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
    reported = {column: number(row[column]) for column in FIGURES}
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


def layer_results(tool: str | None = None) -> list[tuple[dict[str, str], int, int, int]]:
    """(row, modeled DSP, low, high) for every layers.csv row (of ``tool``)."""
    return [(row, *layer_dsp(row)) for row in load_layer_rows() if tool is None or row["profile"] == tool]


def modern(row: dict[str, str]) -> bool:
    """Whether the row's hls4ml is 0.6 or later (or unknown)."""
    numbers = version_tuple(row.get("hls4ml") or UNKNOWN_HLS4ML)
    return not numbers or numbers >= (0, 6)
