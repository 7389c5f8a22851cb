"""Option group: your own model's weights, your data, accuracy floor and backend plug-ins.

``--weights`` (a state dict for a ``file.py:factory`` target), ``--data``/``--data-n`` (inputs and
labels for correctness and accuracy, see :mod:`accelbench.usermodels.data`), ``--min-accuracy``
(designs below it are never winners) and ``--plugin`` (repeatable; loaded by ``run`` before the
backend names are checked).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("your model and data (docs/your-model.md)")
    group.add_argument("--weights", metavar="FILE", help="state dict for a file.py:factory model target")
    group.add_argument("--data", metavar="FILE", help="data.npz with x (and y), or a directory of x.npy/y.npy")
    group.add_argument("--data-n", metavar="N", help="use the first N rows of --data (default: all)")
    group.add_argument("--min-accuracy", metavar="F", help="accuracy floor: results below it are never winners")
    group.add_argument("--plugin", action="append", default=[], metavar="FILE.py",
                       help="register the backends defined in FILE.py for this run (repeatable)")


def _data_n(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"--data-n expects a positive integer, got {text!r}") from None
    if value < 1:
        raise UserError(f"--data-n expects a positive integer, got {text!r}")
    return value


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    n = _data_n(getattr(args, "data_n", None))
    if n is not None and not getattr(args, "data", None):
        raise UserError("--data-n needs --data")
    floor = getattr(args, "min_accuracy", None)
    if floor is not None:
        try:
            value = float(floor)
        except ValueError:
            raise UserError(f"--min-accuracy expects a number, got {floor!r}") from None
        if not math.isfinite(value) or value < 0:
            raise UserError(f"--min-accuracy expects a finite non-negative number, got {floor!r}")
        setup.config["min_accuracy"] = value
    data = getattr(args, "data", None)
    if data:
        setup.entry_transforms.append(_feeder(data, n))


def _feeder(path: str, n: int | None) -> Any:
    from accelbench.suites import SuiteEntry

    def feed(entry: SuiteEntry) -> SuiteEntry:
        from dataclasses import replace

        from accelbench.kinds.model import ModelWorkload
        from accelbench.usermodels.data import load_dataset

        workload = entry.workload
        if not isinstance(workload, ModelWorkload):
            raise UserError(f"--data feeds model workloads; {workload.name} is a {workload.kind}")
        dataset = load_dataset(path, workload.input_shape, n)
        return replace(entry, workload=workload.with_dataset(dataset))

    return feed
