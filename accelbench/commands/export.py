"""``accelbench export OUT.parquet|OUT.csv``: stored measurements to a file.

CSV cells that a spreadsheet would evaluate as a formula (text starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return, e.g. a pytest test name) get a ``'`` prefix, as OWASP recommends.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from accelbench.commands.common import add_store, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser("export", help="export stored measurements to Parquet or CSV")
    parser.add_argument("out", type=Path, metavar="OUT", help="a .parquet or .csv file")
    parser.add_argument("--run", metavar="ID", help="only this run (default: every run)")
    add_store(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.report.escape import csv_cell
    from accelbench.results.store import open_store

    with open_store(args.store, read_only=True) as store:
        run_id = store.resolve_run(args.run) if args.run else None
        path = store.export(args.out, run_id, cell=csv_cell)
    stderr(f"wrote {path}")
    return 0
