"""Expand targets x backends x batch sizes x configurations into tasks (pure; nothing runs)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from accelbench.suites import SuiteEntry
from accelbench.workload import Workload


@dataclass(frozen=True)
class Task:
    """One measurement to make: a workload on a backend at a batch size with a configuration."""

    workload: Workload
    backend: str
    batch: int
    scenario: str
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable identity of the task (sweeps skip keys already stored)."""
        text = json.dumps(
            [self.workload.name, self.workload.params_hash, self.backend, self.batch, self.scenario,
             dict(self.config)],
            sort_keys=True, default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def label(self) -> str:
        return f"{self.workload.name} on {self.backend} at batch {self.batch}"


def expand(
    entries: Sequence[SuiteEntry],
    backends: Sequence[str],
    scenario: str,
    batches: Sequence[int] | None = None,
    configs: Iterable[Mapping[str, Any]] = ({},),
) -> list[Task]:
    """Every (entry, batch, config, backend) combination, in that nesting order.

    ``batches`` overrides each entry's own batch list; without either, the workload's default.
    """
    config_list = [dict(c) for c in configs] or [{}]
    tasks: list[Task] = []
    for entry in entries:
        entry_batches = batches or entry.batches or (entry.workload.default_batch,)
        for batch in entry_batches:
            for config in config_list:
                for backend in backends:
                    tasks.append(Task(entry.workload, backend, int(batch), scenario, config))
    return tasks
