"""Lower a workload to a float32 torch module that hls4ml's PyTorch frontend converts faithfully.

* gemm -> ``nn.Linear(k, n, bias=False)`` holding the constant B; each of the batch*m rows of A
  is one inference of the Dense layer.
* conv2d -> ``nn.Conv2d(bias=False)``; hls4ml returns outputs channels-last, transposed back here.
* rnn_step -> the cell's equations as explicit Dense layers on concat(x, h), activations and
  element-wise Multiply/Add/Subtract merges, one timestep. A sequence (``timesteps > 1``) is the
  same cell design iterated: the C simulation runs it T times, feeding the state back (an LSTM
  cell then outputs concat(h', c')), so the hardware is one cell and the latency T cells.
  hls4ml's own recurrent layers are never used: ``nn.RNN`` converts but computes garbage on
  Vivado/Vitis (no layer code), and with hls4ml 1.3.0 here the PyTorch LSTM/GRU conversions also
  disagreed with PyTorch (abs error 0.19 and 0.73 at ap_fixed<18,8>)
  while the explicit-gate graphs agree within fixed-point error.
* model -> the network through hls4ml's PyTorch frontend; networks with depthwise convolutions
  (MobileNets, DS-CNN) through ONNX -> qonnx (cleanup, channels-last) -> hls4ml's ONNX frontend;
  a user's QONNX model as its own graph, quantizers kept (:mod:`accelbench.fpga.qonnx_lowering`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.workload import Workload

if TYPE_CHECKING:
    from torch import nn

#: Bumped when a lowering changes: part of the build-cache key.
LOWERING_VERSION = 4


@dataclass
class Lowered:
    """A torch module for hls4ml plus adapters between workload arrays and ``predict`` arrays."""

    module: nn.Module
    input_shapes: Sequence[tuple[int, ...]]
    to_hls: Callable[[tuple[np.ndarray, ...]], list[np.ndarray]]
    from_hls: Callable[[np.ndarray, int], np.ndarray]
    depth: int  # layers on the longest path, for the fixed-point tolerance
    route: str = "pytorch"  # "pytorch" (hls4ml's PyTorch frontend), "onnx" (ONNX -> qonnx -> hls4ml), "qonnx"
    steps: int = 1  # times the design runs per inference (a recurrent sequence: its timesteps)


def sequence_call(predict: Callable[[list[np.ndarray]], np.ndarray], workload: RnnStepWorkload,
                  inputs: tuple[np.ndarray, ...]) -> np.ndarray:
    """Run a one-step cell design over ``workload``'s sequence: (x[:, t], h[, c]) -> state, T times.

    ``predict`` maps the design's inputs to its output: h' (vanilla, GRU) or concat(h', c') (LSTM).
    Returns the last hidden state, (batch, hidden).
    """
    x, state = inputs[0], [_rows(v) for v in inputs[1:]]
    hid = workload.hidden
    for t in range(workload.timesteps):
        out = np.asarray(predict([_rows(x[:, t]), *state])).reshape(x.shape[0], -1)
        state = [_rows(out[:, :hid])] + ([_rows(out[:, hid:2 * hid])] if workload.cell == "lstm" else [])
    return state[0]


def why_not(workload: Workload) -> str:
    """Empty when the workload can be lowered, else the reason (every kind lowers today)."""
    return ""


def _rows(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def lower(workload: Workload) -> Lowered:
    """The hls4ml-ready module and adapters for ``workload`` (see :func:`why_not` first)."""
    if workload.params.get("format") == "qonnx":  # a quantized graph, converted as it is
        from accelbench.fpga.qonnx_lowering import QonnxCarrier

        carrier = QonnxCarrier.of(workload)
        return Lowered(carrier, [carrier.graph.input_shape], lambda ins: [_rows(ins[0])], carrier.from_hls,
                       depth=carrier.depth, route="qonnx")
    import torch
    from torch import nn

    weights = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in workload.weights().items()}
    if isinstance(workload, GemmWorkload):
        m, n, k = workload.m, workload.n, workload.k
        linear = nn.Linear(k, n, bias=False)
        b = weights["b"] if workload.params["trans_b"] else weights["b"].T  # Linear weight is (n, k)
        with torch.no_grad():
            linear.weight.copy_(b)
        module = nn.Sequential(linear).eval()

        def gemm_in(inputs: tuple[np.ndarray, ...]) -> list[np.ndarray]:
            a_op, _ = workload.operands(inputs[0], workload.weights()["b"])
            return [_rows(a_op.reshape(-1, k))]

        return Lowered(module, [(k,)], gemm_in, lambda y, batch: y.reshape(batch, m, n), depth=1)

    if isinstance(workload, Conv2dWorkload):
        p = workload.params
        conv = nn.Conv2d(p["c"], p["k"], (p["r"], p["s"]), stride=(p["stride_h"], p["stride_w"]),
                         padding=(p["pad_h"], p["pad_w"]), bias=False)
        with torch.no_grad():
            conv.weight.copy_(weights["w"])
        out_p, out_q = workload.out_hw

        def conv_out(y: np.ndarray, batch: int) -> np.ndarray:  # hls4ml writes channels-last
            return y.reshape(batch, out_p, out_q, p["k"]).transpose(0, 3, 1, 2)

        shape = (p["c"], p["h"], p["w"])
        return Lowered(nn.Sequential(conv).eval(), [shape], lambda ins: [_rows(ins[0])], conv_out, depth=1)

    if isinstance(workload, RnnStepWorkload):
        from accelbench.fpga.cells import cell_module

        steps = workload.timesteps
        cell = cell_module(workload, state_out=steps > 1)
        shapes: list[tuple[int, ...]] = [(workload.input_size,), (workload.hidden,)]
        if workload.cell == "lstm":
            shapes.append((workload.hidden,))
        return Lowered(cell, shapes, lambda ins: [_rows(x) for x in ins],
                       lambda y, batch: y.reshape(batch, -1)[:, :workload.hidden], depth=4, steps=steps)

    assert isinstance(workload, ModelWorkload)
    net = workload.module().float().eval()
    out_shape = workload.output_shape(1)[1:]

    def model_out(y: np.ndarray, batch: int) -> np.ndarray:
        if len(out_shape) == 3:  # feature maps come back channels-last
            c, h, w = out_shape
            return y.reshape(batch, h, w, c).transpose(0, 3, 1, 2)
        return y.reshape(batch, *out_shape)

    depth = sum(1 for layer in net.modules() if isinstance(layer, nn.Linear | nn.Conv2d))
    if workload.has_depthwise:
        # groups != 1 fails in hls4ml's PyTorch frontend: go through ONNX and qonnx, whose graph keeps
        # the framework's channels-first layout at both ends (transposes inside the design).
        return Lowered(net, [workload.input_shape], lambda ins: [_rows(ins[0])],
                       lambda y, batch: y.reshape(batch, *out_shape), depth=max(depth, 1), route="onnx")
    return Lowered(net, [workload.input_shape], lambda ins: [_rows(ins[0])], model_out, depth=max(depth, 1))
