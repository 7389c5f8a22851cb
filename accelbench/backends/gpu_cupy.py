"""gpu-cupy: CuPy library calls (cuBLAS) or hand-written kernels from kernels/*.cu via RawModule.

Config ``kernel``: ``library`` (default: cuBLAS GEMM, im2col + cuBLAS conv2d, cuBLAS + element-wise
cell) or ``custom`` (the tiled SGEMM, the direct conv2d and the fused cell kernels of
kernels/*.cu); ``gemm_arch`` (``80`` or ``90``) forces the SGEMM size of that architecture instead
of the device's own (to compare both on one GPU). CUDA-event timing; ``flush_l2`` clears the L2
cache before every timed iteration, outside its event pair (nvbench's cold mode).

The custom path is written against an array module ``xp`` and a launcher: on a GPU they are CuPy
and :func:`launch_on_gpu`; tests/gpu/test_kernels_hip_cpu.py passes NumPy and a HIP-CPU launcher,
so the same glue (transposes, casts, the two projections of a cell) and the same launch
configuration (:mod:`accelbench.backends.cuda_launch`) run the kernels on CPU threads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np

from accelbench.backends import cuda_launch
from accelbench.backends.base import Availability, Prepared, Support
from accelbench.backends.cuda_base import CudaBackend
from accelbench.backends.cuda_launch import Launch
from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.locate import data_dir
from accelbench.workload import Workload

KERNEL_FILES = ("sgemm.cu", "conv2d.cu", "rnn_cell.cu")

#: Runs one :class:`~accelbench.backends.cuda_launch.Launch` (on a GPU, or on CPU threads in tests).
Launcher = Callable[[Launch], None]


@cache
def _module(name: str) -> Any:
    import cupy

    kernels = data_dir("kernels")
    return cupy.RawModule(code=(kernels / name).read_text(), options=("-std=c++17", f"-I{kernels}"))


def device_arch() -> str:
    """Compute capability of the current CUDA device, e.g. "80" or "90"."""
    import cupy

    return str(cupy.cuda.Device().compute_capability)


def launch_on_gpu(launch: Launch) -> None:
    """Launch on the current CUDA device (asynchronous, on the current stream)."""
    function = _module(launch.source).get_function(launch.kernel)
    function(launch.grid, launch.block, launch.args, shared_mem=launch.shared_mem_bytes)


def device_weights(xp: Any, workload: Workload) -> dict[str, Any]:
    """The workload's weights as ``xp`` arrays, laid out as the kernels read them (B as (k, n), W^T)."""
    weights = {k: xp.asarray(v) for k, v in workload.weights().items()}
    if isinstance(workload, GemmWorkload) and workload.params["trans_b"]:
        weights["b"] = xp.ascontiguousarray(weights["b"].T)
    if isinstance(workload, RnnStepWorkload):
        weights["w_ih_t"] = xp.ascontiguousarray(weights["w_ih"].T)
        weights["w_hh_t"] = xp.ascontiguousarray(weights["w_hh"].T)
    return weights


def custom_gemm(xp: Any, launch: Launcher, workload: GemmWorkload, a: Any, b: Any, arch: str) -> Any:
    """kernels/sgemm.cu, sized for compute capability ``arch``, on ``a`` (the input as uploaded) and
    ``b`` (from :func:`device_weights`).

    float16 inputs go to the kernel as they are (float32 accumulation); other dtypes through float32.
    """
    a_op = xp.ascontiguousarray(xp.swapaxes(a, -1, -2) if workload.params["trans_a"] else a)
    if workload.dtype != "float16":
        a_op, b = a_op.astype(xp.float32, copy=False), b.astype(xp.float32, copy=False)
    out = xp.empty((a_op.shape[0], workload.m, workload.n), dtype=xp.float32)
    launch(cuda_launch.sgemm(a_op, b, out, arch))
    return out.astype(workload.np_dtype, copy=False)


def custom_conv2d(xp: Any, launch: Launcher, workload: Conv2dWorkload, x: Any, w: Any) -> Any:
    """kernels/conv2d.cu (direct convolution, float32) on ``x`` (n, c, h, w) and ``w`` (k, c, r, s)."""
    p = workload.params
    xf = xp.ascontiguousarray(x, dtype=xp.float32)
    wf = xp.ascontiguousarray(w, dtype=xp.float32)
    out = xp.empty(workload.output_shape(x.shape[0]), dtype=xp.float32)
    launch(cuda_launch.conv2d(xf, wf, out, (p["stride_h"], p["stride_w"]), (p["pad_h"], p["pad_w"])))
    return out.astype(workload.np_dtype, copy=False)


def custom_cell(xp: Any, launch: Launcher, workload: RnnStepWorkload, w: Mapping[str, Any], x: Any, h: Any,
                c: Any = None) -> Any:
    """Two projections in the workload's dtype, then the fused gate kernel of kernels/rnn_cell.cu (float32)."""
    gi = (x @ w["w_ih_t"] + w["b_ih"]).astype(xp.float32)
    gh = (h @ w["w_hh_t"] + w["b_hh"]).astype(xp.float32)
    out = xp.empty((x.shape[0], workload.hidden), dtype=xp.float32)
    # the state is a float32 copy: the lstm kernel updates the cell state in place
    state = None if workload.cell == "vanilla" else (c if workload.cell == "lstm" else h).astype(xp.float32)
    launch(cuda_launch.rnn_cell(workload.cell, gi, gh, state, out))
    return out.astype(workload.np_dtype, copy=False)


def _library_gemm(workload: GemmWorkload, w: Mapping[str, Any]) -> Callable[..., Any]:
    import cupy

    def call(a: Any) -> Any:
        return cupy.matmul(cupy.swapaxes(a, -1, -2) if workload.params["trans_a"] else a, w["b"])

    return call


def _library_conv2d(workload: Conv2dWorkload, w: Mapping[str, Any]) -> Callable[..., Any]:
    """im2col through strided views + one cuBLAS GEMM."""
    import cupy

    p = workload.params
    out_p, out_q = workload.out_hw

    def call(x: Any) -> Any:
        padded = cupy.pad(x, ((0, 0), (0, 0), (p["pad_h"], p["pad_h"]), (p["pad_w"], p["pad_w"])))
        n, c = padded.shape[:2]
        s0, s1, s2, s3 = padded.strides
        windows = cupy.lib.stride_tricks.as_strided(
            padded, (n, c, out_p, out_q, p["r"], p["s"]), (s0, s1, s2 * p["stride_h"], s3 * p["stride_w"], s2, s3))
        return cupy.tensordot(windows, w["w"], axes=((1, 4, 5), (1, 2, 3))).transpose(0, 3, 1, 2)

    return call


def _library_cell(workload: RnnStepWorkload, w: Mapping[str, Any]) -> Callable[..., Any]:
    """cuBLAS projections, then unfused element-wise ops, as a framework would."""
    import cupy

    def sigmoid(v: Any) -> Any:
        return 1 / (1 + cupy.exp(-v))

    def call(x: Any, h: Any, c: Any = None) -> Any:
        gi = x @ w["w_ih_t"] + w["b_ih"]
        gh = h @ w["w_hh_t"] + w["b_hh"]
        if workload.cell == "vanilla":
            return cupy.tanh(gi + gh)
        if workload.cell == "lstm":
            i, f, g, o = cupy.split(gi + gh, 4, axis=-1)
            return sigmoid(o) * cupy.tanh(sigmoid(f) * c + sigmoid(i) * cupy.tanh(g))
        r_i, z_i, n_i = cupy.split(gi, 3, axis=-1)
        r_h, z_h, n_h = cupy.split(gh, 3, axis=-1)
        r, z = sigmoid(r_i + r_h), sigmoid(z_i + z_h)
        return (1 - z) * cupy.tanh(n_i + r * n_h) + z * h

    return call


def _custom(workload: Workload, w: Mapping[str, Any], config: Mapping[str, Any]) -> Callable[..., Any]:
    import cupy

    if isinstance(workload, GemmWorkload):
        arch = str(config.get("gemm_arch") or device_arch())
        return lambda a: custom_gemm(cupy, launch_on_gpu, workload, a, w["b"], arch)
    if isinstance(workload, Conv2dWorkload):
        return lambda x: custom_conv2d(cupy, launch_on_gpu, workload, x, w["w"])
    assert isinstance(workload, RnnStepWorkload)
    return lambda x, h, c=None: custom_cell(cupy, launch_on_gpu, workload, w, x, h, c)


_LIBRARY: dict[str, Callable[[Any, Mapping[str, Any]], Callable[..., Any]]] = {
    "gemm": _library_gemm, "conv2d": _library_conv2d, "rnn_step": _library_cell,
}


def _lower(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    """Weights on the device once; ``call`` runs cuBLAS (``kernel=library``) or kernels/*.cu (``custom``)."""
    import cupy

    kernel = str(config.get("kernel", "library"))
    if kernel not in ("library", "custom"):
        from accelbench.errors import UserError

        raise UserError(f"gpu-cupy config `kernel` must be library or custom, got {kernel!r}")
    weights = device_weights(cupy, workload)
    flush = None
    if config.get("flush_l2"):
        l2_bytes = cupy.cuda.runtime.getDeviceProperties(0)["l2CacheSize"]
        flush = cupy.empty(2 * l2_bytes // 4, dtype=cupy.float32)
    gemm_arch = config.get("gemm_arch")
    if gemm_arch is not None and str(gemm_arch) not in cuda_launch.GEMM_TILES:
        from accelbench.errors import UserError

        raise UserError(f"gpu-cupy config `gemm_arch` must be one of {', '.join(cuda_launch.GEMM_TILES)}, "
                        f"got {gemm_arch!r}")
    call = _custom(workload, weights, config) if kernel == "custom" else _LIBRARY[workload.kind](workload, weights)
    notes = [f"{kernel} kernels" + (" (kernels/*.cu via RawModule)" if kernel == "custom" else " (cuBLAS)")]
    handle = {"w": weights, "kernel": kernel, "flush": flush}
    return Prepared(workload, config, handle=handle, notes=notes, call=call)


class CupyBackend(CudaBackend):
    name = "gpu-cupy"
    lowerings = dict.fromkeys(_LIBRARY, _lower)

    def available(self) -> Availability:
        try:
            import cupy
        except ImportError as exc:
            return Availability(False, f"cupy is not installed ({exc}); pip install 'accelbench[gpu]'")
        try:
            if not cupy.is_available():
                return Availability(False, "no CUDA device found (cupy.is_available() is False)")
            name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        except Exception as exc:
            return Availability(False, f"no CUDA device found ({exc})")
        return Availability(True, f"cupy {cupy.__version__} on {name.decode() if isinstance(name, bytes) else name}")

    def supports(self, workload: Workload) -> Support:
        support = super().supports(workload)
        if support.ok and isinstance(workload, RnnStepWorkload) and workload.timesteps > 1:
            return Support(False, "gpu-cupy runs one cell step (timesteps=1)")
        return support

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        import cupy

        out = []
        for x in inputs:
            pinned = cupy.cuda.alloc_pinned_memory(x.nbytes)
            staging = np.frombuffer(pinned, x.dtype, x.size).reshape(x.shape)
            staging[...] = x
            out.append(cupy.asarray(staging))
        return tuple(out)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output.get())

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        """Seconds of ``n`` back-to-back runs between one event pair, or, with ``flush_l2``, the sum
        of ``n`` event pairs each around one run preceded by an untimed L2 flush (cold every time)."""
        import cupy

        flush = prepared.handle["flush"]
        if flush is None:
            start, stop = cupy.cuda.Event(), cupy.cuda.Event()
            start.record()
            for _ in range(n):
                self.run(prepared, device_inputs)
            stop.record()
            stop.synchronize()
            return float(cupy.cuda.get_elapsed_time(start, stop)) * 1e-3
        pairs = []
        for _ in range(n):
            flush.fill(0)
            start, stop = cupy.cuda.Event(), cupy.cuda.Event()
            start.record()
            self.run(prepared, device_inputs)
            stop.record()
            pairs.append((start, stop))
        pairs[-1][1].synchronize()
        return sum(float(cupy.cuda.get_elapsed_time(a, b)) for a, b in pairs) * 1e-3

    def synchronize(self) -> None:
        import cupy

        cupy.cuda.runtime.deviceSynchronize()

    def device_info(self) -> dict[str, Any]:
        import cupy

        from accelbench.backends.gpu_info import device_summary

        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        return {**device_summary(name.decode() if isinstance(name, bytes) else str(name)), "cupy": cupy.__version__}
