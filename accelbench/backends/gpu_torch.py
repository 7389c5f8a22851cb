"""gpu-torch: PyTorch CUDA (cuBLAS/cuDNN), optional torch.compile, CUDA-event timing.

Inputs are copied host-to-device from pinned memory; the runner times compute with CUDA events
(``time``) and end-to-end (upload + run + download) with the host clock, so records carry both.
The lowering per kind is cpu-torch's builder table on device ``cuda``. With ``flush_l2`` every
timed iteration starts from a cold L2 (nvbench's cold mode): the flush runs before each iteration,
outside its event pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, Prepared
from accelbench.backends.cpu_torch import TORCH_BUILDERS, lower_torch
from accelbench.backends.cuda_base import CudaBackend
from accelbench.workload import Workload


def _lower_cuda(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    import torch

    prepared = lower_torch(workload, config, "cuda")
    flush = None
    if config.get("flush_l2"):
        l2_bytes = torch.cuda.get_device_properties(0).L2_cache_size
        flush = torch.empty(2 * l2_bytes // 4, dtype=torch.float32, device="cuda")
        prepared.notes.append("L2 flushed before every timed iteration, outside its timing (cold cache)")
    prepared.handle = {"fn": prepared.handle, "flush": flush}
    return prepared


class TorchCudaBackend(CudaBackend):
    name = "gpu-torch"
    lowerings = dict.fromkeys(TORCH_BUILDERS, _lower_cuda)

    def available(self) -> Availability:
        try:
            import torch
        except ImportError as exc:
            return Availability(False, f"torch is not installed ({exc})")
        if not torch.cuda.is_available():
            build = torch.version.cuda or "a CPU-only build"
            return Availability(False, f"no CUDA device found (torch {torch.__version__}, CUDA {build})")
        return Availability(True, f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        import torch

        return tuple(torch.from_numpy(x).pin_memory().to("cuda", non_blocking=True) for x in inputs)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output.detach().cpu().numpy())

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        """Seconds of ``n`` back-to-back runs between one CUDA event pair, or, with ``flush_l2``,
        the sum of ``n`` event pairs each around one run preceded by an untimed L2 flush."""
        import torch

        flush = prepared.handle["flush"]
        if flush is None:
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(n):
                self.run(prepared, device_inputs)
            stop.record()
            stop.synchronize()
            return float(start.elapsed_time(stop)) * 1e-3
        pairs = []
        for _ in range(n):
            flush.zero_()
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            self.run(prepared, device_inputs)
            stop.record()
            pairs.append((start, stop))
        pairs[-1][1].synchronize()
        return sum(float(a.elapsed_time(b)) for a, b in pairs) * 1e-3

    def synchronize(self) -> None:
        import torch

        torch.cuda.synchronize()

    def device_info(self) -> dict[str, Any]:
        import torch

        from accelbench.backends.gpu_info import device_summary

        return {**device_summary(torch.cuda.get_device_name(0)), "torch": torch.__version__}
