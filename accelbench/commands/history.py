"""``accelbench history [TARGET]``: each figure over runs in commit order, with detected steps."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from accelbench.commands.common import add_json, add_store, parse_int_list, print_json
from accelbench.errors import UserError


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "history", help="a figure over stored runs in commit order, with steps (regressions/improvements) marked")
    parser.add_argument("target", nargs="?", metavar="TARGET",
                        help="a stored workload name, or a suite/catalog target standing for workloads (default: all)")
    parser.add_argument("--backend", metavar="B", help="only this backend (comma-separate several)")
    parser.add_argument("--metric", default="p50", choices=("p50", "throughput", "energy"),
                        help="the figure to follow (default: p50 latency)")
    window = parser.add_mutually_exclusive_group()
    window.add_argument("--since", metavar="DATE", help="only runs whose commit (else start) time is at or after "
                                                        "DATE (ISO 8601, e.g. 2026-01-31)")
    window.add_argument("--last", metavar="N", help="only the last N points of each series")
    add_store(parser)
    add_json(parser)
    parser.set_defaults(func=main)


def parse_since(text: str) -> datetime:
    from accelbench.results.history import parse_time

    try:
        return parse_time(text)
    except ValueError:
        raise UserError(f"--since expects an ISO 8601 date or time (e.g. 2026-01-31), got {text!r}") from None


def workload_filter(target: str | None, stored: set[str]) -> set[str] | None:
    """The workload names TARGET stands for (None: every workload); a UserError when none is stored."""
    if target is None:
        return None
    if target in stored:
        return {target}
    from accelbench.targets import resolve

    try:
        names = {entry.workload.name for entry in resolve(target)}
    except UserError:
        names = set()
    found = names & stored
    if not found:
        sample = ", ".join(sorted(stored)[:8]) + (", ..." if len(stored) > 8 else "")
        raise UserError(f"no stored result of {target!r}" + (f" (stored workloads: {sample})" if stored else ""))
    return found


def series_json(series: Any, steps: Any) -> dict[str, Any]:
    return {
        "key": series.key.to_json(), "unit": series.metric.unit,
        "lower_is_better": series.metric.lower_is_better,
        "points": [point.to_json(series.metric) for point in series.points],
        "steps": [step.to_json() for step in steps],
    }


def load(args: argparse.Namespace) -> list[tuple[Any, Any]]:
    """(series, steps) pairs the arguments ask for."""
    from accelbench.results.history import load_series
    from accelbench.results.steps import detect_steps
    from accelbench.results.store import open_store

    since = parse_since(args.since) if args.since else None
    last = parse_int_list(args.last, "--last")[0] if args.last else None
    backends = {b.strip() for b in args.backend.split(",") if b.strip()} if args.backend else None
    with open_store(args.store, read_only=True) as store:
        stored = {str(row[0]) for row in store.con.execute("SELECT DISTINCT workload FROM measurements").fetchall()}
        workloads = workload_filter(args.target, stored)
        found = load_series(store, args.metric, workloads=workloads, backends=backends, since=since, last=last)
    return [(series, detect_steps(series)) for series in found]


def value_text(value: float, unit: str) -> str:
    from accelbench.commands.format import items_per_s, joules, seconds

    if unit == "s":
        return seconds(value)
    if unit == "items/s":
        return items_per_s(value)
    return f"{joules(value)}/item"


def step_line(step: Any, unit: str) -> str:
    low, high = step.interval
    text = (f"{step.verdict} {step.size:+.1%} [{low:+.1%}, {high:+.1%}] in {step.commit_range()}: "
            f"{value_text(step.level_before, unit)} -> {value_text(step.level_after, unit)}")
    if step.reason:
        text += f" — {step.reason}"
    if step.environment_changes:
        text += f" (environment changed: {'; '.join(step.environment_changes)})"
    return text


def print_text(found: list[tuple[Any, Any]]) -> None:
    for series, steps in found:
        print(f"{series.key.label()} — {series.metric.name}")
        for point in series.points:
            commit = (point.run.commit_id or "-")[:12] + ("+dirty" if point.run.dirty else "")
            label = f" [{point.run.label}]" if point.run.label else ""
            quality = point.quality or "-"
            changes = f"  environment: {'; '.join(point.changes)}" if point.changes else ""
            print(f"  {point.run.time[:19]}  {commit:<18} {value_text(point.value, series.metric.unit):>14}  "
                  f"{quality:<9} {point.run.run_id}{label}{changes}")
        for step in steps:
            print(f"  step: {step_line(step, series.metric.unit)}")
        print()


def main(args: argparse.Namespace) -> int:
    found = load(args)
    if args.json:
        print_json([series_json(series, steps) for series, steps in found])
        return 0
    if not found:
        print("no rankable results match (history follows only valid, rankable records)")
        return 0
    print_text(found)
    return 0
