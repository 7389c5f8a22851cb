"""Which math path (peak, efficiency class, operand sizes) an operation takes on a device.

Rules (documented in docs/gpu-model.md):

* float32 (DeepBench ``fp32``): CUDA-core fp32 peak. Convolutions on devices with TF32 (Ampere
  and later) take TF32 tensor cores, as cuDNN does under PyTorch's default
  ``torch.backends.cudnn.allow_tf32 = True``; GEMMs do not (``allow_tf32`` is False for matmul).
* float16 (DeepBench ``fp16-mixed``): tensor cores (fp32 accumulate) whenever the device has
  them. cuBLAS/cuDNN of the Volta era needed dimensions that are multiples of 8; DeepBench pads
  them (its V100 rows with N = 7133 or M = 5124 run at tensor-core speed) and libraries since
  CUDA 11 pad or use slower tensor-core kernels, so the model assumes eligibility (``aligned8``
  is recorded in the path label only). Convolutions are different: cuDNN of the Volta/Turing era
  runs a convolution on tensor cores only when C and K are multiples of 8 (DeepBench's V100 rows
  with C = 1 or 3 run 5-20x slower than tensor-core speed), so there the rule applies. Without
  tensor cores: the non-tensor fp16 rate if it is at least the fp32 rate, else fp32 math on
  16-bit storage.
* DeepBench ``fp16-pseudo`` (P100): 16-bit storage, fp32 math.
* DeepBench ``int8-int32acc``: the int8 peak (dp4a on Pascal), 1-byte inputs, 4-byte outputs.
* float64: the fp64 peak.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelbench.gpumodel.catalog import GpuSpec
from accelbench.gpumodel.equations import EFF_CLASSES

#: Architectures whose libraries take any shape on tensor cores without the user padding.
PADDING_ARCHS = ("Ampere", "Ada", "Hopper", "Blackwell")
#: Precision labels accepted (product dtypes and DeepBench's labels).
PRECISIONS = ("float32", "float16", "float64", "fp32", "fp16-pseudo", "fp16-mixed", "int8-int32acc")


@dataclass(frozen=True)
class MathPath:
    """Peak FLOP/s, efficiency class index, input and output bytes per element, and a label."""

    peak_flops_s: float
    eff_class: int
    in_bytes: float
    out_bytes: float
    label: str


def _path(peak_tflops: float, cls: str, in_bytes: float, out_bytes: float, label: str) -> MathPath:
    return MathPath(peak_tflops * 1e12, EFF_CLASSES.index(cls), in_bytes, out_bytes, label)


def math_path(gpu: GpuSpec, precision: str, *, aligned8: bool, conv: bool = False) -> MathPath:
    """The math path of one operation; ``aligned8`` says whether its dimensions are multiples of 8."""
    if precision in ("float32", "fp32"):
        if conv and gpu.tf32_tflops > 0 and precision == "float32":
            return _path(gpu.tf32_tflops, "tensor", 4, 4, "TF32 tensor cores (cuDNN default under PyTorch)")
        return _path(gpu.fp32_tflops, "fp32", 4, 4, "fp32 CUDA cores")
    if precision in ("float16", "fp16-mixed"):
        if gpu.has_tensor_cores and (aligned8 or not conv or gpu.arch in PADDING_ARCHS):
            padded = "" if aligned8 or gpu.arch in PADDING_ARCHS else " (dimensions padded to multiples of 8)"
            return _path(gpu.tensor_fp16_tflops, "tensor", 2, 2, "fp16 tensor cores, fp32 accumulate" + padded)
        if gpu.fp16_tflops >= gpu.fp32_tflops:
            return _path(gpu.fp16_tflops, "fp32", 2, 2, "fp16 CUDA cores")
        return _path(gpu.fp32_tflops, "fp32", 2, 2, "fp32 math on fp16 storage")
    if precision == "fp16-pseudo":
        return _path(gpu.fp32_tflops, "fp32", 2, 2, "fp32 math on fp16 storage")
    if precision == "int8-int32acc":
        if gpu.int8_tops > 0:
            return _path(gpu.int8_tops, "int8", 1, 4, "int8 dot products, int32 accumulate")
        return _path(gpu.fp32_tflops, "fp32", 1, 4, "int8 storage, fp32 math")
    if precision == "float64":
        return _path(gpu.fp64_tflops, "fp32", 8, 8, "fp64 units")
    raise ValueError(f"unknown precision {precision!r} (known: {', '.join(PRECISIONS)})")
