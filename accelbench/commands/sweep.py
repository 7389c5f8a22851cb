"""``accelbench sweep``: targets x backends x batches x configurations, resumable, local or on Dask."""

from __future__ import annotations

import argparse
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from accelbench.commands.common import add_json, add_store, print_json, stderr
from accelbench.commands.run import add_run_arguments, build_policy, build_tasks, progress_line
from accelbench.errors import UserError

SWEEP_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def register(sub: Any) -> None:
    parser = sub.add_parser("sweep", help="run many tasks under a sweep id, resumable, locally or on Dask")
    add_run_arguments(parser)
    parser.add_argument("--executor", default="local", help="local (default) or dask")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    parser.add_argument("--workers", metavar="N", help="workers of a LocalCluster on 127.0.0.1 (default 1)")
    parser.add_argument("--sweep-id", metavar="ID",
                        help="resume/extend this sweep (default: an id derived from the targets, backends, batches, "
                             "configuration and policy, so repeating a command resumes it)")
    parser.add_argument("--retry-failed", action="store_true", help="re-run tasks whose stored result is an error")
    add_store(parser)
    add_json(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.commands import fpga_options, history_options
    from accelbench.commands.lifecycle import stored_run
    from accelbench.execute import execute_local
    from accelbench.measure.runner import Runner
    from accelbench.results.store import open_store
    from accelbench.sweep import Summary, default_sweep_id, note_abandoned, pending

    if args.executor not in ("local", "dask"):
        raise UserError(f"--executor must be local or dask, got {args.executor!r}")
    if args.executor == "local" and (args.scheduler or args.workers):
        raise UserError("--scheduler and --workers need --executor dask")
    if args.scheduler and args.workers:
        raise UserError("give --scheduler or --workers, not both")
    workers = None
    if args.workers is not None:
        try:
            workers = int(args.workers)
        except ValueError:
            raise UserError(f"--workers expects a positive integer, got {args.workers!r}") from None
        if workers < 1:
            raise UserError(f"--workers expects a positive integer, got {workers}")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
        raise UserError(f"--scheduler expects tcp://HOST:PORT or tls://HOST:PORT, got {args.scheduler!r}")
    if args.sweep_id is not None and not SWEEP_ID.fullmatch(args.sweep_id):
        raise UserError(f"--sweep-id must be 1-128 letters, digits or . _ : -, got {args.sweep_id[:80]!r}")
    policy = build_policy(args)
    tasks, setup = build_tasks(args, policy)
    sweep_id = args.sweep_id or default_sweep_id(tasks, policy)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    with open_store(args.store) as store:
        todo, skipped = pending(tasks, store, sweep_id, args.retry_failed)
        summary = Summary(sweep_id, len(tasks), skipped)
        for line in note_abandoned(store, sweep_id):
            stderr(line)
        client = cluster = None
        if args.executor == "dask" and todo:
            from accelbench.executors.dask import connect

            client, cluster = connect(args.scheduler, workers)  # fails in one line before any run is stored
        command = f"accelbench sweep {' '.join(args.targets)} --sweep-id {sweep_id}"
        try:
            with stored_run(store, run_id, command, *history_options.provenance(args)):
                stderr(f"sweep {sweep_id}: {len(todo)} to run, {skipped} already stored ({args.executor} executor)")
                if client is None:
                    summary.results = execute_local(todo, Runner(policy, run_id, setup.power_hook), store.append,
                                                    progress_line, sweep_id=sweep_id,
                                                    prebuild=fpga_options.prebuild_choice(args))
                else:
                    from accelbench.executors.dask import execute_dask

                    summary.results = execute_dask(todo, client, policy, run_id, sweep_id, store.append,
                                                   progress_line, setup.power_hook)
        finally:
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
    if args.json:
        print_json([m.to_json() for m in summary.results])
    for line in summary.lines():
        stderr(line)
    return 0
