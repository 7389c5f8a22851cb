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
    backend_configs: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> list[Task]:
    """Every (entry, batch, config, backend) combination, in that nesting order.

    ``batches`` overrides each entry's own batch list; without either, the workload's default.
    ``backend_configs`` gives some backends their own list of configurations (design points such
    as FPGA reuse factors, or one modeled GPU each) instead of ``configs``, so a variant of one
    backend does not multiply the tasks of the others.
    """
    config_list = [dict(c) for c in configs] or [{}]
    own = {name: [dict(c) for c in cs] for name, cs in (backend_configs or {}).items() if cs}
    tasks: list[Task] = []
    for entry in entries:
        entry_batches = batches or entry.batches or (entry.workload.default_batch,)
        for batch in entry_batches:
            for backend in backends:
                for config in own.get(backend, config_list):
                    tasks.append(Task(entry.workload, backend, int(batch), scenario, config))
    return tasks
