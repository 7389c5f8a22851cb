"""``run``/``sweep`` option group for timing quality: threads, worker processes, contention policy.

The values land in the :class:`~accelbench.measure.policy.RunPolicy` (``policy_fields``), which
travels with every task (local or Dask), so ``apply`` only validates and, for ``--threads``, sets
the thread environment of this process before any CPU library is loaded.
"""

from __future__ import annotations

import argparse
from typing import Any

from accelbench.commands.run_options import RunSetup
from accelbench.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("timing quality (docs/timing-quality.md)")
    group.add_argument("--threads", metavar="N",
                       help="intra-op threads of CPU backends (torch, BLAS via threadpoolctl, Numba); "
                            "default: the libraries' own (all cores). On a shared machine, fewer threads "
                            "than cores avoid pools stalling on a descheduled thread")
    group.add_argument("--processes", default="1", metavar="N",
                       help="repeat each timing in N fresh worker processes and pool the samples; the record "
                            "keeps the between-process spread (default: 1, in this process)")
    group.add_argument("--contention-threshold", default="0.05", metavar="F",
                       help="a sample whose threads waited for a CPU longer than this fraction of its wall "
                            "time is contended: dropped and re-taken within the budget (default: 0.05)")


def _positive_int(text: Any, flag: str) -> int:
    try:
        value = int(str(text))
    except ValueError:
        raise UserError(f"{flag} expects a positive integer, got {text!r}") from None
    if value < 1:
        raise UserError(f"{flag} expects a positive integer, got {text!r}")
    return value


def policy_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The RunPolicy fields these flags set (validated; UserError names the flag)."""
    fields: dict[str, Any] = {"processes": _positive_int(getattr(args, "processes", "1"), "--processes")}
    if getattr(args, "threads", None) is not None:
        fields["threads"] = _positive_int(args.threads, "--threads")
    text = getattr(args, "contention_threshold", "0.05")
    try:
        threshold = float(text)
    except ValueError:
        raise UserError(f"--contention-threshold expects a fraction in (0, 1), got {text!r}") from None
    if not 0 < threshold < 1:
        raise UserError(f"--contention-threshold expects a fraction in (0, 1), got {text!r}")
    fields["contention_threshold"] = threshold
    return fields


def apply(args: argparse.Namespace, setup: RunSetup) -> None:
    from accelbench.measure.threads import set_environment

    fields = policy_fields(args)
    if "threads" in fields:
        set_environment(fields["threads"])
