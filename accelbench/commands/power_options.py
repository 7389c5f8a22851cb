"""``run`` option group for power: on by default, a sustained window per measurement."""

from __future__ import annotations

import argparse

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("power and energy")
    group.add_argument("--power", action=argparse.BooleanOptionalAction, default=True,
                       help="measure (or, without sensors, model) power and energy per item (default: on)")
    group.add_argument("--power-subtract-idle", action="store_true", help="subtract idle power measured just before")
    group.add_argument("--power-window-s", default="1.0", metavar="S", help="sustained window per measurement (>= 1 s)")
    group.add_argument("--cpu-tdp-w", metavar="W", help="CPU TDP for the modeled CPU meter (default: assumed per core)")


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    from accelbench.measure.power_window import PowerOptions, make_power_hook

    if not getattr(args, "power", True):
        return
    try:
        window_s = float(args.power_window_s)
    except ValueError:
        raise UserError(f"--power-window-s expects seconds, got {args.power_window_s!r}") from None
    tdp = None
    if args.cpu_tdp_w is not None:
        try:
            tdp = float(args.cpu_tdp_w)
        except ValueError:
            raise UserError(f"--cpu-tdp-w expects watts, got {args.cpu_tdp_w!r}") from None
    setup.power_hook = make_power_hook(
        PowerOptions(window_s=window_s, subtract_idle=args.power_subtract_idle, cpu_tdp_w=tdp)
    )
