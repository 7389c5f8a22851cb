"""cpu-numba: hand-written ``@njit(parallel=True)`` kernels (GEMM, direct conv2d, fused RNN cells).

Kernels are compiled at prepare time for the workload's dtypes (compile time never lands in a
timed sample; it is recorded in the notes), and constant weights are laid out once for the
kernels (GEMM's B is packed into column panels), as libraries do with constant weights.
float16 workloads compute in float32 and return float16.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Prepared, Support
from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.workload import Workload


class NumbaCpuBackend(BaseBackend):
    name = "cpu-numba"
    family = "cpu"

    def available(self) -> Availability:
        try:
            import numba
        except ImportError as exc:
            return Availability(False, f"numba is not installed ({exc})")
        return Availability(True, f"numba {numba.__version__}, {_config('NUMBA_NUM_THREADS')} threads")

    def supports(self, workload: Workload) -> Support:
        if isinstance(workload, GemmWorkload | Conv2dWorkload | RnnStepWorkload):
            return Support(True)
        if isinstance(workload, ModelWorkload):
            from accelbench.backends.sequential import lower_sequential

            _, reason = lower_sequential(workload.module(), self._compute_dtype(workload))
            return Support(not reason, f"cpu-numba: {reason}; use cpu-torch" if reason else "")
        return Support(False, f"cpu-numba does not lower {workload.kind}")

    def _compute_dtype(self, workload: Workload) -> Any:
        return np.float32 if workload.dtype == "float16" else workload.np_dtype

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        dtype = self._compute_dtype(workload)
        weights = {key: np.ascontiguousarray(value, dtype=dtype) for key, value in workload.weights().items()}
        handle: dict[str, Any] = {"dtype": dtype}
        notes = []
        if isinstance(workload, ModelWorkload):
            from accelbench.backends.numba_cpu.gemm import pack_b
            from accelbench.backends.sequential import lower_sequential

            ops, _ = lower_sequential(workload.module(), dtype)
            handle["ops"] = ops
            handle["packed"] = {id(op.a): (pack_b(op.a), op.a.shape[1]) for op in ops if op.a is not None
                                and op.kind == "dense"}
            notes.append("dense layers on the hand-written GEMM kernel (weights packed once)")
        elif isinstance(workload, GemmWorkload):
            from accelbench.backends.numba_cpu.gemm import pack_b

            b = weights["b"].T if workload.params["trans_b"] else weights["b"]
            handle["bp"] = pack_b(np.ascontiguousarray(b))
            notes.append("B packed into column panels once (constant weight)")
        else:
            handle.update(weights)
        if workload.dtype == "float16":
            notes.append("float16 inputs computed in float32, output rounded to float16")
        prepared = Prepared(workload, config, handle=handle, notes=notes)
        t0 = time.perf_counter()
        self.run(prepared, self.upload(prepared, workload.make_inputs(0, 1)))  # JIT-compile now
        notes.append(f"JIT compile + first call {time.perf_counter() - t0:.2f} s")
        return prepared

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        dtype = prepared.handle["dtype"]
        return tuple(x if x.dtype == dtype else x.astype(dtype) for x in inputs)

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        workload, h = prepared.workload, prepared.handle
        if isinstance(workload, ModelWorkload):
            from accelbench.backends.numba_cpu.gemm import gemm_packed
            from accelbench.backends.sequential import run_ops

            def matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
                packed, n = h["packed"][id(w)]
                return gemm_packed(np.ascontiguousarray(x)[None], packed, n)[0]

            return run_ops(h["ops"], device_inputs[0], matmul)
        if isinstance(workload, GemmWorkload):
            from accelbench.backends.numba_cpu.gemm import gemm_packed

            a = np.swapaxes(device_inputs[0], -1, -2) if workload.params["trans_a"] else device_inputs[0]
            return gemm_packed(a, h["bp"], workload.n)
        if isinstance(workload, Conv2dWorkload):
            from accelbench.backends.numba_cpu.conv2d import conv2d_direct

            p = workload.params
            x = np.pad(device_inputs[0], ((0, 0), (0, 0), (p["pad_h"], p["pad_h"]), (p["pad_w"], p["pad_w"])))
            return conv2d_direct(x, h["w"], p["stride_h"], p["stride_w"], *workload.out_hw)
        assert isinstance(workload, RnnStepWorkload)
        from accelbench.backends.numba_cpu import rnn

        x = device_inputs[0]
        xs = x[:, None, :] if workload.timesteps == 1 else x
        args = (h["w_ih"], h["w_hh"], h["b_ih"], h["b_hh"])
        if workload.cell == "vanilla":
            return rnn.vanilla_steps(xs, device_inputs[1], *args)
        if workload.cell == "lstm":
            return rnn.lstm_steps(xs, device_inputs[1], device_inputs[2], *args)
        return rnn.gru_steps(xs, device_inputs[1], *args)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output).astype(prepared.workload.np_dtype, copy=False)

    def device_info(self) -> dict[str, Any]:
        import numba

        from accelbench.results.environment import cpu_model

        return {"device": cpu_model(), "numba": numba.__version__, "threads": _config("NUMBA_NUM_THREADS"),
                "threading_layer": _config("THREADING_LAYER")}


def _config(name: str) -> Any:
    """A numba.config value (the module's attributes are set at import time, invisible to mypy)."""
    import numba

    return getattr(numba.config, name)
