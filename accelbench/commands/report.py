"""``accelbench report``: HTML + Markdown + CSV comparison of a stored run (reads the store only)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from accelbench.commands.common import add_store, output_dir, parse_positive_float, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help="write an HTML/Markdown/CSV comparison report of a stored run")
    add_store(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", metavar="ID", help="a run id (a unique prefix is enough)")
    which.add_argument("--last", action="store_true", help="the last run (the default)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output directory")
    parser.add_argument("--cpu-peak-flops-s", metavar="FLOP/S",
                        help="CPU compute roof for the roofline when the CPU stored no peak (e.g. 1.2e12)")
    parser.add_argument("--cpu-peak-bytes-s", metavar="B/S", help="CPU memory-bandwidth roof (e.g. 2e11)")
    parser.add_argument("--history", action="store_true",
                        help="also write history.html/.md/.csv: all runs in commit order, with steps (docs/history.md)")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.report.roofs import CpuPeakConfig
    from accelbench.report.write import write_report
    from accelbench.results.store import open_store

    peaks = CpuPeakConfig(
        parse_positive_float(args.cpu_peak_flops_s, "--cpu-peak-flops-s") if args.cpu_peak_flops_s else None,
        parse_positive_float(args.cpu_peak_bytes_s, "--cpu-peak-bytes-s") if args.cpu_peak_bytes_s else None)
    output_dir(args.out)  # one line, exit 2, when --out names a file or cannot be created
    with open_store(args.store, read_only=True) as store:
        run_id = store.resolve_run(args.run)
        records = store.measurements(run_id)
        environment = store.run_environment(run_id)
        if args.history:
            from accelbench.report.history import write_history

            history = write_history(store, args.out)[0]
            stderr(f"wrote {args.out / 'history.html'}, history.md, history.csv ({len(history.series)} series, "
                   f"{len(history.steps)} step(s))")
    report = write_report(run_id, records, environment, args.out, peaks)
    omitted = [plot.title for plot in report.plots if plot.svg is None]
    ranked = sum(len(rows) for rows in report.ranked.values())
    stderr(f"wrote {args.out / 'index.html'}, report.md, summary.csv, results.csv ({ranked} ranked, "
           f"{len(report.not_ranked)} not ranked, {len(report.failures)} failed; plots omitted for lack of data: "
           f"{len(omitted)})")
    for workload, found in report.verdicts.items():
        stderr(f"{workload}: {found[0].text()}")
    return 0
