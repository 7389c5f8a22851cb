"""Load suite files (TOML) from ``workloads/`` into workloads, with errors that name file, entry and field.

A suite file::

    description = "one line"
    backends = ["cpu-numpy", "cpu-torch"]   # optional default backends
    batches = [1]                           # optional default batch sizes
    [[workload]]
    name = "gemm-256"                       # unique in the suite
    kind = "gemm"
    batches = [1, 8]                        # optional, overrides the suite default
    m = 256                                 # every other key is a parameter of the kind
    n = 256
    k = 256
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.locate import data_dir
from accelbench.workload import Workload

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_SUITE_KEYS = ("description", "backends", "batches", "workload")


@dataclass(frozen=True)
class SuiteEntry:
    """One workload of a suite with its batch sizes (None: the workload's default batch)."""

    workload: Workload
    batches: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    path: Path
    entries: tuple[SuiteEntry, ...]
    backends: tuple[str, ...] | None = None
    batches: tuple[int, ...] | None = None


def suite_dir() -> Path:
    return data_dir("workloads")


def suite_names() -> list[str]:
    """Names of the suites shipped in ``workloads/`` (file stems)."""
    return sorted(path.stem for path in suite_dir().glob("*.toml"))


def suite_path(name_or_path: str) -> Path | None:
    """The file of suite ``name_or_path`` (a shipped name or a path to a .toml), or None."""
    candidate = Path(name_or_path)
    try:
        if candidate.suffix == ".toml" and candidate.is_file():
            return candidate
    except OSError as exc:  # a name longer than the file system allows, a path through a file...
        raise UserError(f"cannot use {_short(name_or_path)!r} as a suite file: {exc.strerror or exc}") from None
    try:
        shipped = suite_dir() / f"{name_or_path}.toml"
        return shipped if shipped.is_file() else None
    except OSError:  # such a name cannot be a shipped suite
        return None


def _short(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters (an error message must stay one readable line)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_batches(value: Any, where: str) -> tuple[int, ...]:
    """A list of positive integers, or a UserError naming ``where``."""
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 2**63 - 1:
            raise UserError(f"{where}: batch sizes must be integers from 1 to 2**63 - 1, got {item!r}")
        out.append(item)
    if not out:
        raise UserError(f"{where}: empty list of batch sizes")
    return tuple(out)


def load_suite(name_or_path: str) -> Suite:
    """Load and validate a suite; every problem is a UserError naming file, entry and field."""
    path = suite_path(name_or_path)
    if path is None:
        known = ", ".join(suite_names())
        raise UserError(f"unknown suite {name_or_path!r} (known: {known})")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read suite file: {exc}") from None
    for key in data:
        if key not in _SUITE_KEYS:
            raise UserError(f"{path}: unknown top-level key `{key}` (known: {', '.join(_SUITE_KEYS)})")
    backends = data.get("backends")
    if backends is not None and (
        not isinstance(backends, list) or not all(isinstance(b, str) for b in backends)
    ):
        raise UserError(f"{path}: `backends` must be a list of backend names")
    if backends:
        from accelbench.backends.registry import parse_backend_list

        try:
            parse_backend_list(",".join(backends))
        except UserError as exc:
            raise UserError(f"{path}: `backends`: {exc}") from None
    suite_batches = parse_batches(data["batches"], f"{path}: `batches`") if "batches" in data else None
    raw_entries = data.get("workload", [])
    if not isinstance(raw_entries, list) or not raw_entries:
        raise UserError(f"{path}: a suite needs at least one [[workload]] table")
    entries: list[SuiteEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_entries, start=1):
        entries.append(_entry(path, index, raw, seen))
    return Suite(
        name=path.stem,
        description=str(data.get("description", "")),
        path=path,
        entries=tuple(entries),
        backends=tuple(backends) if backends else None,
        batches=suite_batches,
    )


def _entry(path: Path, index: int, raw: Any, seen: set[str]) -> SuiteEntry:
    where = f"{path}: workload #{index}"
    if not isinstance(raw, dict):
        raise UserError(f"{where}: must be a table")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise UserError(f"{where}: field `name` must be a string of letters, digits, '_', '.', '-'")
    where = f"{path}: workload #{index} ({name})"
    if name in seen:
        raise UserError(f"{where}: duplicate name")
    seen.add(name)
    kind = raw.get("kind")
    if not isinstance(kind, str):
        raise UserError(f"{where}: field `kind` is required (gemm, conv2d, rnn_step or model)")
    batches = parse_batches(raw["batches"], f"{where}: field `batches`") if "batches" in raw else None
    params = {key: value for key, value in raw.items() if key not in ("name", "kind", "batches")}
    try:
        workload = make_workload(kind, params, name=name)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    return SuiteEntry(workload, batches)
