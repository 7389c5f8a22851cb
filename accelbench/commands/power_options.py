"""``run`` option group for power: on by default, a sustained window per measurement."""

from __future__ import annotations

import argparse

from accelbench.commands.run_options import RunSetup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("power and energy")
    group.add_argument("--power", action=argparse.BooleanOptionalAction, default=True,
                       help="measure power and energy per item over a sustained window; without a sensor the "
                            "figures are modeled and labelled so (default: on)")
    group.add_argument("--power-subtract-idle", action="store_true",
                       help="subtract the idle power measured just before the window")
    group.add_argument("--power-window-s", default="1.0", metavar="S",
                       help="sustained window of repeated runs per measurement (>= 1 s; longer for slow sensors)")
    group.add_argument("--cpu-tdp-w", metavar="W",
                       help="power (W) of the CPUs this run may use at full load, for the modeled CPU meter "
                            "(default: the TDP table's share for this CPU, else a per-thread fallback)")
    group.add_argument("--gpu-power-limit-w", metavar="W",
                       help="GPU board power limit (W) for the modeled GPU meter (default: NVML's enforced limit)")


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    from accelbench.commands.common import parse_positive_float
    from accelbench.measure.power_window import PowerOptions, make_power_hook
    from accelbench.power.select import MeterConfig

    if not getattr(args, "power", True):
        return
    meters = MeterConfig(
        cpu_tdp_w=parse_positive_float(args.cpu_tdp_w, "--cpu-tdp-w") if args.cpu_tdp_w is not None else None,
        gpu_power_limit_w=(parse_positive_float(args.gpu_power_limit_w, "--gpu-power-limit-w")
                           if args.gpu_power_limit_w is not None else None),
    )
    window_s = parse_positive_float(args.power_window_s, "--power-window-s")
    setup.power_hook = make_power_hook(
        PowerOptions(window_s=window_s, subtract_idle=args.power_subtract_idle, meters=meters)
    )
