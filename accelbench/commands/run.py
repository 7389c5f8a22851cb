"""``accelbench run``: measure targets on backends and store every result as it is made."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import Any

from accelbench.commands import run_options
from accelbench.commands.common import (
    add_json,
    add_store,
    parse_int_list,
    parse_positive_float,
    print_json,
    stderr,
)
from accelbench.commands.format import seconds
from accelbench.errors import UserError
from accelbench.measure.policy import SCENARIOS, RunPolicy
from accelbench.plan import Task
from accelbench.results.record import Measurement

DEFAULT_TARGET = "smoke"


def register(sub: Any) -> None:
    parser = sub.add_parser("run", help="measure workloads on backends and store the results")
    add_run_arguments(parser)
    add_store(parser)
    add_json(parser)
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any result is invalid or failed, or its timing is not ok (noisy/contended)")
    parser.set_defaults(func=main)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by every command that runs workloads (run, sweep)."""
    parser.add_argument(
        "targets", nargs="*", metavar="TARGET",
        help="suite name or file, catalog workload name, or KIND:key=value,... (default: smoke)",
    )
    parser.add_argument("--backends", metavar="A,B", help="backends to run (default: the suite's, else all)")
    parser.add_argument("--batch", metavar="1,8,64", help="batch sizes (default: each workload's)")
    parser.add_argument("--scenario", default="single-stream", help=f"one of {', '.join(SCENARIOS)}")
    parser.add_argument("--budget-s", default="1.0", metavar="S", help="sampling time budget per measurement")
    parser.add_argument("--noise", default="0.02", metavar="F", help="target relative noise of the median")
    parser.add_argument("--seed", type=str, default=None,
                        help=f"seed of the correctness inputs, 0 to {SEED_MAX} (default: fresh)")
    parser.add_argument(
        "--config", action="append", default=[], metavar="KEY=VALUE",
        help="backend configuration entry, e.g. torch_compile=true (repeatable; unknown keys are refused)",
    )
    parser.add_argument(
        "--allow-large", action="store_true",
        help="run even when a measurement's estimated memory exceeds the memory available now",
    )
    run_options.add_all(parser)


#: Largest --seed (seeds are unsigned 32-bit integers).
SEED_MAX = 2**32 - 1


def parse_seed(text: str) -> int:
    """``--seed``: an integer in 0 .. 2**32 - 1, else a UserError."""
    try:
        seed = int(text)
    except ValueError:
        raise UserError(f"--seed expects an integer from 0 to {SEED_MAX}, got {text!r}") from None
    if not 0 <= seed <= SEED_MAX:
        raise UserError(f"--seed must be from 0 to {SEED_MAX}, got {seed}")
    return seed


def build_policy(args: argparse.Namespace) -> RunPolicy:
    from accelbench.commands.timing_options import policy_fields

    seed = parse_seed(args.seed) if args.seed is not None else None
    return RunPolicy(
        budget_s=parse_positive_float(args.budget_s, "--budget-s"),
        target_rel_noise=parse_positive_float(args.noise, "--noise"),
        scenario=args.scenario,
        seed=seed,
        **policy_fields(args),
    )


def build_tasks(args: argparse.Namespace, policy: RunPolicy) -> tuple[list[Task], run_options.RunSetup]:
    """Validate every argument and expand the tasks; raises UserError before anything runs."""
    from accelbench.backends.registry import backend_names, parse_backend_list
    from accelbench.config_keys import check_config_keys
    from accelbench.plan import expand
    from accelbench.plugins import load_plugins
    from accelbench.suites import load_suite, suite_path
    from accelbench.targets import parse_value, resolve

    load_plugins(getattr(args, "plugin", None) or [])  # before backend names are checked
    targets = args.targets or [DEFAULT_TARGET]
    entries = []
    suite_backends: list[str] = []
    for target in targets:
        entries.extend(resolve(target, weights=getattr(args, "weights", None)))
        if ":" not in target and suite_path(target) is not None:
            suite_backends.extend(load_suite(target).backends or ())
    if args.backends is not None:  # an empty --backends '' is a mistake, not 'all'
        backends = parse_backend_list(args.backends)
    elif suite_backends:
        backends = list(dict.fromkeys(suite_backends))
    else:
        backends = backend_names()
    batches = parse_int_list(args.batch, "--batch") if args.batch is not None else None
    setup = run_options.RunSetup()
    for item in args.config:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--config expects KEY=VALUE, got {item!r}")
        setup.config[key.strip()] = parse_value(value)
    check_config_keys(setup.config, backends)
    run_options.apply_all(args, setup)
    entries = setup.transform_entries(entries)
    backends.extend(name for name in setup.extra_backends if name not in backends)
    tasks = expand(entries, backends, policy.scenario, batches, setup.configs(), setup.backend_configs())
    if not getattr(args, "allow_large", False):
        check_memory(tasks)
    return tasks, setup


def check_memory(tasks: list[Task]) -> None:
    """Refuse (UserError) before anything runs when a task's estimated memory exceeds what is
    available now (:mod:`accelbench.memory`); each workload and batch is checked once."""
    from accelbench.memory import available_b, check_fits

    limit = available_b()
    seen: set[tuple[str, int]] = set()
    for task in tasks:
        if (task.workload.params_hash, task.batch) not in seen:
            seen.add((task.workload.params_hash, task.batch))
            check_fits(task.workload, task.batch, limit)


def progress_line(index: int, total: int, task: Task, result: Measurement | None) -> None:
    if result is None:
        return
    if result.valid and result.latency:
        detail = f"p50 {seconds(result.latency.p50_s)} ({result.provenance.get('latency', 'measured')})"
        if result.quality is not None:  # the timing verdict beside the p50, with its reason when not ok
            q = result.quality
            detail += f" [{q.verdict}{': ' + q.reason if q.verdict != 'ok' and q.reason else ''}]"
    else:
        detail = f"{result.status}: {result.invalid_reason}"
    stderr(f"[{index}/{total}] {task.label()}: {detail}")


def main(args: argparse.Namespace) -> int:
    if _builds_fpga_designs_first(args):  # before the heavy imports below, so the two overlap
        from accelbench.fpga.build_server import start_in_background

        start_in_background()
    from accelbench.commands import fpga_options, history_options
    from accelbench.commands.lifecycle import stored_run
    from accelbench.execute import execute_local
    from accelbench.measure.runner import Runner
    from accelbench.results.store import open_store

    policy = build_policy(args)
    tasks, setup = build_tasks(args, policy)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    runner = Runner(policy, run_id, power_hook=setup.power_hook)
    with open_store(args.store) as store:
        command = "accelbench run " + " ".join(args.targets or [DEFAULT_TARGET])
        with stored_run(store, run_id, command, *history_options.provenance(args)):
            stderr(f"run {run_id}: {len(tasks)} measurement(s) -> {args.store}")
            results = execute_local(tasks, runner, store.append, progress_line,
                                    prebuild=fpga_options.prebuild_choice(args))
    if args.json:
        print_json([m.to_json() for m in results])
    else:
        from accelbench.commands.table import measurements_table

        measurements_table(results, title=f"run {run_id}")
    bad = [m for m in results if m.status in ("invalid", "error")]
    stderr(f"run {run_id}: {sum(m.valid for m in results)} valid, {len(bad)} invalid/failed, "
           f"{len(results) - len(bad) - sum(m.valid for m in results)} skipped; stored in {args.store}")
    compared = history_options.compare_after_run(args, results) if getattr(args, "compare_to", None) else 0
    if args.strict:
        return strict_verdict(results, bad) or compared
    return compared


#: The backend whose designs are built (in the FPGA build server) before the run measures.
FPGA_BUILD_BACKEND = "fpga-hls4ml"


def _builds_fpga_designs_first(args: argparse.Namespace) -> bool:
    """Whether this run will build FPGA designs before measuring, judged from the arguments without
    importing a framework: prebuilds on (no --no-prebuild, ACCELBENCH_PREBUILD not 0), hls4ml and
    g++ present, and fpga-hls4ml among the backends. Without --backends those are the suites'
    backends, else every registered one, fpga-hls4ml included (as :func:`build_tasks` decides).

    Prebuilds only: without them, designs are built between measurements, and a build server
    importing torch on another core would disturb the timing of the measurements it overlaps.
    A wrong guess costs the server's imports on another core and a SIGKILL at exit.
    """
    import importlib.util
    import shutil

    from accelbench import prebuild
    from accelbench.commands.fpga_options import prebuild_choice
    from accelbench.suites import load_suite, suite_path

    if prebuild_choice(args) is False or not prebuild.enabled():
        return False
    if importlib.util.find_spec("hls4ml") is None or shutil.which("g++") is None:
        return False  # the backend is unavailable: nothing will be built
    if args.backends is not None:
        return FPGA_BUILD_BACKEND in (part.strip() for part in args.backends.split(","))
    suite_backends: list[str] = []
    try:
        for target in args.targets or [DEFAULT_TARGET]:
            if ":" not in target and suite_path(target) is not None:
                suite_backends.extend(load_suite(target).backends or ())
    except Exception:  # a bad suite: build_tasks reports it, nothing is built
        return False
    return not suite_backends or FPGA_BUILD_BACKEND in suite_backends


def strict_verdict(results: list[Measurement], bad: list[Measurement]) -> int:
    """``--strict``: 1 with one line saying why when any result failed or nothing was measured."""
    if bad:
        stderr(f"accelbench: error: --strict: {len(bad)} result(s) invalid or failed "
               f"(first: {bad[0].backend} on {bad[0].workload}: {bad[0].status}: {bad[0].invalid_reason[:120]})")
        return 1
    not_ok = [m for m in results if m.quality is not None and m.quality.verdict != "ok"]
    if not_ok:  # timing quality (docs/timing-quality.md)
        stderr(f"accelbench: error: --strict: {len(not_ok)} timing(s) not ok (noisy or contended)")
        return 1
    if results and all(m.status == "unavailable" for m in results):
        reasons = sorted({f"{m.backend}: {m.invalid_reason}" for m in results})
        stderr(f"accelbench: error: --strict: nothing was measured, every backend was unavailable "
               f"({'; '.join(reasons)})")
        return 1
    return 0
