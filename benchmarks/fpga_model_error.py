"""The analytical FPGA model against published hls4ml synthesis results (hls/calibration/fpga_calibration.csv).

Each design point the model can describe is rebuilt as LayerSpecs from its architecture column
(a hand-written table below, keyed by the CSV id); points the model cannot describe yet
(depthwise, pruned/quantised CNNs, third-party modified firmware, post-synthesis rows) are
listed as skipped with the reason. Prints per-point figures and, per figure, the median and worst
relative error |model - reported| / reported. No constant was fitted to the Vitis rows; the
jet-tagger rows (Vivado HLS 2019.2) were used to pick LUT_PER_DSP_MULT and FF_PER_MULT.

Run: .venv/bin/python benchmarks/fpga_model_error.py
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

from accelbench.fpga.layers import LayerSpec
from accelbench.fpga.model import estimate
from accelbench.fpga.parts import get_part

CSV = Path(__file__).resolve().parents[1] / "hls" / "calibration" / "fpga_calibration.csv"
FIGURES = ("latency_cycles_worst", "interval", "dsp", "lut", "ff", "bram18k")


def _dense(n_in: int, n_out: int, rf: int = 1, strategy: str = "latency", io: str = "io_parallel") -> LayerSpec:
    return LayerSpec("dense", "dense", n_in, n_out, n_in * n_out, reuse_factor=rf, strategy=strategy, io_type=io)


def _act(n: int, fn: str, io: str = "io_parallel") -> LayerSpec:
    return LayerSpec(fn, "softmax" if fn == "softmax" else "activation", n, n, activation=fn, io_type=io)


def _jet(rf: int) -> list[LayerSpec]:
    return [_dense(16, 64, rf), _act(64, "relu"), _dense(64, 32, rf), _act(32, "relu"), _dense(32, 32, rf),
            _act(32, "relu"), _dense(32, 5, rf), _act(5, "softmax")]


def _conv_4x4_s4(strategy: str) -> list[LayerSpec]:
    return [LayerSpec("conv", "conv2d", 3 * 16, 32, 3 * 16 * 32, positions=49, in_positions=28 * 28,
                      strategy=strategy, io_type="io_parallel")]


DESIGNS: dict[str, list[LayerSpec]] = {
    "tut_p2_vhls2019_rf1": _jet(1),
    "tut_p2_vhls2019_rf2": _jet(2),
    "tut_p4_vhls2019_ku115_baseline": _jet(1),
    "h4_conv2d_res_vivado2020": _conv_4x4_s4("resource"),
    "h4_conv2d_res_vitis2024": _conv_4x4_s4("resource"),
    "h4_dense_io_parallel_vivado2020": [_dense(1, 2), _act(2, "elu")],
    "h4_dense_io_parallel_vitis2024": [_dense(1, 2), _act(2, "elu")],
    "h4_dense_io_stream_vivado2020": [_dense(1, 2, io="io_stream"), _act(2, "elu", "io_stream")],
    "h4_dense_io_stream_vitis2024": [_dense(1, 2, io="io_stream"), _act(2, "elu", "io_stream")],
    "h4_act_relu_io_parallel_vitis2024": [_dense(1, 64), _act(64, "relu")],
    "h4_act_relu_io_parallel_vivado2020": [_dense(1, 64), _act(64, "relu")],
    "h4_act_relu_io_stream_vitis2024": [_dense(1, 64, io="io_stream"), _act(64, "relu", "io_stream")],
    "h4_act_sigmoid_io_parallel_vitis2024": [_dense(1, 64), _act(64, "sigmoid")],
    "h4_act_sigmoid_io_stream_vivado2020": [_dense(1, 64, io="io_stream"), _act(64, "sigmoid", "io_stream")],
    "h4_testreport_dense16x5_z7020_hls": [_dense(16, 5, io="io_stream"), _act(5, "relu", "io_stream")],
}


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def main() -> None:
    rows = list(csv.DictReader(CSV.open()))
    errors: dict[str, list[float]] = {figure: [] for figure in FIGURES}
    print("| id | tool | latency m/r | II m/r | DSP m/r | LUT m/r | FF m/r | BRAM m/r |")
    print("|---|---|---|---|---|---|---|---|")
    skipped = []
    for row in rows:
        layers = DESIGNS.get(row["id"])
        if layers is None:
            skipped.append(row["id"])
            continue
        part = get_part(row["part"].split()[0])
        design = estimate(layers, part, float(row["clock_ns"]))
        modeled = {"latency_cycles_worst": design.latency_cycles, "interval": design.ii_cycles, "dsp": design.dsp,
                   "lut": design.lut, "ff": design.ff, "bram18k": design.bram18k}
        cells = []
        for figure in FIGURES:
            reported = _num(row[figure])
            cells.append(f"{modeled[figure]}/{row[figure] or '-'}")
            if reported:
                errors[figure].append(abs(modeled[figure] - reported) / reported)
        print(f"| {row['id']} | {row['tool_version']} | " + " | ".join(cells) + " |")
    print()
    print("| figure | points | median relative error | worst relative error |")
    print("|---|---|---|---|")
    for figure, values in errors.items():
        if values:
            print(f"| {figure} | {len(values)} | {statistics.median(values):.0%} | {max(values):.0%} |")
    print()
    print(f"Skipped (not yet describable by the model or post-synthesis rows): {', '.join(skipped)}")


if __name__ == "__main__":
    main()
