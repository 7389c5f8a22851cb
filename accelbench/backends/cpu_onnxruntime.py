"""cpu-onnxruntime: ONNX Runtime's CPU execution provider, graph optimisations on.

Every kind is exported to ONNX from its torch lowering (a user's ONNX file runs as it is, see
:mod:`accelbench.backends.onnx_export`); the session is built once at prepare time and its
intra-op thread count is recorded (``--threads N`` or config ``threads`` sets it; default: ONNX
Runtime's, all physical cores).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Prepared
from accelbench.workload import Workload


def make_session(workload: Workload, config: Mapping[str, Any], providers: list[str]) -> tuple[Any, dict[str, Any]]:
    """(InferenceSession, thread record) for ``workload`` on ``providers``."""
    import onnxruntime as ort

    from accelbench.backends.onnx_export import onnx_bytes

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    threads = config.get("threads") or os.environ.get("ACCELBENCH_THREADS")  # --threads N sets the latter
    if threads:
        options.intra_op_num_threads = int(threads)
    options.log_severity_level = 3
    session = ort.InferenceSession(onnx_bytes(workload), sess_options=options, providers=providers)
    used = int(session.get_session_options().intra_op_num_threads) or None
    return session, {"onnxruntime_intra_op": used or "default (physical cores)"}


def lower_ort(workload: Workload, config: Mapping[str, Any], providers: list[str]) -> Prepared:
    session, threads = make_session(workload, config, providers)
    names = [i.name for i in session.get_inputs()]

    def call(*inputs: np.ndarray) -> np.ndarray:
        return session.run(None, dict(zip(names, inputs, strict=True)))[0]

    notes = [f"ONNX Runtime {', '.join(session.get_providers())}, graph optimisations: all"]
    return Prepared(workload, config, handle=session, call=call, notes=notes, threads=threads)


def _lower_cpu(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    return lower_ort(workload, config, ["CPUExecutionProvider"])


class OnnxRuntimeCpuBackend(BaseBackend):
    name = "cpu-onnxruntime"
    family = "cpu"
    lowerings = dict.fromkeys(("gemm", "conv2d", "rnn_step", "model"), _lower_cpu)

    def available(self) -> Availability:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            return Availability(False, f"onnxruntime is not installed ({exc}); pip install 'accelbench[onnx]'")
        return Availability(True, f"onnxruntime {ort.__version__}, CPU execution provider")

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output)

    def device_info(self) -> dict[str, Any]:
        import onnxruntime as ort

        from accelbench.results.environment import cpu_model

        return {"device": cpu_model(), "onnxruntime": ort.__version__}
