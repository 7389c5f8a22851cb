"""Option group: the server scenario (``--scenario server``), after MLPerf LoadGen.

``--target-qps Q`` (Poisson arrivals), ``--latency-bound-ms L``, ``--percentile P`` (default 99),
``--find-max-qps`` (search for the highest VALID rate, storing every probe), dynamic batching
(``--max-batch``, ``--batch-timeout-ms``), the run's minimum duration and query count
(``--min-duration-s``, ``--min-queries``, or LoadGen's reference values with
``--loadgen-reference``), ``--max-duration-s`` and ``--no-early-stopping``. The settings are stored
in each record's configuration (key ``server``); see docs/server-scenario.md.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError
from accelbench.measure.loadgen import LOADGEN_MIN_DURATION_S, LOADGEN_MIN_QUERIES, ServerPolicy

_FLAGS = ("target_qps", "latency_bound_ms", "percentile", "find_max_qps", "max_batch", "batch_timeout_ms",
          "min_duration_s", "min_queries", "max_duration_s", "loadgen_reference", "no_early_stopping")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("server scenario (--scenario server; docs/server-scenario.md)")
    group.add_argument("--target-qps", metavar="Q", help="offered load: Poisson arrivals at Q queries/s")
    group.add_argument("--latency-bound-ms", metavar="L", help="latency bound of the percentile, in ms")
    group.add_argument("--percentile", metavar="P", help="latency percentile judged against the bound (default 99)")
    group.add_argument("--find-max-qps", action="store_true", help="search for the highest VALID rate")
    group.add_argument("--max-batch", metavar="N", help="dynamic batching: at most N queries per call (default 1)")
    group.add_argument("--batch-timeout-ms", metavar="T", help="hold a query at most T ms for others to join")
    group.add_argument("--min-duration-s", metavar="S", help="minimum run duration (default 2 s)")
    group.add_argument("--min-queries", metavar="N", help="minimum query count (default 1024)")
    group.add_argument("--max-duration-s", metavar="S", help="longest a run may last (default 60 s)")
    group.add_argument("--loadgen-reference", action="store_true",
                       help=f"LoadGen's minimums: {LOADGEN_MIN_DURATION_S:g} s and {LOADGEN_MIN_QUERIES} queries")
    group.add_argument("--no-early-stopping", action="store_true", help="always run the minimum duration and count")


def _number(args: argparse.Namespace, name: str, flag: str, cast: type = float) -> float | None:
    text = getattr(args, name, None)
    if text is None:
        return None
    try:
        value = cast(text)
    except ValueError:
        raise UserError(f"{flag} expects a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise UserError(f"{flag} expects a finite non-negative number, got {text!r}")
    return float(value)


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    given = [name for name in _FLAGS if getattr(args, name, None) not in (None, False)]
    if getattr(args, "scenario", None) != "server":
        if given:
            raise UserError(f"--{given[0].replace('_', '-')} applies to --scenario server")
        return
    qps = _number(args, "target_qps", "--target-qps")
    bound_ms = _number(args, "latency_bound_ms", "--latency-bound-ms")
    if bound_ms is None:
        raise UserError("--scenario server needs --latency-bound-ms")
    if qps is None and not args.find_max_qps:
        raise UserError("--scenario server needs --target-qps Q or --find-max-qps")
    percentile = _number(args, "percentile", "--percentile")
    settings: dict[str, object] = {
        "target_qps": qps or 0.0, "latency_bound_s": bound_ms * 1e-3, "find_max_qps": bool(args.find_max_qps),
        "percentile": (percentile / 100.0) if percentile is not None else 0.99,
        "early_stopping": not args.no_early_stopping,
    }
    if args.loadgen_reference:
        settings.update(min_duration_s=LOADGEN_MIN_DURATION_S, min_queries=LOADGEN_MIN_QUERIES,
                        max_duration_s=max(2 * LOADGEN_MIN_DURATION_S, 60.0))
    for name, flag, key, scale, cast in (
            ("min_duration_s", "--min-duration-s", "min_duration_s", 1.0, float),
            ("min_queries", "--min-queries", "min_queries", 1.0, int),
            ("max_duration_s", "--max-duration-s", "max_duration_s", 1.0, float),
            ("max_batch", "--max-batch", "max_batch", 1.0, int),
            ("batch_timeout_ms", "--batch-timeout-ms", "batch_timeout_s", 1e-3, float)):
        value = _number(args, name, flag, cast)
        if value is not None:
            settings[key] = cast(value * scale) if cast is int else value * scale
    if "min_duration_s" in settings and "max_duration_s" not in settings:
        settings["max_duration_s"] = max(60.0, 2 * float(settings["min_duration_s"]))  # type: ignore[arg-type]
    policy = ServerPolicy(**settings)  # type: ignore[arg-type]  # validates every field (UserError)
    stored = asdict(policy)
    stored.pop("seed")  # the run's seed is recorded with the result
    setup.config["server"] = stored
