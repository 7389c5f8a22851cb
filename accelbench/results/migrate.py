"""Upgrade stores across schema versions, one step at a time (asv-style ``api_version`` + migrate).

Each step in :data:`STEPS` rewrites a store from version ``v`` to ``v + 1`` inside one
transaction; a store from the future (a newer accelbench) is refused, never downgraded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accelbench.errors import UserError
from accelbench.results.record import SCHEMA_VERSION

_LABELLED = ("latency", "end_to_end", "throughput_items_s", "achieved_flops_s", "achieved_bytes_s",
             "power_w", "idle_power_w", "energy_j_per_item", "error", "accuracy")


def upgrade_record_v1(record: dict[str, Any]) -> dict[str, Any]:
    """A version-1 record JSON as version 2.

    * statuses: an FPGA design marked ``model_only`` becomes ``model-only``; one marked
      ``fits: false`` (with a checked output) becomes ``does-not-fit`` with its reason; neither
      stays ``valid``.
    * provenance: every present figure without a label is labelled ``unknown`` (version 1 let
      readers assume ``measured``; we do not know how it was obtained).
    * new fields (quality, accuracy, ranges, threads, scenario detail, extra) start empty.
    """
    out = json.loads(json.dumps(record))
    fpga = out.get("fpga") or {}
    status = out.get("status")
    if status == "ok" and fpga.get("model_only"):
        out["status"] = "model-only"
        out["invalid_reason"] = "nothing ran, no output was checked: every figure comes from a model"
    elif status == "ok" and fpga.get("fits") is False:
        out["status"] = "does-not-fit"
        out["invalid_reason"] = str(fpga.get("fit_reason") or "does not fit its part")
    fpga.pop("model_only", None)
    out["valid"] = out["status"] == "ok"
    provenance = dict(out.get("provenance") or {})
    present = {
        "latency": out.get("latency_s"), "end_to_end": out.get("end_to_end_latency_s"),
        **{name: out.get(name) for name in _LABELLED if name not in ("latency", "end_to_end")},
    }
    for name, value in present.items():
        if value is not None and name not in provenance:
            provenance[name] = "unknown"
    out["provenance"] = provenance
    out.setdefault("quality", None)
    out.setdefault("accuracy", None)
    out.setdefault("ranges", {})
    out["schema_version"] = 2
    return out


def _v1_to_v2(con: Any) -> None:
    """Schema 1 -> 2: BIGINT batch, quality column, run origin columns, records upgraded."""
    for column, sql_type in (("host", "VARCHAR"), ("pid", "BIGINT"), ("heartbeat_at", "VARCHAR"),
                             ("commit_id", "VARCHAR"), ("branch", "VARCHAR"), ("dirty", "BOOLEAN"),
                             ("commit_time", "VARCHAR"), ("label", "VARCHAR")):
        con.execute(f"ALTER TABLE runs ADD COLUMN {column} {sql_type}")
    con.execute("ALTER TABLE measurements ALTER batch TYPE BIGINT")
    con.execute("ALTER TABLE measurements ADD COLUMN quality_verdict VARCHAR")
    # Keep `record` the last column, as the v2 table has it (inserts are positional).
    con.execute("ALTER TABLE measurements RENAME COLUMN record TO record_v1")
    con.execute("ALTER TABLE measurements ADD COLUMN record JSON")
    rows = con.execute("SELECT measurement_id, record_v1 FROM measurements").fetchall()
    for measurement_id, text in rows:
        new = upgrade_record_v1(json.loads(text))
        con.execute(
            "UPDATE measurements SET record = ?, status = ?, valid = ?, invalid_reason = ?, "
            "latency_provenance = ?, schema_version = 2 WHERE measurement_id = ?",
            [json.dumps(new), new["status"], new["valid"], new.get("invalid_reason", ""),
             new["provenance"].get("latency"), measurement_id],
        )
    con.execute("ALTER TABLE measurements DROP COLUMN record_v1")


#: version -> function upgrading a connection from that version to the next.
STEPS: dict[int, Callable[[Any], None]] = {1: _v1_to_v2}


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
