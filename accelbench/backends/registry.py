"""Find backends by name without importing any framework until one is asked for.

Backends are registered through the entry-point group ``accelbench.backends`` (``name =
"module:Class"``): pyproject.toml's table is the one list of shipped backends (a test checks
that every backend module in the package is in it), and a third-party package adds backends
through its own entry points. ``--plugin file.py`` and :func:`register_backend` add backends for
one process.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from accelbench.backends.base import Availability, Backend, BaseBackend, Family
from accelbench.errors import UserError

ENTRY_POINT_GROUP = "accelbench.backends"


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


_FAMILY_ORDER = {"cpu": 0, "gpu": 1, "fpga": 2}


def _targets() -> dict[str, str]:
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(_RUNTIME)
    order = sorted(found, key=lambda name: (_FAMILY_ORDER.get(name.split("-", 1)[0], 3), name))
    return {name: found[name] for name in order}


def backend_names() -> list[str]:
    """Every registered backend name (by family: cpu, gpu, fpga; then by name), importing none."""
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
