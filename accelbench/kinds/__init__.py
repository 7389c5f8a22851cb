"""Workload kinds: one module each, registered by name in :data:`KINDS`."""

from __future__ import annotations

from accelbench.kinds.conv2d import Conv2dWorkload
from accelbench.kinds.gemm import GemmWorkload
from accelbench.kinds.model import ModelWorkload
from accelbench.kinds.rnn import RnnStepWorkload

KINDS = {
    "gemm": GemmWorkload,
    "conv2d": Conv2dWorkload,
    "rnn_step": RnnStepWorkload,
    "model": ModelWorkload,
}

__all__ = ["KINDS", "Conv2dWorkload", "GemmWorkload", "ModelWorkload", "RnnStepWorkload"]
