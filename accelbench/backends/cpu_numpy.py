"""cpu-numpy: NumPy (OpenBLAS) lowerings in the workload's own dtype.

The float64 reference lives in the Workload; this backend computes in float16/32/64 as asked,
so its error against the reference is real rounding error, not zero by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import BaseBackend, Prepared, Support
from accelbench.kinds.conv2d import Conv2dWorkload, conv2d_nchw
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload, cell_step
from accelbench.workload import Workload


class NumpyBackend(BaseBackend):
    name = "cpu-numpy"
    family = "cpu"

    def supports(self, workload: Workload) -> Support:
        if isinstance(workload, GemmWorkload | Conv2dWorkload | RnnStepWorkload):
            return Support(True)
        if isinstance(workload, ModelWorkload):
            from accelbench.backends.sequential import lower_sequential

            _, reason = lower_sequential(workload.module(), workload.np_dtype)
            return Support(not reason, f"cpu-numpy: {reason}; use cpu-torch" if reason else "")
        return Support(False, f"cpu-numpy does not lower {workload.kind}")

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        if isinstance(workload, ModelWorkload):
            from accelbench.backends.sequential import lower_sequential

            ops, _ = lower_sequential(workload.module(), workload.np_dtype)
            return Prepared(workload, config, handle=ops, notes=["network lowered to NumPy matmuls"])
        return Prepared(workload, config, handle=workload.weights())

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        workload, weights = prepared.workload, prepared.handle
        if isinstance(workload, ModelWorkload):
            from accelbench.backends.sequential import run_ops

            return run_ops(weights, device_inputs[0], np.matmul)
        if isinstance(workload, GemmWorkload):
            a_op, b_op = workload.operands(device_inputs[0], weights["b"])
            return np.matmul(a_op, b_op)
        if isinstance(workload, Conv2dWorkload):
            p = workload.params
            return conv2d_nchw(
                device_inputs[0], weights["w"], (p["stride_h"], p["stride_w"]), (p["pad_h"], p["pad_w"])
            )
        assert isinstance(workload, RnnStepWorkload)
        x, h = device_inputs[0], device_inputs[1]
        c = device_inputs[2] if workload.cell == "lstm" else None
        steps = [x] if workload.timesteps == 1 else [x[:, t] for t in range(workload.timesteps)]
        for xt in steps:
            h, c = cell_step(workload.cell, xt, h, c, weights)
        return h

    def device_info(self) -> dict[str, Any]:
        from accelbench.results.environment import blas_info, cpu_model

        return {"device": cpu_model(), "blas": blas_info().get("name", "")}
