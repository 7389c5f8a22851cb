"""Workload kinds: one module each, registered by name in :data:`KINDS`.

A kind module holds its definition (a :class:`~accelbench.workload.Workload` subclass with its
parameters, tensors, FLOP/byte counts) and its float64 reference. Adding a kind is one module here
plus one entry in :data:`KINDS`, then one lowering per backend that supports it (see CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accelbench.errors import UserError
from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.onnx_graph_model import OnnxGraphWorkload
from accelbench.kinds.qonnx_model import QonnxModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload
from accelbench.kinds.user_model import UserModelWorkload
from accelbench.workload import Workload

KINDS: dict[str, type[Workload]] = {
    "gemm": GemmWorkload,
    "conv2d": Conv2dWorkload,
    "rnn_step": RnnStepWorkload,
    "model": ModelWorkload,
}


def make_workload(kind: str, params: Mapping[str, Any], name: str | None = None) -> Workload:
    """Build a workload of ``kind`` from ``params``; every mistake is a UserError naming the field."""
    if kind not in KINDS:
        raise UserError(f"unknown workload kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    if kind == "model" and str(params.get("model", "")).startswith("user:"):  # a user's file, from stored parameters
        users = {"qonnx": QonnxModelWorkload, "onnx-graph": OnnxGraphWorkload}
        return users.get(str(params.get("format")), UserModelWorkload).from_params(dict(params), name=name)
    return KINDS[kind].from_params(dict(params), name=name)


__all__ = ["KINDS", "Conv2dWorkload", "GemmWorkload", "ModelWorkload", "RnnStepWorkload", "make_workload"]
