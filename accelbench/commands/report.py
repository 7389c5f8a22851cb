"""``accelbench report``: HTML + Markdown + CSV comparison of a stored run (reads the store only)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from accelbench.commands.common import add_store, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help="write an HTML/Markdown/CSV comparison report of a stored run")
    add_store(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", metavar="ID", help="a run id (a unique prefix is enough)")
    which.add_argument("--last", action="store_true", help="the last run (the default)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.report.writer import write_report
    from accelbench.results.store import open_store

    with open_store(args.store, read_only=True) as store:
        run_id = store.resolve_run(args.run)
        records = store.measurements(run_id)
        environment = store.run_environment(run_id)
    report = write_report(run_id, records, environment, args.out)
    omitted = [title for title, svg, _ in report.plots if svg is None]
    stderr(f"wrote {args.out / 'index.html'}, report.md, results.csv ({len(report.rows)} results, "
           f"{len(report.failures)} invalid; plots omitted for lack of data: {', '.join(omitted) or 'none'})")
    return 0
