"""Extension point: backend- and feature-specific option groups of ``accelbench run``.

Each module named in :data:`GROUPS` exposes

* ``add_arguments(parser)`` — add its flags (in its own argument group);
* ``apply(args, setup)`` — validate them (raising UserError *before* anything is stored) and
  put what they mean into ``setup``: configuration keys every backend's ``prepare`` receives,
  or a power hook for the runner.

Commands that run workloads (``run``, ``sweep``, ``fpga explore``) call :func:`add_all` and
:func:`apply_all`, so a new option group reaches all of them at once.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass, field
from typing import Any

from accelbench.measure.runner import PowerHook

#: Modules contributing option groups, in help order.
GROUPS: list[str] = [
    "accelbench.commands.fpga_options",
    "accelbench.commands.power_options",
    "accelbench.commands.board_options",
]


@dataclass
class RunSetup:
    """What option groups contribute to a run."""

    config: dict[str, Any] = field(default_factory=dict)
    power_hook: PowerHook | None = None
    #: Extra configurations to sweep over (each merged over ``config``), e.g. FPGA reuse factors.
    variants: list[dict[str, Any]] = field(default_factory=list)

    def configs(self) -> list[dict[str, Any]]:
        return [{**self.config, **variant} for variant in self.variants] or [dict(self.config)]


def add_all(parser: argparse.ArgumentParser) -> None:
    for name in GROUPS:
        importlib.import_module(name).add_arguments(parser)


def apply_all(args: argparse.Namespace, setup: RunSetup) -> RunSetup:
    for name in GROUPS:
        importlib.import_module(name).apply(args, setup)
    return setup
