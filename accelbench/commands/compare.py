"""``accelbench compare RUN_A RUN_B``: what changed, with statistics; exit 1 on a regression past --fail-on."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from accelbench.commands.common import add_json, add_store, print_json, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser("compare", help="compare two stored runs (Mann-Whitney U on raw samples)")
    parser.add_argument("run_a", metavar="RUN_A")
    parser.add_argument("run_b", metavar="RUN_B")
    parser.add_argument("--fail-on", metavar="p50:N%", help="exit 1 when a regression exceeds this change")
    add_store(parser)
    add_json(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.results.compare import compare_runs, parse_fail_on
    from accelbench.results.store import open_store

    threshold = parse_fail_on(args.fail_on)[1] if args.fail_on else None
    with open_store(args.store, read_only=True) as store:
        run_a, run_b = store.resolve_run(args.run_a), store.resolve_run(args.run_b)
        changes = compare_runs(store.measurements(run_a), store.measurements(run_b))
    failing = [c for c in changes if c.verdict == "regressed" and threshold is not None and c.p50_change > threshold]
    if args.json:
        print_json({"run_a": run_a, "run_b": run_b, "changes": [asdict(c) for c in changes],
                    "failed": bool(failing)})
    else:
        for c in changes:
            p = f"p={c.p_value:.2g}" if c.p_value is not None else "modeled"
            print(f"{c.verdict:<10} {c.workload} on {c.backend} b{c.batch}: p50 {c.p50_a_s:.3g} s -> "
                  f"{c.p50_b_s:.3g} s ({c.p50_change:+.1%}, {p})")
    if not changes:
        stderr(f"nothing comparable between {run_a} and {run_b}")
    if failing:
        stderr(f"{len(failing)} regression(s) beyond {args.fail_on}")
        return 1
    return 0
