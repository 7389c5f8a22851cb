"""gpu-model: latency, power and energy of named GPUs this machine need not have, from a model.

Nothing runs and nothing is checked: ``prepare`` returns a non-functional lowering, so the runner
stores the record as ``model-only`` with every figure labelled ``modeled`` and the latency,
throughput, power and energy ranges from the fit's error (``record.ranges``). The GPU is chosen
per task by the configuration key ``model_gpu`` (``--model-gpu T4,A100`` gives one task per GPU);
without it the model describes :data:`DEFAULT_GPU`. The record's ``device`` names the modeled GPU,
its catalog figures and their sources, and the fit the constants come from. See docs/gpu-model.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from accelbench.backends.base import Availability, BaseBackend, Estimate, Family, Lowering, Prepared, Timing
from accelbench.workload import Workload

#: The GPU modeled when no ``model_gpu`` is configured (the most common cloud inference GPU).
DEFAULT_GPU = "T4"
CONFIG_KEY = "model_gpu"


def _prepare(backend: GpuModelBackend, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    from accelbench.gpumodel.catalog import lookup
    from accelbench.gpumodel.fitted import load_fitted

    gpu = lookup(str(config.get(CONFIG_KEY) or DEFAULT_GPU))
    fitted = load_fitted()
    backend.current = (gpu.key, workload.dtype, workload.kind)
    notes = [
        f"modeled {gpu.name}: nothing ran on it; figures from the gpu-model catalog and equations fitted on "
        f"DeepBench (held-out devices: {', '.join(fitted.held_out)}; docs/gpu-model.md)",
    ]
    if CONFIG_KEY not in config:
        notes.append(f"no --model-gpu given: modeled the default GPU {DEFAULT_GPU}")
    return Prepared(workload, config, handle={"gpu": gpu, "fitted": fitted}, notes=notes, functional=False)


class GpuModelBackend(BaseBackend):
    """A model of catalog GPUs (accelbench.gpumodel); available everywhere, never measured."""

    name = "gpu-model"
    family: Family = "gpu"
    timing: Timing = "modeled"
    lowerings: ClassVar[Mapping[str, Lowering]] = {"gemm": _prepare, "conv2d": _prepare, "rnn_step": _prepare,
                                                   "model": _prepare}

    def __init__(self) -> None:
        #: (catalog key, dtype, kind) of the last prepared workload: what device_info describes.
        self.current: tuple[str, str, str] = (DEFAULT_GPU, "float32", "gemm")

    def available(self) -> Availability:
        return Availability(True, "a model: runs anywhere, every figure labelled modeled")

    def estimate(self, prepared: Prepared, batch: int) -> Estimate:
        from accelbench.gpumodel.model import estimate

        e = estimate(prepared.workload, batch, prepared.handle["gpu"], prepared.handle["fitted"])
        low, high = e.latency_range_s
        method = (f"gpu-model of {e.gpu.name} (catalog + DeepBench fit, docs/gpu-model.md): {e.kernels} kernel(s), "
                  f"compute {e.compute_s:.3g} s, memory {e.memory_s:.3g} s, launch/step overhead "
                  f"{e.overhead_s:.3g} s, utilisation {e.utilisation:.0%}; math: {'; '.join(e.math_paths)}; "
                  f"range from the fit's {'/'.join(e.range_kinds)} error (5th-95th percentile)")
        return Estimate(
            compute_s=e.latency_s,
            end_to_end_s=None,
            throughput_items_s=batch / e.latency_s,
            method=method,
            ranges={
                "latency": (low, high),
                "throughput_items_s": (batch / high, batch / low),
                "power_w": e.power_range_w,
                "energy_j_per_item": e.energy_range_j_per_item,
            },
            power_w=e.power_w,
        )

    def device_info(self) -> dict[str, Any]:
        from accelbench.gpumodel.catalog import load_catalog
        from accelbench.gpumodel.fitted import load_fitted
        from accelbench.gpumodel.precision import math_path

        key, dtype, kind = self.current
        catalog = load_catalog()
        gpu = catalog.by_key(key)
        path = math_path(gpu, dtype, aligned8=True, conv=kind in ("conv2d", "model"))
        fitted = load_fitted()
        return {
            "device": gpu.name,
            "model_gpu": gpu.key,
            "modeled": True,
            "vendor": gpu.vendor,
            "arch": gpu.arch,
            "sms": gpu.sms,
            "tdp_w": gpu.tdp_w,
            "l2_bytes": gpu.l2_bytes,
            "peak": {"name": gpu.name, "flops_s": path.peak_flops_s, "bytes_s": gpu.bandwidth_bytes_s,
                     "source": f"gpu-model catalog: {path.label}", "math": path.label},
            "catalog": "accelbench/gpumodel/catalog.toml",
            "catalog_sources": gpu.sources(catalog.documents),
            "model": f"gpu-model, constants fitted on {fitted.source}; held out: {', '.join(fitted.held_out)}",
        }
