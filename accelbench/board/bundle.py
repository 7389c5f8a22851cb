"""Design bundles: what the host sends to the board agent.

A bundle is a few named files: for a real board, the bitstream (``*.bit``), its hardware handoff
(``*.hwh``) as produced by hls4ml's VivadoAccelerator backend, and ``io.json`` (input/output
shapes and dtypes); for the emulated board, ``emulation.json`` (the workload and FPGA
configuration, from which the agent builds the hls4ml C simulation) and ``io.json``. A bundle is
identified by the SHA-256 of its sorted files, so the board caches it and it is sent once. The
build and size limits of an emulated design are the agent's (:class:`DesignLimits`), never the
bundle's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accelbench.board.protocol import check_name


def bundle_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(check_name(name).encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:32]


def emulation_bundle(kind: str, params: Mapping[str, Any], name: str, config: Mapping[str, Any],
                     io: Mapping[str, Any]) -> dict[str, bytes]:
    spec = {"kind": kind, "params": dict(params), "name": name, "config": dict(config)}
    return {"emulation.json": json.dumps(spec, sort_keys=True).encode(),
            "io.json": json.dumps(dict(io), sort_keys=True).encode()}


#: Design keys a client's ``emulation.json`` may set (everything else is refused or the agent's).
DESIGN_KEYS = ("fpga_part", "fpga_board", "clock_ns", "reuse_factor", "strategy", "precision", "io_type",
               "fpga_rtol")
#: Build and size limits: set only by the agent, whatever the client's ``emulation.json`` says.
LIMIT_KEYS = ("model_only_max_mults", "build_timeout_s", "build_memory_gb")


@dataclass(frozen=True)
class DesignLimits:
    """What the agent lets an emulated design cost: multiplications compiled for C simulation,
    build seconds, build memory (GB) and weight bytes (of gemm/conv2d/rnn_step constants)."""

    model_only_max_mults: int = 16_384
    build_timeout_s: float = 900.0
    build_memory_gb: float = 8.0
    max_weight_bytes: int = 256 * 2**20


def emulation_config(config: Mapping[str, Any], limits: DesignLimits) -> tuple[dict[str, Any], list[str]]:
    """The configuration the agent builds with: the client's design keys plus the agent's limits.

    Returns it and the limit keys the client tried to set (ignored). Unknown keys are refused.
    """
    unknown = sorted(set(config) - set(DESIGN_KEYS) - set(LIMIT_KEYS))
    if unknown:
        raise ValueError(f"emulation.json: unknown configuration keys {', '.join(unknown)} "
                         f"(known: {', '.join(DESIGN_KEYS)})")
    design = {k: v for k, v in config.items() if k in DESIGN_KEYS}
    agent = {key: getattr(limits, key) for key in LIMIT_KEYS}
    return {**design, **agent}, sorted(k for k in config if k in LIMIT_KEYS)
