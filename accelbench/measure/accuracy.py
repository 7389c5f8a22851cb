"""Accuracy on the user's data, beside speed: what a precision or a lowering costs in results.

For a model workload fed with ``--data`` (:meth:`ModelWorkload.with_dataset`), every row of the
dataset goes through the backend (in chunks of the measurement's batch) and through the float64
reference. The result, stored as ``Measurement.accuracy``:

* ``metric``/``value``: ``top1`` (fraction of rows whose argmax equals the integer label) for
  classifiers with labels, ``mse`` (mean squared error against float targets, with ``psnr_db``
  when the targets' range is known) for regression; ``reference_value`` is the same metric of the
  float64 reference, so the cost of the lowering is the difference;
* ``agreement``: ``argmax`` (fraction of rows classified as the reference does; classifiers) and
  ``max_rel_error`` (max |out - ref| over max |ref|) against the float64 reference, labels or not;
* ``n``: rows evaluated; ``below_floor``: true when ``--min-accuracy`` (top-1) was not met (such
  a result is never a winner, see :func:`accelbench.results.rank.rankable`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accelbench.backends.base import Backend, Prepared
from accelbench.kinds.model import ModelWorkload


def _outputs(backend: Backend, prepared: Prepared, x: np.ndarray, batch: int) -> np.ndarray:
    chunks = []
    for start in range(0, x.shape[0], batch):
        rows = x[start:start + batch]
        out = backend.run(prepared, backend.upload(prepared, (rows,)))
        backend.synchronize()
        chunks.append(np.asarray(backend.download(prepared, out), dtype=np.float64))
    return np.concatenate(chunks, axis=0)


def evaluate(backend: Backend, prepared: Prepared, workload: ModelWorkload, batch: int,
             min_accuracy: float | None = None) -> dict[str, Any]:
    """Accuracy and agreement of ``backend`` on the workload's dataset (see the module docstring)."""
    dataset = workload.dataset
    assert dataset is not None
    x = dataset.x.astype(workload.np_dtype)
    out = _outputs(backend, prepared, x, batch)
    ref = np.concatenate([workload.reference((x[i:i + batch],)) for i in range(0, x.shape[0], batch)], axis=0)
    scale = float(np.max(np.abs(ref))) or 1.0
    agreement: dict[str, Any] = {"max_rel_error": float(np.max(np.abs(out - ref))) / scale}
    classifier = workload.is_classifier and out.ndim == 2 and out.shape[1] > 1
    if classifier:
        agreement["argmax"] = float(np.mean(out.argmax(axis=1) == ref.argmax(axis=1)))
    result: dict[str, Any] = {"n": int(x.shape[0]), "agreement": agreement, "metric": None, "value": None}
    y = dataset.y
    if y is not None and classifier and y.dtype.kind in "iub":
        labels = y.reshape(-1).astype(np.int64)
        result.update(metric="top1", value=float(np.mean(out.argmax(axis=1) == labels)),
                      reference_value=float(np.mean(ref.argmax(axis=1) == labels)))
        if min_accuracy is not None:
            result["min_accuracy"] = min_accuracy
            result["below_floor"] = result["value"] < min_accuracy
    elif y is not None and y.shape == out.shape:
        target = y.astype(np.float64)
        mse = float(np.mean((out - target) ** 2))
        result.update(metric="mse", value=mse, reference_value=float(np.mean((ref - target) ** 2)))
        peak = float(np.max(target) - np.min(target))
        if mse > 0 and peak > 0:
            result["psnr_db"] = 10.0 * math.log10(peak**2 / mse)
    elif y is not None:
        result["note"] = f"labels of shape {tuple(y.shape)} match neither class indices nor the output {out.shape}"
    return result
