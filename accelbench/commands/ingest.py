"""``accelbench ingest FILE.json``: pytest-benchmark JSON (accelbench's or any) into the store.

The run keeps the file's commit, machine and time; the same file (same bytes) is ingested once.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accelbench.commands.common import add_store, stderr
from accelbench.errors import UserError


def register(sub: Any) -> None:
    parser = sub.add_parser("ingest", help="import pytest-benchmark JSON into the store")
    parser.add_argument("file", type=Path, metavar="FILE.json")
    add_store(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from accelbench.results.ingest import already_ingested, read
    from accelbench.results.store import open_store

    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ingested = read(args.file, run_id, now)  # everything validated before the store is touched
    with open_store(args.store) as store:
        earlier = already_ingested(store, ingested.sha256)
        if earlier:
            raise UserError(f"{args.file} was already ingested as run {earlier} (same content, sha256 "
                            f"{ingested.sha256[:12]}); nothing stored")
        store.begin_run(run_id, f"accelbench ingest {args.file}", ingested.environment, ingested.started_at,
                        ingested.origin)
        for m in ingested.records:
            store.append(m)
        store.finish_run(run_id, datetime.now(UTC).isoformat(timespec="seconds"))
    stderr(f"ingested {len(ingested.records)} benchmark(s) from {args.file} as run {run_id} into {args.store}")
    print(run_id)
    return 0
