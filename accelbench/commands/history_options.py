"""``run``/``sweep`` option group for tracking over time: where a run came from, and what to compare it with.

* ``--commit ID`` / ``--label TEXT``: the run's origin when the working directory is not a git
  checkout of the project under test, or to name a build git does not know (without them, the
  commit, branch, dirty flag and commit time come from git in the working directory);
* ``--compare-to NAME`` (``run`` only): after the run, compare its results with the named baseline
  (``accelbench baseline set NAME``) or a run id, as ``accelbench compare`` does;
* ``--fail-on p50:N%``: with ``--compare-to``, exit 1 when a result regressed beyond N % and
  outside the noise (the verdict of :func:`accelbench.results.compare.compare_runs`).

Everything is validated in :func:`apply`, before anything runs or is stored.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("history and baselines (docs/history.md)")
    group.add_argument("--commit", metavar="ID",
                       help="the commit (or build id) of the code under test, when the working directory is not "
                            "its git checkout (default: git's HEAD in the working directory)")
    group.add_argument("--label", metavar="TEXT", help="a free label stored with the run (e.g. 'bitstream v3')")
    group.add_argument("--compare-to", metavar="NAME",
                       help="run only: compare the results with a named baseline (or a run id) when the run ends")
    group.add_argument("--fail-on", metavar="p50:N%",
                       help="with --compare-to: exit 1 when a result regressed by more than N %% outside the noise")


def provenance(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's environment and origin for :func:`~accelbench.commands.lifecycle.stored_run` (git of
    the working directory, or ``--commit``/``--label``). Both need git's view of the working
    directory: it is read once and given to both."""
    from accelbench.results.environment import capture
    from accelbench.results.origin import detect_origin, git_origin

    cwd = Path.cwd()
    facts = git_origin(cwd)
    return capture(facts), detect_origin(cwd, getattr(args, "commit", None), getattr(args, "label", None), facts)


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    from accelbench.results.origin import check_text

    compare_to, fail_on = getattr(args, "compare_to", None), getattr(args, "fail_on", None)
    check_text(getattr(args, "commit", None), "--commit")
    check_text(getattr(args, "label", None), "--label")
    if compare_to is not None and getattr(args, "command", "run") != "run":
        raise UserError("--compare-to is for `accelbench run`; compare a sweep's run with `accelbench compare`")
    if fail_on is not None:
        if compare_to is None:
            raise UserError("--fail-on needs --compare-to NAME")
        from accelbench.results.compare import parse_fail_on

        parse_fail_on(fail_on)
    if compare_to is not None:  # resolved now: `--compare-to last` means the last run before this one
        args.compare_to_run = reference_run(Path(getattr(args, "store", "accelbench.duckdb")), compare_to)


def reference_run(store_path: Path, spec: str) -> str:
    """The run ``--compare-to`` names (a baseline, a run id or ``last``), checked before the run starts."""
    from accelbench.results.baselines import resolve_run_or_baseline
    from accelbench.results.store import open_store

    if not store_path.exists():
        raise UserError(f"--compare-to {spec}: no store at {store_path} yet (store a run and "
                        "`accelbench baseline set NAME` first)")
    with open_store(store_path, read_only=True) as store:
        return resolve_run_or_baseline(store, spec)


def compare_after_run(args: argparse.Namespace, results: list[Any]) -> int:
    """``--compare-to``: print the comparison with the reference run; 1 on a regression beyond
    ``--fail-on`` (or when nothing was comparable), else 0."""
    from accelbench.commands.common import stderr
    from accelbench.results.compare import compare_runs, parse_fail_on
    from accelbench.results.store import open_store

    spec = args.compare_to
    reference = getattr(args, "compare_to_run", None) or reference_run(Path(args.store), spec)
    with open_store(args.store, read_only=True) as store:
        baseline = store.measurements(reference)
    changes = compare_runs(baseline, results)
    stderr(f"compared with {spec} (run {reference}):")
    for change in changes:
        stderr(f"  {change_line(change)}")
    if not [c for c in changes if c.verdict != "not comparable"]:
        stderr(f"accelbench: {'error: ' if args.fail_on else ''}nothing comparable with {spec} (run {reference})")
        return 1 if args.fail_on else 0
    if args.fail_on:
        threshold = parse_fail_on(args.fail_on)[1]
        failing = [c for c in changes if c.verdict == "regressed" and c.p50_change > threshold]
        if failing:
            stderr(f"accelbench: {len(failing)} regression(s) beyond {args.fail_on} against {spec}: "
                   + ", ".join(f"{c.workload} on {c.backend} b{c.batch} {c.p50_change:+.1%}" for c in failing))
            return 1
    return 0


def change_line(c: Any) -> str:
    """One change in words: verdict, what, p50 before -> after, and why when it is not a change."""
    from accelbench.commands.format import seconds

    head = f"{c.verdict} {c.workload} on {c.backend} b{c.batch}"
    if c.verdict == "not comparable":
        return f"{head}: {c.reason}"
    text = f"{head}: p50 {seconds(c.p50_a_s)} -> {seconds(c.p50_b_s)} ({c.p50_change:+.1%}, {c.provenance})"
    return text + (f" — {c.reason}" if c.reason and c.verdict != "no significant change" else "")
