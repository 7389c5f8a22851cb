"""The GPU catalog (catalog.toml beside this file): data-sheet figures per device, each cited.

Units in the file: MHz, TFLOP/s (int8: TOP/s), GB/s, MiB, W; :class:`GpuSpec` converts them to SI
(FLOP/s, B/s, bytes) in its properties. ``lookup`` resolves a user's ``--model-gpu`` name (key or
alias, case-insensitive); ``match_device_name`` finds the entry for a name a driver reports.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from accelbench.errors import UserError

CATALOG_PATH = Path(__file__).resolve().parent / "catalog.toml"

#: Numeric fields every [[gpu]] entry must give, each with a citation in ``cite``.
NUMBERS: tuple[str, ...] = (
    "sms", "boost_clock_mhz", "fp64_tflops", "fp32_tflops", "fp16_tflops", "tensor_fp16_tflops",
    "tf32_tflops", "int8_tops", "bandwidth_gbs", "l2_mib", "tdp_w",
)


@dataclass(frozen=True)
class GpuSpec:
    """One catalog device. Raw fields in the catalog's units; properties in SI units."""

    key: str
    name: str
    vendor: str
    arch: str
    aliases: tuple[str, ...]
    sms: int
    boost_clock_mhz: float
    fp64_tflops: float
    fp32_tflops: float
    fp16_tflops: float
    tensor_fp16_tflops: float
    tf32_tflops: float
    int8_tops: float
    bandwidth_gbs: float
    l2_mib: float
    tdp_w: float
    cite: dict[str, str]
    deepbench: str | None = None

    @property
    def bandwidth_bytes_s(self) -> float:
        return self.bandwidth_gbs * 1e9

    @property
    def l2_bytes(self) -> float:
        return self.l2_mib * 2**20

    @property
    def has_tensor_cores(self) -> bool:
        return self.tensor_fp16_tflops > 0

    def sources(self, documents: dict[str, str]) -> dict[str, str]:
        """Each number's source in words: the cited document's title, or the derivation."""
        return {name: documents.get(ref, ref) for name, ref in self.cite.items()}


@dataclass(frozen=True)
class Catalog:
    gpus: tuple[GpuSpec, ...]
    documents: dict[str, str]

    def keys(self) -> list[str]:
        return [gpu.key for gpu in self.gpus]

    def by_key(self, key: str) -> GpuSpec:
        for gpu in self.gpus:
            if gpu.key == key:
                return gpu
        raise KeyError(key)

    def by_deepbench(self, device: str) -> GpuSpec | None:
        return next((gpu for gpu in self.gpus if gpu.deepbench == device), None)


def _spec(entry: dict[str, Any]) -> GpuSpec:
    numbers = {name: entry[name] for name in NUMBERS}
    return GpuSpec(
        key=str(entry["key"]), name=str(entry["name"]), vendor=str(entry["vendor"]), arch=str(entry["arch"]),
        aliases=tuple(str(a) for a in entry.get("aliases", ())),
        cite={str(k): str(v) for k, v in entry.get("cite", {}).items()},
        deepbench=entry.get("deepbench"),
        sms=int(numbers.pop("sms")),
        **{name: float(value) for name, value in numbers.items()},
    )


@cache
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Parse catalog.toml (cached)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return Catalog(tuple(_spec(entry) for entry in data["gpu"]), dict(data.get("documents", {})))


def _norm(text: str) -> str:
    return " ".join(text.upper().replace("_", " ").split())


def lookup(name: str) -> GpuSpec:
    """The catalog entry for a user-given GPU name (key or alias, case-insensitive).

    Raises UserError listing the known keys when nothing matches.
    """
    wanted = _norm(name)
    catalog = load_catalog()
    for gpu in catalog.gpus:
        if wanted == _norm(gpu.key) or wanted in (_norm(alias) for alias in gpu.aliases):
            return gpu
    raise UserError(f"unknown GPU {name!r} for --model-gpu (known: {', '.join(catalog.keys())})")


def match_device_name(device_name: str) -> GpuSpec | None:
    """The entry for a driver-reported name ("Tesla V100-SXM2-16GB"), longest alias first; None if none."""
    text = _norm(device_name.replace("-", " ")).replace("NVIDIA ", "").replace("GEFORCE ", "")
    candidates = [(len(alias), gpu) for gpu in load_catalog().gpus for alias in (gpu.key, *gpu.aliases)
                  if re.search(rf"(?<![A-Z0-9]){re.escape(_norm(alias.replace('-', ' ')))}(?![A-Z0-9])", text)]
    if not candidates:
        return None
    return max(candidates, key=lambda pair: pair[0])[1]
