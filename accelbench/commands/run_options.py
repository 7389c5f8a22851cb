"""Extension point: backend- and feature-specific option groups of ``accelbench run``.

Each option-group module exposes

* ``add_arguments(parser)`` — add its flags (in its own argument group);
* ``apply(args, setup)`` — validate them (raising UserError *before* anything is stored) and
  put what they mean into ``setup``: configuration keys every backend's ``prepare`` receives,
  or a power hook for the runner.

Every module of :mod:`accelbench.commands` whose name ends in ``_options`` (this one aside) is a group (in name
order): adding a group is adding one such module. Commands that run workloads (``run``,
``sweep``, ``fpga explore``) call :func:`add_all` and :func:`apply_all`, so a new option group
reaches all of them at once.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import accelbench.commands
from accelbench.measure.runner import PowerHook
from accelbench.suites import SuiteEntry


def groups() -> list[str]:
    """Modules contributing option groups: ``accelbench.commands.*_options``, in name order."""
    names = [info.name for info in pkgutil.iter_modules(accelbench.commands.__path__)
             if info.name.endswith("_options") and info.name != "run_options"]
    return [f"accelbench.commands.{name}" for name in sorted(names)]


@dataclass
class RunSetup:
    """What option groups contribute to a run."""

    config: dict[str, Any] = field(default_factory=dict)
    power_hook: PowerHook | None = None
    #: Extra configurations to sweep over (each merged over ``config``) for every backend.
    variants: list[dict[str, Any]] = field(default_factory=list)
    #: Configurations of one backend only (each merged over ``config``), e.g. FPGA reuse factors
    #: for fpga-hls4ml or one modeled GPU per entry for gpu-model.
    backend_variants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Backends an option adds to the run whatever --backends says (e.g. --model-gpu -> gpu-model).
    extra_backends: list[str] = field(default_factory=list)
    #: Functions applied to every suite entry before tasks are expanded (e.g. --data feeding models).
    entry_transforms: list[Callable[[SuiteEntry], SuiteEntry]] = field(default_factory=list)

    def transform_entries(self, entries: list[SuiteEntry]) -> list[SuiteEntry]:
        for transform in self.entry_transforms:
            entries = [transform(entry) for entry in entries]
        return entries

    def configs(self) -> list[dict[str, Any]]:
        return [{**self.config, **variant} for variant in self.variants] or [dict(self.config)]

    def backend_configs(self) -> dict[str, list[dict[str, Any]]]:
        """Per-backend configuration lists (``configs()`` crossed with that backend's variants)."""
        return {name: [{**base, **variant} for base in self.configs() for variant in variants]
                for name, variants in self.backend_variants.items() if variants}


def add_all(parser: argparse.ArgumentParser) -> None:
    for name in groups():
        importlib.import_module(name).add_arguments(parser)


def apply_all(args: argparse.Namespace, setup: RunSetup) -> RunSetup:
    for name in groups():
        importlib.import_module(name).apply(args, setup)
    return setup
