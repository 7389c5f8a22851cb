"""cpu-numba: hand-written ``@njit(parallel=True)`` kernels (GEMM, implicit-GEMM conv2d, fused RNN cells).

Kernels are compiled at prepare time for the workload's dtypes (compile time never lands in a
timed sample; it is recorded in the notes), and constant weights are laid out once for the
kernels (GEMM's B into column panels, conv filters into row micro-panels, RNN gate weights
interleaved per hidden unit), as libraries do with constant weights. All three share one
register-blocked micro-kernel (accelbench/backends/numba_cpu/microkernel.py).
float16 workloads compute in float32 and return float16. One lowering per kind in
:attr:`NumbaCpuBackend.lowerings`, each handing the runner a bound callable.
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


def _compute_dtype(workload: Workload) -> Any:
    return np.float32 if workload.dtype == "float16" else workload.np_dtype


def _weights(workload: Workload) -> dict[str, np.ndarray]:
    dtype = _compute_dtype(workload)
    return {key: np.ascontiguousarray(value, dtype=dtype) for key, value in workload.weights().items()}


def _lower_gemm(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.backends.numba_cpu.gemm import gemm, pack

    assert isinstance(workload, GemmWorkload)
    b = _weights(workload)["b"]
    packed = pack(np.ascontiguousarray(b.T if workload.params["trans_b"] else b))
    trans_a = bool(workload.params["trans_a"])

    def call(a: np.ndarray) -> np.ndarray:
        return gemm(np.swapaxes(a, -1, -2) if trans_a else a, packed)

    note = ("B packed into column panels once (constant weight)" if packed.panels is not None
            else f"n = {workload.n} < 8: B packed once as rows of B^T; dot products over rows of A")
    return Prepared(workload, config, call=call, notes=[note])


def _lower_conv2d(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.backends.numba_cpu.conv2d import conv2d, pack_filters

    assert isinstance(workload, Conv2dWorkload)
    p = workload.params
    w = _weights(workload)["w"]
    wp = pack_filters(w)
    k, r, s = w.shape[0], w.shape[2], w.shape[3]
    stride, pad, out_hw = (p["stride_h"], p["stride_w"]), (p["pad_h"], p["pad_w"]), workload.out_hw

    def conv(x: np.ndarray) -> np.ndarray:
        return conv2d(x, wp, k, r, s, stride, pad, out_hw)

    return Prepared(workload, config, call=conv,
                    notes=["implicit GEMM: filters packed once into micro-panels, input tiles packed per call"])


def _lower_rnn(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.backends.numba_cpu.rnn import pack_cell, run_cell

    assert isinstance(workload, RnnStepWorkload)
    h = _weights(workload)
    cell = workload.cell
    packed = pack_cell(cell, h["w_ih"], h["w_hh"], h["b_ih"], h["b_hh"])
    single = workload.timesteps == 1

    def step(x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None = None) -> np.ndarray:
        return run_cell(cell, x[:, None, :] if single else x, h0, c0, packed)

    return Prepared(workload, config, call=step,
                    notes=["gate GEMMs fused: weights packed once with the gates of each unit side by side"])


def _lower_model(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.backends.numba_cpu.gemm import gemm, pack
    from accelbench.backends.sequential import lower_sequential, run_ops

    assert isinstance(workload, ModelWorkload)
    ops, _ = lower_sequential(workload.module(), _compute_dtype(workload))
    packed = {id(op.a): pack(op.a) for op in ops if op.a is not None and op.kind == "dense"}

    def matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return gemm(np.ascontiguousarray(x)[None], packed[id(w)])[0]

    return Prepared(workload, config, call=lambda x: run_ops(ops, x, matmul),
                    notes=["dense layers on the hand-written GEMM kernel (weights packed once)"])


class NumbaCpuBackend(BaseBackend):
    name = "cpu-numba"
    family = "cpu"
    lowerings = {"gemm": _lower_gemm, "conv2d": _lower_conv2d, "rnn_step": _lower_rnn,  # noqa: RUF012
                 "model": _lower_model}

    def available(self) -> Availability:
        try:
            import numba
        except ImportError as exc:
            return Availability(False, f"numba is not installed ({exc})")
        return Availability(True, f"numba {numba.__version__}, {_config('NUMBA_NUM_THREADS')} threads")

    def supports(self, workload: Workload) -> Support:
        support = super().supports(workload)
        if support.ok and isinstance(workload, ModelWorkload):
            from accelbench.backends.sequential import lower_sequential

            _, reason = lower_sequential(workload.module(), _compute_dtype(workload))
            return Support(not reason, f"cpu-numba: {reason}; use cpu-torch" if reason else "")
        return support

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        prepared = super().prepare(workload, config)
        if workload.dtype == "float16":
            prepared.notes.append("float16 inputs computed in float32, output rounded to float16")
        t0 = time.perf_counter()
        self.run(prepared, self.upload(prepared, workload.make_inputs(0, 1)))  # JIT-compile now
        prepared.notes.append(f"JIT compile + first call {time.perf_counter() - t0:.2f} s")
        prepared.notes.append("calls under ~4 MFLOP (RNN: 1 MFLOP a step) run on the calling thread only")
        return prepared

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        dtype = _compute_dtype(prepared.workload)
        return tuple(x if x.dtype == dtype else x.astype(dtype) for x in inputs)

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
