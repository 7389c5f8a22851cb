"""`import accelbench` (and building the CLI parser) imports no framework."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "numba", "cupy", "hls4ml", "tensorflow", "dask", "matplotlib")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return {name.split(".")[0] for name in out.split()}


def test_import_accelbench_imports_no_framework() -> None:
    assert not _imported_after("import accelbench") & set(HEAVY)


def test_building_the_cli_parser_imports_no_framework() -> None:
    loaded = _imported_after("from accelbench.cli import build_parser\nbuild_parser()")
    assert not loaded & set(HEAVY)
