"""``accelbench migrate``: upgrade a store written by an older accelbench."""

from __future__ import annotations

import argparse
from typing import Any

from accelbench.commands.common import add_store, stderr


def register(sub: Any) -> None:
    parser = sub.add_parser("migrate", help="upgrade a store to this version's schema")
    add_store(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.results.migrate import migrate
    from accelbench.results.store import open_store

    with open_store(args.store, read_only=True, check=False):
        pass  # refuses, in one line, a missing, corrupt or foreign file before anything is changed
    before, after = migrate(args.store)
    stderr(f"{args.store}: schema version {before} -> {after}" if before != after
           else f"{args.store}: already at schema version {after}")
    return 0
