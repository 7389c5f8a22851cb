"""Argument helpers shared by subcommands (no ``register``: not a subcommand)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from accelbench.errors import UserError
from accelbench.results.store import DEFAULT_STORE

#: Largest count the store can hold (DuckDB BIGINT).
INT64_MAX = 2**63 - 1


def add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", type=Path, default=DEFAULT_STORE, metavar="PATH",
        help=f"DuckDB result store (default: ./{DEFAULT_STORE})",
    )


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout instead of tables")


def parse_int_list(text: str, flag: str) -> list[int]:
    """``"1,8,64"`` -> [1, 8, 64]; anything else is a UserError naming ``flag``."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = int(part)
        except ValueError:
            raise UserError(f"{flag} expects comma-separated positive integers, got {part!r}") from None
        if value < 1:
            raise UserError(f"{flag} values must be >= 1, got {value}")
        if value > INT64_MAX:  # the store keeps counts as BIGINT
            raise UserError(f"{flag} values must be <= {INT64_MAX}, got {value}")
        out.append(value)
    return out


def parse_positive_float(text: str, flag: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{flag} expects a number, got {text!r}") from None
    if not 0 < value < math.inf:  # also refuses nan
        raise UserError(f"{flag} must be a finite number > 0, got {text!r}")
    return value


def output_dir(path: Path, flag: str = "--out") -> Path:
    """``path`` as a directory to write into, created if needed; a UserError (one line) when it
    names an existing file or cannot be created (used by ``report --out``)."""
    try:
        if path.exists() and not path.is_dir():
            raise UserError(f"{flag} {path} is an existing file, not a directory: give a directory to write into")
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{flag} {path}: cannot create the directory: {exc.strerror or exc}") from None
    return path


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
