"""``run`` option group for FPGA designs: part, board, clock, reuse factor, strategy, precision, io type.

Validated before anything runs (an unknown part, a reuse factor of 0 or ``ap_fixed<3>`` is one
line and exit code 2), then passed to backends as configuration keys. Comma-separated reuse
factors or precisions sweep design points (one measurement each); precisions split on commas or
semicolons outside the angle brackets, so ``ap_fixed<16,6>,ap_fixed<8,3>`` is two precisions.
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError

#: Backends whose design points the reuse factors and precisions are.
FPGA_BACKENDS = ("fpga-hls4ml", "fpga-pynq")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("FPGA designs (fpga-hls4ml, fpga-pynq)")
    group.add_argument("--fpga-part", metavar="PART", help="FPGA part, e.g. xcu250-figd2104-2L-e")
    group.add_argument("--fpga-board", metavar="BOARD", help="board preset: pynq-z2, zcu102, zcu104, kv260, alveo-u250")
    group.add_argument("--clock-ns", metavar="NS", help="clock period in ns")
    group.add_argument("--reuse-factor", metavar="RF[,RF...]", help="hls4ml reuse factor(s)")
    group.add_argument("--strategy", metavar="S", help="latency or resource")
    group.add_argument("--precision", metavar="P[,P...]",
                       help="e.g. 'ap_fixed<16,6>' (several: 'ap_fixed<16,6>,ap_fixed<8,3>')")
    group.add_argument("--io-type", metavar="T", help="io_parallel or io_stream")
    group.add_argument("--hls-tool", metavar="TOOL",
                       help="HLS tool profile of the model: vivado-hls-2019.2, vivado-hls-2020.1, vitis-hls-2022.2, "
                            "vitis-hls-2023.1, vitis-hls-2024.1 (default: the Vitis version the installed hls4ml "
                            "targets)")
    group.add_argument("--hls4ml-version", metavar="V",
                       help="hls4ml generation the modeled design comes from (default: the installed one)")
    group.add_argument("--toggle-rate", metavar="F", help="switching activity of the modeled power (0-1]")
    group.add_argument("--no-prebuild", action="store_true",
                       help="build each design when it is measured (default: build every design of the run first, "
                            "as many at once as there are cores; also ACCELBENCH_PREBUILD=0)")


def prebuild_choice(args: argparse.Namespace) -> bool | None:
    """``execute_local``'s ``prebuild``: False with --no-prebuild, else None (the environment decides)."""
    return False if getattr(args, "no_prebuild", False) else None


def _split(text: str, sep: str) -> list[str]:
    return [part.strip() for part in text.split(sep) if part.strip()]


def split_precisions(text: str) -> list[str]:
    """Split a precision list on ``,`` or ``;`` outside ``<...>``: ``a<16,6>,a<8,3>`` -> two items."""
    items: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        elif char in ",;" and depth == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    from accelbench.fpga.config import resolve_config

    fixed: dict[str, Any] = {}
    for flag, key in (("fpga_part", "fpga_part"), ("fpga_board", "fpga_board"), ("strategy", "strategy"),
                      ("io_type", "io_type"), ("hls_tool", "hls_tool"), ("hls4ml_version", "hls4ml_version")):
        value = getattr(args, flag, None)
        if value is not None:
            fixed[key] = value
    if getattr(args, "clock_ns", None) is not None:
        try:
            fixed["clock_ns"] = float(args.clock_ns)
        except ValueError:
            raise UserError(f"--clock-ns expects a number of nanoseconds, got {args.clock_ns!r}") from None
    if getattr(args, "toggle_rate", None) is not None:
        try:
            fixed["toggle_rate"] = float(args.toggle_rate)
        except ValueError:
            raise UserError(f"--toggle-rate expects a number in (0, 1], got {args.toggle_rate!r}") from None
    reuse: list[int | None] = []
    if getattr(args, "reuse_factor", None) is not None:
        for item in _split(args.reuse_factor, ","):
            try:
                reuse.append(int(item))
            except ValueError:
                raise UserError(f"--reuse-factor expects integers, got {item!r}") from None
        if not reuse:
            raise UserError("--reuse-factor needs at least one value")
    precisions: list[str | None] = list(split_precisions(args.precision)) if getattr(args, "precision", None) else []
    setup.config.update(fixed)
    variants = [
        {**({"reuse_factor": rf} if rf is not None else {}), **({"precision": p} if p is not None else {})}
        for rf, p in itertools.product(reuse or [None], precisions or [None])
    ]
    if reuse or precisions:  # design points of the FPGA backends only: CPU/GPU backends run once
        for backend in FPGA_BACKENDS:
            setup.backend_variants[backend] = variants
    for variant in variants or [{}]:
        resolve_config(None, {**setup.config, **variant})  # validate now: nothing may run with a bad design
