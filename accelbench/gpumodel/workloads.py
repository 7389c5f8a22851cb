"""accelbench workloads as model pieces (one item: the workload at one batch size).

* gemm: ``out[b] = a[b] @ B`` with a shared weight is one GEMM of ``(batch x m) x n x k``
  (transposes are not modeled: DeepBench's N/T variants differ by a few percent).
* conv2d: one convolution (implicit GEMM, Winograd where eligible) at the batch.
* rnn_step: the input projection of every timestep as one GEMM ``(gates x hidden) x (batch x T)
  x input_size`` (as cuDNN does it), then the recurrence: per timestep the gate GEMM,
  element-wise work and a step overhead.
* model: every leaf layer of the network, one kernel each (no fusion): Conv2d as a convolution
  (grouped and depthwise included), Linear as a GEMM, every other layer as an element-wise
  stream of its input and output. Layer shapes come from one forward pass with hooks at batch 1.
"""

from __future__ import annotations

import math
from typing import Any

from accelbench.gpumodel.catalog import GpuSpec
from accelbench.gpumodel.pieces import Piece, conv_piece, gemm_piece, rnn_piece, stream_piece
from accelbench.gpumodel.precision import MathPath
from accelbench.workload import DTYPES, Workload

#: Workload kinds the model lowers, and the fitted range each uses.
RANGE_KIND = {"gemm": "gemm", "conv2d": "conv", "rnn_step": "rnn"}


def lower(workload: Workload, batch: int, gpu: GpuSpec) -> tuple[list[Piece], list[MathPath], list[str]]:
    """Pieces (item 0) for ``workload`` at ``batch``; the math paths used; the range kinds involved."""
    p = workload.params
    dtype = workload.dtype
    if workload.kind == "gemm":
        piece, path = gemm_piece(0, gpu, dtype, batch * int(p["m"]), int(p["n"]), int(p["k"]))
        return [piece], [path], ["gemm"]
    if workload.kind == "conv2d":
        piece, path = conv_piece(0, gpu, dtype, batch=batch, c=int(p["c"]), h=int(p["h"]), w=int(p["w"]),
                                 k=int(p["k"]), r=int(p["r"]), s=int(p["s"]), stride_h=int(p["stride_h"]),
                                 stride_w=int(p["stride_w"]), pad_h=int(p["pad_h"]), pad_w=int(p["pad_w"]))
        return [piece], [path], ["conv"]
    if workload.kind == "rnn_step":
        cell, hidden, steps = str(p["cell"]), int(p["hidden"]), int(p.get("timesteps", 1))
        gates = {"vanilla": 1, "lstm": 4, "gru": 3}[cell]
        projection, path1 = gemm_piece(0, gpu, dtype, gates * hidden, batch * steps, int(p["input_size"]))
        recurrence, path2 = rnn_piece(0, gpu, dtype, cell=cell, hidden=hidden, batch=batch, timesteps=steps)
        return [projection, recurrence], [path1, path2], ["gemm", "rnn"]
    if workload.kind == "model":
        return _model_pieces(workload, batch, gpu)
    raise ValueError(f"gpu-model does not lower {workload.kind}")


def _model_pieces(workload: Workload, batch: int, gpu: GpuSpec) -> tuple[list[Piece], list[MathPath], list[str]]:
    import torch
    from torch import nn

    module: nn.Module = workload.module()  # type: ignore[attr-defined]
    input_shape: tuple[int, ...] = workload.input_shape  # type: ignore[attr-defined]
    dtype = workload.dtype
    itemsize = float(DTYPES[dtype]().itemsize)
    pieces: list[Piece] = []
    paths: list[MathPath] = []
    kinds: set[str] = set()

    def hook(layer: nn.Module, args: Any, out: Any) -> None:
        x = args[0]
        y = out[0] if isinstance(out, tuple) else out
        if isinstance(layer, nn.Conv2d):
            kh, kw = layer.kernel_size
            sh, sw = layer.stride
            if isinstance(layer.padding, str):  # "same" keeps the size, "valid" pads nothing
                ph, pw = ((kh - 1) // 2, (kw - 1) // 2) if layer.padding == "same" else (0, 0)
            else:
                ph, pw = layer.padding
            piece, path = conv_piece(0, gpu, dtype, batch=batch, c=layer.in_channels, h=int(x.shape[-2]),
                                     w=int(x.shape[-1]), k=layer.out_channels, r=kh, s=kw, stride_h=sh,
                                     stride_w=sw, pad_h=int(ph), pad_w=int(pw), groups=layer.groups)
            pieces.append(piece)
            paths.append(path)
            kinds.add("conv")
        elif isinstance(layer, nn.Linear):
            rows = batch * math.prod(int(d) for d in x.shape[1:-1])
            piece, path = gemm_piece(0, gpu, dtype, rows, layer.out_features, layer.in_features)
            pieces.append(piece)
            paths.append(path)
            kinds.add("gemm")
        elif isinstance(layer, nn.Flatten | nn.Identity | nn.Dropout):
            return  # views and no-ops launch nothing
        else:
            moved = batch * (x.numel() + y.numel()) * itemsize
            pieces.append(stream_piece(0, gpu, moved, flops=float(batch * y.numel())))
            kinds.add("conv" if y.dim() == 4 else "gemm")

    leaves = [m for m in module.modules() if m is not module and not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        with torch.no_grad():
            module(torch.zeros((1, *input_shape), dtype=getattr(torch, dtype)))
    finally:
        for handle in handles:
            handle.remove()
    return pieces, paths, sorted(kinds) or ["gemm"]
