"""The report's environment section: machine, CPU, devices, project commit and package versions (pure).

Everything comes from the environment stored with the run and the ``device`` of its records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accelbench.results.record import Measurement

#: Device keys that describe the hardware (others, such as clocks or temperatures, vary per result).
_DEVICE_KEYS = ("device", "blas", "torch", "threads", "timing", "compute_capability", "driver", "memory_gb")


def devices(records: Sequence[Measurement]) -> list[tuple[str, str]]:
    """(backend, device description) for every backend with a result, in first-seen order."""
    seen: dict[str, str] = {}
    for m in records:
        if m.backend in seen or not m.device:
            continue
        parts = [f"{key} {m.device[key]}" if key != "device" else str(m.device[key])
                 for key in _DEVICE_KEYS if m.device.get(key) not in (None, "")]
        peak = m.device.get("peak")
        if isinstance(peak, dict) and peak.get("name"):
            parts.append(f"peak table row {peak['name']}")
        seen[m.backend] = ", ".join(parts)
    return list(seen.items())


def environment_items(environment: Mapping[str, Any], records: Sequence[Measurement]) -> list[tuple[str, str]]:
    """(label, text) pairs, in display order; '?' where the run did not store a field."""
    git = environment.get("git") or {}
    threads = environment.get("threads") or {}
    blas = environment.get("blas") or {}
    packages = environment.get("packages") or {}
    items = [
        ("machine", f"{environment.get('hostname', '?')}, {environment.get('platform', '?')}, "
                    f"Python {environment.get('python', '?')}"),
        ("CPU", f"{environment.get('cpu', '?')}, {threads.get('affinity', '?')} usable of "
                f"{threads.get('cpu_count', '?')} logical CPUs"),
        ("BLAS", f"{blas.get('name', '?')} {blas.get('version', '')}".strip()),
        ("project commit", f"{git.get('commit', 'unknown')}{' (uncommitted changes)' if git.get('dirty') else ''}"),
    ]
    source = environment.get("accelbench_source") or {}
    if source.get("commit"):
        dirty = " (uncommitted changes)" if source.get("dirty") else ""
        items.append(("accelbench source", f"{source['commit']}{dirty}"))
    items += [(f"device: {backend}", text) for backend, text in devices(records)]
    if threads.get("env"):
        items.append(("thread settings", ", ".join(f"{k}={v}" for k, v in sorted(threads["env"].items()))))
    items.append(("packages", ", ".join(f"{name} {version}" for name, version in sorted(packages.items())) or "?"))
    return items
