"""``accelbench list``: suites, catalog workloads, workload kinds, backends and ``--config`` keys."""

from __future__ import annotations

import argparse
from typing import Any

from accelbench.commands.common import add_json, print_json


def register(sub: Any) -> None:
    parser = sub.add_parser("list", help="list suites, catalog workloads and backends")
    add_json(parser)
    parser.set_defaults(func=main)


def collect() -> dict[str, Any]:
    from accelbench.backends.registry import backend_names
    from accelbench.config_keys import known_keys
    from accelbench.kinds import KINDS
    from accelbench.models import MODELS
    from accelbench.suites import load_suite, suite_names

    suites = []
    for name in suite_names():
        suite = load_suite(name)
        suites.append({
            "name": name,
            "description": suite.description,
            "workloads": [entry.workload.name for entry in suite.entries],
        })
    models = [{"name": spec.name, "description": spec.description} for spec in MODELS.values()]
    return {"suites": suites, "models": models, "kinds": sorted(KINDS), "backends": backend_names(),
            "config_keys": known_keys()}


def main(args: argparse.Namespace) -> int:
    data = collect()
    if args.json:
        print_json(data)
        return 0
    from rich.console import Console

    console = Console(width=160)
    console.print("[bold]Suites[/bold] (accelbench run SUITE)")
    for suite in data["suites"]:
        console.print(f"  {suite['name']:<16} {len(suite['workloads']):>3} workloads  {suite['description']}")
    console.print("[bold]Models[/bold] (accelbench run NAME)")
    for model in data["models"]:
        console.print(f"  {model['name']:<18} {model['description']}")
    console.print(f"[bold]Kinds[/bold] (accelbench run KIND:key=value,...): {', '.join(data['kinds'])}")
    console.print(f"[bold]Backends[/bold]: {', '.join(data['backends'])}")
    console.print(f"[bold]Configuration keys[/bold] (--config KEY=VALUE): {', '.join(data['config_keys'])}")
    return 0
