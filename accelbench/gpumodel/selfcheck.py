"""Model vs measurement on the user's own GPU (``selftest --gpu``): the model's error where it can be seen."""

from __future__ import annotations

from typing import Any

from accelbench.workload import Workload


def model_vs_measurement(workload: Workload, batch: int, device_name: str | None,
                         measured_s: float | None) -> dict[str, Any]:
    """The model's prediction for ``workload`` on the catalog entry matching ``device_name`` beside
    the measured median (seconds): ``model_gpu``, ``model_p50_s``, ``model_range_s``,
    ``model_error_rel`` ((model - measured) / measured) and ``model_inside_range``; or a
    ``model_note`` saying why there is none (GPU not in the catalog, kind not modeled)."""
    from accelbench.gpumodel.catalog import match_device_name
    from accelbench.gpumodel.model import estimate
    from accelbench.gpumodel.workloads import RANGE_KIND

    gpu = match_device_name(device_name or "")
    if gpu is None:
        return {"model_note": f"no gpu-model catalog entry for {device_name!r}"}
    if workload.kind not in (*RANGE_KIND, "model"):
        return {"model_note": f"gpu-model does not lower {workload.kind}"}
    e = estimate(workload, batch, gpu)
    out: dict[str, Any] = {"model_gpu": gpu.key, "model_p50_s": e.latency_s, "model_range_s": list(e.latency_range_s)}
    if measured_s:
        out["model_error_rel"] = (e.latency_s - measured_s) / measured_s
        out["model_inside_range"] = e.latency_range_s[0] <= measured_s <= e.latency_range_s[1]
    return out
