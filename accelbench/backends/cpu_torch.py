"""cpu-torch: PyTorch eager on the CPU (optionally ``torch.compile`` with config ``torch_compile``).

One builder per kind in :data:`TORCH_BUILDERS` (shared with gpu-torch); the lowering wraps it in
``torch.inference_mode`` and hands the runner the bound callable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Prepared
from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.workload import Workload


def _weights(workload: Workload, device: str) -> dict[str, Any]:
    import torch

    return {k: torch.from_numpy(np.array(v)).to(device) for k, v in workload.weights().items()}


def _gemm(workload: Workload, device: str) -> Callable[..., Any]:
    import torch

    assert isinstance(workload, GemmWorkload)
    weights = _weights(workload, device)
    b = weights["b"].T if workload.params["trans_b"] else weights["b"]
    trans_a = bool(workload.params["trans_a"])

    def gemm(a: Any) -> Any:
        return torch.matmul(a.transpose(-1, -2) if trans_a else a, b)

    return gemm


def _conv2d(workload: Workload, device: str) -> Callable[..., Any]:
    import torch.nn.functional as F

    assert isinstance(workload, Conv2dWorkload)
    p, w = workload.params, _weights(workload, device)["w"]

    def conv(x: Any) -> Any:
        return F.conv2d(x, w, stride=(p["stride_h"], p["stride_w"]), padding=(p["pad_h"], p["pad_w"]))

    return conv


def _rnn(workload: Workload, device: str) -> Callable[..., Any]:
    import torch

    assert isinstance(workload, RnnStepWorkload)
    weights = _weights(workload, device)
    layer_cls = {"vanilla": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[workload.cell]
    extra = {"nonlinearity": "tanh"} if workload.cell == "vanilla" else {}
    layer = layer_cls(workload.input_size, workload.hidden, batch_first=True,
                      dtype=getattr(torch, workload.dtype), **extra)
    with torch.no_grad():
        for name in ("w_ih", "w_hh", "b_ih", "b_hh"):
            getattr(layer, f"{name.replace('w_', 'weight_').replace('b_', 'bias_')}_l0").copy_(weights[name])
    layer = layer.to(device=device).eval().requires_grad_(False)
    single = workload.timesteps == 1
    lstm = workload.cell == "lstm"

    def rnn(x: Any, h0: Any, c0: Any = None) -> Any:
        seq = x.unsqueeze(1) if single else x
        state = (h0.unsqueeze(0), c0.unsqueeze(0)) if lstm else h0.unsqueeze(0)
        _, h_n = layer(seq, state)
        return (h_n[0] if lstm else h_n)[0]

    return rnn


def _model(workload: Workload, device: str) -> Callable[..., Any]:
    assert isinstance(workload, ModelWorkload)
    module: Callable[..., Any] = workload.module().to(device)
    return module


#: workload kind -> builder of a torch function computing it on a device from its inputs (weights
#: captured). Shared by cpu-torch and gpu-torch: the lowering is the same, only the device differs.
TORCH_BUILDERS: dict[str, Callable[[Workload, str], Callable[..., Any]]] = {
    "gemm": _gemm, "conv2d": _conv2d, "rnn_step": _rnn, "model": _model,
}


def build_callable(workload: Workload, device: str = "cpu") -> Callable[..., Any]:
    """A torch function computing ``workload`` on ``device`` from its inputs (weights captured)."""
    return TORCH_BUILDERS[workload.kind](workload, device)


def lower_torch(workload: Workload, config: Mapping[str, Any], device: str) -> Prepared:
    """The torch lowering of any kind on ``device``: eager, or ``torch.compile`` when configured;
    the call runs under ``torch.inference_mode``."""
    import torch

    fn = build_callable(workload, device)
    notes = ["eager"]
    if config.get("torch_compile"):
        fn = torch.compile(fn)
        notes = ["torch.compile"]

    def call(*inputs: Any) -> Any:
        with torch.inference_mode():
            return fn(*inputs)

    return Prepared(workload, config, handle=fn, call=call, notes=notes)


def _lower_cpu(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    return lower_torch(workload, config, "cpu")


class TorchCpuBackend(BaseBackend):
    name = "cpu-torch"
    family = "cpu"
    lowerings = dict.fromkeys(TORCH_BUILDERS, _lower_cpu)

    def available(self) -> Availability:
        try:
            import torch
        except ImportError as exc:
            return Availability(False, f"torch is not installed ({exc})")
        return Availability(True, f"torch {torch.__version__}, {torch.get_num_threads()} threads")

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        import torch

        return tuple(torch.from_numpy(x) for x in inputs)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output.detach().numpy())

    def device_info(self) -> dict[str, Any]:
        import torch

        from accelbench.results.environment import cpu_model

        return {"device": cpu_model(), "torch": torch.__version__, "threads": torch.get_num_threads()}
