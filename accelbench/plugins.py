"""``--plugin path/to/file.py``: register a user's backend (a hand-written kernel, a library) for
this process, measured with the same methodology, correctness check and store as a built-in one.

The file is imported as a module; every class in it that subclasses
:class:`accelbench.backends.base.BaseBackend` (or satisfies the Backend protocol) and sets a
class-level ``name`` is registered under that name. A name that clashes with an installed backend
is refused. Packages register backends permanently through the ``accelbench.backends`` entry-point
group instead (see CONTRIBUTING.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Iterable
from pathlib import Path

from accelbench.errors import UserError


def load_plugin(path_text: str) -> list[str]:
    """Import ``path_text`` and register its backends; returns their names."""
    from accelbench.backends.base import BaseBackend
    from accelbench.backends.registry import backend_names, register_backend

    path = Path(path_text)
    if path.suffix != ".py" or not path.is_file():
        raise UserError(f"--plugin {path_text}: not an existing .py file")
    module_name = f"accelbench_plugin_{path.stem}_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise UserError(f"--plugin {path_text}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[module_name]
            raise UserError(f"--plugin {path.name}: importing it failed: {type(exc).__name__}: {exc}") from None
    module = sys.modules[module_name]
    installed = set(backend_names())
    names = []
    for attr, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ != module_name or not issubclass(cls, BaseBackend) or not getattr(cls, "name", ""):
            continue
        name = str(cls.name)
        target = f"{module_name}:{attr}"
        if name in installed and name not in names:
            from accelbench.backends.registry import _targets

            if _targets().get(name) != target:
                raise UserError(f"--plugin {path.name}: backend name {name!r} is already taken by an installed backend")
        register_backend(name, target)
        names.append(name)
    if not names:
        raise UserError(f"--plugin {path.name} defines no backend (a BaseBackend subclass with a `name`)")
    return names


def load_plugins(paths: Iterable[str]) -> list[str]:
    """Register the backends of every ``--plugin`` file; returns all names registered."""
    return [name for path in paths for name in load_plugin(path)]
