"""The FPGA part and board catalog (``hls/parts.toml``), with the source of every number."""

from __future__ import annotations

import re
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

    @property
    def speed_grade(self) -> str | None:
        """The speed grade written in the part name ("-1", "-2L", "-2LV"), None when it has none."""
        return speed_grade(self.name)

    @property
    def series7(self) -> bool:
        """A 28 nm 7-series part (Zynq-7000, Artix/Kintex/Virtex/Spartan-7): DSP48E1, slower fabric."""
        return self.family.endswith("-7") or self.family == "zynq-7000" or self.dsp_kind == "DSP48E1"


#: A speed-grade field of a part name: one digit, then letters only (L: low power, LV: 0.72 V, ...).
_GRADE = re.compile(r"([1-3])([A-Za-z]{0,3})")


@cache
def speed_grade(name: str) -> str | None:
    """The speed grade of a Xilinx part name, normalized to "-<digit><letters upper-case>"; None without one.

    Vivado part names end with ``-<grade>[-<temperature>]``: ``xczu3eg-sbva484-1-e`` -> "-1",
    ``xcu250-figd2104-2L-e`` -> "-2L", ``xck26-sfvc784-2LV-c`` -> "-2LV", ``xc7z020clg400-1`` ->
    "-1". The grade is the last of the (at most three) dash-separated fields after the device that
    is one digit 1-3 followed by at most three letters; a temperature field ("e", "i", "c") or a
    package ("ffvb1156") never matches. A name without such a field (``xcu250``, an ordering code
    like ``XC7Z020-1CLG400C``) has no grade: the model then uses the -2 delays and says so.
    """
    fields = name.strip().split("-")[1:]
    for field in reversed(fields[-3:]):
        match = _GRADE.fullmatch(field)
        if match:
            return f"-{match.group(1)}{match.group(2).upper()}"
    return None


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
