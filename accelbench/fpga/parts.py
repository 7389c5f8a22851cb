"""The FPGA part and board catalog (``hls/parts.toml``), with the source of every number."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from accelbench.errors import UserError
from accelbench.locate import data_dir


@dataclass(frozen=True)
class Part:
    """An FPGA part's resources (counts), static power estimate (W) and default clock (ns)."""

    name: str
    family: str
    dsp: int
    lut: int
    ff: int
    bram18k: int
    uram: int
    dsp_kind: str
    static_power_w: float
    default_clock_ns: float
    source: str


@dataclass(frozen=True)
class Board:
    name: str
    part: str
    notes: str


@cache
def _catalog() -> dict[str, Any]:
    return tomllib.loads((data_dir("hls") / "parts.toml").read_text())


def list_parts() -> list[str]:
    return sorted(_catalog()["parts"])


def list_boards() -> list[str]:
    return sorted(_catalog()["boards"])


def get_part(name: str) -> Part:
    """The part ``name``; a UserError naming it and listing the known parts otherwise."""
    parts = _catalog()["parts"]
    if name not in parts:
        raise UserError(f"unknown FPGA part {name!r} (known: {', '.join(sorted(parts))})")
    return Part(name=name, **parts[name])


def get_board(name: str) -> Board:
    boards = _catalog()["boards"]
    if name not in boards:
        raise UserError(f"unknown FPGA board {name!r} (known: {', '.join(sorted(boards))})")
    return Board(name=name, **boards[name])
