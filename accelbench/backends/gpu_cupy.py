"""gpu-cupy: CuPy library calls (cuBLAS) or hand-written kernels from kernels/*.cu via RawModule.

Config ``kernel``: ``library`` (default: cuBLAS GEMM, im2col + cuBLAS conv2d, cuBLAS + element-wise
cell) or ``custom`` (the tiled SGEMM, the direct conv2d and the fused cell kernels of
kernels/*.cu). CUDA-event timing; ``flush_l2`` clears the L2 cache before every timed sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, Prepared, Support
from accelbench.backends.cuda_base import CudaBackend
from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.locate import data_dir
from accelbench.workload import Workload

KERNEL_FILES = ("sgemm.cu", "conv2d.cu", "rnn_cell.cu")
THREADS = 256


@cache
def _module(name: str) -> Any:
    import cupy

    source = (data_dir("kernels") / name).read_text()
    return cupy.RawModule(code=source, options=("-std=c++17",))


class CupyBackend(CudaBackend):
    name = "gpu-cupy"

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
        if not isinstance(workload, GemmWorkload | Conv2dWorkload | RnnStepWorkload):
            return Support(False, "gpu-cupy lowers gemm, conv2d and rnn_step, not whole models")
        if isinstance(workload, RnnStepWorkload) and workload.timesteps > 1:
            return Support(False, "gpu-cupy runs one cell step (timesteps=1)")
        return Support(True)

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        import cupy

        kernel = str(config.get("kernel", "library"))
        if kernel not in ("library", "custom"):
            from accelbench.errors import UserError

            raise UserError(f"gpu-cupy config `kernel` must be library or custom, got {kernel!r}")
        weights = {k: cupy.asarray(v) for k, v in workload.weights().items()}
        if isinstance(workload, GemmWorkload) and workload.params["trans_b"]:
            weights["b"] = cupy.ascontiguousarray(weights["b"].T)
        if isinstance(workload, RnnStepWorkload):
            weights["w_ih_t"] = cupy.ascontiguousarray(weights["w_ih"].T)
            weights["w_hh_t"] = cupy.ascontiguousarray(weights["w_hh"].T)
        flush = None
        if config.get("flush_l2"):
            l2_bytes = cupy.cuda.runtime.getDeviceProperties(0)["l2CacheSize"]
            flush = cupy.empty(2 * l2_bytes // 4, dtype=cupy.float32)
        notes = [f"{kernel} kernels" + (" (kernels/*.cu via RawModule)" if kernel == "custom" else " (cuBLAS)")]
        return Prepared(workload, config, handle={"w": weights, "kernel": kernel, "flush": flush}, notes=notes)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        import cupy

        out = []
        for x in inputs:
            pinned = cupy.cuda.alloc_pinned_memory(x.nbytes)
            staging = np.frombuffer(pinned, x.dtype, x.size).reshape(x.shape)
            staging[...] = x
            out.append(cupy.asarray(staging))
        return tuple(out)

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        workload = prepared.workload
        if isinstance(workload, GemmWorkload):
            return self._gemm(prepared, device_inputs[0])
        if isinstance(workload, Conv2dWorkload):
            return self._conv(prepared, device_inputs[0])
        return self._cell(prepared, device_inputs)

    def _gemm(self, prepared: Prepared, a: Any) -> Any:
        import cupy

        workload = prepared.workload
        assert isinstance(workload, GemmWorkload)
        b = prepared.handle["w"]["b"]
        a_op = cupy.swapaxes(a, -1, -2) if workload.params["trans_a"] else a
        if prepared.handle["kernel"] == "library":
            return cupy.matmul(a_op, b)
        a_op = cupy.ascontiguousarray(a_op)
        batch, m, k = a_op.shape
        n = workload.n
        out = cupy.empty((batch, m, n), dtype=cupy.float32)
        if workload.dtype == "float16":
            fn = _module("sgemm.cu").get_function("sgemm_f16_f32acc")
        else:
            fn = _module("sgemm.cu").get_function("sgemm_f32")
            a_op, b = a_op.astype(cupy.float32, copy=False), b.astype(cupy.float32, copy=False)
        fn(((n + 63) // 64, (m + 63) // 64, batch), (16, 16), (a_op, b, out, np.int32(m), np.int32(n), np.int32(k)))
        return out.astype(workload.np_dtype, copy=False)

    def _conv(self, prepared: Prepared, x: Any) -> Any:
        import cupy

        workload = prepared.workload
        assert isinstance(workload, Conv2dWorkload)
        p = workload.params
        w = prepared.handle["w"]["w"]
        out_p, out_q = workload.out_hw
        if prepared.handle["kernel"] == "library":  # im2col through strided views + one cuBLAS GEMM
            xp = cupy.pad(x, ((0, 0), (0, 0), (p["pad_h"], p["pad_h"]), (p["pad_w"], p["pad_w"])))
            n, c = xp.shape[:2]
            s0, s1, s2, s3 = xp.strides
            windows = cupy.lib.stride_tricks.as_strided(
                xp, (n, c, out_p, out_q, p["r"], p["s"]), (s0, s1, s2 * p["stride_h"], s3 * p["stride_w"], s2, s3))
            return cupy.tensordot(windows, w, axes=((1, 4, 5), (1, 2, 3))).transpose(0, 3, 1, 2)
        n = x.shape[0]
        out = cupy.empty((n, p["k"], out_p, out_q), dtype=cupy.float32)
        fn = _module("conv2d.cu").get_function("conv2d_nchw_f32")
        xf, wf = x.astype(cupy.float32, copy=False), w.astype(cupy.float32, copy=False)
        shared = p["c"] * p["r"] * p["s"] * 4
        fn(((out_p * out_q + THREADS - 1) // THREADS, n * p["k"]), (THREADS,),
           (xf, wf, out, *(np.int32(v) for v in (p["c"], p["h"], p["w"], p["k"], p["r"], p["s"], out_p, out_q,
                                                  p["stride_h"], p["stride_w"], p["pad_h"], p["pad_w"]))),
           shared_mem=shared)
        return out.astype(workload.np_dtype, copy=False)

    def _cell(self, prepared: Prepared, inputs: Any) -> Any:
        import cupy

        workload = prepared.workload
        assert isinstance(workload, RnnStepWorkload)
        w = prepared.handle["w"]
        x, h = inputs[0], inputs[1]
        gi = x @ w["w_ih_t"] + w["b_ih"]
        gh = h @ w["w_hh_t"] + w["b_hh"]
        hidden = workload.hidden
        if prepared.handle["kernel"] == "library":  # unfused element-wise ops, as a framework would
            if workload.cell == "vanilla":
                return cupy.tanh(gi + gh)
            if workload.cell == "lstm":
                i, f, g, o = cupy.split(gi + gh, 4, axis=-1)
                c_new = 1 / (1 + cupy.exp(-f)) * inputs[2] + 1 / (1 + cupy.exp(-i)) * cupy.tanh(g)
                return 1 / (1 + cupy.exp(-o)) * cupy.tanh(c_new)
            r_i, z_i, n_i = cupy.split(gi, 3, axis=-1)
            r_h, z_h, n_h = cupy.split(gh, 3, axis=-1)
            r, z = 1 / (1 + cupy.exp(-(r_i + r_h))), 1 / (1 + cupy.exp(-(z_i + z_h)))
            n = cupy.tanh(n_i + r * n_h)
            return (1 - z) * n + z * h
        batch = x.shape[0]
        gi32, gh32 = gi.astype(cupy.float32), gh.astype(cupy.float32)
        out = cupy.empty((batch, hidden), dtype=cupy.float32)
        grid, size = ((batch * hidden + THREADS - 1) // THREADS,), (np.int32(batch), np.int32(hidden))
        module = _module("rnn_cell.cu")
        if workload.cell == "vanilla":
            module.get_function("vanilla_cell")(grid, (THREADS,), (gi32, gh32, out, *size))
        elif workload.cell == "lstm":
            c = inputs[2].astype(cupy.float32)  # a copy: the kernel updates the cell state in place
            module.get_function("lstm_cell")(grid, (THREADS,), (gi32, gh32, c, out, *size))
        else:
            module.get_function("gru_cell")(grid, (THREADS,), (gi32, gh32, h.astype(cupy.float32), out, *size))
        return out.astype(workload.np_dtype, copy=False)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output.get())

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        import cupy

        if prepared.handle["flush"] is not None:
            prepared.handle["flush"].fill(0)
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        for _ in range(n):
            self.run(prepared, device_inputs)
        stop.record()
        stop.synchronize()
        return float(cupy.cuda.get_elapsed_time(start, stop)) * 1e-3

    def synchronize(self) -> None:
        import cupy

        cupy.cuda.runtime.deviceSynchronize()

    def device_info(self) -> dict[str, Any]:
        import cupy

        from accelbench.backends.gpu_info import device_summary

        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        return {**device_summary(name.decode() if isinstance(name, bytes) else str(name)), "cupy": cupy.__version__}
