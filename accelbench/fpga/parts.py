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
    """An FPGA part's resources (counts), static power estimate (W) and default clock (ns).

    ``bram18k`` counts 18 Kb block RAMs (a 36 Kb block is two); ``dsp_kind`` is DSP48E1 (25x18
    multiplier: Zynq-7000, Artix-7) or DSP48E2 (27x18: UltraScale/UltraScale+); ``source`` names
    where every number comes from.
    """

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
    """A development board: the FPGA part it carries and deployment notes."""

    name: str
    part: str
    notes: str


@cache
def _catalog() -> dict[str, Any]:
    return tomllib.loads((data_dir("hls") / "parts.toml").read_text())


def list_parts() -> list[str]:
    """Names of the catalog's parts, sorted."""
    return sorted(_catalog()["parts"])


def list_boards() -> list[str]:
    """Names of the catalog's boards, sorted."""
    return sorted(_catalog()["boards"])


def get_part(name: str) -> Part:
    """The part ``name``; a UserError naming it and listing the known parts otherwise."""
    parts = _catalog()["parts"]
    if name not in parts:
        raise UserError(f"unknown FPGA part {name!r} (known: {', '.join(sorted(parts))})")
    return Part(name=name, **parts[name])


def get_board(name: str) -> Board:
    """The board ``name``; a UserError naming it and listing the known boards otherwise."""
    boards = _catalog()["boards"]
    if name not in boards:
        raise UserError(f"unknown FPGA board {name!r} (known: {', '.join(sorted(boards))})")
    return Board(name=name, **boards[name])
