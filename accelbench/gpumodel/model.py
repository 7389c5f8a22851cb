"""Predict one workload on one catalog GPU: latency with its range, the parts, power and energy.

Every figure here is *modeled*: nothing ran. The latency range is the prediction times the
fitted per-kind multipliers (fitted.toml ``[ranges]``; a network uses the widest range of the
kinds its layers are). Power is TDP x (IDLE_FRACTION + (1 - IDLE_FRACTION) x utilisation), with
utilisation = the ideal time (FLOPs at peak or bytes at full bandwidth, whichever is longer)
over the predicted latency; energy per item = power x latency / batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelbench.gpumodel.catalog import GpuSpec
from accelbench.gpumodel.fitted import IDLE_FRACTION, Fitted, load_fitted
from accelbench.gpumodel.pieces import PieceTable, evaluate
from accelbench.gpumodel.workloads import lower
from accelbench.workload import Workload


@dataclass(frozen=True)
class GpuEstimate:
    """Modeled figures of one workload at ``batch`` on ``gpu`` (seconds, W, J)."""

    gpu: GpuSpec
    batch: int
    latency_s: float
    latency_range_s: tuple[float, float]
    compute_s: float
    memory_s: float
    overhead_s: float
    utilisation: float
    power_w: float
    power_range_w: tuple[float, float]
    energy_j_per_item: float
    energy_range_j_per_item: tuple[float, float]
    kernels: int
    math_paths: tuple[str, ...]
    range_kinds: tuple[str, ...]


def _power(gpu: GpuSpec, utilisation: float) -> float:
    u = min(1.0, max(0.0, utilisation))
    return gpu.tdp_w * (IDLE_FRACTION + (1.0 - IDLE_FRACTION) * u)


def estimate(workload: Workload, batch: int, gpu: GpuSpec, fitted: Fitted | None = None) -> GpuEstimate:
    """The model's prediction for ``workload`` at ``batch`` on ``gpu``."""
    fitted = fitted or load_fitted()
    pieces, paths, kinds = lower(workload, batch, gpu)
    prediction = evaluate(PieceTable.build(pieces), fitted.constants)
    latency = float(prediction.latency_s[0])
    ideal = float(prediction.ideal_s[0])
    low = min(fitted.ranges[k][0] for k in kinds) * latency
    high = max(fitted.ranges[k][1] for k in kinds) * latency
    utilisation = min(1.0, ideal / latency) if latency > 0 else 0.0
    power = _power(gpu, utilisation)
    # Slower than predicted -> lower utilisation; faster -> higher.
    power_range = (_power(gpu, ideal / high), _power(gpu, ideal / low))
    energy_range = (_power(gpu, ideal / low) * low / batch, _power(gpu, ideal / high) * high / batch)
    return GpuEstimate(
        gpu=gpu, batch=batch, latency_s=latency, latency_range_s=(low, high),
        compute_s=float(prediction.compute_s[0]), memory_s=float(prediction.memory_s[0]),
        overhead_s=float(prediction.overhead_s[0]), utilisation=utilisation, power_w=power,
        power_range_w=power_range, energy_j_per_item=power * latency / batch,
        energy_range_j_per_item=(min(energy_range), max(energy_range)), kernels=len(pieces),
        math_paths=tuple(dict.fromkeys(path.label for path in paths)), range_kinds=tuple(kinds),
    )
