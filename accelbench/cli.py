"""The ``accelbench`` command line.

Subcommands live in :mod:`accelbench.commands`, one module each exposing
``register(subparsers)``; this module only discovers them, parses, and turns a
:class:`~accelbench.errors.UserError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from accelbench import __version__
from accelbench.errors import UserError

EXIT_USER_ERROR = 2


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (not usage + error) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> Parser:
    import accelbench.commands as commands

    parser = Parser(prog="accelbench", description="Compare CPU, GPU and FPGA lowerings of one workload.")
    parser.add_argument("--version", action="version", version=f"accelbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"accelbench.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USER_ERROR
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"accelbench: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # `accelbench show --json | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM/SIGHUP (commands.lifecycle.Terminated)
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"accelbench: interrupted by {signal.Signals(signum).name} (stored results are kept)", file=sys.stderr)
        return 128 + int(signum)
    except Exception as exc:
        if not _is_store_damage(exc):
            raise
        print(f"accelbench: error: the store is damaged: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_USER_ERROR


def _is_store_damage(exc: BaseException) -> bool:
    """A DuckDB I/O or corruption error met while reading a damaged store (not a bug of ours)."""
    module = type(exc).__module__ or ""
    return module.split(".")[0] in ("duckdb", "_duckdb") and (
        type(exc).__name__ == "IOException" or str(exc).startswith("Corrupt database file")
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
