"""Series over runs: one figure of one (workload, backend, batch, scenario) per run, in commit order.

A point is one rankable record (:func:`accelbench.results.rank.rankable`) of a stored run; its
position is the run's commit time (from ``--commit``/git, see :mod:`accelbench.results.origin`),
else the run's start time. Each point carries the run's commit, branch, dirty flag and label, the
record's timing-quality verdict and provenance, and the environment changes since the previous
point of the same series (CPU, host, library versions, intra-op threads, workload definition), so
a step that coincides with a new CPU or a new torch is not blamed on the code.

Steps in a series are found by :mod:`accelbench.results.steps`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from accelbench.results.rank import rankable
from accelbench.results.record import Measurement
from accelbench.results.store import Store


@dataclass(frozen=True)
class Metric:
    """A figure a series can follow: its ``name``, unit, and whether lower values are better."""

    name: str
    unit: str
    lower_is_better: bool
    value: Callable[[Measurement], float | None]
    provenance_key: str


def _p50(m: Measurement) -> float | None:
    return m.latency.p50_s if m.latency is not None else None


METRICS: dict[str, Metric] = {
    "p50": Metric("p50", "s", True, _p50, "latency"),
    "throughput": Metric("throughput", "items/s", False, lambda m: m.throughput_items_s, "throughput_items_s"),
    "energy": Metric("energy", "J/item", True, lambda m: m.energy_j_per_item, "energy_j_per_item"),
}


@dataclass(frozen=True)
class SeriesKey:
    """What one series follows. ``config`` is the backend configuration (empty for most runs)."""

    workload: str
    backend: str
    batch: int
    scenario: str
    metric: str
    config: str = "{}"

    def to_json(self) -> dict[str, Any]:
        return {"workload": self.workload, "backend": self.backend, "batch": self.batch,
                "scenario": self.scenario, "metric": self.metric, "config": json.loads(self.config)}

    def label(self) -> str:
        extra = "" if self.config == "{}" else f" {self.config}"
        return f"{self.workload} on {self.backend} b{self.batch} {self.scenario}{extra}"


@dataclass(frozen=True)
class RunOrigin:
    """A stored run's id, times and origin (the ``runs`` columns) with its environment."""

    run_id: str
    started_at: str
    commit_id: str | None
    branch: str | None
    dirty: bool | None
    commit_time: str | None
    label: str | None
    host: str | None
    environment: dict[str, Any] = field(default_factory=dict)
    #: Insertion order in the store: breaks ties between runs started in the same second.
    inserted: int = 0

    @property
    def time(self) -> str:
        """The time the series is ordered by: the commit time when known, else the run's start."""
        return self.commit_time or self.started_at


@dataclass(frozen=True)
class Point:
    """One run's value (in the metric's unit) with where it came from and how trustworthy it is."""

    run: RunOrigin
    record: Measurement
    value: float
    #: What changed since the previous point of the series (empty for the first).
    changes: tuple[str, ...] = ()

    @property
    def quality(self) -> str | None:
        return self.record.quality.verdict if self.record.quality is not None else None

    @property
    def ci_rel(self) -> float | None:
        return self.record.quality.ci_rel if self.record.quality is not None else None

    def to_json(self, metric: Metric) -> dict[str, Any]:
        return {
            "run_id": self.run.run_id, "commit": self.run.commit_id, "branch": self.run.branch,
            "dirty": self.run.dirty, "label": self.run.label, "time": self.run.time, "value": self.value,
            "quality": self.quality, "provenance": self.record.provenance.get(metric.provenance_key, "unknown"),
            "measurement_id": self.record.measurement_id, "environment_changes": list(self.changes),
        }


@dataclass(frozen=True)
class Series:
    key: SeriesKey
    metric: Metric
    points: tuple[Point, ...]


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (a bare date is midnight UTC; no offset means UTC) as an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def order_key(run: RunOrigin) -> tuple[datetime, datetime, int, str]:
    """Sort key of runs: commit time (else start time), then start time, then the order they were
    stored in, then id (an unreadable time sorts first)."""
    return _safe_time(run.time), _safe_time(run.started_at), run.inserted, run.run_id


def _safe_time(text: str | None) -> datetime:
    try:
        return parse_time(text or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def run_origins(store: Store) -> list[RunOrigin]:
    """Every stored run with its origin and environment, in commit-time order."""
    rows = store.con.execute("SELECT run_id, rowid FROM runs").fetchall()
    inserted = {str(run_id): int(rowid) for run_id, rowid in rows}
    runs = []
    for row in store.runs():
        runs.append(RunOrigin(
            row["run_id"], row["started_at"], row.get("commit_id"), row.get("branch"), row.get("dirty"),
            row.get("commit_time"), row.get("label"), row.get("host"), store.run_environment(row["run_id"]),
            inserted.get(row["run_id"], 0),
        ))
    return sorted(runs, key=order_key)


def _threads(point: Point) -> Any:
    threads = point.record.threads
    if threads:
        return threads
    return (point.run.environment.get("threads") or {}).get("affinity")


def environment_changes(before: Point, after: Point) -> tuple[str, ...]:
    """What differs between two points' environments, in words: CPU, host, library versions,
    intra-op threads and the workload definition (params hash)."""
    out: list[str] = []
    env_a, env_b = before.run.environment, after.run.environment
    if env_a.get("cpu") and env_b.get("cpu") and env_a["cpu"] != env_b["cpu"]:
        out.append(f"CPU {env_a['cpu']} -> {env_b['cpu']}")
    if before.run.host and after.run.host and before.run.host != after.run.host:
        out.append(f"host {before.run.host} -> {after.run.host}")
    packages_a, packages_b = env_a.get("packages") or {}, env_b.get("packages") or {}
    if packages_a and packages_b:
        for name in sorted(set(packages_a) | set(packages_b)):
            old, new = packages_a.get(name), packages_b.get(name)
            if old != new:
                out.append(f"{name} {old or 'absent'} -> {new or 'absent'}")
    threads_a, threads_b = _threads(before), _threads(after)
    if threads_a is not None and threads_b is not None and threads_a != threads_b:
        out.append(f"threads {json.dumps(threads_a, sort_keys=True)} -> {json.dumps(threads_b, sort_keys=True)}")
    if before.record.params_hash != after.record.params_hash:
        out.append(f"workload definition changed (params hash {before.record.params_hash} -> "
                   f"{after.record.params_hash})")
    return tuple(out)


def _since(run: RunOrigin, since: datetime | None) -> bool:
    return since is None or _safe_time(run.time) >= since


def build_series(
    runs: Sequence[RunOrigin],
    records: Iterable[Measurement],
    metric: str = "p50",
    *,
    workloads: set[str] | None = None,
    backends: set[str] | None = None,
    since: datetime | None = None,
    last: int | None = None,
) -> list[Series]:
    """Series of ``metric`` from ``records`` of ``runs`` (already in commit order).

    Only rankable records with the figure enter. ``workloads``/``backends`` filter by name;
    ``since`` keeps runs whose commit (else start) time is at or after it; ``last`` keeps the
    last N points of each series. Series come sorted by key.
    """
    chosen = METRICS[metric]
    position = {run.run_id: i for i, run in enumerate(runs)}
    by_key: dict[SeriesKey, list[tuple[int, Measurement]]] = {}
    for m in records:
        if m.run_id not in position or not rankable(m):
            continue
        if workloads is not None and m.workload not in workloads:
            continue
        if backends is not None and m.backend not in backends:
            continue
        value = chosen.value(m)
        if value is None or not value > 0:
            continue
        if not _since(runs[position[m.run_id]], since):
            continue
        key = SeriesKey(m.workload, m.backend, m.batch, m.scenario, metric,
                        json.dumps(m.config, sort_keys=True, default=str))
        by_key.setdefault(key, []).append((position[m.run_id], m))
    out = []
    for key in sorted(by_key, key=lambda k: (k.workload, k.backend, k.batch, k.scenario, k.config)):
        entries = sorted(by_key[key], key=lambda item: (item[0], item[1].created_at))
        if last is not None:
            entries = entries[-last:]
        points: list[Point] = []
        for index, m in entries:
            value = chosen.value(m)
            assert value is not None
            point = Point(runs[index], m, float(value))
            if points:
                point = Point(point.run, m, point.value, environment_changes(points[-1], point))
            points.append(point)
        out.append(Series(key, chosen, tuple(points)))
    return out


def load_series(
    store: Store,
    metric: str = "p50",
    *,
    workloads: set[str] | None = None,
    backends: set[str] | None = None,
    since: datetime | None = None,
    last: int | None = None,
) -> list[Series]:
    """:func:`build_series` over every run and record of ``store`` (only ``ok`` records of the
    asked workloads and backends are read)."""
    return build_series(run_origins(store), _ok_records(store, workloads, backends), metric, workloads=workloads,
                        backends=backends, since=since, last=last)


def _ok_records(store: Store, workloads: set[str] | None, backends: set[str] | None) -> list[Measurement]:
    """Stored records with status ``ok`` (the only ones that can be rankable), filtered in SQL."""
    sql, args = "SELECT record FROM measurements WHERE status = 'ok'", []
    for column, names in (("workload", workloads), ("backend", backends)):
        if names is not None:
            sql += f" AND {column} IN ({', '.join('?' for _ in names) or 'NULL'})"
            args.extend(sorted(names))
    rows = store.con.execute(sql + " ORDER BY created_at, rowid", args).fetchall()
    return [Measurement.from_json(json.loads(row[0])) for row in rows]
