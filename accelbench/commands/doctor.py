"""``accelbench doctor``: every backend (available or not, with the reason) and the environment."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from accelbench.commands.common import add_json, print_json

#: Extra sections: (JSON key, "module:function" returning a list of {"name", "available", "reason"}).
SECTIONS: list[tuple[str, str]] = [("power_meters", "accelbench.power.select:doctor_rows")]


def register(sub: Any) -> None:
    parser = sub.add_parser("doctor", help="show which backends can run here, and why not")
    add_json(parser)
    parser.set_defaults(func=main)


def collect() -> dict[str, Any]:
    from accelbench.backends.registry import availability, backend_names, get_backend
    from accelbench.results.environment import capture

    rows = []
    for name in backend_names():
        status = availability(name)
        family = get_backend(name).family
        rows.append({"name": name, "family": family, "available": status.ok, "reason": status.reason})
    data: dict[str, Any] = {"backends": rows}
    for key, target in SECTIONS:
        module_name, _, func = target.partition(":")
        data[key] = getattr(importlib.import_module(module_name), func)()
    data["environment"] = capture()
    return data


def main(args: argparse.Namespace) -> int:
    data = collect()
    if args.json:
        print_json(data)
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    for key in ("backends", *(key for key, _ in SECTIONS)):
        table = Table(title=key.replace("_", " "), title_justify="left")
        for column in ("name", "available", "reason"):
            table.add_column(column)
        for row in data[key]:
            table.add_row(row["name"], "yes" if row["available"] else "no", row["reason"])
        console.print(table)
    env = data["environment"]
    console.print(f"CPU {env['cpu']}, {env['threads']['affinity']} cores, Python {env['python']}, "
                  f"BLAS {env['blas'].get('name', '?')}, accelbench source "
                  f"{env['accelbench_source'].get('commit', '-')[:12]}, project commit (here) "
                  f"{env['git'].get('commit', '-')[:12]}")
    return 0
