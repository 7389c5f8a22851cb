"""What every CUDA backend shares: a GPU family, device-timed compute, real transfers, a GPU per task."""

from __future__ import annotations

from accelbench.backends.base import BaseBackend, Family, Timing


class CudaBackend(BaseBackend):
    """Base of gpu-torch, gpu-cupy and gpu-numba (they differ in lowering and in their event API)."""

    family: Family = "gpu"
    timing: Timing = "device"
    has_transfers = True
    resources = {"GPU": 1}  # noqa: RUF012 - read-only class default
