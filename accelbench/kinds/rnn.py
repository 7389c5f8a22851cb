"""rnn_step: one timestep (or a short sequence) of a vanilla, LSTM or GRU cell, PyTorch semantics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelbench.workload import (
    TensorSpec,
    Workload,
    check_known,
    require_choice,
    require_dtype,
    require_int,
    require_rtol,
)

CELLS = ("vanilla", "lstm", "gru")
GATES = {"vanilla": 1, "lstm": 4, "gru": 3}
_KNOWN = ("cell", "hidden", "input_size", "batch", "timesteps", "dtype", "rtol")


@dataclass(frozen=True, eq=False)
class RnnStepWorkload(Workload):
    kind: str = field(init=False, default="rnn_step")

    @classmethod
    def from_params(cls, params: dict[str, Any], name: str | None = None) -> RnnStepWorkload:
        check_known("rnn_step", params, _KNOWN)
        hidden = require_int(params, "hidden")
        norm: dict[str, Any] = {
            "cell": require_choice(params, "cell", CELLS, default="lstm"),
            "hidden": hidden,
            "input_size": require_int(params, "input_size", default=hidden),
            "timesteps": require_int(params, "timesteps", default=1),
            "dtype": require_dtype(params),
        }
        if "batch" in params:
            norm["batch"] = require_int(params, "batch")
        rtol = require_rtol(params)
        if rtol is not None:
            norm["rtol"] = rtol
        steps = "" if norm["timesteps"] == 1 else f"-t{norm['timesteps']}"
        label = f"rnn-{norm['cell']}-h{hidden}-i{norm['input_size']}{steps}-{norm['dtype']}"
        return cls(name=name or label, params=norm)

    @property
    def cell(self) -> str:
        return str(self.params["cell"])

    @property
    def hidden(self) -> int:
        return int(self.params["hidden"])

    @property
    def input_size(self) -> int:
        return int(self.params["input_size"])

    @property
    def timesteps(self) -> int:
        return int(self.params["timesteps"])

    @property
    def gates(self) -> int:
        return GATES[self.cell]

    @property
    def inputs(self) -> tuple[TensorSpec, ...]:
        x_shape = (self.input_size,) if self.timesteps == 1 else (self.timesteps, self.input_size)
        specs = [TensorSpec("x", x_shape, self.dtype), TensorSpec("h0", (self.hidden,), self.dtype)]
        if self.cell == "lstm":
            specs.append(TensorSpec("c0", (self.hidden,), self.dtype))
        return tuple(specs)

    @property
    def weight_specs(self) -> tuple[TensorSpec, ...]:
        g = self.gates * self.hidden
        return (
            TensorSpec("w_ih", (g, self.input_size), self.dtype, role="weight", batched=False),
            TensorSpec("w_hh", (g, self.hidden), self.dtype, role="weight", batched=False),
            TensorSpec("b_ih", (g,), self.dtype, role="weight", batched=False),
            TensorSpec("b_hh", (g,), self.dtype, role="weight", batched=False),
        )

    def _fan_in(self, spec: TensorSpec) -> int:
        return self.hidden  # torch.nn.RNNCell family: uniform(-1/sqrt(hidden), 1/sqrt(hidden))

    def output_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, self.hidden)

    def flops(self, batch: int) -> int:
        g = self.gates * self.hidden
        matmul = 2 * batch * g * (self.input_size + self.hidden)
        pointwise = {"vanilla": 2, "lstm": 10, "gru": 12}[self.cell] * batch * self.hidden
        return self.timesteps * (matmul + 2 * batch * g + pointwise)

    def reference(self, inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        w = {key: value.astype(np.float64) for key, value in self.weights().items()}
        x = inputs[0].astype(np.float64)
        h = inputs[1].astype(np.float64)
        c = inputs[2].astype(np.float64) if self.cell == "lstm" else None
        return run_cell(self.cell, (x, h, c) if c is not None else (x, h), w)


def run_cell(cell: str, inputs: tuple[np.ndarray, ...], w: dict[str, np.ndarray]) -> np.ndarray:
    """The last hidden state after running ``cell`` over ``inputs`` = (x, h0[, c0]).

    ``x`` is (batch, input_size) for one step or (batch, timesteps, input_size) for a sequence.
    Computes in the inputs' dtype: the float64 reference and the NumPy lowering both use it.
    """
    x, h = inputs[0], inputs[1]
    c = inputs[2] if cell == "lstm" else None
    steps = [x] if x.ndim == 2 else [x[:, t] for t in range(x.shape[1])]
    for xt in steps:
        h, c = cell_step(cell, xt, h, c, w)
    return h


def sigmoid(v: np.ndarray) -> np.ndarray:
    """The logistic function (PyTorch's gate nonlinearity)."""
    return 1.0 / (1.0 + np.exp(-v))


def cell_step(
    cell: str, x: np.ndarray, h: np.ndarray, c: np.ndarray | None, w: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray | None]:
    """One cell step with PyTorch's equations; returns the new (h, c).

    This is the one host-side definition of the vanilla/LSTM/GRU gate equations: the float64
    reference, the NumPy lowering and the hls4ml gate-graph builder use it; device kernels (Numba,
    CUDA) keep their own code and their tests compare against it.
    """
    gi = x @ w["w_ih"].T + w["b_ih"]
    gh = h @ w["w_hh"].T + w["b_hh"]
    if cell == "vanilla":
        return np.tanh(gi + gh), None
    if cell == "lstm":
        assert c is not None
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c_new), c_new
    r_i, z_i, n_i = np.split(gi, 3, axis=-1)
    r_h, z_h, n_h = np.split(gh, 3, axis=-1)
    r = sigmoid(r_i + r_h)
    z = sigmoid(z_i + z_h)
    n = np.tanh(n_i + r * n_h)
    return (1.0 - z) * n + z * h, None
