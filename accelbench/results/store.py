"""The embedded DuckDB store: ``runs`` and ``measurements``, append-only.

Each measurement is inserted (and committed) the moment it is made, so an interrupted run keeps
everything it measured. The full record is stored as JSON next to flat columns for querying;
:meth:`Store.dataframe` hands results to pandas as a tidy frame, one row per measurement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelbench.errors import UserError
from accelbench.results.record import SCHEMA_VERSION, Measurement

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

DEFAULT_STORE = Path("accelbench.duckdb")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    started_at VARCHAR,
    finished_at VARCHAR,
    command VARCHAR,
    status VARCHAR,
    environment JSON,
    host VARCHAR,
    pid BIGINT,
    heartbeat_at VARCHAR,
    commit_id VARCHAR,
    branch VARCHAR,
    dirty BOOLEAN,
    commit_time VARCHAR,
    label VARCHAR
);
CREATE TABLE IF NOT EXISTS measurements (
    measurement_id VARCHAR PRIMARY KEY,
    run_id VARCHAR,
    created_at VARCHAR,
    workload VARCHAR,
    kind VARCHAR,
    params_hash VARCHAR,
    backend VARCHAR,
    family VARCHAR,
    batch BIGINT,
    scenario VARCHAR,
    status VARCHAR,
    valid BOOLEAN,
    invalid_reason VARCHAR,
    latency_p50_s DOUBLE,
    latency_p90_s DOUBLE,
    latency_p99_s DOUBLE,
    latency_mean_s DOUBLE,
    latency_min_s DOUBLE,
    end_to_end_p50_s DOUBLE,
    throughput_items_s DOUBLE,
    achieved_flops_s DOUBLE,
    achieved_bytes_s DOUBLE,
    power_w DOUBLE,
    energy_j_per_item DOUBLE,
    error_rel DOUBLE,
    latency_provenance VARCHAR,
    sweep_id VARCHAR,
    task_key VARCHAR,
    schema_version INTEGER,
    quality_verdict VARCHAR,
    record JSON
);
"""

#: Flat columns of ``measurements`` (besides ``record``), in table order.
FLAT_COLUMNS = (
    "measurement_id", "run_id", "created_at", "workload", "kind", "params_hash", "backend", "family",
    "batch", "scenario", "status", "valid", "invalid_reason", "latency_p50_s", "latency_p90_s",
    "latency_p99_s", "latency_mean_s", "latency_min_s", "end_to_end_p50_s", "throughput_items_s",
    "achieved_flops_s", "achieved_bytes_s", "power_w", "energy_j_per_item", "error_rel",
    "latency_provenance", "sweep_id", "task_key", "schema_version", "quality_verdict",
)

#: Columns of ``runs`` that say where a run came from (host/pid/heartbeat detect abandoned runs;
#: commit/branch/dirty/label tie it to the code under test).
ORIGIN_COLUMNS = ("host", "pid", "heartbeat_at", "commit_id", "branch", "dirty", "commit_time", "label")


def _flat(m: Measurement) -> tuple[Any, ...]:
    lat = m.latency
    return (
        m.measurement_id, m.run_id, m.created_at, m.workload, m.kind, m.params_hash, m.backend,
        m.family, m.batch, m.scenario, m.status, m.valid, m.invalid_reason,
        lat.p50_s if lat else None, lat.p90_s if lat else None, lat.p99_s if lat else None,
        lat.mean_s if lat else None, lat.min_s if lat else None,
        m.end_to_end.p50_s if m.end_to_end else None, m.throughput_items_s, m.achieved_flops_s,
        m.achieved_bytes_s, m.power_w, m.energy_j_per_item, m.error.rel if m.error else None,
        m.provenance.get("latency"), m.sweep_id, m.task_key, m.schema_version,
        m.quality.verdict if m.quality else None,
    )


class Store:
    """A DuckDB file holding runs and measurements. Use :func:`open_store`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = con
        self.path = path

    # -- writing -----------------------------------------------------------------------------
    def begin_run(
        self,
        run_id: str,
        command: str,
        environment: dict[str, Any],
        started_at: str,
        origin: dict[str, Any] | None = None,
    ) -> None:
        """Insert a ``running`` run. ``origin`` may give any of :data:`ORIGIN_COLUMNS`; host and
        pid default to this process's, heartbeat to ``started_at``."""
        import os
        import socket

        values = {"host": socket.gethostname(), "pid": os.getpid(), "heartbeat_at": started_at,
                  **{k: v for k, v in (origin or {}).items() if v is not None}}
        unknown = set(values) - set(ORIGIN_COLUMNS)
        if unknown:
            raise ValueError(f"unknown run origin field(s): {', '.join(sorted(unknown))}")
        self.con.execute(
            f"INSERT INTO runs VALUES (?, ?, NULL, ?, 'running', ?, {', '.join('?' for _ in ORIGIN_COLUMNS)})",
            [run_id, started_at, command, json.dumps(environment), *(values.get(k) for k in ORIGIN_COLUMNS)],
        )

    def heartbeat(self, run_id: str, at: str) -> None:
        """Record that the process running ``run_id`` is alive at ``at`` (ISO time)."""
        self.con.execute("UPDATE runs SET heartbeat_at = ? WHERE run_id = ?", [at, run_id])

    def finish_run(self, run_id: str, finished_at: str, status: str = "finished") -> None:
        self.con.execute(
            "UPDATE runs SET finished_at = ?, status = ? WHERE run_id = ?", [finished_at, status, run_id]
        )

    def append(self, measurement: Measurement) -> None:
        """Insert one measurement (committed at once: a crash later loses nothing stored)."""
        placeholders = ", ".join("?" for _ in range(len(FLAT_COLUMNS) + 1))
        self.con.execute(
            f"INSERT INTO measurements VALUES ({placeholders})",
            [*_flat(measurement), json.dumps(measurement.to_json())],
        )

    # -- reading -----------------------------------------------------------------------------
    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first: id, times, command, status, the :data:`ORIGIN_COLUMNS` and
        ``stored`` (how many measurements it stored).

        ``status`` is what to show: a run stored ``running`` whose process is gone is
        ``abandoned`` (:func:`accelbench.results.liveness.run_state`); ``stored_status`` keeps the
        stored value.
        """
        from accelbench.results.liveness import run_state

        keys = ("run_id", "started_at", "finished_at", "command", "status", *ORIGIN_COLUMNS)
        rows = self.con.execute(
            f"SELECT {', '.join('r.' + k for k in keys)}, "
            "(SELECT count(*) FROM measurements m WHERE m.run_id = r.run_id) AS stored "
            "FROM runs r ORDER BY r.started_at, r.rowid"
        ).fetchall()
        out = []
        for row in rows:
            run = dict(zip((*keys, "stored"), row, strict=True))
            run["stored_status"] = run["status"]
            run["status"] = run_state(run)
            out.append(run)
        return out

    def run_info(self, run_id: str) -> dict[str, Any]:
        """One row of :meth:`runs` (status as shown: ``abandoned`` when its process is gone)."""
        for run in self.runs():
            if run["run_id"] == run_id:
                return run
        raise UserError(f"no run {run_id!r} in {self.path}")

    def abandoned_runs(self, run_ids: set[str] | None = None) -> list[dict[str, Any]]:
        """Runs (of ``run_ids`` when given) stored ``running`` whose process is gone."""
        return [run for run in self.runs() if run["stored_status"] == "running" and run["status"] == "abandoned"
                and (run_ids is None or run["run_id"] in run_ids)]

    def mark_abandoned(self, run_id: str) -> None:
        """Store the ``abandoned`` verdict for a run (only a ``running`` row changes)."""
        self.con.execute("UPDATE runs SET status = 'abandoned' WHERE run_id = ? AND status = 'running'", [run_id])

    def sweep_run_ids(self, sweep_id: str) -> set[str]:
        """Ids of the runs that stored measurements under ``sweep_id``."""
        rows = self.con.execute("SELECT DISTINCT run_id FROM measurements WHERE sweep_id = ?", [sweep_id]).fetchall()
        return {str(row[0]) for row in rows}

    def run_environment(self, run_id: str) -> dict[str, Any]:
        rows = self.con.execute("SELECT environment FROM runs WHERE run_id = ?", [run_id]).fetchall()
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}

    def last_run_id(self) -> str:
        rows = self.con.execute(
            "SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1"
        ).fetchall()
        if not rows:
            raise UserError(f"the store {self.path} holds no runs yet")
        return str(rows[0][0])

    def resolve_run(self, run_id: str | None) -> str:
        """``run_id`` if stored (a unique prefix is enough), else the last run when None."""
        if run_id is None:
            return self.last_run_id()
        rows = self.con.execute(
            "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id]
        ).fetchall()
        if not rows:
            raise UserError(f"no run {run_id!r} in {self.path}")
        if len(rows) > 1 and rows[0][0] != run_id:
            raise UserError(f"run id prefix {run_id!r} is ambiguous in {self.path}")
        return str(rows[0][0])

    def measurements(self, run_id: str | None = None, sweep_id: str | None = None) -> list[Measurement]:
        """Stored records (all runs when ``run_id`` is None), in insertion order."""
        sql = "SELECT record FROM measurements"
        clauses, args = [], []
        if run_id is not None:
            clauses.append("run_id = ?")
            args.append(run_id)
        if sweep_id is not None:
            clauses.append("sweep_id = ?")
            args.append(sweep_id)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY created_at, rowid"
        return [Measurement.from_json(json.loads(row[0])) for row in self.con.execute(sql, args).fetchall()]

    def task_keys(self, sweep_id: str, valid_only: bool = False) -> set[str]:
        """Task keys already stored for a sweep (resumable sweeps skip these)."""
        sql = "SELECT task_key FROM measurements WHERE sweep_id = ? AND task_key IS NOT NULL"
        if valid_only:
            sql += " AND status IN ('ok', 'unsupported', 'unavailable', 'invalid')"
        return {str(row[0]) for row in self.con.execute(sql, [sweep_id]).fetchall()}

    def dataframe(self, run_id: str | None = None) -> pd.DataFrame:
        """A tidy pandas DataFrame: one row per measurement, flat columns plus ``params``."""
        import pandas as pd

        sql = f"SELECT {', '.join(FLAT_COLUMNS)}, record->>'$.params' AS params FROM measurements"
        args: list[Any] = []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            args.append(run_id)
        sql += " ORDER BY created_at, rowid"
        rows = self.con.execute(sql, args).fetchall()
        frame = pd.DataFrame(rows, columns=[*FLAT_COLUMNS, "params"])
        frame["params"] = frame["params"].map(lambda text: json.loads(text) if text else {})
        return frame

    # -- export ------------------------------------------------------------------------------
    def export(self, out: Path, run_id: str | None = None, *, cell: Callable[[Any], Any] | None = None) -> Path:
        """Write measurements to ``out`` (.parquet or .csv, chosen by suffix).

        For CSV, every text cell goes through ``cell`` when given (the ``export`` command passes
        :func:`accelbench.report.escape.csv_cell`, which neutralises spreadsheet formulas).
        """
        suffix = out.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise UserError(f"export file must end in .parquet or .csv, got {out.name!r}")
        if out.is_dir():
            raise UserError(f"export target {out} is a directory: give a file name ending in {suffix}")
        where = " WHERE run_id = ?" if run_id else ""
        query = f"SELECT * FROM measurements{where} ORDER BY created_at"
        relation = self.con.execute(query, [run_id] if run_id else [])
        frame = relation.df()
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".parquet":
                frame.to_parquet(out, index=False)
            else:
                if cell is not None:
                    for column in frame.columns:
                        frame[column] = frame[column].map(lambda v: cell(v) if isinstance(v, str) else v)
                frame.to_csv(out, index=False, lineterminator="\r\n")  # RFC 4180: a CR in a cell gets quoted
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
        return out

    def close(self) -> None:
        self.con.close()


def _check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if not rows:
        return
    stored = int(rows[0][0])
    if stored != SCHEMA_VERSION:
        raise UserError(
            f"store {path} has schema version {stored}, this accelbench writes {SCHEMA_VERSION}: "
            f"run `accelbench migrate --store {path}`"
        )


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    return {str(row[0]) for row in rows}


def check_is_store(con: duckdb.DuckDBPyConnection, path: Path, *, empty_ok: bool) -> None:
    """A UserError when the DuckDB file at ``path`` is not an accelbench store.

    An empty database is one (to be initialised) only when ``empty_ok``; a database holding
    other tables is never written into.
    """
    tables = _tables(con)
    if not tables and empty_ok:
        return
    missing = {"meta", "runs", "measurements"} - tables
    if missing:
        raise UserError(
            f"{path} is a DuckDB file but not an accelbench store (no {', '.join(sorted(missing))} table): "
            "pass the store written by `accelbench run` with --store"
        )


@contextmanager
def open_store(path: Path | str = DEFAULT_STORE, *, read_only: bool = False, check: bool = True) -> Iterator[Store]:
    """Open (creating when writable) the store at ``path``; refuses unknown schema versions,
    files that are not accelbench stores, and unusable paths (each one line, a UserError)."""
    import duckdb

    path = Path(path)
    try:
        exists = path.exists()
        is_dir = path.is_dir()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise UserError(f"cannot use store path {path}: {exc.strerror or exc}") from None
    if read_only and not exists:
        raise UserError(f"no store at {path} (run `accelbench run` first, or pass --store)")
    if is_dir:
        raise UserError(f"--store {path} is a directory, not a DuckDB file")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the store's directory {path.parent}: {exc.strerror or exc}") from None
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise UserError(f"cannot open store {path}: {str(exc).splitlines()[0]}") from None
    try:
        try:
            check_is_store(con, path, empty_ok=not read_only)
            if not read_only:
                con.execute(_SCHEMA)
                exists_rows = con.execute("SELECT count(*) FROM meta WHERE key = 'schema_version'").fetchall()
                if exists_rows[0][0] == 0:
                    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            if check:
                _check_schema(con, path)
        except duckdb.Error as exc:
            raise UserError(f"cannot use store {path}: {str(exc).splitlines()[0]}") from None
        yield Store(con, path)
    finally:
        con.close()
