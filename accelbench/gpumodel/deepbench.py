"""DeepBench's published GPU kernel times (data/deepbench_*.csv) as pieces to fit and check on.

Each :class:`Sample` is one measured row: device (catalog key), kind (gemm / conv / rnn),
precision label, a short shape text and the measured forward time in seconds. Rows the model
does not describe are left out and counted (:func:`load_samples` returns the reasons).
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from accelbench.gpumodel.catalog import load_catalog
from accelbench.gpumodel.pieces import Piece, conv_piece, gemm_piece, rnn_piece

DATA_DIR = Path(__file__).resolve().parent / "data"
KINDS = ("gemm", "conv", "rnn")


@dataclass(frozen=True)
class Sample:
    device: str  # catalog key
    kind: str
    precision: str
    shape: str
    measured_s: float
    piece: Piece


def _int(row: dict[str, str], key: str) -> int:
    return int(float(row[key]))


def _rows(kind: str, data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / f"deepbench_{kind}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def load_samples(data_dir: Path = DATA_DIR) -> tuple[list[Sample], Counter[str]]:
    """Every usable GPU row as a Sample (``piece.item`` = its index), and why others were skipped."""
    catalog = load_catalog()
    samples: list[Sample] = []
    skipped: Counter[str] = Counter()
    for kind in KINDS:
        for row in _rows(kind, data_dir):
            gpu = catalog.by_deepbench(row["device"])
            time_key = "time_ms" if kind == "gemm" else "fwd_time_ms"
            if gpu is None:
                skipped["device not in the catalog"] += 1
                continue
            if not row.get(time_key):
                skipped["no forward time"] += 1
                continue
            measured = float(row[time_key]) * 1e-3
            if measured <= 0:
                skipped["non-positive time"] += 1
                continue
            item = len(samples)
            precision = row["precision"]
            if kind == "gemm":
                m, n, k = _int(row, "m"), _int(row, "n"), _int(row, "k")
                piece, _ = gemm_piece(item, gpu, precision, m, n, k)
                shape = f"{m}x{n}x{k}"
            elif kind == "conv":
                args = {"batch": _int(row, "n"), "c": _int(row, "c"), "h": _int(row, "h"), "w": _int(row, "w"),
                        "k": _int(row, "k"), "r": _int(row, "filter_h"), "s": _int(row, "filter_w"),
                        "stride_h": _int(row, "stride_h"), "stride_w": _int(row, "stride_w"),
                        "pad_h": _int(row, "pad_h"), "pad_w": _int(row, "pad_w")}
                if (args["h"] + 2 * args["pad_h"] < args["r"]) or (args["w"] + 2 * args["pad_w"] < args["s"]):
                    skipped["filter larger than the padded input"] += 1
                    continue
                piece, _ = conv_piece(item, gpu, precision, **args)
                shape = (f"N{args['batch']} C{args['c']} {args['h']}x{args['w']} K{args['k']} "
                         f"{args['r']}x{args['s']}/{args['stride_h']}")
            else:
                cell, hidden = row["cell"], _int(row, "hidden")
                batch, steps = _int(row, "batch"), _int(row, "timesteps")
                piece, _ = rnn_piece(item, gpu, precision, cell=cell, hidden=hidden, batch=batch, timesteps=steps)
                shape = f"{cell} h{hidden} b{batch} t{steps}"
            samples.append(Sample(gpu.key, kind, precision, shape, measured, piece))
    return samples, skipped
