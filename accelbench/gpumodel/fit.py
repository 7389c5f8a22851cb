"""Fit the model's constants on DeepBench ``fit`` devices and score fit and held-out devices.

* Residual of a row: ``log(predicted / measured)``, weighted so every (device, kind, precision)
  group counts the same whatever its row count; a soft-L1 loss keeps a few odd library choices
  from pulling the constants (scipy.optimize.least_squares over log-constants within bounds).
* Ranges: per kind, the 5th and 95th percentiles of ``measured / predicted`` over the fit rows;
  a prediction's range is ``[predicted x low, predicted x high]``.
* Scores per (device, kind): median and worst relative error ``|predicted - measured| / measured``
  and the share of rows whose measured time lies inside the range.

Whole devices are held out (:data:`HELD_OUT`): nothing of theirs is seen by the fit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from accelbench.gpumodel.deepbench import KINDS, Sample
from accelbench.gpumodel.equations import EFF_CLASSES, Constants
from accelbench.gpumodel.pieces import PieceTable, evaluate

#: Devices kept out of fitting (catalog keys): the P100 is the only GP100 (HBM2) part in DeepBench.
HELD_OUT: tuple[str, ...] = ("P100",)
#: Percentiles of measured / predicted on fit rows that bound a prediction.
RANGE_PERCENTILES = (5.0, 95.0)

#: Bounds of each constant during the fit (same order as Constants fields).
BOUNDS: dict[str, tuple[float, float]] = {
    "launch_s": (1e-6, 30e-6), "eff_fp32": (0.3, 1.0), "eff_tensor": (0.2, 1.0), "eff_int8": (0.2, 1.0),
    "a0": (1.0, 256.0), "k0": (1.0, 512.0), "bw_eff": (0.3, 1.0), "l2_share": (0.05, 1.0),
    "conv_eff": (0.3, 1.5), "wino_gain": (1.0, 4.0), "rnn_step_s": (0.5e-6, 100e-6), "l2_speed": (1.0, 10.0),
    "amd_eff": (0.3, 1.5),
}


@dataclass(frozen=True)
class Score:
    """Error of one group of rows: counts, median/worst relative error, share inside the range."""

    device: str
    kind: str
    role: str  # "fit" or "held-out"
    n: int
    median_rel: float
    worst_rel: float
    inside: float


@dataclass(frozen=True)
class FitResult:
    constants: Constants
    ranges: dict[str, tuple[float, float]]
    scores: list[Score]
    held_out: tuple[str, ...]
    n_fit: int
    n_held_out: int


def _weights(samples: list[Sample]) -> np.ndarray:
    groups: dict[tuple[str, str, str], int] = defaultdict(int)
    for s in samples:
        groups[(s.device, s.kind, s.precision)] += 1
    return np.array([1.0 / np.sqrt(groups[(s.device, s.kind, s.precision)]) for s in samples])


def _table(samples: list[Sample]) -> PieceTable:
    from dataclasses import replace

    return PieceTable.build([replace(s.piece, item=i) for i, s in enumerate(samples)])


def _unseen(samples: list[Sample]) -> dict[str, str]:
    """Constants no fit row depends on -> the constant they are tied to (``""``: keep the start value).

    Without tensor-core (or int8) rows, that efficiency would wander freely; it is tied to the fp32
    efficiency instead, the prior for a math path the data never showed. Without AMD rows the
    vendor factor stays at its start."""
    classes = {int(s.piece.eff_class) for s in samples}
    tied: dict[str, str] = {}
    if EFF_CLASSES.index("tensor") not in classes:
        tied["eff_tensor"] = "eff_fp32"
    if EFF_CLASSES.index("int8") not in classes:
        tied["eff_int8"] = "eff_fp32"
    if not any(s.piece.amd > 0 for s in samples):
        tied["amd_eff"] = ""
    return tied


def fit_constants(samples: list[Sample], start: Constants | None = None, max_nfev: int = 200) -> Constants:
    """Least-squares fit of the constants on ``samples`` (log space, soft-L1, bounded); constants
    the rows cannot inform are tied (:func:`_unseen`)."""
    from scipy.optimize import least_squares

    names = Constants.names()
    tied = _unseen(samples)
    free = [i for i, name in enumerate(names) if name not in tied]
    table = _table(samples)
    measured = np.log(np.array([s.measured_s for s in samples]))
    weights = _weights(samples)
    lower = np.log([BOUNDS[n][0] for n in names])
    upper = np.log([BOUNDS[n][1] for n in names])
    full = np.clip(np.log((start or Constants()).as_array()), lower + 1e-9, upper - 1e-9)

    def expand(x: np.ndarray) -> Constants:
        values = np.exp(full.copy())
        values[free] = np.exp(x)
        for name, source in tied.items():
            if source:
                values[names.index(name)] = values[names.index(source)]
        return Constants.from_array(values)

    def residuals(x: np.ndarray) -> np.ndarray:
        return (np.log(evaluate(table, expand(x)).latency_s) - measured) * weights

    result = least_squares(residuals, full[free], bounds=(lower[free], upper[free]), loss="soft_l1", f_scale=0.1,
                           max_nfev=max_nfev, x_scale=1.0, diff_step=1e-3)
    return expand(result.x)


def predict(samples: list[Sample], constants: Constants) -> np.ndarray:
    """Predicted seconds per sample."""
    return evaluate(_table(samples), constants).latency_s


def fit_ranges(samples: list[Sample], predicted: np.ndarray) -> dict[str, tuple[float, float]]:
    """Per kind, percentiles of measured / predicted (the multiplicative range of a prediction)."""
    ratio = np.array([s.measured_s for s in samples]) / predicted
    kinds = np.array([s.kind for s in samples])
    out: dict[str, tuple[float, float]] = {}
    for kind in KINDS:
        values = ratio[kinds == kind]
        if len(values):
            low, high = np.percentile(values, RANGE_PERCENTILES)
            out[kind] = (float(low), float(high))
    return out


def score(samples: list[Sample], predicted: np.ndarray, ranges: dict[str, tuple[float, float]],
          held_out: tuple[str, ...]) -> list[Score]:
    """Scores per (device, kind), fit devices first, then held-out ones."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, s in enumerate(samples):
        groups[(s.device, s.kind)].append(index)
    out: list[Score] = []
    for (device, kind), rows in groups.items():
        measured = np.array([samples[i].measured_s for i in rows])
        pred = predicted[rows]
        rel = np.abs(pred - measured) / measured
        low, high = ranges[kind]
        inside = (measured >= pred * low) & (measured <= pred * high)
        role = "held-out" if device in held_out else "fit"
        out.append(Score(device, kind, role, len(rows), float(np.median(rel)), float(rel.max()),
                         float(inside.mean())))
    out.sort(key=lambda sc: (sc.role == "held-out", sc.device, KINDS.index(sc.kind)))
    return out


def pooled(samples: list[Sample], predicted: np.ndarray, ranges: dict[str, tuple[float, float]],
           devices: tuple[str, ...], kind: str) -> Score:
    """One score over every row of ``kind`` on ``devices``."""
    rows = [i for i, s in enumerate(samples) if s.device in devices and s.kind == kind]
    measured = np.array([samples[i].measured_s for i in rows])
    pred = predicted[rows]
    rel = np.abs(pred - measured) / measured
    low, high = ranges[kind]
    inside = (measured >= pred * low) & (measured <= pred * high)
    return Score("+".join(devices), kind, "held-out", len(rows), float(np.median(rel)), float(rel.max()),
                 float(inside.mean()))


def run_fit(samples: list[Sample], held_out: tuple[str, ...] = HELD_OUT, max_nfev: int = 200,
            start: Constants | None = None) -> FitResult:
    """Fit on every device but ``held_out``; ranges from the fit rows; scores on all rows."""
    fit_rows = [s for s in samples if s.device not in held_out]
    constants = fit_constants(fit_rows, start=start, max_nfev=max_nfev)
    predicted = predict(samples, constants)
    fit_mask = np.array([s.device not in held_out for s in samples])
    ranges = fit_ranges(fit_rows, predicted[fit_mask])
    return FitResult(constants, ranges, score(samples, predicted, ranges, held_out), held_out,
                     int(fit_mask.sum()), int((~fit_mask).sum()))
