"""``accelbench show``: stored results of a run (the last one by default)."""

from __future__ import annotations

import argparse
from typing import Any

from accelbench.commands.common import add_json, add_store, print_json


def register(sub: Any) -> None:
    parser = sub.add_parser("show", help="show stored results")
    add_store(parser)
    add_json(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", metavar="ID", help="a run id (a unique prefix is enough)")
    which.add_argument("--last", action="store_true", help="the last run (the default)")
    which.add_argument("--runs", action="store_true", help="list the stored runs instead")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.results.store import open_store

    with open_store(args.store, read_only=True) as store:
        if args.runs:
            runs = store.runs()
            if args.json:
                print_json(runs)
            else:
                for run in runs:
                    commit = (run["commit_id"] or "-")[:12] + ("+dirty" if run["dirty"] else "")
                    origin = " ".join(x for x in (commit, run["branch"] and f"on {run['branch']}",
                                                  run["label"] and f"[{run['label']}]") if x)
                    print(f"{run['run_id']}  {run['status']:<11} {run['started_at']}  {run['stored']:>5} stored  "
                          f"{origin}  {run['command']}")
            return 0
        run_id = store.resolve_run(args.run)
        records = store.measurements(run_id)
    if args.json:
        print_json([m.to_json() for m in records])
    else:
        from accelbench.commands.table import measurements_table

        measurements_table(records, title=f"run {run_id}")
    return 0
