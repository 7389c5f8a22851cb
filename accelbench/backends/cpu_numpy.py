"""cpu-numpy: NumPy (OpenBLAS) lowerings in the workload's own dtype.

The float64 reference lives in the Workload; this backend computes in float16/32/64 as asked,
so its error against the reference is real rounding error, not zero by construction. One lowering
per kind in :attr:`NumpyBackend.lowerings`; each hands the runner a bound callable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import BaseBackend, Prepared, Support
from accelbench.kinds.conv2d import Conv2dWorkload, conv2d_nchw
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload, run_cell
from accelbench.workload import Workload


def _lower_gemm(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    assert isinstance(workload, GemmWorkload)
    b = workload.weights()["b"]

    def gemm(a: np.ndarray) -> np.ndarray:
        a_op, b_op = workload.operands(a, b)
        return np.matmul(a_op, b_op)

    return Prepared(workload, config, call=gemm)


def _lower_conv2d(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    assert isinstance(workload, Conv2dWorkload)
    p, w = workload.params, workload.weights()["w"]
    stride, pad = (p["stride_h"], p["stride_w"]), (p["pad_h"], p["pad_w"])
    return Prepared(workload, config, call=lambda x: conv2d_nchw(x, w, stride, pad))


def _lower_rnn(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    assert isinstance(workload, RnnStepWorkload)
    weights = workload.weights()
    return Prepared(workload, config, call=lambda *xs: run_cell(workload.cell, xs, weights))


def _lower_model(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.backends.sequential import lower_sequential, run_ops

    ops, _ = lower_sequential(workload.module(), workload.np_dtype)  # type: ignore[attr-defined]
    return Prepared(workload, config, call=lambda x: run_ops(ops, x, np.matmul),
                    notes=["network lowered to NumPy matmuls"])


class NumpyBackend(BaseBackend):
    name = "cpu-numpy"
    family = "cpu"
    lowerings = {"gemm": _lower_gemm, "conv2d": _lower_conv2d, "rnn_step": _lower_rnn,  # noqa: RUF012
                 "model": _lower_model}

    def supports(self, workload: Workload) -> Support:
        support = super().supports(workload)
        if support.ok and isinstance(workload, ModelWorkload):
            from accelbench.backends.sequential import lower_sequential

            _, reason = lower_sequential(workload.module(), workload.np_dtype)
            return Support(not reason, f"cpu-numpy: {reason}; use cpu-torch" if reason else "")
        return support

    def device_info(self) -> dict[str, Any]:
        from accelbench.results.environment import blas_info, cpu_model

        return {"device": cpu_model(), "blas": blas_info().get("name", "")}
