"""GPU peak figures (dense, never sparsity) and NVML device state, for roofline and percent-of-peak.

Peaks are vendor data-sheet figures for dense math (the "with sparsity" numbers are halved away):
NVIDIA H100 Tensor Core GPU datasheet (SXM5 / PCIe), H200 datasheet, A100 datasheet (SXM4 and
PCIe, 40/80 GB), L4 datasheet, and the Ada Lovelace architecture whitepaper (RTX 4090).
Units: FLOP/s and bytes/s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GpuPeak:
    name: str
    fp64_flops_s: float
    fp32_flops_s: float
    tf32_flops_s: float
    fp16_tensor_flops_s: float
    memory_bytes_s: float
    source: str
    #: Substrings of the names the driver reports, all of which must occur (upper case).
    aliases: tuple[tuple[str, ...], ...] = ()


_T = 1e12
PEAKS: tuple[GpuPeak, ...] = (
    GpuPeak("H100 SXM", 34 * _T, 67 * _T, 494.5 * _T, 989.5 * _T, 3.35e12, "H100 datasheet (SXM5), dense",
            (("H100", "SXM"), ("H100", "HBM3"))),
    GpuPeak("H100 PCIe", 26 * _T, 51 * _T, 378 * _T, 756 * _T, 2.0e12, "H100 datasheet (PCIe), dense",
            (("H100", "PCIE"),)),
    GpuPeak("H100 NVL", 30 * _T, 60 * _T, 417.5 * _T, 835 * _T, 3.9e12, "H100 datasheet (NVL), dense",
            (("H100", "NVL"),)),
    GpuPeak("H200", 34 * _T, 67 * _T, 494.5 * _T, 989.5 * _T, 4.8e12, "H200 datasheet (SXM), dense", (("H200",),)),
    GpuPeak("A100-SXM4-80GB", 9.7 * _T, 19.5 * _T, 156 * _T, 312 * _T, 2.039e12, "A100 datasheet (SXM 80GB), dense"),
    GpuPeak("A100-SXM4-40GB", 9.7 * _T, 19.5 * _T, 156 * _T, 312 * _T, 1.555e12, "A100 datasheet (SXM 40GB), dense"),
    GpuPeak("A100-PCIE-80GB", 9.7 * _T, 19.5 * _T, 156 * _T, 312 * _T, 1.935e12, "A100 datasheet (PCIe 80GB), dense"),
    GpuPeak("A100-PCIE-40GB", 9.7 * _T, 19.5 * _T, 156 * _T, 312 * _T, 1.555e12, "A100 datasheet (PCIe 40GB), dense"),
    GpuPeak("L4", 0.49 * _T, 30.3 * _T, 60 * _T, 121 * _T, 0.3e12, "L4 datasheet, dense"),
    GpuPeak("RTX 4090", 1.29 * _T, 82.6 * _T, 82.6 * _T, 165.2 * _T, 1.008e12,
            "Ada Lovelace whitepaper (GeForce RTX 4090), dense FP16 tensor with FP32 accumulate"),
)


def find_peak(device_name: str) -> GpuPeak | None:
    """The table row whose name occurs in the device name (longest match first), or None."""
    normalised = device_name.upper().replace("NVIDIA", "").replace("GEFORCE", "")
    for peak in PEAKS:
        if any(all(part in normalised for part in alias) for alias in peak.aliases):
            return peak
    for peak in sorted(PEAKS, key=lambda p: -len(p.name)):
        if peak.name.upper() in normalised:
            return peak
    return None


def peak_flops_s(peak: GpuPeak, dtype: str, tensor_cores: bool = False) -> float:
    """The dense peak for a workload dtype (float16 counts tensor-core peak only when used)."""
    if dtype == "float64":
        return peak.fp64_flops_s
    if dtype == "float16" and tensor_cores:
        return peak.fp16_tensor_flops_s
    return peak.fp32_flops_s


def nvml_state(index: int = 0) -> dict[str, Any]:
    """GPU name, clocks, temperature, power state and limit from NVML; a reason when absent."""
    from accelbench.power.nvml import nvml_device

    try:
        pynvml, handle = nvml_device(index)
    except Exception as exc:  # no library, no driver or no device
        return {"nvml": f"unavailable: {exc}"}
    try:
        name = pynvml.nvmlDeviceGetName(handle)
        return {
            "name": name.decode() if isinstance(name, bytes) else str(name),
            "sm_clock_mhz": pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_SM),
            "mem_clock_mhz": pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_MEM),
            "temperature_c": pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU),
            "power_state": f"P{pynvml.nvmlDeviceGetPowerState(handle)}",
            "power_limit_w": pynvml.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000.0,
        }
    except Exception as exc:  # a query the device does not support
        return {"nvml": f"unavailable: {exc}"}
    finally:
        pynvml.nvmlShutdown()


def device_summary(name: str, dtype: str = "float32") -> dict[str, Any]:
    """device_info for a GPU backend: NVML state plus the matching peak row, if any."""
    info: dict[str, Any] = {"device": name, **nvml_state()}
    peak = find_peak(name)
    if peak is not None:
        info["peak"] = {"name": peak.name, "flops_s": peak_flops_s(peak, dtype), "bytes_s": peak.memory_bytes_s,
                        "source": peak.source,
                        # Per dtype, as CPU peaks are keyed (measure.cpu_peak.peak_for_dtype reads them).
                        **{d: peak_flops_s(peak, d, tensor_cores=True) for d in ("float16", "float32", "float64")}}
    return info
