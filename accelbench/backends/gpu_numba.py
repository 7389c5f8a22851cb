"""gpu-numba: hand-written numba.cuda kernels (tiled GEMM, direct conv2d, fused cell step), CUDA-event timing.

Config ``gemm_arch`` (``80`` or ``90``) forces the GEMM sizing of that architecture instead of the
device's own (to compare both on one GPU, and to check both on the CUDA simulator).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, Prepared, Support
from accelbench.backends.cuda_base import CudaBackend
from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.workload import Workload


def cuda_reason() -> str:
    """Empty when numba.cuda can run on a real device here, else why not."""
    try:
        from numba import config, cuda
    except ImportError as exc:
        return f"numba is not installed ({exc})"
    if getattr(config, "ENABLE_CUDASIM", 0):
        return "the CUDA simulator is enabled (NUMBA_ENABLE_CUDASIM=1): correctness only, never timed"
    try:
        if not cuda.is_available():
            return "no CUDA device found (numba.cuda.is_available() is False)"
    except Exception as exc:
        return f"no CUDA device found ({exc})"
    return ""


def _device_weights(workload: Workload) -> dict[str, Any]:
    from numba import cuda

    weights = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in workload.weights().items()}
    if isinstance(workload, GemmWorkload) and workload.params["trans_b"]:
        weights["b"] = np.ascontiguousarray(weights["b"].T)
    return {key: cuda.to_device(value) for key, value in weights.items()}


def _lower_gemm(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from numba import cuda

    from accelbench.backends.numba_cuda_kernels import gemm

    assert isinstance(workload, GemmWorkload)
    arch = config.get("gemm_arch")
    if arch is not None and str(arch) not in gemm.BK_FOR_ARCH:
        from accelbench.errors import UserError

        raise UserError(f"gpu-numba config `gemm_arch` must be one of {', '.join(gemm.BK_FOR_ARCH)}, got {arch!r}")
    w = _device_weights(workload)

    def call(a: Any) -> Any:
        out = cuda.device_array((a.shape[0], a.shape[1], workload.n), dtype=np.float32)
        gemm.launch_gemm(a, w["b"], out, None if arch is None else str(arch))
        return out

    return Prepared(workload, config, handle=w, notes=["numba.cuda kernels"], call=call)


def _lower_conv2d(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from numba import cuda

    from accelbench.backends.numba_cuda_kernels import conv2d

    assert isinstance(workload, Conv2dWorkload)
    w, p = _device_weights(workload), workload.params

    def call(x: Any) -> Any:
        out = cuda.device_array(workload.output_shape(x.shape[0]), dtype=np.float32)
        conv2d.launch_conv2d(x, w["w"], out, (p["stride_h"], p["stride_w"]), (p["pad_h"], p["pad_w"]))
        return out

    return Prepared(workload, config, handle=w, notes=["numba.cuda kernels"], call=call)


def _lower_rnn_step(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from numba import cuda

    from accelbench.backends.numba_cuda_kernels import rnn

    assert isinstance(workload, RnnStepWorkload)
    w = _device_weights(workload)
    weights = (w["w_ih"], w["w_hh"], w["b_ih"], w["b_hh"])

    def call(x: Any, h: Any, c: Any = None) -> Any:
        h_out = cuda.device_array(h.shape, dtype=np.float32)
        grid = rnn.blocks(h.shape[0] * h.shape[1])
        if workload.cell == "vanilla":
            rnn.vanilla_step[grid, rnn.THREADS](x, h, *weights, h_out)
        elif workload.cell == "lstm":
            c_out = cuda.device_array(h.shape, dtype=np.float32)
            rnn.lstm_step[grid, rnn.THREADS](x, h, c, *weights, h_out, c_out)
        else:
            rnn.gru_step[grid, rnn.THREADS](x, h, *weights, h_out)
        return h_out

    return Prepared(workload, config, handle=w, notes=["numba.cuda kernels"], call=call)


class NumbaCudaBackend(CudaBackend):
    name = "gpu-numba"
    lowerings = {"gemm": _lower_gemm, "conv2d": _lower_conv2d, "rnn_step": _lower_rnn_step}  # noqa: RUF012

    def available(self) -> Availability:
        reason = cuda_reason()
        return Availability(not reason, reason)

    def supports(self, workload: Workload) -> Support:
        support = super().supports(workload)
        if not support.ok:
            return support
        if workload.dtype != "float32":
            return Support(False, f"gpu-numba kernels are float32; {workload.dtype} is not lowered")
        if isinstance(workload, RnnStepWorkload) and workload.timesteps > 1:
            return Support(False, "gpu-numba runs one cell step (timesteps=1)")
        return Support(True)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        from numba import cuda

        workload = prepared.workload
        arrays = list(inputs)
        if isinstance(workload, GemmWorkload) and workload.params["trans_a"]:
            arrays[0] = np.swapaxes(arrays[0], -1, -2)
        return tuple(cuda.to_device(np.ascontiguousarray(x, dtype=np.float32)) for x in arrays)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output.copy_to_host())

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        from numba import cuda

        start, stop = cuda.event(), cuda.event()
        start.record()
        for _ in range(n):
            self.run(prepared, device_inputs)
        stop.record()
        stop.synchronize()
        return float(cuda.event_elapsed_time(start, stop)) * 1e-3

    def synchronize(self) -> None:
        from numba import cuda

        cuda.synchronize()

    def device_info(self) -> dict[str, Any]:
        from numba import cuda

        from accelbench.backends.gpu_info import device_summary

        name = cuda.get_current_device().name
        return device_summary(name.decode() if isinstance(name, bytes) else str(name))
