"""gpu-torch: PyTorch CUDA (cuBLAS/cuDNN), optional torch.compile, CUDA-event timing.

Inputs are copied host-to-device from pinned memory; the runner times compute with CUDA events
(``time``) and end-to-end (upload + run + download) with the host clock, so records carry both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, Prepared
from accelbench.backends.cuda_base import CudaBackend
from accelbench.workload import Workload


class TorchCudaBackend(CudaBackend):
    name = "gpu-torch"

    def available(self) -> Availability:
        try:
            import torch
        except ImportError as exc:
            return Availability(False, f"torch is not installed ({exc})")
        if not torch.cuda.is_available():
            build = torch.version.cuda or "a CPU-only build"
            return Availability(False, f"no CUDA device found (torch {torch.__version__}, CUDA {build})")
        return Availability(True, f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        import torch

        from accelbench.backends.cpu_torch import build_callable

        fn = build_callable(workload, "cuda")
        notes = ["eager"]
        if config.get("torch_compile"):
            fn = torch.compile(fn)
            notes = ["torch.compile"]
        flush = None
        if config.get("flush_l2"):
            l2_bytes = torch.cuda.get_device_properties(0).L2_cache_size
            flush = torch.empty(2 * l2_bytes // 4, dtype=torch.float32, device="cuda")
            notes.append("L2 flushed before every timed sample (cold cache)")
        return Prepared(workload, config, handle={"fn": fn, "flush": flush}, notes=notes)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        import torch

        return tuple(torch.from_numpy(x).pin_memory().to("cuda", non_blocking=True) for x in inputs)

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        import torch

        with torch.inference_mode():
            return prepared.handle["fn"](*device_inputs)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output.detach().cpu().numpy())

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        import torch

        if prepared.handle["flush"] is not None:
            prepared.handle["flush"].zero_()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(n):
            self.run(prepared, device_inputs)
        stop.record()
        stop.synchronize()
        return float(start.elapsed_time(stop)) * 1e-3

    def synchronize(self) -> None:
        import torch

        torch.cuda.synchronize()

    def device_info(self) -> dict[str, Any]:
        import torch

        from accelbench.backends.gpu_info import device_summary

        return {**device_summary(torch.cuda.get_device_name(0)), "torch": torch.__version__}
