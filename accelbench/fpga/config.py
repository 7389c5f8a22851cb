"""FPGA design configuration: command-line options over per-board and per-workload presets.

Precedence (lowest first): ``[defaults]`` of ``hls/presets.toml``, ``[kinds.<kind>]``,
``[models.<model>]``, ``[boards.<board>]``, then explicit configuration keys (the ``run`` flags
``--fpga-part --clock-ns --reuse-factor --strategy --precision --io-type --fpga-board``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from accelbench.errors import UserError
from accelbench.fpga.parts import get_board, get_part
from accelbench.fpga.precision import FixedPoint, parse_precision
from accelbench.locate import data_dir
from accelbench.workload import Workload

if TYPE_CHECKING:
    from accelbench.fpga.profiles import Profile

STRATEGIES = ("latency", "resource")
IO_TYPES = ("io_parallel", "io_stream")

#: Configuration keys this module reads (``run`` flags map onto them).
KEYS = ("fpga_part", "fpga_board", "clock_ns", "reuse_factor", "strategy", "precision", "io_type",
        "model_only_max_mults", "build_timeout_s", "build_memory_gb", "fpga_rtol", "hls_tool", "hls4ml_version",
        "toggle_rate")


@dataclass(frozen=True)
class FpgaConfig:
    """One hls4ml design point. Validated on construction; every error names the field."""

    part: str
    clock_ns: float
    reuse_factor: int
    strategy: str
    io_type: str
    precision: str
    board: str | None = None
    model_only_max_mults: int = 16_384
    build_timeout_s: float = 900.0
    build_memory_gb: float = 8.0
    rtol: float | None = None
    hls_tool: str | None = None
    hls4ml_version: str | None = None
    toggle_rate: float | None = None

    def __post_init__(self) -> None:
        get_part(self.part)
        if self.hls_tool is not None:
            from accelbench.fpga.profiles import get_profile

            get_profile(self.hls_tool, self.hls4ml_version)
        if self.toggle_rate is not None and not 0.0 < self.toggle_rate <= 1.0:
            raise UserError(f"toggle rate must be within (0, 1], got {self.toggle_rate!r}")
        if self.board is not None:
            get_board(self.board)
        if not isinstance(self.reuse_factor, int) or isinstance(self.reuse_factor, bool) or self.reuse_factor < 1:
            raise UserError(f"reuse factor must be an integer >= 1, got {self.reuse_factor!r}")
        if not self.clock_ns > 0:
            raise UserError(f"clock period (--clock-ns) must be > 0 ns, got {self.clock_ns!r}")
        if self.strategy not in STRATEGIES:
            raise UserError(f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        if self.io_type not in IO_TYPES:
            raise UserError(f"io type must be one of {', '.join(IO_TYPES)}, got {self.io_type!r}")
        parse_precision(self.precision)
        if self.build_timeout_s <= 0 or self.build_memory_gb <= 0:
            raise UserError("build timeout and memory limit must be > 0")
        if self.rtol is not None and not self.rtol > 0:
            raise UserError(f"fpga_rtol must be > 0, got {self.rtol!r}")

    @property
    def fixed(self) -> FixedPoint:
        return parse_precision(self.precision)

    def tolerance(self, depth: int) -> float:
        """A coarse relative tolerance without the design's layers: ``fpga_rtol``, or 16 LSBs per layer of
        depth, at most :data:`accelbench.fpga.tolerance.MAX_RTOL`. fpga-hls4ml uses the per-layer bound of
        :func:`accelbench.fpga.tolerance.precision_tolerance` instead.
        """
        from accelbench.fpga.tolerance import MAX_RTOL

        if self.rtol is not None:
            return self.rtol
        return min(MAX_RTOL, 16 * depth * self.fixed.lsb)

    def profile(self) -> Profile:
        """The HLS tool profile of this design (the installed hls4ml's Vitis version by default), with
        ``toggle_rate`` replacing the profile's activity when given."""
        import dataclasses

        from accelbench.fpga.profiles import get_profile

        profile = get_profile(self.hls_tool, self.hls4ml_version)
        if self.toggle_rate is not None:
            profile = dataclasses.replace(profile, toggle_rate=self.toggle_rate)
        return profile

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _presets() -> dict[str, Any]:
    return tomllib.loads((data_dir("hls") / "presets.toml").read_text())


def _number(value: Any, key: str, cast: type) -> Any:
    try:
        return cast(value)
    except (TypeError, ValueError):
        raise UserError(f"{key} must be a {cast.__name__}, got {value!r}") from None


def resolve_config(workload: Workload | None, config: Mapping[str, Any]) -> FpgaConfig:
    """Merge presets and ``config`` into a validated :class:`FpgaConfig` for ``workload``."""
    presets = _presets()
    merged: dict[str, Any] = dict(presets["defaults"])
    if workload is not None:
        kind = dict(presets.get("kinds", {}).get(workload.kind, {}))
        hw_threshold = kind.pop("io_type_from_hw", None)
        merged.update(kind)
        if hw_threshold is not None and min(workload.params.get("h", 0), workload.params.get("w", 0)) >= hw_threshold:
            merged["io_type"] = "io_stream"
        if workload.kind == "model":
            merged.update(presets.get("models", {}).get(str(workload.params.get("model")), {}))
    board = config.get("fpga_board")
    if board is not None:
        merged["part"] = get_board(str(board)).part
        merged.update(presets.get("boards", {}).get(str(board), {}))
    if "fpga_part" in config:
        merged["part"] = config["fpga_part"]
        if board is None:
            merged.setdefault("clock_ns", get_part(str(config["fpga_part"])).default_clock_ns)
    for key in ("clock_ns", "reuse_factor", "strategy", "precision", "io_type",
                "model_only_max_mults", "build_timeout_s", "build_memory_gb"):
        if key in config:
            merged[key] = config[key]
    clock = merged.get("clock_ns", get_part(str(merged["part"])).default_clock_ns)
    rtol = config.get("fpga_rtol")
    reuse = merged["reuse_factor"]
    if isinstance(reuse, str):
        reuse = _number(reuse, "reuse factor", int)
    return FpgaConfig(
        part=str(merged["part"]),
        clock_ns=_number(clock, "clock period (--clock-ns)", float),
        reuse_factor=reuse,
        strategy=str(merged["strategy"]).lower(),
        io_type=str(merged["io_type"]),
        precision=str(merged["precision"]),
        board=str(board) if board is not None else None,
        model_only_max_mults=_number(merged["model_only_max_mults"], "model_only_max_mults", int),
        build_timeout_s=_number(merged["build_timeout_s"], "build_timeout_s", float),
        build_memory_gb=_number(merged["build_memory_gb"], "build_memory_gb", float),
        rtol=_number(rtol, "fpga_rtol", float) if rtol is not None else None,
        hls_tool=str(config["hls_tool"]) if config.get("hls_tool") else None,
        hls4ml_version=str(config["hls4ml_version"]) if config.get("hls4ml_version") else None,
        toggle_rate=_number(config["toggle_rate"], "toggle rate", float) if config.get("toggle_rate") else None,
    )
