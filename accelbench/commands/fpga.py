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

from accelbench.commands import fpga_options
from accelbench.commands.common import add_json, add_store, print_json, stderr
from accelbench.commands.run_options import RunSetup
from accelbench.plan import Task
from accelbench.results.rank import rankable, why_unranked
from accelbench.results.record import Measurement


def register(sub: Any) -> None:
    parser = sub.add_parser("fpga", help="FPGA design tools (explore the design space)")
    fpga_sub = parser.add_subparsers(dest="fpga_command", metavar="FPGA_COMMAND", parser_class=type(parser))
    explore = fpga_sub.add_parser("explore", help="latency/resource/power over reuse factors and precisions")
    explore.add_argument("targets", nargs="+", metavar="TARGET", help="catalog workload, suite or KIND:key=value")
    explore.add_argument("--batch", default="1", metavar="N", help="batch size of the modeled call")
    fpga_options.add_arguments(explore)
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
    }


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
    from accelbench.commands.common import parse_int_list
    from accelbench.execute import execute_local
    from accelbench.measure.policy import RunPolicy
    from accelbench.measure.runner import Runner
    from accelbench.plan import expand
    from accelbench.results.environment import capture
    from accelbench.results.store import open_store
    from accelbench.targets import resolve

    entries = [entry for target in args.targets for entry in resolve(target)]
    batches = parse_int_list(args.batch, "--batch")
    setup = RunSetup()
    fpga_options.apply(args, setup)
    policy = RunPolicy(budget_s=0.1)
    tasks = expand(entries, ["fpga-hls4ml"], policy.scenario, batches, setup.configs(), setup.backend_configs())
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    with open_store(args.store) as store:
        store.begin_run(run_id, "accelbench fpga explore " + " ".join(args.targets), capture(),
                        datetime.now(UTC).isoformat(timespec="seconds"))
        status = "interrupted"
        try:
            results = execute_local(tasks, Runner(policy, run_id), store.append, _progress)
            status = "finished"
        finally:
            store.finish_run(run_id, datetime.now(UTC).isoformat(timespec="seconds"), status)
    rows = [_row(m) for m in results]
    best = _winners(rows)
    for r in rows:
        r["best"] = [figure for figure, index in best.items() if rows[index] is r]
    if args.json:
        print_json(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    tool = next((r["hls_tool"] for r in rows if r["hls_tool"]), "?")
    title = (f"FPGA design space (run {run_id}); all figures modeled ᵐ ({tool} profile, \\[low-high] ranges), error "
             "simulated ˢ; ★ best among checked designs that fit (model-only / does-not-fit rows are never best)")
    table = Table(title=title, title_justify="left")
    columns = ("workload", "RF", "precision", "status", "latency", "II", "DSP", "LUT", "FF", "BRAM18K", "power",
               "fits", "rel err")
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
        )
    Console(width=200).print(table)
    return 0
