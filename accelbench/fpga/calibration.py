"""The analytical model against published hls4ml synthesis results (``hls/calibration/fpga_calibration.csv``).

Each csynth design point is rebuilt from its architecture column as an architecture description
(:func:`accelbench.fpga.layers.layers_from_description`), keyed by the CSV id in :data:`DESIGNS`.
``role`` says whether the point was looked at while choosing the model's constants ("tuning") or
not ("held-out"); both are reported. Rows the model does not describe are listed in :data:`SKIPPED`
with the reason. Errors are relative: |modeled - reported| / reported (rows reporting 0 are left out
of that figure's error, and counted).
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, field
from typing import Any

from accelbench.fpga.layers import layers_from_description
from accelbench.fpga.model import DesignEstimate, estimate
from accelbench.fpga.parts import get_part
from accelbench.locate import data_dir

#: CSV column -> model figure.
FIGURES = {"latency_cycles_worst": "latency_cycles", "interval": "ii_cycles", "dsp": "dsp", "lut": "lut",
           "ff": "ff", "bram18k": "bram18k"}

_JET = "input 16; dense 64; relu; dense 32; relu; dense 32; relu; dense 5; softmax"
_JET_QKERAS = ("input 16; dense 64 wbits=7; relu; dense 32 wbits=7 ibits=6; relu; dense 32 wbits=7 ibits=6; relu; "
               "dense 5 wbits=7 ibits=6; softmax")
_SVHN = ("input 32x32x3; conv2d 16 3x3; batchnorm; relu; maxpool 2; conv2d 16 3x3; batchnorm; relu; maxpool 2; "
         "conv2d 24 3x3; batchnorm; relu; maxpool 2; flatten; dense 42; batchnorm; relu; dense 64; batchnorm; relu; "
         "dense 10; softmax")
_SVHN_QKERAS = ("input 32x32x3; conv2d 16 3x3 wbits=6; batchnorm; relu; maxpool 2; conv2d 16 3x3 wbits=6 ibits=6; "
                "batchnorm; relu; maxpool 2; conv2d 24 3x3 wbits=6 ibits=6; batchnorm; relu; maxpool 2; flatten; "
                "dense 42 wbits=6 ibits=6; batchnorm; relu; dense 64 wbits=6 ibits=6; batchnorm; relu; "
                "dense 10 wbits=6 ibits=6; softmax")


@dataclass(frozen=True)
class CalibrationDesign:
    """How to rebuild one CSV row: an architecture description and its configuration."""

    description: str
    role: str  # "tuning" or "held-out"
    options: dict[str, Any] = field(default_factory=dict)


def _d(description: str, role: str, **options: Any) -> CalibrationDesign:
    return CalibrationDesign(description, role, options)


DESIGNS: dict[str, CalibrationDesign] = {
    "tut_p2_vhls2019_rf1": _d(_JET, "tuning"),
    "tut_p2_vhls2019_rf2": _d(_JET, "tuning", reuse_factor=2),
    "tut_p4_vhls2019_ku115_baseline": _d(_JET, "held-out"),
    "tut_p4_vhls2019_ku115_pruned75": _d(_JET, "held-out", sparsity=0.75),
    "tut_p4_vhls2019_ku115_qkeras6_pruned75": _d(_JET_QKERAS, "held-out", sparsity=0.75),
    "tut_p6_cnn_pruned50_hls": _d(_SVHN, "held-out", io_type="io_stream", sparsity=0.5),
    "tut_p6_cnn_qkeras6_pruned50_hls": _d(_SVHN_QKERAS, "held-out", io_type="io_stream", sparsity=0.5),
    "h4_conv2d_res_vivado2020": _d("input 28x28x3; conv2d 32 4x4 stride=4 padding=same", "tuning",
                                   strategy="resource"),
    "h4_conv2d_res_vitis2024": _d("input 28x28x3; conv2d 32 4x4 stride=4 padding=same", "tuning",
                                  strategy="resource"),
    "h4_dw2d_stream_vivado2020": _d("input 32x32x3; depthwise2d 3x3", "tuning", io_type="io_stream",
                                    precision="ap_fixed<32,12>"),
    "h4_dw2d_stream_vitis2024": _d("input 32x32x3; depthwise2d 3x3", "tuning", io_type="io_stream",
                                   precision="ap_fixed<32,12>"),
    "h4_dw1d_stream_vivado2020": _d("input 32x3; depthwise1d 3", "tuning", io_type="io_stream"),
    "h4_dw1d_stream_vitis2024": _d("input 32x3; depthwise1d 3", "tuning", io_type="io_stream"),
    "h4_dense_io_parallel_vivado2020": _d("input 1; dense 2; elu", "tuning"),
    "h4_dense_io_stream_vivado2020": _d("input 1; dense 2; elu", "tuning", io_type="io_stream"),
    "h4_dense_io_parallel_vitis2024": _d("input 1; dense 2; elu", "tuning"),
    "h4_dense_io_stream_vitis2024": _d("input 1; dense 2; elu", "tuning", io_type="io_stream"),
    "h4_dense_io_stream_vitis2020": _d("input 1; dense 2; elu", "held-out", io_type="io_stream"),
    "h4_act_relu_io_parallel_vitis2024": _d("input 1; dense 64; relu", "tuning"),
    "h4_act_relu_io_stream_vitis2024": _d("input 1; dense 64; relu", "tuning", io_type="io_stream"),
    "h4_act_relu_io_parallel_vivado2020": _d("input 1; dense 64; relu", "tuning"),
    "h4_act_sigmoid_io_parallel_vitis2024": _d("input 1; dense 64; sigmoid", "tuning"),
    "h4_act_sigmoid_io_stream_vivado2020": _d("input 1; dense 64; sigmoid", "tuning", io_type="io_stream"),
    "h4_testreport_dense16x5_z7020_hls": _d("input 16; dense 5; relu", "held-out", io_type="io_stream"),
}

SKIPPED: dict[str, str] = {
    "tut_p6_cnn_pruned50_vsynth": "post-synthesis utilisation; the model predicts csynth estimates",
    "tut_p6_cnn_qkeras6_pruned50_vsynth": "post-synthesis utilisation; the model predicts csynth estimates",
    "h4_testreport_dense16x5_z7020_vsynth": "post-synthesis utilisation; the model predicts csynth estimates",
    "3p_denoise_ae_pynq": "third-party firmware with a modified nnet_dense_resource.h; layer order partly inferred",
}


@dataclass(frozen=True)
class PointResult:
    """One design point: the model's figures next to the reported ones."""

    id: str
    tool: str
    role: str
    modeled: dict[str, float]
    reported: dict[str, float | None]

    def relative_error(self, figure: str) -> float | None:
        """|modeled - reported| / reported, or None when not reported or reported as 0."""
        reported = self.reported[figure]
        if reported is None or reported == 0:
            return None
        return abs(self.modeled[figure] - reported) / reported


@dataclass(frozen=True)
class ErrorSummary:
    """Relative errors of one figure over a set of points."""

    figure: str
    points: int
    median: float
    worst: float
    worst_id: str


def load_rows() -> list[dict[str, str]]:
    """The calibration CSV's rows (with their ``source`` column)."""
    with (data_dir("hls") / "calibration" / "fpga_calibration.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def model_point(row: dict[str, str]) -> DesignEstimate:
    """The model's estimate for one CSV row (which must be in :data:`DESIGNS`)."""
    design = DESIGNS[row["id"]]
    layers = layers_from_description(design.description, **design.options)
    return estimate(layers, get_part(row["part"].split()[0]), float(row["clock_ns"]))


def evaluate() -> list[PointResult]:
    """Every describable CSV row, modeled; rows neither in DESIGNS nor SKIPPED are a bug."""
    results = []
    for row in load_rows():
        if row["id"] in SKIPPED:
            continue
        if row["id"] not in DESIGNS:
            raise KeyError(f"calibration row {row['id']!r} is neither modeled nor listed as skipped")
        model = model_point(row)
        modeled = {column: float(getattr(model, attr)) for column, attr in FIGURES.items()}
        reported = {column: _number(row[column]) for column in FIGURES}
        results.append(PointResult(row["id"], row["tool_version"], DESIGNS[row["id"]].role, modeled, reported))
    return results


def summarize(results: list[PointResult]) -> list[ErrorSummary]:
    """Median and worst relative error per figure over ``results``."""
    out = []
    for figure in FIGURES:
        errors = [(err, r.id) for r in results if (err := r.relative_error(figure)) is not None]
        if errors:
            worst, worst_id = max(errors)
            out.append(ErrorSummary(figure, len(errors), statistics.median(e for e, _ in errors), worst, worst_id))
    return out
