"""A user's own kernel as an accelbench backend, loaded with ``--plugin``.

    accelbench run gemm:m=256,n=256,k=256 --plugin examples/user_kernel_plugin.py \\
        --backends my-numba-gemm,cpu-numpy,cpu-numba

accelbench checks its output against the float64 reference and measures it with the same
methodology as every built-in backend. A lowering per workload kind, in ``lowerings``; the
lowering returns a ``Prepared`` whose ``call`` computes one query from the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numba
import numpy as np

from accelbench.backends.base import BaseBackend, Prepared
from accelbench.workload import Workload


@numba.njit(parallel=True, fastmath=False, cache=False)
def _gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # (batch, m, k) @ (k, n)
    batch, m, k = a.shape
    n = b.shape[1]
    out = np.zeros((batch, m, n), dtype=a.dtype)
    for i in range(batch):
        for r in numba.prange(m):
            for p in range(k):
                aval = a[i, r, p]
                for j in range(n):
                    out[i, r, j] += aval * b[p, j]
    return out


def _lower_gemm(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    if workload.params["trans_a"] or workload.params["trans_b"]:
        raise ValueError("this example kernel does not transpose")
    b = np.ascontiguousarray(workload.weights()["b"])
    _gemm(np.zeros((1, 1, b.shape[0]), dtype=b.dtype), b)  # compile before timing
    return Prepared(workload, config, call=lambda a: _gemm(np.ascontiguousarray(a), b),
                    notes=["user kernel: naive row-parallel Numba GEMM"])


class MyNumbaGemm(BaseBackend):
    name = "my-numba-gemm"
    family = "cpu"
    lowerings = {"gemm": _lower_gemm}  # noqa: RUF012
