"""Compare a backend's output with the float64 reference."""

from __future__ import annotations

import numpy as np

from accelbench.results.record import ErrorMetrics


def compare(
    output: np.ndarray, reference: np.ndarray, rtol: float, classifier: bool = False
) -> tuple[ErrorMetrics | None, str]:
    """Error metrics and the reason the output fails (empty string when it passes).

    ``rel`` is the max absolute error over the reference's max magnitude, so it is scale-free
    and robust to near-zero elements. Classifiers also get the fraction of rows whose argmax
    agrees with the reference's (a fixed-point design can be within tolerance yet flip a class,
    or outside it yet classify every row the same).
    """
    out = np.asarray(output)
    if out.shape != reference.shape:
        return None, f"output shape {out.shape} differs from the reference shape {reference.shape}"
    out64 = out.astype(np.float64)
    if not np.all(np.isfinite(out64)):
        bad = int(np.size(out64) - np.count_nonzero(np.isfinite(out64)))
        return None, f"output has {bad} non-finite values (NaN or inf)"
    diff = np.abs(out64 - reference)
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    max_abs = float(diff.max()) if diff.size else 0.0
    rel = max_abs / scale if scale > 0 else max_abs
    agreement = None
    if classifier and reference.ndim >= 2:
        agreement = float(np.mean(out64.argmax(axis=-1) == reference.argmax(axis=-1)))
    metrics = ErrorMetrics(
        max_abs=max_abs, rel=rel, mean_abs=float(diff.mean()) if diff.size else 0.0,
        rtol=rtol, argmax_agreement=agreement,
    )
    if rel > rtol:
        return metrics, f"relative error {rel:.3g} exceeds tolerance {rtol:.3g} (max abs {max_abs:.3g})"
    return metrics, ""
