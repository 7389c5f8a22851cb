"""Memory a measurement needs, estimated before anything is allocated, and the check against it.

``gemm:m=46000,n=46000,k=46000`` or ``--batch 3000000000`` used to run until the process ran out
of memory (minutes, gigabytes, then a MemoryError and a lost record). The estimate counts what a
measurement holds at its peak, the correctness check: the inputs, the weights and the backend's
output in the workload's dtype, plus the float64 reference (float64 copies of inputs and weights
and the float64 output). It is a lower bound (a backend's workspace, e.g. an im2col buffer, comes
on top). Arithmetic is on Python integers, so absurd sizes cannot overflow into small numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from accelbench.errors import UserError
from accelbench.workload import DTYPES, Workload

REFERENCE_ITEMSIZE = 8  # float64


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a measurement holds at its peak, by part."""

    inputs_b: int
    weights_b: int
    output_b: int
    reference_b: int

    @property
    def total_b(self) -> int:
        return self.inputs_b + self.weights_b + self.output_b + self.reference_b


def _elements(shape: Iterable[int]) -> int:
    return math.prod(int(d) for d in shape)


def estimate(workload: Workload, batch: int) -> MemoryEstimate:
    """The peak memory of measuring ``workload`` at ``batch`` (see the module docstring)."""
    itemsize = np.dtype(DTYPES[workload.dtype]).itemsize
    input_elems = sum(_elements(spec.shape_for(batch)) for spec in workload.inputs)
    output_elems = _elements(workload.output_shape(batch))
    if workload.weight_specs:
        weight_elems = sum(_elements(spec.shape) for spec in workload.weight_specs)
    else:  # model workloads keep their weights in a torch module: what remains of bytes_moved
        moved = workload.bytes_moved(batch) // itemsize
        weight_elems = max(0, moved - input_elems - output_elems)
    return MemoryEstimate(
        inputs_b=input_elems * itemsize,
        weights_b=weight_elems * itemsize,
        output_b=output_elems * itemsize,
        reference_b=(input_elems + weight_elems + output_elems) * REFERENCE_ITEMSIZE,
    )


def available_b() -> int:
    """Memory available to a new allocation now (psutil's ``available``), bytes."""
    import psutil

    return int(psutil.virtual_memory().available)


def human_bytes(n: int) -> str:
    """``1536`` -> ``1.5 KiB``; binary units up to EiB, then powers of ten of EiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024:
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.3g} EiB"


def check_fits(workload: Workload, batch: int, limit_b: int | None = None) -> None:
    """A UserError with the estimate and the limit when ``workload`` at ``batch`` cannot fit.

    ``limit_b`` defaults to :func:`available_b`. ``--allow-large`` skips this check.
    """
    need = estimate(workload, batch)
    limit = available_b() if limit_b is None else limit_b
    if need.total_b > limit:
        raise UserError(
            f"{workload.name} at batch {batch} needs at least {human_bytes(need.total_b)} of memory "
            f"(inputs {human_bytes(need.inputs_b)}, weights {human_bytes(need.weights_b)}, output "
            f"{human_bytes(need.output_b)}, float64 reference {human_bytes(need.reference_b)}), more than "
            f"the {human_bytes(limit)} available: use a smaller size or batch, or pass --allow-large"
        )
