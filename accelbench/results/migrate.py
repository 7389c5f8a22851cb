"""Upgrade stores across schema versions, one step at a time (asv-style ``api_version`` + migrate).

Each step in :data:`STEPS` rewrites a store from version ``v`` to ``v + 1`` inside one
transaction; a store from the future (a newer accelbench) is refused, never downgraded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from accelbench.errors import UserError
from accelbench.results.record import SCHEMA_VERSION

#: version -> function upgrading a connection from that version to the next.
STEPS: dict[int, Callable[[Any], None]] = {}


def migrate(path: Path) -> tuple[int, int]:
    """Bring the store at ``path`` to :data:`SCHEMA_VERSION`; returns (before, after)."""
    import duckdb

    if not Path(path).exists():
        raise UserError(f"no store at {path}")
    con = duckdb.connect(str(path))
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        before = int(rows[0][0]) if rows else SCHEMA_VERSION
        if before > SCHEMA_VERSION:
            raise UserError(
                f"store {path} has schema version {before}, newer than this accelbench ({SCHEMA_VERSION}): "
                "upgrade accelbench"
            )
        version = before
        while version < SCHEMA_VERSION:
            if version not in STEPS:
                raise UserError(f"no migration from schema version {version} (store {path})")
            con.execute("BEGIN TRANSACTION")
            STEPS[version](con)
            version += 1
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
            con.execute("COMMIT")
        return before, version
    except duckdb.Error as exc:
        raise UserError(f"cannot migrate store {path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
