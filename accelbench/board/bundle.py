"""Design bundles: what the host sends to the board agent.

A bundle is a few named files: for a real board, the bitstream (``*.bit``), its hardware handoff
(``*.hwh``) as produced by hls4ml's VivadoAccelerator backend, and ``io.json`` (input/output
shapes and dtypes); for the emulated board, ``emulation.json`` (the workload and FPGA
configuration, from which the agent builds the hls4ml C simulation) and ``io.json``. A bundle is
identified by the SHA-256 of its sorted files, so the board caches it and it is sent once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
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
