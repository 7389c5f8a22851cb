"""``accelbench compare RUN_A RUN_B``: what changed, judged against each run's noise; exit 1 on a
regression past --fail-on, or when nothing was comparable."""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict
from typing import Any

from accelbench.commands.common import add_json, add_store, print_json, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "compare", help="compare two stored runs (a change must exceed both runs' 95 % intervals of the median)")
    parser.add_argument("run_a", metavar="RUN_A", nargs="?", help="baseline run (a run id, prefix or baseline name)")
    parser.add_argument("run_b", metavar="RUN_B", nargs="?", help="candidate run")
    parser.add_argument("--baseline", metavar="NAME",
                        help="compare the named baseline with RUN_A (default: the last run); see `accelbench baseline`")
    parser.add_argument("--fail-on", metavar="p50:N%",
                        help="exit 1 when a regression exceeds this change (N finite, >= 0)")
    add_store(parser)
    add_json(parser)
    parser.set_defaults(func=main)


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """NaN/inf (a figure a record does not have) become null: JSON has no NaN."""
    return {key: None if isinstance(value, float) and not math.isfinite(value) else value
            for key, value in row.items()}


def _line(c: Any) -> str:
    from accelbench.commands.format import seconds

    head = f"{c.verdict} {c.workload} on {c.backend} b{c.batch}"
    if c.verdict == "not comparable":
        return f"{head}: {c.reason}"
    text = f"{head}: p50 {seconds(c.p50_a_s)} -> {seconds(c.p50_b_s)} ({c.p50_change:+.1%}"
    text += f", {c.provenance})" if c.provenance != "measured" else ")"
    return text + (f" — {c.reason}" if c.reason and c.verdict != "no significant change" else "")


def baseline_pair(store: Any, args: argparse.Namespace) -> tuple[str, str]:
    """(baseline run, candidate run): ``--baseline NAME [RUN]`` or ``RUN_A RUN_B`` (either may be a baseline name)."""
    from accelbench.errors import UserError
    from accelbench.results.baselines import baseline_run, resolve_run_or_baseline

    baseline = getattr(args, "baseline", None)
    if baseline:
        if args.run_b is not None:
            raise UserError("with --baseline NAME give at most one run to compare (default: the last run)")
        return baseline_run(store, baseline), resolve_run_or_baseline(store, args.run_a)
    if args.run_a is None or args.run_b is None:
        raise UserError("compare needs RUN_A RUN_B, or --baseline NAME [RUN]")
    return resolve_run_or_baseline(store, args.run_a), resolve_run_or_baseline(store, args.run_b)


def main(args: argparse.Namespace) -> int:
    from accelbench.results.compare import compare_runs, parse_fail_on
    from accelbench.results.store import open_store

    threshold = parse_fail_on(args.fail_on)[1] if args.fail_on else None
    with open_store(args.store, read_only=True) as store:
        run_a, run_b = baseline_pair(store, args)
        changes = compare_runs(store.measurements(run_a), store.measurements(run_b))
    failing = [c for c in changes if c.verdict == "regressed" and threshold is not None and c.p50_change > threshold]
    judged = [c for c in changes if c.verdict != "not comparable"]
    if args.json:
        print_json({"run_a": run_a, "run_b": run_b, "changes": [_finite(asdict(c)) for c in changes],
                    "failed": bool(failing) or not judged})
    else:
        for c in changes:
            print(_line(c))
    if not judged:
        why = "no measurement of one is in the other" if not changes else "no pair is rankable on both sides"
        stderr(f"accelbench: error: nothing comparable between {run_a} and {run_b}: {why}")
        return 1
    if failing:
        stderr(f"{len(failing)} regression(s) beyond {args.fail_on}")
        return 1
    return 0
