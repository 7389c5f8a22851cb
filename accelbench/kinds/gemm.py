"""GEMM: ``out[b] = op(a[b]) @ op(B)`` with a batched activation and a constant weight matrix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelbench.errors import UserError
from accelbench.workload import (
    TensorSpec,
    Workload,
    check_known,
    require_bool,
    require_dtype,
    require_int,
    require_rtol,
)

_KNOWN = ("m", "n", "k", "dtype", "trans_a", "trans_b", "batch", "rtol")
_MAX_ELEMENTS = 2**31 - 1


@dataclass(frozen=True, eq=False)
class GemmWorkload(Workload):
    kind: str = field(init=False, default="gemm")

    @classmethod
    def from_params(cls, params: dict[str, Any], name: str | None = None) -> GemmWorkload:
        check_known("gemm", params, _KNOWN)
        m, n, k = (require_int(params, key) for key in ("m", "n", "k"))
        if max(m * k, k * n, m * n) > _MAX_ELEMENTS:
            raise UserError(f"gemm m={m} n={n} k={k} has an operand over 2^31 elements")
        norm: dict[str, Any] = {
            "m": m,
            "n": n,
            "k": k,
            "dtype": require_dtype(params),
            "trans_a": require_bool(params, "trans_a"),
            "trans_b": require_bool(params, "trans_b"),
        }
        if "batch" in params:
            norm["batch"] = require_int(params, "batch")
        rtol = require_rtol(params)
        if rtol is not None:
            norm["rtol"] = rtol
        return cls(name=name or f"gemm-{m}x{n}x{k}-{norm['dtype']}", params=norm)

    @property
    def m(self) -> int:
        return int(self.params["m"])

    @property
    def n(self) -> int:
        return int(self.params["n"])

    @property
    def k(self) -> int:
        return int(self.params["k"])

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        shape = (self.k, self.m) if self.params["trans_a"] else (self.m, self.k)
        return (TensorSpec("a", shape, self.dtype),)

    @property
    def weight_specs(self) -> tuple[TensorSpec, ...]:
        shape = (self.n, self.k) if self.params["trans_b"] else (self.k, self.n)
        return (TensorSpec("b", shape, self.dtype, role="weight", batched=False),)

    def _fan_in(self, spec: TensorSpec) -> int:
        return self.k

    def output_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, self.m, self.n)

    def flops(self, batch: int) -> int:
        return 2 * batch * self.m * self.n * self.k

    def operands(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views of ``a`` (batch, m, k) and ``b`` (k, n) with the transposes applied."""
        a_op = np.swapaxes(a, -1, -2) if self.params["trans_a"] else a
        b_op = b.T if self.params["trans_b"] else b
        return a_op, b_op

    def reference(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        (a,) = inputs
        a_op, b_op = self.operands(a.astype(np.float64), self.weights()["b"].astype(np.float64))
        return np.matmul(a_op, b_op)
