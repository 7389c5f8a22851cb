"""Work items as *pieces* (one kernel shape, possibly repeated) and their vectorised evaluation.

A workload (a DeepBench row, an accelbench workload, a network) becomes a list of
:class:`Piece`: a GEMM, a convolution (implicit GEMM, or Winograd where eligible), a recurrent
layer (per timestep: the gate GEMM, element-wise work and a step overhead) or an element-wise
stream. :func:`evaluate` prices many pieces at once and sums them per item:

    piece time = launches x launch_s + repeat x (kernel time + step overhead + stream time)

Seconds throughout; bytes and FLOPs are per piece execution.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from accelbench.gpumodel.catalog import GpuSpec
from accelbench.gpumodel.equations import EFF_CLASSES, Constants, Ops, gemm_time, stream_time
from accelbench.gpumodel.precision import MathPath, math_path


@dataclass(frozen=True)
class Piece:
    """One kernel shape on one device. ``item`` groups pieces into one predicted latency."""

    item: int
    m: float
    n: float
    k: float
    a_bytes: float
    b_bytes: float
    c_bytes: float
    peak_flops_s: float
    eff_class: int
    amd: float
    sms: float
    bandwidth_bytes_s: float
    l2_bytes: float
    has_gemm: float = 1.0
    conv: float = 0.0
    winograd: float = 0.0
    l2_weights: float = 0.0
    repeat: float = 1.0
    launches: float = 1.0
    step_overheads: float = 0.0
    stream_bytes: float = 0.0
    flops: float = 0.0
    elem_bytes: float = 4.0


def _device(gpu: GpuSpec) -> dict[str, float]:
    return {"amd": 1.0 if gpu.vendor == "AMD" else 0.0, "sms": float(gpu.sms),
            "bandwidth_bytes_s": gpu.bandwidth_bytes_s, "l2_bytes": gpu.l2_bytes}


def _aligned(*dims: int) -> bool:
    return all(d % 8 == 0 for d in dims)


def gemm_piece(item: int, gpu: GpuSpec, precision: str, m: int, n: int, k: int) -> tuple[Piece, MathPath]:
    """``C[m,n] = A[m,k] B[k,n]`` as one kernel."""
    path = math_path(gpu, precision, aligned8=_aligned(m, n, k))
    piece = Piece(item, m, n, k, m * k * path.in_bytes, k * n * path.in_bytes, m * n * path.out_bytes,
                  path.peak_flops_s, path.eff_class, flops=2.0 * m * n * k, elem_bytes=path.in_bytes,
                  **_device(gpu))
    return piece, path


def conv_piece(item: int, gpu: GpuSpec, precision: str, *, batch: int, c: int, h: int, w: int, k: int,
               r: int, s: int, stride_h: int, stride_w: int, pad_h: int, pad_w: int,
               groups: int = 1) -> tuple[Piece, MathPath]:
    """An NCHW convolution as implicit GEMM (M = batch x P x Q, N = K, K = C x R x S per group);
    Winograd is a second candidate for 3x3 stride-1 filters (the faster one counts)."""
    p = (h + 2 * pad_h - r) // stride_h + 1
    q = (w + 2 * pad_w - s) // stride_w + 1
    c_group, k_group = c // groups, k // groups
    path = math_path(gpu, precision, aligned8=_aligned(c_group, k_group), conv=True)
    m_gemm, n_gemm, k_gemm = batch * p * q, k_group, c_group * r * s
    # Winograd: 3x3 stride-1 float convolutions (cuDNN has no int8 Winograd).
    floating = path.eff_class != EFF_CLASSES.index("int8")
    winograd = 1.0 if (r == s == 3 and stride_h == 1 and stride_w == 1 and groups == 1 and floating) else 0.0
    # Grouped convolutions: the groups run side by side, so N and the operands scale with groups.
    piece = Piece(item, m_gemm, n_gemm * groups, k_gemm,
                  batch * c * h * w * path.in_bytes, k * c_group * r * s * path.in_bytes,
                  batch * k * p * q * path.out_bytes, path.peak_flops_s, path.eff_class,
                  conv=1.0, winograd=winograd, flops=2.0 * m_gemm * k * k_gemm, elem_bytes=path.in_bytes,
                  **_device(gpu))
    return piece, path


#: Element-wise bytes per hidden unit and batch element of one recurrent step, in elements of
#: the output type: read the gate pre-activations, read/write the state(s).
_RNN_STREAM_ELEMENTS = {"vanilla": 3, "lstm": 4 + 4, "gru": 3 + 3 + 3}
GATES = {"vanilla": 1, "lstm": 4, "gru": 3}


def rnn_piece(item: int, gpu: GpuSpec, precision: str, *, cell: str, hidden: int, batch: int,
              timesteps: int) -> tuple[Piece, MathPath]:
    """The recurrent part of one layer over ``timesteps`` (DeepBench's measurement: the input
    projection W·x is done beforehand as one GEMM and is not included). Per step: the gate GEMM
    ``[gates*hidden, batch] = W_hh[gates*hidden, hidden] h[hidden, batch]`` (weights served from L2
    when they fit), element-wise work, and a step overhead."""
    g = GATES[cell] * hidden
    path = math_path(gpu, precision, aligned8=_aligned(g, batch, hidden))
    stream = _RNN_STREAM_ELEMENTS[cell] * hidden * batch * path.out_bytes
    piece = Piece(item, g, batch, hidden, g * hidden * path.in_bytes, hidden * batch * path.in_bytes,
                  g * batch * path.out_bytes, path.peak_flops_s, path.eff_class, l2_weights=1.0,
                  repeat=timesteps, launches=1.0, step_overheads=1.0, stream_bytes=stream,
                  flops=2.0 * g * batch * hidden * timesteps, elem_bytes=path.in_bytes, **_device(gpu))
    return piece, path


def stream_piece(item: int, gpu: GpuSpec, bytes_moved: float, flops: float = 0.0) -> Piece:
    """An element-wise kernel (activation, pooling, normalisation) streaming ``bytes_moved``."""
    return Piece(item, 1, 1, 1, 0, 0, 0, gpu.fp32_tflops * 1e12, 0, has_gemm=0.0,
                 stream_bytes=bytes_moved, flops=flops, **_device(gpu))


@dataclass(frozen=True)
class PieceTable:
    """Pieces as column arrays (what :func:`evaluate` needs), built once for repeated fitting."""

    columns: dict[str, np.ndarray]
    n_items: int

    @classmethod
    def build(cls, pieces: list[Piece]) -> PieceTable:
        names = [f.name for f in fields(Piece)]
        columns = {name: np.array([getattr(p, name) for p in pieces], dtype=float) for name in names}
        n_items = int(columns["item"].max()) + 1 if pieces else 0
        return cls(columns, n_items)


@dataclass(frozen=True)
class Prediction:
    """Per item: ``latency_s``, and the summed ``compute_s`` / ``memory_s`` / ``overhead_s`` parts
    and ``ideal_s`` (FLOPs at peak or bytes at full bandwidth, whichever is longer, summed)."""

    latency_s: np.ndarray
    compute_s: np.ndarray
    memory_s: np.ndarray
    overhead_s: np.ndarray
    ideal_s: np.ndarray


def evaluate(table: PieceTable, c: Constants) -> Prediction:
    """Predicted latency of every item in ``table`` under constants ``c``."""
    col = table.columns
    l2_fit = (col["l2_weights"] > 0) & (col["a_bytes"] <= col["l2_bytes"])
    weight_bytes = np.where(l2_fit, col["a_bytes"] / c.l2_speed, col["a_bytes"])
    kind_eff = np.where(col["conv"] > 0, c.conv_eff, 1.0)

    def ops(rows: np.ndarray, k: np.ndarray) -> Ops:
        return Ops(col["m"][rows], col["n"][rows], k, weight_bytes[rows], col["b_bytes"][rows],
                   col["c_bytes"][rows], col["peak_flops_s"][rows], col["eff_class"][rows], col["amd"][rows],
                   col["sms"][rows], col["bandwidth_bytes_s"][rows], col["l2_bytes"][rows], kind_eff[rows],
                   col["elem_bytes"][rows])

    everything = np.arange(len(col["m"]))
    best = gemm_time(ops(everything, col["k"]), c)
    kernel, compute, memory = best.time_s.copy(), best.compute_s.copy(), best.memory_s.copy()
    eligible = np.flatnonzero(col["winograd"] > 0)
    if len(eligible):  # Winograd: fewer multiplications (K / wino_gain), the faster kernel counts
        wino = gemm_time(ops(eligible, np.maximum(1.0, np.ceil(col["k"][eligible] / c.wino_gain))), c)
        faster = wino.time_s < kernel[eligible]
        chosen = eligible[faster]
        kernel[chosen], compute[chosen], memory[chosen] = (
            wino.time_s[faster], wino.compute_s[faster], wino.memory_s[faster])
    kernel, compute, memory = (kernel * col["has_gemm"], compute * col["has_gemm"], memory * col["has_gemm"])
    stream = stream_time(col["stream_bytes"], col["bandwidth_bytes_s"], c)
    overhead = col["launches"] * c.launch_s + col["repeat"] * col["step_overheads"] * c.rnn_step_s
    latency = overhead + col["repeat"] * (kernel + stream)
    ideal = np.maximum(col["flops"] / col["peak_flops_s"],
                       col["repeat"] * (col["a_bytes"] + col["b_bytes"] + col["c_bytes"] + col["stream_bytes"])
                       / col["bandwidth_bytes_s"])
    items = col["item"].astype(int)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(items, weights=values, minlength=table.n_items)

    return Prediction(total(latency), total(col["repeat"] * compute), total(col["repeat"] * (memory + stream)),
                      total(overhead), total(ideal))
