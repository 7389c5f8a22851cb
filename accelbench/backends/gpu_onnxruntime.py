"""gpu-onnxruntime: ONNX Runtime with the TensorRT or CUDA execution provider.

Needs ``onnxruntime-gpu`` and a CUDA device; otherwise ``unavailable`` with the reason. ONNX
Runtime's ``run`` takes and returns host arrays, so the host timer around it measures what an
application sees: copies in, compute, copies out (the method says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accelbench.backends.base import Availability, BaseBackend, Family, Prepared
from accelbench.workload import Workload

GPU_PROVIDERS = ("TensorrtExecutionProvider", "CUDAExecutionProvider")


def _providers() -> list[str]:
    import onnxruntime as ort

    found = ort.get_available_providers()
    return [p for p in GPU_PROVIDERS if p in found] + ["CPUExecutionProvider"]


def _lower_gpu(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.backends.cpu_onnxruntime import lower_ort

    prepared = lower_ort(workload, config, _providers())
    used = prepared.handle.get_providers()
    if not any(p in used for p in GPU_PROVIDERS):
        raise RuntimeError(f"ONNX Runtime fell back to {', '.join(used)}: no GPU provider could start")
    prepared.notes.append("host timer around session.run: includes host<->device copies")
    return prepared


class OnnxRuntimeCudaBackend(BaseBackend):
    name = "gpu-onnxruntime"
    family: Family = "gpu"
    resources = {"GPU": 1}  # noqa: RUF012
    lowerings = dict.fromkeys(("gemm", "conv2d", "rnn_step", "model"), _lower_gpu)

    def available(self) -> Availability:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            return Availability(False, f"onnxruntime is not installed ({exc}); pip install onnxruntime-gpu")
        found = ort.get_available_providers()
        gpu = [p for p in GPU_PROVIDERS if p in found]
        if not gpu:
            return Availability(False, f"onnxruntime {ort.__version__} has no CUDA/TensorRT execution provider here "
                                       f"(providers: {', '.join(found)}); install onnxruntime-gpu on a CUDA machine")
        return Availability(True, f"onnxruntime {ort.__version__}: {', '.join(gpu)}")

    def device_info(self) -> dict[str, Any]:
        import onnxruntime as ort

        return {"device": "CUDA GPU via ONNX Runtime", "onnxruntime": ort.__version__, "providers": _providers()}
