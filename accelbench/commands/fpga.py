"""``accelbench fpga explore``: the latency / resource / power trade-off over reuse factors and precisions.

Every design point is a fpga-hls4ml measurement (C simulation for correctness unless the design
is model-only, analytical model for the figures), stored like any run and printed as a table
that marks the designs that fit the part.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import Any

from accelbench.commands import fpga_options, run_options
from accelbench.commands.common import add_json, add_store, print_json, stderr
from accelbench.plan import Task
from accelbench.results.rank import rankable, why_unranked
from accelbench.results.record import Measurement


def register(sub: Any) -> None:
    parser = sub.add_parser("fpga", help="FPGA design tools (explore the design space)")
    fpga_sub = parser.add_subparsers(dest="fpga_command", metavar="FPGA_COMMAND", parser_class=type(parser))
    explore = fpga_sub.add_parser("explore", help="latency/resource/power over reuse factors and precisions")
    explore.add_argument("targets", nargs="+", metavar="TARGET", help="catalog workload, suite or KIND:key=value")
    explore.add_argument("--batch", default="1", metavar="N", help="batch size of the modeled call")
    explore.add_argument("--allow-large", action="store_true",
                         help="run even when a design's estimated memory exceeds the memory available now")
    run_options.add_all(explore)  # the FPGA design flags, --data/--min-accuracy, ... (every option group)
    add_store(explore)
    add_json(explore)
    explore.set_defaults(func=explore_main)
    bundle = fpga_sub.add_parser("bundle", help="build a board bundle with the Vivado or the Vitis flow")
    bundle.add_argument("target", metavar="TARGET")
    bundle.add_argument("--board", dest="fpga_board", required=True, help="pynq-z2, zcu102, zcu104, kv260, alveo-u250")
    bundle.add_argument("--flow", choices=("vivado", "vitis"), default=None,
                        help="vivado: Vivado HLS + Vivado bitstream (pynq-z2, zcu102, alveo-u250); vitis: Vitis HLS "
                             "IP for the board's part (default: the flow whose tools are on PATH)")
    bundle.set_defaults(func=bundle_main)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def _row(m: Measurement) -> dict[str, Any]:
    fpga = m.fpga or {}
    return {
        "workload": m.workload,
        "reuse_factor": fpga.get("reuse_factor"),
        "precision": fpga.get("precision"),
        "strategy": fpga.get("strategy"),
        "status": m.status,
        "invalid_reason": m.invalid_reason,
        "latency_cycles": fpga.get("latency_cycles"),
        "ii_cycles": fpga.get("ii_cycles"),
        "latency_ns": fpga.get("latency_ns"),
        "dsp": fpga.get("dsp"),
        "lut": fpga.get("lut"),
        "ff": fpga.get("ff"),
        "bram18k": fpga.get("bram18k"),
        "power_w": fpga.get("power_w"),
        "fits": fpga.get("fits"),
        "fit_reason": fpga.get("fit_reason"),
        "dsp_range": fpga.get("dsp_range"),
        "lut_range": fpga.get("lut_range"),
        "latency_cycles_range": fpga.get("latency_cycles_range"),
        "hls_tool": fpga.get("hls_tool"),
        "rankable": rankable(m),
        "why_unranked": why_unranked(m),
        "error_rel": m.error.rel if m.error else None,
        "provenance": "modeled figures; error simulated" if m.error else "modeled figures",
        **_accuracy(m),
    }


def _accuracy(m: Measurement) -> dict[str, Any]:
    """The record's accuracy on the user's data (``--data``), flattened for the table and JSON."""
    accuracy = m.accuracy or {}
    return {
        "accuracy": accuracy.get("value"),
        "accuracy_metric": accuracy.get("metric"),
        "accuracy_reference": accuracy.get("reference_value"),
        "accuracy_n": accuracy.get("n"),
        "agreement_argmax": (accuracy.get("agreement") or {}).get("argmax"),
        "below_floor": bool(accuracy.get("below_floor")),
        "accuracy_provenance": m.provenance.get("accuracy") if accuracy else None,
    }


def pareto(rows: list[dict[str, Any]]) -> set[int]:
    """Indices of the accuracy-latency Pareto designs: rankable rows (so never below the
    ``--min-accuracy`` floor) with a latency and an accuracy that no other such row of the same
    workload and metric beats on one and matches or beats on the other. Higher is better for
    ``top1``, lower for ``mse``."""
    points = [(i, r["latency_ns"], r["accuracy"] if r["accuracy_metric"] != "mse" else -r["accuracy"],
               (r["workload"], r["accuracy_metric"]))
              for i, r in enumerate(rows)
              if r["rankable"] and r["latency_ns"] is not None and r["accuracy"] is not None]
    front = set()
    for i, latency, score, group in points:
        dominated = any(g == group and lat <= latency and sc >= score and (lat < latency or sc > score)
                        for _j, lat, sc, g in points)
        if not dominated:
            front.add(i)
    return front


def _span(pair: Any) -> str:
    return f" [{pair[0]}-{pair[1]}]" if pair else ""


def _winners(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Index of the best row per figure (lowest latency, fewest DSP) among rankable rows only."""
    best: dict[str, int] = {}
    for figure, key in (("latency", "latency_ns"), ("dsp", "dsp")):
        candidates = [(r[key], i) for i, r in enumerate(rows) if r["rankable"] and r[key] is not None]
        if candidates:
            best[figure] = min(candidates)[1]
    return best


def _accuracy_cell(row: dict[str, Any]) -> str:
    if row["accuracy"] is None:
        return "-"
    text = f"{row['accuracy_metric']} {row['accuracy']:.4g}"
    if row["accuracy_reference"] is not None:
        text += f" (float {row['accuracy_reference']:.4g})"
    if row["below_floor"]:
        text += " below floor"
    return text + (" ◆" if row["pareto"] else "")


def bundle_main(args: argparse.Namespace) -> int:
    from accelbench.fpga.bundle_build import build_bundle, check_flow, default_flow
    from accelbench.fpga.config import resolve_config
    from accelbench.targets import resolve

    (entry, *_rest) = resolve(args.target)
    cfg = resolve_config(entry.workload, {"fpga_board": args.fpga_board})
    flow = args.flow or default_flow()
    check_flow(flow, cfg.board)
    path = build_bundle(entry.workload, cfg, flow)
    stderr(f"bundle for {entry.workload.name} on {args.fpga_board} ({cfg.part}, {flow} flow): {path}")
    return 0


def _progress(index: int, total: int, task: Task, result: Measurement | None) -> None:
    if result is not None:
        stderr(f"[{index}/{total}] {task.label()} {dict(task.config)}: {result.status}")


def explore_main(args: argparse.Namespace) -> int:
    from accelbench.fpga.build_server import start_in_background

    start_in_background()  # every design point is an FPGA build: the build server imports while we do
    from accelbench.commands import history_options
    from accelbench.commands.common import parse_int_list
    from accelbench.commands.lifecycle import stored_run
    from accelbench.commands.run import check_memory
    from accelbench.execute import execute_local
    from accelbench.measure.policy import RunPolicy
    from accelbench.measure.runner import Runner
    from accelbench.plan import expand
    from accelbench.results.store import open_store
    from accelbench.targets import resolve

    entries = [entry for target in args.targets for entry in resolve(target, weights=getattr(args, "weights", None))]
    batches = parse_int_list(args.batch, "--batch")
    setup = run_options.apply_all(args, run_options.RunSetup())
    entries = setup.transform_entries(entries)  # --data feeds the user's inputs and labels to model workloads
    policy = RunPolicy(budget_s=0.1)
    tasks = expand(entries, ["fpga-hls4ml"], policy.scenario, batches, setup.configs(), setup.backend_configs())
    if not args.allow_large:
        check_memory(tasks)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    with open_store(args.store) as store:
        command = "accelbench fpga explore " + " ".join(args.targets)
        with stored_run(store, run_id, command, *history_options.provenance(args)):
            results = execute_local(tasks, Runner(policy, run_id), store.append, _progress,
                                    prebuild=fpga_options.prebuild_choice(args))
    rows = [_row(m) for m in results]
    best = _winners(rows)
    front = pareto(rows)
    for index, r in enumerate(rows):
        r["best"] = [figure for figure, winner in best.items() if winner == index]
        r["pareto"] = index in front
    if args.json:
        print_json(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    tool = next((r["hls_tool"] for r in rows if r["hls_tool"]), "?")
    title = (f"FPGA design space (run {run_id}); all figures modeled ᵐ ({tool} profile, \\[low-high] ranges), error "
             "simulated ˢ; ★ best among checked designs that fit (model-only / does-not-fit rows are never best)")
    columns = ["workload", "RF", "precision", "status", "latency", "II", "DSP", "LUT", "FF", "BRAM18K", "power",
               "fits", "rel err"]
    with_accuracy = any(r["accuracy_metric"] for r in rows)
    if with_accuracy:
        columns.append("accuracy")
        title += ("; accuracy on --data (C simulation ˢ), ◆ accuracy-latency Pareto design"
                  + (f", below the floor {args.min_accuracy} never best" if args.min_accuracy is not None else ""))
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for r in rows:
        star = " ★" if "latency" in r["best"] else ""
        table.add_row(
            r["workload"], str(r["reuse_factor"]), str(r["precision"]), r["status"],
            f"{r['latency_cycles']} cyc ({r['latency_ns']:.3g} ns){_span(r['latency_cycles_range'])}{star}"
            if r["latency_ns"] is not None else "-",
            str(r["ii_cycles"]), f"{r['dsp']}{_span(r['dsp_range'])}{' ★' if 'dsp' in r['best'] else ''}",
            f"{r['lut']}{_span(r['lut_range'])}", str(r["ff"]), str(r["bram18k"]),
            f"{r['power_w']:.3g} W" if r["power_w"] is not None else "-",
            "yes" if r["fits"] == "yes" else (r["fit_reason"] or r["status"] + ": " + r["invalid_reason"]),
            f"{r['error_rel']:.2g}" if r["error_rel"] is not None else "-",
            *([_accuracy_cell(r)] if with_accuracy else []),
        )
    Console(width=200).print(table)
    return 0
