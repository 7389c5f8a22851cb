"""One recurrent cell step as explicit Dense layers, activations and element-wise merges.

hls4ml converts these graphs faithfully (Concatenate, Dense, Activation, Merge); its own
recurrent layers are not used (see :mod:`accelbench.fpga.lowering`). The gate equations are
defined once, host-side, in :func:`accelbench.kinds.rnn.cell_step`; these modules are the same
equations written as a torch graph hls4ml can trace (tests/unit/test_fpga_cells.py checks them
against ``cell_step``). Gate order and weight layout come from the workload (PyTorch's).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from accelbench.kinds.rnn import GATES, RnnStepWorkload


class Vanilla(nn.Module):
    """h' = tanh(W [x; h] + b)."""

    def __init__(self, fc: nn.Linear) -> None:
        super().__init__()
        self.fc = fc

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.fc(torch.cat([x, h], dim=1)))


class Lstm(nn.Module):
    """c' = s(f) c + s(i) tanh(g); h' = s(o) tanh(c')."""

    def __init__(self, i: nn.Linear, f: nn.Linear, g: nn.Linear, o: nn.Linear, state_out: bool = False) -> None:
        super().__init__()
        self.i, self.f, self.g, self.o = i, f, g, o
        self.state_out = state_out

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        xh = torch.cat([x, h], dim=1)
        keep = torch.mul(torch.sigmoid(self.f(xh)), c)
        write = torch.mul(torch.sigmoid(self.i(xh)), torch.tanh(self.g(xh)))
        c_new = torch.add(keep, write)
        h_new = torch.mul(torch.sigmoid(self.o(xh)), torch.tanh(c_new))
        return torch.cat([h_new, c_new], dim=1) if self.state_out else h_new


class Gru(nn.Module):
    """r, z = s(W [x; h] + b); n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h' = n + z (h - n)."""

    def __init__(self, r: nn.Linear, z: nn.Linear, nx: nn.Linear, nh: nn.Linear) -> None:
        super().__init__()
        self.r, self.z, self.nx, self.nh = r, z, nx, nh

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        xh = torch.cat([x, h], dim=1)
        r = torch.sigmoid(self.r(xh))
        z = torch.sigmoid(self.z(xh))
        n = torch.tanh(torch.add(self.nx(x), torch.mul(r, self.nh(h))))
        return torch.add(n, torch.mul(z, torch.sub(h, n)))


def _linear(weight: np.ndarray, bias: np.ndarray) -> nn.Linear:
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.asarray(weight, dtype=np.float32)))
        layer.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float32)))
    return layer


def cell_module(workload: RnnStepWorkload, state_out: bool = False) -> nn.Module:
    """The cell of ``workload`` with its constant weights, in eval mode.

    ``state_out``: an LSTM returns concat(h', c') (what a sequence feeds back); other cells' state is h'.
    """
    w = {key: np.asarray(value, dtype=np.float64) for key, value in workload.weights().items()}
    hid = workload.hidden
    assert GATES[workload.cell] * hid == w["w_ih"].shape[0]

    def gate(index: int) -> nn.Linear:
        rows = slice(index * hid, (index + 1) * hid)
        return _linear(np.concatenate([w["w_ih"][rows], w["w_hh"][rows]], axis=1), w["b_ih"][rows] + w["b_hh"][rows])

    if workload.cell == "vanilla":
        return Vanilla(gate(0)).eval()
    if workload.cell == "lstm":
        return Lstm(gate(0), gate(1), gate(2), gate(3), state_out=state_out).eval()
    n_rows = slice(2 * hid, 3 * hid)
    nx = _linear(w["w_ih"][n_rows], w["b_ih"][n_rows])
    nh = _linear(w["w_hh"][n_rows], w["b_hh"][n_rows])
    return Gru(gate(0), gate(1), nx, nh).eval()
