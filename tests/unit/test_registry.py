"""The entry-point table in pyproject.toml is the one list of shipped backends."""

from __future__ import annotations

import ast
from pathlib import Path

import accelbench
from accelbench.backends.registry import _targets, backend_names

BACKENDS_DIR = Path(accelbench.__file__).parent / "backends"


def _shipped_backend_classes() -> dict[str, str]:
    """name -> "module:Class" for every class in accelbench/backends that sets a class-level ``name``."""
    found: dict[str, str] = {}
    for path in sorted(BACKENDS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) else getattr(stmt, "target", None)
                value = getattr(stmt, "value", None)
                if (isinstance(target, ast.Name) and target.id == "name" and isinstance(value, ast.Constant)
                        and isinstance(value.value, str) and value.value):
                    found[value.value] = f"accelbench.backends.{path.stem}:{node.name}"
    return found


def test_every_shipped_backend_is_registered_through_its_entry_point() -> None:
    shipped = _shipped_backend_classes()
    assert "cpu-numpy" in shipped  # the scan sees backends at all
    targets = _targets()
    for name, target in shipped.items():
        assert targets.get(name) == target, f"backend {name} ({target}) is missing from pyproject's entry points"


def test_backend_names_list_cpu_then_gpu_then_fpga_without_importing_them() -> None:
    names = backend_names()
    families = [name.split("-", 1)[0] for name in names]
    assert families == sorted(families, key=["cpu", "gpu", "fpga"].index)
