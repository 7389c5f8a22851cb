"""Find backends by name without importing any framework until one is asked for.

Backends are registered through the entry-point group ``accelbench.backends`` (``name =
"module:Class"``). The built-in table below is the same list, so a source checkout that was never
installed still works; a third-party package adds backends through its own entry points.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from accelbench.backends.base import Availability, Backend, BaseBackend, Family
from accelbench.errors import UserError

ENTRY_POINT_GROUP = "accelbench.backends"

#: DESIGN.md's backend table, in display order.
BUILTIN: dict[str, str] = {
    "cpu-numpy": "accelbench.backends.cpu_numpy:NumpyBackend",
    "cpu-torch": "accelbench.backends.cpu_torch:TorchCpuBackend",
    "cpu-numba": "accelbench.backends.cpu_numba:NumbaCpuBackend",
    "gpu-torch": "accelbench.backends.gpu_torch:TorchCudaBackend",
    "gpu-cupy": "accelbench.backends.gpu_cupy:CupyBackend",
    "gpu-numba": "accelbench.backends.gpu_numba:NumbaCudaBackend",
    "fpga-hls4ml": "accelbench.backends.fpga_hls4ml:Hls4mlBackend",
    "fpga-pynq": "accelbench.backends.fpga_pynq:PynqBackend",
}


#: Backends registered at run time (tests, notebooks): name -> "module:Class".
_RUNTIME: dict[str, str] = {}


def register_backend(name: str, target: str) -> None:
    """Register backend ``name`` as ``"module:Class"`` for this process (tests, plugins in code)."""
    if ":" not in target:
        raise ValueError(f"backend target must be 'module:Class', got {target!r}")
    _RUNTIME[name] = target
    get_backend.cache_clear()


def unregister_backend(name: str) -> None:
    _RUNTIME.pop(name, None)
    get_backend.cache_clear()


def _targets() -> dict[str, str]:
    targets = {**BUILTIN, **_RUNTIME}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        targets.setdefault(ep.name, ep.value)
    return targets


def backend_names() -> list[str]:
    """Every registered backend name (built-in first), without importing any of them."""
    return list(_targets())


def parse_backend_list(text: str) -> list[str]:
    """Split ``a,b`` into backend names, rejecting unknown ones with a UserError."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise UserError("--backends needs at least one backend name")
    known = _targets()
    for name in names:
        if name not in known:
            raise UserError(f"unknown backend {name!r} (known: {', '.join(known)})")
    return names


class MissingBackend(BaseBackend):
    """Stands in for a backend whose module cannot be imported; it is never available."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.family = _family(name)
        self.reason = reason

    def available(self) -> Availability:
        return Availability(False, self.reason)


def _family(name: str) -> Family:
    prefix = name.split("-", 1)[0]
    return prefix if prefix in ("cpu", "gpu", "fpga") else "cpu"  # type: ignore[return-value]


@cache
def get_backend(name: str) -> Backend:
    """Import and instantiate backend ``name`` (once per process).

    A backend whose module fails to import (a missing optional dependency) comes back as a
    :class:`MissingBackend` carrying the import error as its unavailability reason.
    """
    targets = _targets()
    if name not in targets:
        raise UserError(f"unknown backend {name!r} (known: {', '.join(targets)})")
    module_name, _, attr = targets[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        return MissingBackend(name, f"cannot import backend module {module_name}: {exc}")
    backend: Backend = getattr(module, attr)()
    return backend


def availability(name: str) -> Availability:
    """The backend's own availability; a probe that crashes is reported, never raised."""
    backend = get_backend(name)
    try:
        return backend.available()
    except Exception as exc:  # a probe that crashes still must not crash doctor
        return Availability(False, f"availability check failed: {type(exc).__name__}: {exc}")
